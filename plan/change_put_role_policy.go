package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// The put-role-policy change kind: the inline policy ecsfix owns on a role (the execution role's access
// to moved secrets and to log groups). The document functions (Resolve, Document, MergePolicy) are in
// policy.go.

// PutRolePolicy creates or updates the inline policy ecsfix owns on a role (the execution role's
// access to moved secrets and to log groups).
const PutRolePolicy ActionType = "put-role-policy"

// OwnedPolicyName is the name of the inline role policy ecsfix owns and updates.
const OwnedPolicyName = "ecsfix"

// PutRolePolicyChange makes the ecsfix-owned inline policy (OwnedPolicyName) of a role hold Statements,
// in addition to whatever statements of other Sids it already holds.
type PutRolePolicyChange struct {
	Role       string `json:"role"` // ARN
	PolicyName string `json:"policyName"`
	// Before is the policy's document when planned ("" when the role had no such policy).
	Before     string            `json:"before,omitempty"`
	Statements []PolicyStatement `json:"statements"`
}

// PolicyStatement is an Allow statement the owned policy must hold. ResourcesFrom names create-secret
// actions whose secret ARNs are added to Resources when applying.
type PolicyStatement struct {
	Sid           string   `json:"sid"`
	Actions       []string `json:"actions"`
	Resources     []string `json:"resources,omitempty"`
	ResourcesFrom []string `json:"resourcesFrom,omitempty"`
}

// Touches implements Change: the role.
func (c *PutRolePolicyChange) Touches() []string { return []string{c.Role} }

// Writes implements Change: the role.
func (c *PutRolePolicyChange) Writes(a *Action) []string { return uniqueStrings(a.Resource, c.Role) }

// Facts implements Change: the hash of the role's owned policy (RoleFacts).
func (c *PutRolePolicyChange) Facts(*Action) []FactCheck {
	return []FactCheck{{Resource: c.Role, ResourceType: detect.TypeRole, Facts: []string{FactOwnedPolicy}}}
}

// Rederivable implements Change: see Rebuild.
func (c *PutRolePolicyChange) Rederivable() bool { return true }

// RolePolicyBefore is what Rebuild of a put-role-policy starts from: the owned policy's document read at
// apply time ("" when the role has none), and the ARNs of the secrets earlier actions created, by action
// id.
type RolePolicyBefore struct {
	Document   string
	SecretArns map[string]string
}

var _ Rebuilder[RolePolicyBefore, string] = (*PutRolePolicyChange)(nil)

// Rebuild is the owned policy's document to put: the one read with the plan's statements merged in
// (Document).
func (c *PutRolePolicyChange) Rebuild(before RolePolicyBefore) (string, error) {
	return c.Document(before.Document, before.SecretArns)
}

func (c *PutRolePolicyChange) implicitDependencies() []string { return nil }

// validate checks a put-role-policy payload: a role, the owned policy (ecsfix never writes another),
// statements each with a Sid, actions and resources, ResourcesFrom naming earlier create-secret actions.
func (c *PutRolePolicyChange) validate(_ *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := checkRoleArn(c.Role); err != nil {
		bad("putRolePolicy: role: %v", err)
	}
	if c.PolicyName != OwnedPolicyName {
		bad("putRolePolicy: policyName is %q: ecsfix writes only its own policy %q", c.PolicyName, OwnedPolicyName)
	}
	if len(c.Statements) == 0 {
		bad("putRolePolicy: statements is empty")
	}
	sids := distinct{}
	for i, st := range c.Statements {
		if err := sids.check(fmt.Sprintf("putRolePolicy: statement %d", i+1), "sid", st.Sid, "statement"); err != nil {
			errs = append(errs, err)
		}
		if len(st.Actions) == 0 {
			bad("putRolePolicy: statement %d: actions is empty", i+1)
		}
		if len(st.Resources)+len(st.ResourcesFrom) == 0 {
			bad("putRolePolicy: statement %d: no resources", i+1)
		}
		for _, id := range st.ResourcesFrom {
			if e := earlier[id]; e == nil || e.Type != CreateSecret {
				bad("putRolePolicy: statement %d: resourcesFrom %q is not an earlier create-secret action", i+1, id)
			}
		}
	}
	if c.Before != "" {
		if _, err := decodeObject([]byte(c.Before)); err != nil {
			bad("putRolePolicy: before: %v", err)
		}
	}
	return errs
}

