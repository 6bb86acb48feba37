package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// IAM policy documents: what the planner checks (does a role already allow an action on a resource?) and
// the document of the policy ecsfix owns after a put-role-policy action.

// ecsTaskExecutionPolicySuffix ends the ARN of the AWS managed AmazonECSTaskExecutionRolePolicy (in any
// partition), which allows logs:CreateLogStream and logs:PutLogEvents on every resource.
const ecsTaskExecutionPolicySuffix = ":iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

type policyStatement struct {
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	Condition   bool
}

// parseStatements reads a policy document's statements (Statement an object or a list; Action and
// Resource a string or a list).
func parseStatements(doc string) ([]policyStatement, error) {
	var policy struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(policy.Statement)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []map[string]json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	} else {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, err
		}
		items = append(items, one)
	}
	var out []policyStatement
	for _, it := range items {
		var s policyStatement
		_ = json.Unmarshal(it["Effect"], &s.Effect)
		var err error
		for _, f := range []struct {
			key string
			dst *[]string
		}{{"Action", &s.Action}, {"NotAction", &s.NotAction}, {"Resource", &s.Resource}, {"NotResource", &s.NotResource}} {
			if *f.dst, err = stringList(it[f.key]); err != nil {
				return nil, fmt.Errorf("%s: %v", f.key, err)
			}
		}
		_, s.Condition = it["Condition"]
		out = append(out, s)
	}
	return out, nil
}

func stringList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	err := json.Unmarshal(raw, &many)
	return many, err
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
	stmts, err := parseStatements(doc)
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
		if managed != "" && (strings.EqualFold(a, "logs:CreateLogStream") || strings.EqualFold(a, "logs:PutLogEvents")) {
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

// Document is the owned policy's document after the action, for the applier: current (the policy's
// document now, "" when the role has none) with each of Statements merged in — a statement of the same
// Sid gains the actions and resources it lacks (nothing is removed, so that what an earlier plan granted
// stays granted), a new Sid is appended — and the ARNs of the secrets that the create-secret actions
// named by ResourcesFrom created (secretArns, by action id). A missing ARN is an error.
func (c *PutRolePolicyChange) Document(current string, secretArns map[string]string) (string, error) {
	return mergePolicy(current, c.Statements, func(id string) (string, error) {
		arn := secretArns[id]
		if arn == "" {
			return "", fmt.Errorf("policy %s of %s: no ARN for the secret of action %s", c.PolicyName, c.Role, id)
		}
		return arn, nil
	})
}

// resourcePlaceholder stands for the ARN of a secret that a create-secret action creates (renderers).
func resourcePlaceholder(id string) string { return "(ARN of the secret created by " + id + ")" }

// mergePolicy merges statements into a policy document (see Document) and returns it indented.
func mergePolicy(current string, stmts []PolicyStatement, resolve func(id string) (string, error)) (string, error) {
	doc := map[string]any{}
	var list []any
	if strings.TrimSpace(current) != "" {
		if err := json.Unmarshal([]byte(current), &doc); err != nil {
			return "", fmt.Errorf("the current policy document is not a JSON object: %v", err)
		}
		switch s := doc["Statement"].(type) {
		case nil:
		case []any:
			list = s
		case map[string]any:
			list = []any{s}
		default:
			return "", fmt.Errorf("the current policy document's Statement is neither an object nor a list")
		}
	}
	if _, ok := doc["Version"]; !ok {
		doc["Version"] = "2012-10-17"
	}
	for _, st := range stmts {
		resources := append([]string(nil), st.Resources...)
		for _, id := range st.ResourcesFrom {
			arn, err := resolve(id)
			if err != nil {
				return "", err
			}
			resources = append(resources, arn)
		}
		var found map[string]any
		for _, x := range list {
			if m, ok := x.(map[string]any); ok && m["Sid"] == st.Sid {
				found = m
			}
		}
		if found == nil {
			list = append(list, map[string]any{"Sid": st.Sid, "Effect": "Allow", "Action": toAny(st.Actions), "Resource": toAny(resources)})
			continue
		}
		found["Effect"] = "Allow"
		if a := unionAny(found["Action"], st.Actions); !sameLen(found["Action"], a) {
			found["Action"] = a
		}
		if r := unionAny(found["Resource"], resources); !sameLen(found["Resource"], r) {
			found["Resource"] = r
		}
	}
	doc["Statement"] = list
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// unionAny is a string-or-list JSON value with the missing strings appended, as a list.
func unionAny(cur any, add []string) []any {
	var out []any
	seen := map[string]bool{}
	switch v := cur.(type) {
	case string:
		out, seen[v] = append(out, v), true
	case []any:
		for _, x := range v {
			out = append(out, x)
			if s, ok := x.(string); ok {
				seen[s] = true
			}
		}
	}
	for _, s := range add {
		if !seen[s] {
			out, seen[s] = append(out, s), true
		}
	}
	return out
}

// sameLen reports whether a string-or-list JSON value holds as many strings as list (nothing was added).
func sameLen(cur any, list []any) bool {
	switch v := cur.(type) {
	case string:
		return len(list) == 1
	case []any:
		return len(v) == len(list)
	}
	return false
}
