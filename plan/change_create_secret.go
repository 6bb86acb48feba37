package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// The create-secret change kind: a Secrets Manager secret holding values moved out of a revision's
// environment (ECS.8, the plaintext-credentials exposure).

// CreateSecret creates (or, on resume, finds and verifies) a Secrets Manager secret holding values
// moved out of a revision's environment.
const CreateSecret ActionType = "create-secret"

// CreateSecretChange creates a Secrets Manager secret from values of a source revision's environment.
// The plan holds where each value is (source revision and path), never the value nor anything derived
// from it: the applier reads the values from the source revisions, which are immutable, at apply time.
type CreateSecretChange struct {
	Name     string `json:"name"`
	KmsKeyID string `json:"kmsKeyId,omitempty"`
	// JSON is true when the secret holds a JSON object with one key per variable (one secret per
	// container); false when it holds one variable's value as plain text.
	JSON   bool                `json:"json"`
	Values []SecretValueSource `json:"values"`
	// Tags say where the secret came from (source revision, container).
	Tags map[string]string `json:"tags,omitempty"`
}

// SecretValueSource is where one value of a secret comes from.
type SecretValueSource struct {
	Key        string `json:"key"` // the variable's name (the JSON key when JSON)
	SourceArn  string `json:"sourceArn"`
	SourcePath string `json:"sourcePath"` // e.g. containerDefinitions[0].environment[2].value
}

// Touches implements Change: the revisions the values come from.
func (c *CreateSecretChange) Touches() []string {
	var r []string
	for _, v := range c.Values {
		r = append(r, v.SourceArn)
	}
	return r
}

// Writes implements Change: the secret (its name; its ARN is known once created).
func (c *CreateSecretChange) Writes(a *Action) []string { return uniqueStrings(a.Resource, c.Name) }

// Facts implements Change: the status of each revision a value comes from.
func (c *CreateSecretChange) Facts(*Action) []FactCheck {
	var out []FactCheck
	for _, arn := range uniqueStrings(c.Touches()...) {
		out = append(out, FactCheck{Resource: arn, ResourceType: detect.TypeTaskDefinition, Facts: []string{FactStatus}})
	}
	return out
}

// Rederivable implements Change: see Rebuild.
func (c *CreateSecretChange) Rederivable() bool { return true }

var _ Rebuilder[map[string]*detect.TaskDefinition, string] = (*CreateSecretChange)(nil)

// Rebuild is the secret's value, from the source revisions read at apply time (by ARN): each value read
// at its SourcePath, the entry there named Key (SecretString).
func (c *CreateSecretChange) Rebuild(sources map[string]*detect.TaskDefinition) (string, error) {
	return c.SecretString(sources)
}

func (c *CreateSecretChange) implicitDependencies() []string { return nil }

// hasKey reports whether the secret has a value of that (non-empty) key.
func (c *CreateSecretChange) hasKey(key string) bool {
	for _, v := range c.Values {
		if v.Key == key {
			return key != ""
		}
	}
	return false
}

// validate checks a create-secret payload: a name, values each with a key (unique) and a source,
// exactly one value for a plain-text secret.
func (c *CreateSecretChange) validate(*Action, map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Name == "" {
		bad("createSecret: name is required")
	}
	if len(c.Values) == 0 {
		bad("createSecret: values is empty")
	}
	if !c.JSON && len(c.Values) > 1 {
		bad("createSecret: a plain-text secret (json false) holds one value, not %d", len(c.Values))
	}
	keys := distinct{}
	for i, v := range c.Values {
		if err := keys.check(fmt.Sprintf("createSecret: value %d", i+1), "key", v.Key, "value"); err != nil {
			errs = append(errs, err)
		}
		if _, err := detect.ParseTaskDefinitionARN(v.SourceArn); err != nil {
			bad("createSecret: value %d (%s): sourceArn: %v", i+1, v.Key, err)
		}
		if _, err := parseJSONPath(v.SourcePath); err != nil {
			bad("createSecret: value %d (%s): sourcePath: %v", i+1, v.Key, err)
		}
	}
	return errs
}

// validateControls: ECS.8 and the plaintext-credentials exposure.
func (c *CreateSecretChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a create-secret action", detect.ECS8ID, detect.ExposurePlaintextCredentialsID)
}

// riskFloor: the highest risk of ECS.8 and its Controls (high when it names a control other than ECS.8
// and the plaintext-credentials exposure, or none).
func (c *CreateSecretChange) riskFloor(_ *Plan, a *Action, overrides map[string]Risk) RiskFloor {
	if f, bad := controlsFloor(a, "a create-secret action", detect.ECS8ID, detect.ExposurePlaintextCredentialsID); bad {
		return f
	}
	var f RiskFloor
	what := "it creates the secret " + c.Name + " from plaintext values of a task definition"
	f.raiseControl(detect.ECS8ID, what, overrides)
	for _, id := range a.Controls {
		if r, _ := controlRiskWhy(id, overrides); r.Rank() > f.Risk.Rank() {
			f.raiseControl(id, what, overrides)
		}
	}
	return f
}

func (c *CreateSecretChange) details() changeDetails {
	var out [][2]string
	out = append(out, [2]string{"secret", c.Name})
	if c.JSON {
		out = append(out, [2]string{"holds", "a JSON object, one key per variable"})
	} else {
		out = append(out, [2]string{"holds", "one value, as plain text"})
	}
	for _, v := range c.Values {
		out = append(out, [2]string{"key", v.Key + "  from " + v.SourcePath + " in " + detect.ShortARN(v.SourceArn)})
	}
	kms := "aws/secretsmanager (the account's default key)"
	if c.KmsKeyID != "" {
		kms = c.KmsKeyID
	}
	out = append(out, [2]string{"kms key", kms})
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		out = append(out, [2]string{"tag", k + "=" + c.Tags[k]})
	}
	return changeDetails{rows: out}
}

func (c *CreateSecretChange) diff() (string, error) { return "", nil }

// rederive implements rederiver: a secret that a registration of the plan refers to (a secretRef from
// it), whose value is rebuilt from the source revisions read (Rebuild: each value taken at its
// sourcePath and checked to fill the same place). Nothing of the value is kept or returned.
func (c *CreateSecretChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the secret"
	used := false
	for i := range p.Actions {
		if r := p.Actions[i].RegisterTaskDefinition; p.Actions[i].Type == RegisterTaskDefinition && r != nil {
			for _, ref := range r.SecretRefs {
				used = used || ref.From == a.ID
			}
		}
	}
	if !used {
		return rederiveFail(a, what, "createSecret", "is a secret no registration of the plan refers to")
	}
	// Its name and key come from the applier's configuration, never from the plan: a secret named
	// under another prefix (one others may read) or encrypted with another key is refused.
	prefix, key := st.Config.secretSettings()
	if !strings.HasPrefix(c.Name, prefix+"/") {
		return rederiveFail(a, what, "createSecret.name", "is %s, not under fix.secrets.name_prefix %s/", c.Name, prefix)
	}
	if c.KmsKeyID != key {
		return rederiveFail(a, what, "createSecret.kmsKeyId", "is %q; fix.secrets.kms_key_id is %q", c.KmsKeyID, key)
	}
	if _, err := c.Rebuild(st.TaskDefinitions); err != nil {
		return rederiveFail(a, what, "createSecret.values", "%v", err)
	}
	return nil
}