// iamRoleArnPattern is an IAM role's ARN: a partition, a 12-digit account, an optional path (segments of
// printable ASCII) and a role name of 1 to 64 of the characters IAM allows ([\w+=,.@-]).
var iamRoleArnPattern = regexp.MustCompile(`^arn:[a-z0-9-]+:iam::\d{12}:role/(?:[\x21-\x2E\x30-\x7E]+/)*([\w+=,.@-]{1,64})$`)

// checkRoleArn says why arn is not an IAM role's ARN (nil when it is): the role a put-role-policy action
// writes to and the execution role the secrets and logging fixes grant must be one IAM could name, never
// a template placeholder or an unrendered value ("arn:aws:iam::ACCOUNT_ID:role/…", "<YOUR_ROLE>").
func checkRoleArn(arn string) error {
	if p, ok := detect.FindPlaceholder(arn); ok {
		return fmt.Errorf("%q holds %s: it is not a role until the template is rendered", arn, p.Describe())
	}
	if !iamRoleArnPattern.MatchString(arn) {
		return fmt.Errorf("%q is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME: a 12-digit account, a name of 1 to 64 letters, digits and +=,.@_-)", arn)
	}
	return nil
}

// validateControls: ECS.8, the plaintext-credentials exposure (access to moved secrets) and ECS.9
// (access to log groups).
func (c *PutRolePolicyChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a put-role-policy action", detect.ECS8ID, detect.ExposurePlaintextCredentialsID, detect.ECS9ID)
}

// riskFloor: medium when it writes the owned policy of the execution role of a registration of this
// plan and every statement is exactly one ecsfix plans (ownedStatement), high otherwise, each failed
// condition named.
func (c *PutRolePolicyChange) riskFloor(p *Plan, _ *Action, _ map[string]Risk) RiskFloor {
	var f RiskFloor
	if c.PolicyName != OwnedPolicyName {
		f.raise(RiskHigh, fmt.Sprintf("it writes the policy %q, not ecsfix's own %q", c.PolicyName, OwnedPolicyName))
	}
	if len(c.Statements) == 0 {
		f.raise(RiskHigh, "it names no statement")
	}
	if !p.isExecutionRole(c.Role) {
		f.raise(RiskHigh, fmt.Sprintf("the role %s is the execution role of no registration of this plan", c.Role))
	}
	for i, st := range c.Statements {
		if why := p.ownedStatementWhy(c.Role, st); why != "" {
			f.raise(RiskHigh, fmt.Sprintf("statement %d (sid %q): %s", i+1, st.Sid, why))
		}
	}
	if f.Risk == "" {
		f.raise(RiskMedium, fmt.Sprintf("it grants the execution role %s only what the plan's own secrets and log groups need (a role grant is never low)", detect.ShortARN(c.Role)))
	}
	return f
}

// details: the grants on secrets still to be created (text rendering only).
func (c *PutRolePolicyChange) details() changeDetails {
	var grants [][2]string
	for _, st := range c.Statements {
		for _, id := range st.ResourcesFrom {
			grants = append(grants, [2]string{"grant", st.Sid + ": " + strings.Join(st.Actions, ", ") + " on " + resourcePlaceholder(id)})
		}
	}
	return changeDetails{grants: grants}
}

// diff diffs the owned policy's document before and after, the ARNs of secrets still to be created
// shown as "(ARN of the secret created by aN)".
func (c *PutRolePolicyChange) diff() (string, error) {
	placeholders := map[string]string{}
	for _, st := range c.Statements {
		for _, id := range st.ResourcesFrom {
			placeholders[id] = resourcePlaceholder(id)
		}
	}
	before := ""
	if strings.TrimSpace(c.Before) != "" {
		b, _, err := MergePolicy(c.Before, nil)
		if err != nil {
			return "", fmt.Errorf("role %s: before: %w", c.Role, err)
		}
		before = b
	}
	after, err := c.Document(c.Before, placeholders)
	if err != nil {
		return "", fmt.Errorf("role %s: %w", c.Role, err)
	}
	name := "role/" + detect.ShortARN(c.Role) + " policy " + c.PolicyName
	return unifiedDiff(name+" (now)", name+" (after)", before, after)
}

