package plan

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// The remove-policy-statements change kind: the statements of a task role's inline policy that allow
// every action on every resource, removed (the admin task-role fix; opt-in, high risk). The policy is
// deleted when nothing else remains in it, and rollback puts it back. Only such statements are ever
// removed: removing a Deny, or a narrower Allow, could widen access or is not what this change is for.

// RemovePolicyStatements removes Allow */* statements from a task role's inline policy (opt-in, high
// risk); the policy is deleted when nothing else remains in it, and rollback puts it back.
const RemovePolicyStatements ActionType = "remove-policy-statements"

// RemovePolicyStatementsChange rewrites a role's inline policy without the statements that grant
// administrative access. Before is the document when planned; After is the document to put ("" when no
// statement remains: the inline policy is then deleted, and rollback puts Before back).
type RemovePolicyStatementsChange struct {
	Role       string   `json:"role"` // ARN
	PolicyName string   `json:"policyName"`
	Before     string   `json:"before"`
	After      string   `json:"after,omitempty"`
	Removed    []string `json:"removed"` // the statements removed: their Sid, or "#index"
}

// deletedPolicyText stands for the document after a remove-policy-statements action that leaves no
// statement.
const deletedPolicyText = "(the inline policy is deleted)\n"

// Touches implements Change: the role.
func (c *RemovePolicyStatementsChange) Touches() []string { return []string{c.Role} }

// Writes implements Change: the role.
func (c *RemovePolicyStatementsChange) Writes(a *Action) []string {
	return uniqueStrings(a.Resource, c.Role)
}

// Facts implements Change: the role's attached and inline policies (RolePolicyFacts).
func (c *RemovePolicyStatementsChange) Facts(*Action) []FactCheck {
	return []FactCheck{{Resource: c.Role, ResourceType: detect.TypeRole, Facts: []string{FactAttached, FactInline}}}
}

// Rederivable implements Change: see Rebuild.
func (c *RemovePolicyStatementsChange) Rederivable() bool { return true }

var _ Rebuilder[string, string] = (*RemovePolicyStatementsChange)(nil)

