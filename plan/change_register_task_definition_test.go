package plan

import (
	"encoding/json"
	"strings"
	"testing"
)

// Tests of the register-task-definition change kind: its validation (documents, masked places, secret
// references), the controls it may carry, its risk floor, its diff, and the plan lookups built on it.

const (
	regExecRole = "arn:aws:iam::123456789012:role/exec"
	regBefore   = `{"family":"web","executionRoleArn":"exec","containerDefinitions":[{"name":"web","image":"nginx","environment":[{"name":"A","value":"(masked)"},{"name":"B","value":"(masked)"}]}]}`
	regAfter    = `{"family":"web","executionRoleArn":"exec","containerDefinitions":[{"name":"web","image":"nginx","readonlyRootFilesystem":true,"environment":[{"name":"A","value":"(masked)"},{"name":"B","value":"(masked)"}],"secrets":[{"name":"K","valueFrom":"(secret from s1)"},{"name":"P","valueFrom":"(secret from s2)"}]}]}`
)

func regChange(f func(r *RegisterTaskDefinitionChange)) Action {
	r := &RegisterTaskDefinitionChange{SourceArn: fxWeb3, Family: "web", Before: json.RawMessage(regBefore), After: json.RawMessage(regAfter),
		Edits: []Edit{{Control: "ECS.5", Path: "containerDefinitions[web].readonlyRootFilesystem", Change: "absent → true"}},
		Masked: []Masked{
			{Path: "containerDefinitions[0].environment[0].value", SourcePath: "containerDefinitions[0].environment[0].value"},
			{Path: "containerDefinitions[0].environment[1].value", SourcePath: "containerDefinitions[0].environment[1].value"},
		},
		SecretRefs: []SecretRef{
			{Path: "containerDefinitions[0].secrets[0].valueFrom", From: "s1", Key: "K"},
			{Path: "containerDefinitions[0].secrets[1].valueFrom", From: "s2"},
		}}
	if f != nil {
		f(r)
	}
	return Action{ID: "r1", Type: RegisterTaskDefinition, Account: fxAccount, Region: fxRegion, Resource: fxWeb3,
		Controls: []string{"ECS.5"}, Risk: RiskHigh, Summary: "register", RegisterTaskDefinition: r}
}

// secretActions are create-secret actions s1 (a JSON object with the key K) and s2 (plain text).
func secretActions() []Action {
	v := func(key string) SecretValueSource {
		return SecretValueSource{Key: key, SourceArn: fxWeb3, SourcePath: "containerDefinitions[0].environment[0].value"}
	}
	mk := func(id string, json bool, vals ...SecretValueSource) Action {
		return Action{ID: id, Type: CreateSecret, Resource: "secret-" + id, Controls: []string{"ECS.8"}, Risk: RiskMedium,
			CreateSecret: &CreateSecretChange{Name: "ecsfix/" + id, JSON: json, Values: vals}}
	}
	return []Action{mk("s1", true, v("K"), v("L")), mk("s2", false, v("P"))}
}