// sidActions are the exact actions of each statement ecsfix puts in the policy it owns: what a
// put-role-policy action may grant and still be medium risk.
var sidActions = map[string][]string{
	SidReadSecrets:    {"secretsmanager:GetSecretValue"},
	SidDecryptSecrets: {"kms:Decrypt"},
	SidWriteLogs:      {"logs:CreateLogStream", "logs:PutLogEvents"},
}

var (
	logStreamsResource = regexp.MustCompile(`^arn:([a-z0-9-]+):logs:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):log-group:([A-Za-z0-9_\-/.#]+):\*$`)
	kmsKeyResource     = regexp.MustCompile(`^arn:([a-z0-9-]+):kms:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:key/[A-Za-z0-9-]+$`)
)

// ownedStatement reports whether a statement of a put-role-policy action for role is exactly one that
// ecsfix plans (see EffectiveRisk).
func (p *Plan) ownedStatement(role string, st PolicyStatement) bool {
	return p.ownedStatementWhy(role, st) == ""
}

// ownedStatementWhy is "" when a statement of a put-role-policy action for role is exactly one that
// ecsfix plans (see EffectiveRisk), else the condition it fails.
func (p *Plan) ownedStatementWhy(role string, st PolicyStatement) string {
	want, ok := sidActions[st.Sid]
	if !ok {
		return "not a statement id ecsfix writes (" + strings.Join(slices.Sorted(maps.Keys(sidActions)), ", ") + ")"
	}
	have := map[string]bool{}
	for _, a := range st.Actions {
		have[a] = true
	}
	same := len(st.Actions) == len(want) && len(have) == len(want)
	for _, a := range want {
		same = same && have[a]
	}
	if !same {
		return fmt.Sprintf("actions %s, not exactly %s", strings.Join(st.Actions, ", "), strings.Join(want, ", "))
	}
	switch st.Sid {
	case SidReadSecrets:
		if len(st.Resources) != 0 {
			return "it names resources of its own (" + strings.Join(st.Resources, ", ") + "), not only secrets this plan creates"
		}
		if len(st.ResourcesFrom) == 0 {
			return "it names no secret this plan creates"
		}
		for _, id := range st.ResourcesFrom {
			if !p.hasActionOf(id, CreateSecret) {
				return fmt.Sprintf("resourcesFrom %q is no create-secret action of this plan", id)
			}
		}
	case SidWriteLogs:
		if len(st.ResourcesFrom) != 0 {
			return "it names secrets this plan creates (resourcesFrom), not log groups"
		}
		if len(st.Resources) == 0 {
			return "it names no log group's streams"
		}
		for _, r := range st.Resources {
			m := logStreamsResource.FindStringSubmatch(r)
			if m == nil {
				return fmt.Sprintf("%s is not the streams of one log group (arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME:*)", r)
			}
			if m[1] != partitionOf(role) || m[3] != detect.AccountOf(role) {
				return fmt.Sprintf("%s is outside the role's partition and account", r)
			}
		}
	case SidDecryptSecrets:
		if len(st.ResourcesFrom) != 0 || len(st.Resources) != 1 {
			return fmt.Sprintf("it names %d resources and %d secrets of this plan, not exactly one KMS key", len(st.Resources), len(st.ResourcesFrom))
		}
		m := kmsKeyResource.FindStringSubmatch(st.Resources[0])
		if m == nil {
			return fmt.Sprintf("%s is not one KMS key's ARN (no alias, no wildcard)", st.Resources[0])
		}
		if m[1] != partitionOf(role) {
			return fmt.Sprintf("%s is outside the role's partition", st.Resources[0])
		}
	}
	return ""
}