// Rebuild is the inline policy's document after the change, from the document read at apply time: the
// same without the statements Removed names (by Sid, or "#index"), every other member kept; "" when no
// statement remains (the policy is deleted). A label that names no statement, or a statement that is not
// an Allow of every action on every resource, is an error.
func (c *RemovePolicyStatementsChange) Rebuild(before string) (string, error) {
	v, err := decodeGenericJSON([]byte(before))
	if err != nil {
		return "", fmt.Errorf("the policy document is not JSON: %v", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return "", errors.New("the policy document is not a JSON object")
	}
	var stmts []any
	switch st := top["Statement"].(type) {
	case []any:
		stmts = st
	case map[string]any:
		stmts = []any{st}
	default:
		return "", errors.New("the policy document's Statement is neither an object nor a list")
	}
	typed, err := detect.ParsePolicy(before)
	if err != nil {
		return "", err
	}
	if len(typed) != len(stmts) {
		return "", errors.New("cannot read the policy document's statements")
	}
	drop := map[int]bool{}
	for _, label := range c.Removed {
		found := false
		for i, st := range typed {
			if label != "#"+strconv.Itoa(i) && (st.Sid == "" || st.Sid != label) {
				continue
			}
			if !detect.IsAdminStatement(st) {
				return "", fmt.Errorf("statement %s is not an Allow of every action on every resource: removing it could widen access", label)
			}
			drop[i], found = true, true
		}
		if !found {
			return "", fmt.Errorf("statement %s is not in the policy document (a Sid or #index)", label)
		}
	}
	kept := []any{}
	for i, s := range stmts {
		if !drop[i] {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return "", nil
	}
	top["Statement"] = kept
	out, err := encodeGenericJSON(top)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func (c *RemovePolicyStatementsChange) implicitDependencies() []string { return nil }

// validate checks a remove-policy-statements payload: an IAM role ARN (the action's resource), a policy
// name, a Before that parses, Removed naming statements of Before (by Sid or "#index") that each allow
// every action on every resource, and an After that is Before without exactly those statements ("" when
// none remains: the policy deleted): a statement removal never grants anything new, nor removes anything else.
func (c *RemovePolicyStatementsChange) validate(a *Action, _ map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !iamRoleArn.MatchString(c.Role) {
		bad("removePolicyStatements: role %q is not an IAM role ARN", c.Role)
	} else if c.Role != a.Resource {
		bad("removePolicyStatements: role %s is not the action's resource %s", c.Role, a.Resource)
	}
	if c.PolicyName == "" {
		bad("removePolicyStatements: policyName is required")
	}
	before, err := detect.ParsePolicy(c.Before)
	if err != nil {
		bad("removePolicyStatements: before: %v", err)
	}
	labelsOK := false
	if len(c.Removed) == 0 {
		bad("removePolicyStatements: removed is empty")
	} else if err == nil {
		labelsOK = true
		labels := statementLabels(before)
		for i, r := range c.Removed {
			if !labels[r] {
				bad("removePolicyStatements: removed %d: %q names no statement of before (a Sid or #index)", i+1, r)
				labelsOK = false
				continue
			}
			for j, st := range before {
				if (r == fmt.Sprintf("#%d", j) || (st.Sid != "" && st.Sid == r)) && !detect.IsAdminStatement(st) {
					bad("removePolicyStatements: removed %d: %q is not an Allow of every action on every resource: removing it could widen access", i+1, r)
					labelsOK = false
					break
				}
			}
		}
	}
	afterOK := true
	if c.After != "" {
		if _, err := detect.ParsePolicy(c.After); err != nil {
			bad("removePolicyStatements: after: %v", err)
			afterOK = false
		}
	}
	if !labelsOK || !afterOK {
		return errs
	}
	// After "" deletes the policy: only when nothing but the removed statements was in it, since deleting a
	// policy that holds a Deny (or any other statement) is not a removal of the administrative ones.
	want, err := c.Rebuild(c.Before)
	switch {
	case err != nil:
		bad("removePolicyStatements: before: %v", err)
	case c.After == "" && want != "":
		bad("removePolicyStatements: after is empty (the policy deleted), but before holds statements that removed does not name: a statement removal may only remove those, and nothing else")
	case !sameJSON(want, c.After):
		bad("removePolicyStatements: after is not before without exactly the statements removed names (%s): a statement removal may only remove those, and nothing else",
			strings.Join(c.Removed, ", "))
	}
	return errs
}

// sameJSON reports whether two documents are the same JSON ("" only equals "").
func sameJSON(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	av, err1 := decodeGenericJSON([]byte(a))
	bv, err2 := decodeGenericJSON([]byte(b))
	return err1 == nil && err2 == nil && reflect.DeepEqual(av, bv)
}

// validateControls: the admin task-role exposure only.
func (c *RemovePolicyStatementsChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a remove-policy-statements action", detect.ExposureAdminTaskRoleID)
}

// riskFloor: high, always, whatever the overrides say.
func (c *RemovePolicyStatementsChange) riskFloor(*Plan, *Action, map[string]Risk) RiskFloor {
	what := "removes the administrator statements " + strings.Join(c.Removed, ", ") + " from"
	if c.After == "" {
		what = "deletes"
	}
	return highBecause("it %s the inline policy %s of the task role %s: the task loses every access only those statements gave it, and what uses it fails (always high, whatever fix.risk says)",
		what, c.PolicyName, detect.ShortARN(c.Role))
}

func (c *RemovePolicyStatementsChange) details() changeDetails {
	out := [][2]string{{"role", c.Role}, {"policy", c.PolicyName + " (inline)"}}
	for _, st := range c.Removed {
		what := "statement " + st
		if !strings.HasPrefix(st, "#") {
			what = "statement " + strconv.Quote(st)
		}
		out = append(out, [2]string{"remove", what})
	}
	if c.After == "" {
		out = append(out, [2]string{"then", "no statement remains: the inline policy is deleted"})
	}
	return changeDetails{rows: out}
}

// diff diffs the inline policy before and after, both documents indented alike so that only the
// removed statements show.
func (c *RemovePolicyStatementsChange) diff() (string, error) {
	indent := func(which, doc string) (string, error) {
		v, err := decodeGenericJSON([]byte(doc))
		if err != nil {
			return "", fmt.Errorf("role %s policy %s: %s: %w", c.Role, c.PolicyName, which, err)
		}
		b, err := encodeGenericJSON(v)
		return string(b), err
	}
	before, err := indent("before", c.Before)
	if err != nil {
		return "", err
	}
	after := deletedPolicyText
	if c.After != "" {
		if after, err = indent("after", c.After); err != nil {
			return "", err
		}
	}
	name := "role/" + detect.ShortARN(c.Role) + " policy " + c.PolicyName
	return unifiedDiff(name+" (now)", name+" (after)", before, after)
}

// rederive implements rederiver: the inline policy read (the plan's Before on a resumed apply, which may
// have rewritten it already) without the Allow */* statements Removed names (Rebuild) must be the
// plan's After, and the one read must be its Before.
func (c *RemovePolicyStatementsChange) rederive(_ *Plan, a *Action, st *ReadState) error {
	const what = "the role's inline policy"
	role, ok := st.Roles[c.Role]
	if !ok || !role.AllPolicies {
		return rederiveFail(a, what, "", "the policies of role %s were not read", c.Role)
	}
	doc := c.Before
	if !st.Started[a.ID] {
		doc = role.Inline[c.PolicyName]
		if !sameDocument(doc, c.Before) {
			return rederiveFail(a, what, "removePolicyStatements.before", "is not the role's policy %s as read", c.PolicyName)
		}
	}
	got, err := c.Rebuild(doc)
	if err != nil {
		return rederiveFail(a, what, "removePolicyStatements.removed", "%v", err)
	}
	if !sameDocument(got, c.After) {
		return rederiveFail(a, what, "removePolicyStatements.after", "is not the policy read without the statements removed")
	}
	return nil
}