func TestRegisterTaskDefinitionValidate(t *testing.T) {
	secrets := secretActions()
	ensure := Action{ID: "s3", Type: EnsureLogGroup, Resource: "lg", Controls: []string{"ECS.9"}, Risk: RiskLow, EnsureLogGroup: &EnsureLogGroupChange{Name: "/x"}}
	valueAt := func(doc, old, new string) json.RawMessage { return json.RawMessage(strings.Replace(doc, old, new, 1)) }
	cases := []vcase{
		{"valid", secrets, regChange(nil), ""},
		{"no source", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SourceArn = "" }), "sourceArn and family are required"},
		{"no family", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.Family = "" }), "sourceArn and family are required"},
		{"no before", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.Before = nil }), "registerTaskDefinition: before: missing"},
		{"no after", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.After = json.RawMessage("[]") }), "registerTaskDefinition: after: not a JSON object"},
		{"masked path", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.Masked[1].Path = "" }), "masked 2: path: empty path"},
		{"masked source path", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.Masked[1].SourcePath = "" }), "masked 2: sourcePath: empty path"},
		{"no placeholder at the masked path", secrets, regChange(func(r *RegisterTaskDefinitionChange) {
			r.Masked[1].Path = "containerDefinitions[0].environment[5].value"
		}),
			"after has no placeholder at masked path containerDefinitions[0].environment[5].value"},
		{"a value at the masked path", secrets, regChange(func(r *RegisterTaskDefinitionChange) {
			r.After = valueAt(regAfter, `{"name":"B","value":"(masked)"}`, `{"name":"B","value":"hunter2"}`)
		}), "after holds a value at masked path containerDefinitions[0].environment[1].value"},
		{"a value at the masked source path", secrets, regChange(func(r *RegisterTaskDefinitionChange) {
			r.Before = valueAt(regBefore, `{"name":"B","value":"(masked)"}`, `{"name":"B","value":"hunter2"}`)
		}), "before holds a value at masked path containerDefinitions[0].environment[1].value"},
		{"a masked source path not in before", secrets, regChange(func(r *RegisterTaskDefinitionChange) {
			r.Masked[1].SourcePath = "containerDefinitions[0].environment[7].value"
		}), ""},
		{"secret ref path", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[0].Path = ""; r.SecretRefs[1].From = "s9" }), "secret ref 1: path: empty path"},
		{"the second secret ref after a bad path", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[0].Path = ""; r.SecretRefs[1].From = "s9" }), `secret ref 2 (containerDefinitions[0].secrets[1].valueFrom): from "s9" is not an earlier create-secret action`},
		{"secret ref from no action", nil, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs = r.SecretRefs[:1] }), `secret ref 1 (containerDefinitions[0].secrets[0].valueFrom): from "s1" is not an earlier create-secret action`},
		{"secret ref from another kind", []Action{ensure}, regChange(func(r *RegisterTaskDefinitionChange) {
			r.SecretRefs = []SecretRef{{Path: r.SecretRefs[0].Path, From: "s3"}}
		}), `from "s3" is not an earlier create-secret action`},
		{"a key the JSON secret lacks", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[0].Key = "M" }), `secret ref 1 (containerDefinitions[0].secrets[0].valueFrom): key "M" is not a key of the JSON secret of s1`},
		{"no key of a JSON secret", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[0].Key = "" }), `key "" is not a key of the JSON secret of s1`},
		{"the second key of a JSON secret", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[0].Key = "L" }), ""},
		{"a key of a plain-text secret", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[1].Key = "P" }), `secret ref 2 (containerDefinitions[0].secrets[1].valueFrom): the secret of s2 is plain text, it has no key "P"`},
		{"no placeholder at the ref", secrets, regChange(func(r *RegisterTaskDefinitionChange) {
			r.SecretRefs[1].Path = "containerDefinitions[0].secrets[4].valueFrom"
		}),
			`secret ref 2: after does not hold the placeholder "(secret from s2)" at containerDefinitions[0].secrets[4].valueFrom`},
		{"another placeholder at the ref", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs[1].Path = r.SecretRefs[0].Path }),
			`secret ref 2: after does not hold the placeholder "(secret from s2)"`},
		{"an unknown control", secrets, func() Action { a := regChange(nil); a.Controls = []string{"ECS.5", "ECS.12"}; return a }(), `"ECS.12" is not a control that a new task-definition revision fixes`},
		{"an edit's unknown control", secrets, regChange(func(r *RegisterTaskDefinitionChange) { r.Edits = append(r.Edits, Edit{Control: "ECS.10"}) }), `edit 2: control "ECS.10" is not a control that a new task-definition revision fixes`},
	}
	checkValidate(t, cases)
	// A secret ref whose create-secret action has no payload.
	bare := secrets[0]
	bare.CreateSecret = nil
	r := regChange(func(r *RegisterTaskDefinitionChange) { r.SecretRefs = r.SecretRefs[:1] })
	if errs := r.RegisterTaskDefinition.validate(&r, map[string]*Action{"s1": &bare}); !strings.Contains(errorsText(errs), `from "s1" is not an earlier create-secret action`) {
		t.Errorf("a create-secret without payload: %v", errs)
	}
}

func errorsText(errs []error) string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}

func TestRegisterTaskDefinitionRiskFloor(t *testing.T) {
	reg := func(controls []string, edits ...string) Action {
		a := regChange(func(r *RegisterTaskDefinitionChange) {
			r.Edits = nil
			for _, c := range edits {
				r.Edits = append(r.Edits, Edit{Control: c})
			}
		})
		a.Controls = controls
		return a
	}
	checkRisk(t, []rcase{
		{"ECS.5", nil, reg([]string{"ECS.5"}, "ECS.5"), nil, RiskMedium},
		{"ECS.5 overridden", nil, reg([]string{"ECS.5"}, "ECS.5"), map[string]Risk{"ECS.5": RiskLow}, RiskLow},
		{"an edit of a higher control", nil, reg([]string{"ECS.5"}, "ECS.5", "ECS.4"), map[string]Risk{"ECS.5": RiskLow}, RiskHigh},
		{"a higher control, edits lower", nil, reg([]string{"ECS.4", "ECS.5"}, "ECS.5"), map[string]Risk{"ECS.5": RiskLow}, RiskHigh},
		{"controls only", nil, reg([]string{"ECS.5", "ECS.3"}), map[string]Risk{"ECS.3": RiskLow}, RiskMedium},
		{"edits only", nil, reg(nil, "ECS.3"), map[string]Risk{"ECS.3": RiskLow}, RiskLow},
		{"nothing named", nil, reg(nil), nil, RiskHigh},
		{"a control without a fix", nil, reg([]string{"ECS.13"}), nil, RiskHigh},
	})
}