// registrationLogGroups are the awslogs groups the registrations of the plan write to, as "REGION NAME"
// (the region an awslogs-region option names, else the registration's).
func (p *Plan) registrationLogGroups() map[string]bool {
	out := map[string]bool{}
	for i := range p.Actions {
		r := p.Actions[i].RegisterTaskDefinition
		if p.Actions[i].Type != RegisterTaskDefinition || r == nil {
			continue
		}
		var after struct {
			ContainerDefinitions []struct {
				LogConfiguration *struct {
					LogDriver string            `json:"logDriver"`
					Options   map[string]string `json:"options"`
				} `json:"logConfiguration"`
			} `json:"containerDefinitions"`
		}
		if json.Unmarshal(r.After, &after) != nil {
			continue
		}
		for _, c := range after.ContainerDefinitions {
			if lc := c.LogConfiguration; lc != nil && lc.LogDriver == "awslogs" && lc.Options["awslogs-group"] != "" {
				out[firstNonEmpty(lc.Options["awslogs-region"], p.Actions[i].Region)+" "+lc.Options["awslogs-group"]] = true
			}
		}
	}
	return out
}

// hasActionOf reports whether the plan has an action of that id and type.
func (p *Plan) hasActionOf(id string, typ ActionType) bool {
	for i := range p.Actions {
		if p.Actions[i].ID == id && p.Actions[i].Type == typ {
			return true
		}
	}
	return false
}

// rederive implements rederiver: the grant is re-derived from the plan's registrations: the role is the
// execution role of one of them, and every statement is exactly one ecsfix plans for it
// (ownedStatement: reading the secrets the plan creates, decrypting them with their key, writing to log
// streams of the account), never another action or resource. The document to put is then the owned
// policy read with those statements merged in (Rebuild); the plan's Before must be the one read
// (unless a resumed apply already put it).
func (c *PutRolePolicyChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the role's owned policy"
	for i, s := range c.Statements {
		if !p.ownedStatement(c.Role, s) {
			return rederiveFail(a, what, fmt.Sprintf("putRolePolicy.statements[%d]", i), "(sid %q: %s on %s) is not a statement ecsfix plans for the secrets and log groups of the plan's registrations",
				s.Sid, strings.Join(s.Actions, ", "), strings.Join(append(append([]string{}, s.Resources...), s.ResourcesFrom...), ", "))
		}
	}
	if !p.isExecutionRole(c.Role) {
		return rederiveFail(a, what, "putRolePolicy.role", "is %s, the execution role of no registration of the plan", c.Role)
	}
	written := p.registrationLogGroups()
	_, key := st.Config.secretSettings()
	for i, s := range c.Statements {
		if s.Sid == SidDecryptSecrets {
			// The key the secrets are encrypted with: the configuration's (fix.secrets.kms_key_id).
			if r := s.Resources[0]; key == "" || r != kmsKeyArn(key, partitionOf(c.Role), detect.RegionOf(r), detect.AccountOf(c.Role)) {
				return rederiveFail(a, what, fmt.Sprintf("putRolePolicy.statements[%d].resources[0]", i), "is %s, not the key fix.secrets.kms_key_id names (%q)", r, key)
			}
		}
		if s.Sid != SidWriteLogs {
			continue
		}
		for j, r := range s.Resources {
			if m := logStreamsResource.FindStringSubmatch(r); m != nil && !written[m[2]+" "+m[4]] {
				return rederiveFail(a, what, fmt.Sprintf("putRolePolicy.statements[%d].resources[%d]", i, j), "is %s, a log group no registration of the plan writes to (its names come from fix.logs.group_template, checked there)", r)
			}
		}
	}
	role, ok := st.Roles[c.Role]
	if !ok {
		return rederiveFail(a, what, "", "the role %s was not read", c.Role)
	}
	doc := role.Inline[c.PolicyName]
	if !st.Started[a.ID] && !sameDocument(doc, c.Before) {
		return rederiveFail(a, what, "putRolePolicy.before", "is not the role's policy %s as read", c.PolicyName)
	}
	if st.Started[a.ID] {
		doc = c.Before
	}
	arns := map[string]string{}
	for _, s := range c.Statements {
		for _, id := range s.ResourcesFrom {
			arns[id] = resourcePlaceholder(id)
		}
	}
	if _, err := c.Rebuild(RolePolicyBefore{Document: doc, SecretArns: arns}); err != nil {
		return rederiveFail(a, what, "", "%v", err)
	}
	return nil
}
