package plan

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// IAM policy documents: what the planner checks (does a role already allow an action on a resource?) and
// the document of the policy ecsfix owns after a put-role-policy action.

// ecsTaskExecutionPolicySuffix ends the ARN of the AWS managed AmazonECSTaskExecutionRolePolicy (in any
// partition), which allows the actions of ecsTaskExecutionActions on every resource.
const ecsTaskExecutionPolicySuffix = ":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

// ecsTaskExecutionActions are the actions AmazonECSTaskExecutionRolePolicy allows (lower case).
var ecsTaskExecutionActions = map[string]bool{
	"logs:createlogstream": true, "logs:putlogevents": true,
	"ecr:getauthorizationtoken": true, "ecr:batchchecklayeravailability": true, "ecr:getdownloadurlforlayer": true, "ecr:batchgetimage": true,
}

// hasTaskExecutionPolicy reports whether AmazonECSTaskExecutionRolePolicy is attached to a role.
func hasTaskExecutionPolicy(r *detect.Role) bool {
	if r == nil {
		return false
	}
	for _, p := range r.Attached {
		if strings.HasSuffix(p.Arn, ecsTaskExecutionPolicySuffix) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against an IAM pattern (* any run, ? one character).
func wildcardMatch(pattern, s string, fold bool) bool {
	var b strings.Builder
	b.WriteString("^")
	if fold {
		b.WriteString("(?i)")
	}
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// documentDecides says whether a document allows action on resource (an unconditional Allow) and whether
// it may deny it (any Deny that could apply, conditions and Not* elements counted as applying).
func documentDecides(doc, action, resource string) (allows, denies bool, err error) {
	stmts, err := detect.ParsePolicy(doc)
	if err != nil {
		return false, false, err
	}
	for _, s := range stmts {
		actionHit := anyMatch(s.Action, action, true)
		resourceHit := anyMatch(s.Resource, resource, false)
		switch s.Effect {
		case "Deny":
			if (actionHit || len(s.NotAction) > 0) && (resourceHit || len(s.NotResource) > 0) {
				denies = true
			}
		case "Allow":
			if actionHit && resourceHit && !s.Condition && len(s.NotAction) == 0 && len(s.NotResource) == 0 {
				allows = true
			}
		}
	}
	return allows, denies, nil
}

// roleAllows says whether a role's known policies allow every action on resource, and which policy
// allows it ("" when not, or not known).
func roleAllows(r *detect.Role, actions []string, resource string) (bool, string) {
	if r == nil || !r.PoliciesKnown {
		return false, ""
	}
	type doc struct{ name, text string }
	var docs []doc
	managed := ""
	for _, p := range r.Inline {
		docs = append(docs, doc{"inline policy " + p.Name, p.Document})
	}
	for _, p := range r.Attached {
		if strings.HasSuffix(p.Arn, ecsTaskExecutionPolicySuffix) {
			managed = "managed policy " + p.Arn
			continue
		}
		if p.Document != "" {
			docs = append(docs, doc{"managed policy " + p.Arn, p.Document})
		}
	}
	var by []string
	for _, a := range actions {
		allowed := ""
		if managed != "" && ecsTaskExecutionActions[strings.ToLower(a)] {
			allowed = managed
		}
		for _, d := range docs {
			allows, denies, err := documentDecides(d.text, a, resource)
			if err != nil || denies {
				return false, ""
			}
			if allows && allowed == "" {
				allowed = d.name
			}
		}
		if allowed == "" {
			return false, ""
		}
		by = append(by, allowed)
	}
	return true, strings.Join(dedup(by), ", ")
}

// roleDenial names the statement of a role's known policies (inline, or attached with a known document)
// that denies, or may deny, action on resource: "inline policy NAME, statement SID", with "(under a
// Condition)" when the Deny has one. "" when none does, or the role's policies are not known.
func roleDenial(r *detect.Role, action, resource string) string {
	if r == nil || !r.PoliciesKnown {
		return ""
	}
	type doc struct{ name, text string }
	var docs []doc
	for _, p := range r.Inline {
		docs = append(docs, doc{"inline policy " + p.Name, p.Document})
	}
	for _, p := range r.Attached {
		if p.Document != "" {
			docs = append(docs, doc{"managed policy " + p.Arn, p.Document})
		}
	}
	for _, d := range docs {
		stmts, err := detect.ParsePolicy(d.text)
		if err != nil {
			continue
		}
		for i, s := range stmts {
			if s.Effect != "Deny" {
				continue
			}
			actionHit := anyMatch(s.Action, action, true) || (len(s.NotAction) > 0 && !anyMatch(s.NotAction, action, true))
			resourceHit := anyMatch(s.Resource, resource, false) || (len(s.NotResource) > 0 && !anyMatch(s.NotResource, resource, false))
			if !actionHit || !resourceHit {
				continue
			}
			st := fmt.Sprintf("statement %d", i+1)
			if s.Sid != "" {
				st = "statement " + s.Sid
			}
			out := d.name + ", " + st
			if s.Condition {
				out += " (under a Condition)"
			}
			return out
		}
	}
	return ""
}

// ownedPolicy is the document of a role's inline policy named OwnedPolicyName ("" when none).
func ownedPolicy(r *detect.Role) string {
	if r == nil {
		return ""
	}
	for _, p := range r.Inline {
		if p.Name == OwnedPolicyName {
			return p.Document
		}
	}
	return ""
}

// Resolve returns Statements with ResourcesFrom replaced by the ARNs of the secrets those create-secret
// actions created (secretArns, by action id). A missing ARN, or a statement without an action or a
// resource, is an error.
func (c *PutRolePolicyChange) Resolve(secretArns map[string]string) ([]PolicyStatement, error) {
	out := make([]PolicyStatement, 0, len(c.Statements))
	for _, st := range c.Statements {
		res := append([]string(nil), st.Resources...)
		for _, id := range st.ResourcesFrom {
			arn := secretArns[id]
			if arn == "" {
				return nil, fmt.Errorf("policy %s of %s: statement %s: no ARN for the secret of action %s", c.PolicyName, c.Role, st.Sid, id)
			}
			res = append(res, arn)
		}
		if len(st.Actions) == 0 || len(res) == 0 {
			return nil, fmt.Errorf("policy %s of %s: statement %s names no action or no resource", c.PolicyName, c.Role, st.Sid)
		}
		out = append(out, PolicyStatement{Sid: st.Sid, Actions: st.Actions, Resources: res})
	}
	return out, nil
}

// Document is the owned policy's document after the action: current (the document now, "" when the role
// has no such policy) merged with the resolved Statements (see MergePolicy).
func (c *PutRolePolicyChange) Document(current string, secretArns map[string]string) (string, error) {
	want, err := c.Resolve(secretArns)
	if err != nil {
		return "", err
	}
	doc, _, err := MergePolicy(current, want)
	return doc, err
}

// resourcePlaceholder stands for the ARN of a secret that a create-secret action creates (renderers).
func resourcePlaceholder(id string) string { return "(ARN of the secret created by " + id + ")" }

// MergePolicy returns doc with every statement of want (resolved: no ResourcesFrom) present, indented:
// a statement of the same Sid gains the actions and resources it lacks — nothing is removed, so what an
// earlier plan granted stays granted — and a new Sid is appended; every other statement is kept as it is.
// A statement of a planned Sid that is anything but a plain Allow of Action on Resource (a Deny, a
// Condition, NotAction, …) is an error: ecsfix never widens such a statement. changed is false when doc
// already grants everything.
func MergePolicy(doc string, want []PolicyStatement) (merged string, changed bool, err error) {
	top, stmts, err := policyStatements(doc)
	if err != nil {
		return "", false, err
	}
	for _, w := range want {
		found := false
		for i, st := range stmts {
			m, ok := st.(map[string]any)
			if !ok || m["Sid"] != w.Sid {
				continue
			}
			found = true
			if err := mergeable(m); err != nil {
				return "", false, fmt.Errorf("statement %s: %v: ecsfix does not merge into it", w.Sid, err)
			}
			acts, _ := stringsOf(m["Action"])
			res, _ := stringsOf(m["Resource"])
			acts, c1 := union(acts, w.Actions)
			res, c2 := union(res, w.Resources)
			if c1 || c2 {
				changed = true
				m["Action"], m["Resource"] = toAny(acts), toAny(res)
				stmts[i] = m
			}
			break
		}
		if !found {
			changed = true
			stmts = append(stmts, map[string]any{"Sid": w.Sid, "Effect": "Allow", "Action": toAny(w.Actions), "Resource": toAny(w.Resources)})
		}
	}
	if _, ok := top["Version"]; !ok {
		top["Version"] = "2012-10-17"
	}
	top["Statement"] = stmts
	b, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return "", false, err
	}
	return string(b) + "\n", changed, nil
}

// Grants tells whether doc already holds every statement of want (resolved), mergeable and with at
// least its actions and resources.
func Grants(doc string, want []PolicyStatement) bool {
	_, changed, err := MergePolicy(doc, want)
	return err == nil && !changed
}

// policyStatements parses a policy document into its top-level members and its statements (a single
// statement object becomes a list of one).
func policyStatements(doc string) (map[string]any, []any, error) {
	if strings.TrimSpace(doc) == "" {
		return map[string]any{"Version": "2012-10-17"}, nil, nil
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, nil, fmt.Errorf("the policy document is not a JSON object: %v", err)
	}
	switch st := top["Statement"].(type) {
	case nil:
		return top, nil, nil
	case []any:
		return top, st, nil
	case map[string]any:
		return top, []any{st}, nil
	}
	return nil, nil, fmt.Errorf("the policy document's Statement is neither an object nor a list")
}

// mergeable tells why a statement cannot take more actions and resources: anything but a plain Allow of
// Action on Resource.
func mergeable(m map[string]any) error {
	if m["Effect"] != "Allow" {
		return fmt.Errorf("its Effect is %v, not Allow", m["Effect"])
	}
	for _, k := range []string{"NotAction", "NotResource", "Principal", "NotPrincipal", "Condition"} {
		if _, ok := m[k]; ok {
			return fmt.Errorf("it has %s", k)
		}
	}
	if _, ok := stringsOf(m["Action"]); !ok {
		return fmt.Errorf("its Action is not a list of strings")
	}
	if _, ok := stringsOf(m["Resource"]); !ok {
		return fmt.Errorf("its Resource is not a list of strings")
	}
	return nil
}

// stringsOf reads an Action or Resource member: a string or a list of strings.
func stringsOf(v any) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			str, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, str)
		}
		return out, true
	}
	return nil, false
}

func union(have, add []string) ([]string, bool) {
	seen := map[string]bool{}
	for _, x := range have {
		seen[x] = true
	}
	out, changed := append([]string(nil), have...), false
	for _, x := range add {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
			changed = true
		}
	}
	return out, changed
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