func TestRegisterTaskDefinitionDiffAndDetails(t *testing.T) {
	a := regChange(func(r *RegisterTaskDefinitionChange) {
		r.Before = json.RawMessage(strings.Replace(regBefore, `{"name":"B","value":"(masked)"}`, `{"name":"B","value":"hunter2"}`, 1))
		r.After = json.RawMessage(strings.Replace(regAfter, `{"name":"A","value":"(masked)"}`, `{"name":"A","value":"swordfish"}`, 1))
	})
	d, err := a.RegisterTaskDefinition.diff()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"--- task-definition/web:3", "+++ task-definition/web (new revision)", `"readonlyRootFilesystem": true`} {
		if !strings.Contains(d, s) {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	for _, s := range []string{"hunter2", "swordfish"} {
		if strings.Contains(d, s) {
			t.Errorf("diff shows the masked value %q:\n%s", s, d)
		}
	}
	for _, bad := range []func(r *RegisterTaskDefinitionChange){
		func(r *RegisterTaskDefinitionChange) { r.Before = nil },
		func(r *RegisterTaskDefinitionChange) { r.After = json.RawMessage(`"x"`) },
	} {
		if _, err := regChange(bad).RegisterTaskDefinition.diff(); err == nil || !strings.Contains(err.Error(), "task definition "+fxWeb3) {
			t.Errorf("diff of a bad document: %v", err)
		}
	}
	det := a.RegisterTaskDefinition.details()
	if det.source != "web:3" || len(det.edits) != 1 || len(det.masked) != 2 || len(det.secretRefs) != 2 || det.rows != nil {
		t.Errorf("details = %+v", det)
	}
}

func TestRegistrationLookups(t *testing.T) {
	reg := regChange(nil)
	other := reg
	other.ID, other.Account = "r2", "999999999999"
	svc := fixtureAction(t, "a4")
	bare := reg
	bare.ID, bare.RegisterTaskDefinition = "r3", nil
	if f, ok := registrationFamily(&reg); !ok || f != fxAccount+"\x00"+fxRegion+"\x00web" {
		t.Errorf("registrationFamily = %q, %v", f, ok)
	}
	if f2, _ := registrationFamily(&other); f2 == fxAccount+"\x00"+fxRegion+"\x00web" {
		t.Error("registrationFamily ignores the account")
	}
	for _, a := range []Action{svc, bare} {
		if _, ok := registrationFamily(&a); ok {
			t.Errorf("registrationFamily(%s) is a family", a.ID)
		}
	}
	p := &Plan{Actions: []Action{svc, bare, reg, other}}
	if got := p.registrationAction("r1"); got != &p.Actions[2] {
		t.Errorf("registrationAction(r1) = %v", got)
	}
	if got := p.registrationAction("r2"); got != &p.Actions[3] {
		t.Errorf("registrationAction(r2) = %v", got)
	}
	for _, id := range []string{"", "a4", "r3", "r9"} {
		if p.registrationAction(id) != nil {
			t.Errorf("registrationAction(%q) is not nil", id)
		}
	}
	if (*Plan)(nil).registrationAction("r1") != nil {
		t.Error("a nil plan has a registration")
	}

	withRoles := func(before, after string) Action {
		return regChange(func(r *RegisterTaskDefinitionChange) {
			r.Before, r.After = json.RawMessage(before), json.RawMessage(after)
		})
	}
	tests := []struct {
		name    string
		actions []Action
		role    string
		want    bool
	}{
		{"a role name in before and after", []Action{reg}, regExecRole, true},
		{"an ARN in after", []Action{withRoles(`{}`, `{"executionRoleArn":"`+regExecRole+`"}`)}, regExecRole, true},
		{"an ARN in before", []Action{withRoles(`{"executionRoleArn":"`+regExecRole+`"}`, `{}`)}, regExecRole, true},
		{"after not JSON, before names it", []Action{withRoles(`{"executionRoleArn":"exec"}`, `{`)}, regExecRole, true},
		{"after empty, before names it", []Action{withRoles(`{"executionRoleArn":"exec"}`, ``)}, regExecRole, true},
		{"an after that does not decode names no role", []Action{withRoles(`{}`, `{"executionRoleArn":"`+regExecRole+`","executionRoleArn":5}`)}, regExecRole, false},
		{"another role", []Action{reg}, "arn:aws:iam::123456789012:role/other", false},
		{"no role asked", []Action{reg}, "", false},
		{"no role named", []Action{withRoles(`{}`, `{}`)}, regExecRole, false},
		{"a registration without payload first", []Action{bare, svc, reg}, regExecRole, true},
		{"not a registration", []Action{func() Action { a := reg; a.Type = UpdateService; return a }()}, regExecRole, false},
	}
	for _, tt := range tests {
		p := &Plan{Actions: tt.actions}
		if got := p.isExecutionRole(tt.role); got != tt.want {
			t.Errorf("%s: isExecutionRole = %v", tt.name, got)
		}
	}
	if (*Plan)(nil).isExecutionRole(regExecRole) {
		t.Error("a nil plan has an execution role")
	}
	// Registrations are re-derived (RebuildRegistration) since issue 8.
	if !reg.RegisterTaskDefinition.Rederivable() || reg.RegisterTaskDefinition.implicitDependencies() != nil {
		t.Error("a registration is not re-derivable, or has implicit dependencies")
	}
}
