package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// Tests of the IAM policy helpers (policy.go): pattern matching, what a document and a role allow or
// deny, the owned policy, Resolve and MergePolicy.

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"*", "anything", false, true},
		{"s3:Get*", "s3:GetObject", false, true},
		{"s3:Get*", "s3:PutObject", false, false},
		{"s3:GetObjec?", "s3:GetObject", false, true},
		{"s3:GetObjec?", "s3:GetObjects", false, false},
		{"S3:GETOBJECT", "s3:GetObject", true, true},
		{"S3:GETOBJECT", "s3:GetObject", false, false},
		{"a.b", "axb", false, false},
		{"a.b", "a.b", false, true},
		{"x", "xx", false, false},
	}
	for _, tt := range tests {
		if got := wildcardMatch(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("wildcardMatch(%q, %q, %v) = %v", tt.pattern, tt.s, tt.fold, got)
		}
	}
	if !anyMatch([]string{"a", "b*"}, "bc", false) || anyMatch([]string{"a", "b"}, "c", false) || anyMatch(nil, "c", false) {
		t.Error("anyMatch")
	}
}

func TestDocumentDecides(t *testing.T) {
	const act, res = "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"
	doc := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	tests := []struct {
		name           string
		doc            string
		allows, denies bool
	}{
		{"an Allow", doc(`{"Effect":"Allow","Action":"SecretsManager:Get*","Resource":"*"}`), true, false},
		{"an Allow of another action", doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), false, false},
		{"an Allow on another resource", doc(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::*"}`), false, false},
		{"resources are case-sensitive", doc(`{"Effect":"Allow","Action":"*","Resource":"ARN:aws:secretsmanager:*"}`), false, false},
		{"an Allow under a Condition", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`), false, false},
		{"an Allow with NotAction", doc(`{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}`), false, false},
		{"an Allow with NotResource", doc(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"arn:aws:s3:::x"}`), false, false},
		{"a Deny", doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`, `{"Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}`), true, true},
		{"a Deny with NotAction", doc(`{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}`), false, true},
		{"a Deny with NotResource", doc(`{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::x"}`), false, true},
		{"a Deny of another action", doc(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`), false, false},
		{"a Deny on another resource", doc(`{"Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::x"}`), false, false},
	}
	for _, tt := range tests {
		allows, denies, err := documentDecides(tt.doc, act, res)
		if err != nil || allows != tt.allows || denies != tt.denies {
			t.Errorf("%s: documentDecides = %v, %v, %v; want %v, %v", tt.name, allows, denies, err, tt.allows, tt.denies)
		}
	}
	if _, _, err := documentDecides("{", act, res); err == nil {
		t.Error("documentDecides of a bad document: no error")
	}
}

func TestRoleAllowsAndDenial(t *testing.T) {
	const res = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:*"
	execPolicy := detect.AttachedPolicy{Name: "AmazonECSTaskExecutionRolePolicy", Arn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"}
	allowLogs := detect.PolicyDocument{Name: "logs", Document: `{"Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}`}
	allowAll := detect.PolicyDocument{Name: "all", Document: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}
	deny := detect.PolicyDocument{Name: "guard", Document: `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"logs:PutLogEvents","Resource":"*"}]}`}
	denySid := detect.PolicyDocument{Name: "guard2", Document: `{"Statement":[{"Sid":"NoLogs","Effect":"Deny","NotAction":"s3:*","Resource":"*","Condition":{"x":{}}}]}`}
	broken := detect.PolicyDocument{Name: "broken", Document: "{"}
	role := func(known bool, inline []detect.PolicyDocument, attached ...detect.AttachedPolicy) *detect.Role {
		return &detect.Role{Arn: "arn:aws:iam::123456789012:role/exec", Inline: inline, Attached: attached, PoliciesKnown: known}
	}
	both := []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	tests := []struct {
		name    string
		r       *detect.Role
		actions []string
		ok      bool
		by      string
	}{
		{"no role", nil, both, false, ""},
		{"policies not known", role(false, []detect.PolicyDocument{allowAll}), both, false, ""},
		{"the managed execution policy", role(true, nil, execPolicy), both, true, "managed policy " + execPolicy.Arn},
		{"the managed policy, in lower case", role(true, nil, execPolicy), []string{"LOGS:PUTLOGEVENTS"}, true, "managed policy " + execPolicy.Arn},
		{"the managed policy does not read secrets", role(true, nil, execPolicy), []string{"secretsmanager:GetSecretValue"}, false, ""},
		{"an inline policy, named once", role(true, []detect.PolicyDocument{allowLogs, allowAll}), both, true, "inline policy logs"},
		{"the managed policy first, then an inline one", role(true, []detect.PolicyDocument{allowAll}, execPolicy), []string{"logs:PutLogEvents", "s3:GetObject"}, true,
			"managed policy " + execPolicy.Arn + ", inline policy all"},
		{"an attached policy with its document", role(true, nil, detect.AttachedPolicy{Arn: "arn:aws:iam::123456789012:policy/p", Document: allowLogs.Document}), both, true,
			"managed policy arn:aws:iam::123456789012:policy/p"},
		{"an attached policy without document", role(true, nil, detect.AttachedPolicy{Arn: "arn:aws:iam::123456789012:policy/p"}), both, false, ""},
		{"a Deny", role(true, []detect.PolicyDocument{allowAll, deny}), both, false, ""},
		{"a Deny beats the managed policy", role(true, []detect.PolicyDocument{deny}, execPolicy), both, false, ""},
		{"a broken document", role(true, []detect.PolicyDocument{allowAll, broken}), both, false, ""},
		{"one action not allowed", role(true, []detect.PolicyDocument{allowLogs}), []string{"logs:PutLogEvents", "s3:GetObject"}, false, ""},
	}
	for _, tt := range tests {
		ok, by := roleAllows(tt.r, tt.actions, res)
		if ok != tt.ok || by != tt.by {
			t.Errorf("%s: roleAllows = %v, %q; want %v, %q", tt.name, ok, by, tt.ok, tt.by)
		}
	}

	denials := []struct {
		name   string
		r      *detect.Role
		action string
		want   string
	}{
		{"no role", nil, "logs:PutLogEvents", ""},
		{"policies not known", role(false, []detect.PolicyDocument{deny}), "logs:PutLogEvents", ""},
		{"a Deny without Sid", role(true, []detect.PolicyDocument{allowAll, deny}), "logs:PutLogEvents", "inline policy guard, statement 2"},
		{"no Deny of the action", role(true, []detect.PolicyDocument{deny}), "logs:CreateLogStream", ""},
		{"a Deny after a broken document", role(true, []detect.PolicyDocument{broken, denySid}), "logs:PutLogEvents", "inline policy guard2, statement NoLogs (under a Condition)"},
		{"NotAction naming the action", role(true, []detect.PolicyDocument{denySid}), "s3:GetObject", ""},
		{"NotResource naming the resource", role(true, []detect.PolicyDocument{{Name: "nr", Document: `{"Statement":[{"Effect":"Deny","Action":"*","NotResource":"arn:aws:logs:*"}]}`}}), "logs:PutLogEvents", ""},
		{"NotResource not naming it", role(true, []detect.PolicyDocument{{Name: "nr", Document: `{"Statement":[{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::*"}]}`}}), "logs:PutLogEvents", "inline policy nr, statement 1"},
		{"a Deny on another resource", role(true, []detect.PolicyDocument{{Name: "r", Document: `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"arn:aws:s3:::*"}]}`}}), "logs:PutLogEvents", ""},
		{"an attached policy's Deny", role(true, nil, detect.AttachedPolicy{Arn: "arn:aws:iam::123456789012:policy/p", Document: deny.Document}), "logs:PutLogEvents",
			"managed policy arn:aws:iam::123456789012:policy/p, statement 2"},
		{"an attached policy without document", role(true, nil, detect.AttachedPolicy{Arn: "arn:aws:iam::123456789012:policy/p"}), "logs:PutLogEvents", ""},
	}
	for _, tt := range denials {
		if got := roleDenial(tt.r, tt.action, res); got != tt.want {
			t.Errorf("%s: roleDenial = %q, want %q", tt.name, got, tt.want)
		}
	}

	if hasTaskExecutionPolicy(nil) || !hasTaskExecutionPolicy(role(true, nil, detect.AttachedPolicy{Arn: "x"}, execPolicy)) || hasTaskExecutionPolicy(role(true, nil, detect.AttachedPolicy{Arn: "x"})) {
		t.Error("hasTaskExecutionPolicy")
	}
	owned := role(true, []detect.PolicyDocument{allowLogs, {Name: OwnedPolicyName, Document: "mine"}})
	if ownedPolicy(nil) != "" || ownedPolicy(owned) != "mine" || ownedPolicy(role(true, []detect.PolicyDocument{allowLogs})) != "" {
		t.Error("ownedPolicy")
	}
}

func TestResolveAndMergePolicy(t *testing.T) {
	c := &PutRolePolicyChange{Role: "arn:aws:iam::123456789012:role/exec", PolicyName: OwnedPolicyName, Statements: []PolicyStatement{
		{Sid: "A", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []string{"arn:x"}, ResourcesFrom: []string{"s1", "s2"}},
		{Sid: "B", Actions: []string{"kms:Decrypt"}, Resources: []string{"arn:k"}},
	}}
	got, err := c.Resolve(map[string]string{"s1": "arn:s1", "s2": "arn:s2"})
	want := []PolicyStatement{{Sid: "A", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []string{"arn:x", "arn:s1", "arn:s2"}},
		{Sid: "B", Actions: []string{"kms:Decrypt"}, Resources: []string{"arn:k"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Resolve = %+v, %v", got, err)
	}
	if _, err := c.Resolve(map[string]string{"s1": "arn:s1"}); err == nil || err.Error() != "policy ecsfix of arn:aws:iam::123456789012:role/exec: statement A: no ARN for the secret of action s2" {
		t.Errorf("Resolve without an ARN: %v", err)
	}
	c.Statements[1].Actions = nil
	if _, err := c.Resolve(map[string]string{"s1": "arn:s1", "s2": "arn:s2"}); err == nil || !strings.Contains(err.Error(), "statement B names no action or no resource") {
		t.Errorf("Resolve without actions: %v", err)
	}
	c.Statements[1].Actions, c.Statements[1].Resources = []string{"kms:Decrypt"}, nil
	if _, err := c.Resolve(map[string]string{"s1": "arn:s1", "s2": "arn:s2"}); err == nil || !strings.Contains(err.Error(), "statement B names no action or no resource") {
		t.Errorf("Resolve without resources: %v", err)
	}
	if _, err := c.Document("", map[string]string{}); err == nil {
		t.Error("Document without the secrets' ARNs: no error")
	}

	read := PolicyStatement{Sid: "Read", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:a"}}
	tests := []struct {
		name    string
		doc     string
		want    []PolicyStatement
		changed bool
		out     string // a fragment of the merged document, or of the error
		err     bool
	}{
		{"nothing yet", "", []PolicyStatement{read}, true, `"Version": "2012-10-17"`, false},
		{"blank", "  \n", []PolicyStatement{read}, true, `"Sid": "Read"`, false},
		{"no Statement", `{"Version":"2008-10-17"}`, []PolicyStatement{read}, true, `"Version": "2008-10-17"`, false},
		{"already granted", `{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:a"]}}`, []PolicyStatement{read}, false, `"Action": "s3:GetObject"`, false},
		{"an action added", `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:a"}]}`, []PolicyStatement{read}, true,
			"\"Action\": [\n        \"s3:ListBucket\",\n        \"s3:GetObject\"\n      ]", false},
		{"a resource added", `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:b"}]}`, []PolicyStatement{read}, true,
			"\"Resource\": [\n        \"arn:b\",\n        \"arn:a\"\n      ]", false},
		{"only the first statement of a Sid", `{"Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:a"},{"Sid":"Read","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:a"}]}`,
			[]PolicyStatement{read}, true, "\"Action\": \"s3:PutObject\"", false},
		{"another statement kept", `{"Statement":["odd",{"Sid":"Other","Effect":"Deny","Action":"*","Resource":"*"}]}`, []PolicyStatement{read}, true, `"odd"`, false},
		{"a Deny of the Sid", `{"Statement":[{"Sid":"Read","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:a"}]}`, []PolicyStatement{read}, false,
			"statement Read: its Effect is Deny, not Allow: ecsfix does not merge into it", true},
		{"not JSON", "{", []PolicyStatement{read}, false, "the policy document is not a JSON object", true},
		{"a Statement string", `{"Statement":"x"}`, []PolicyStatement{read}, false, "neither an object nor a list", true},
	}
	for _, tt := range tests {
		merged, changed, err := MergePolicy(tt.doc, tt.want)
		switch {
		case tt.err:
			if err == nil || !strings.Contains(err.Error(), tt.out) || merged != "" || changed {
				t.Errorf("%s: MergePolicy = %q, %v, %v; want error %q", tt.name, merged, changed, err, tt.out)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case changed != tt.changed || !strings.Contains(merged, tt.out) || !strings.HasSuffix(merged, "}\n"):
			t.Errorf("%s: MergePolicy changed=%v:\n%s\nwant changed=%v and %q", tt.name, changed, merged, tt.changed, tt.out)
		}
		if tt.name == "only the first statement of a Sid" && strings.Count(merged, "s3:GetObject") != 1 {
			t.Errorf("%s: merged into both:\n%s", tt.name, merged)
		}
		if got := Grants(tt.doc, tt.want); got != (!tt.err && !tt.changed) {
			t.Errorf("%s: Grants = %v", tt.name, got)
		}
	}

	for _, tt := range []struct {
		m    map[string]any
		want string
	}{
		{map[string]any{"Effect": "Allow", "Action": "a", "Resource": []any{"r"}}, ""},
		{map[string]any{"Effect": "Deny"}, "its Effect is Deny, not Allow"},
		{map[string]any{"Effect": "Allow", "NotAction": "a"}, "it has NotAction"},
		{map[string]any{"Effect": "Allow", "NotResource": "a"}, "it has NotResource"},
		{map[string]any{"Effect": "Allow", "Principal": "a"}, "it has Principal"},
		{map[string]any{"Effect": "Allow", "NotPrincipal": "a"}, "it has NotPrincipal"},
		{map[string]any{"Effect": "Allow", "Condition": map[string]any{}}, "it has Condition"},
		{map[string]any{"Effect": "Allow", "Action": []any{"a", 1.0}}, "its Action is not a list of strings"},
		{map[string]any{"Effect": "Allow", "Action": "a", "Resource": 2.0}, "its Resource is not a list of strings"},
	} {
		err := mergeable(tt.m)
		if (tt.want == "" && err != nil) || (tt.want != "" && (err == nil || err.Error() != tt.want)) {
			t.Errorf("mergeable(%v) = %v, want %q", tt.m, err, tt.want)
		}
	}
	if s, ok := stringsOf(nil); !ok || s != nil {
		t.Error("stringsOf(nil)")
	}
	if s, ok := stringsOf([]any{"a", "b"}); !ok || !reflect.DeepEqual(s, []string{"a", "b"}) {
		t.Errorf("stringsOf(list) = %v", s)
	}
	if out, changed := union([]string{"a", "b"}, []string{"b", "c", "c"}); !changed || !reflect.DeepEqual(out, []string{"a", "b", "c"}) {
		t.Errorf("union = %v, %v", out, changed)
	}
	if out, changed := union([]string{"a"}, []string{"a"}); changed || !reflect.DeepEqual(out, []string{"a"}) {
		t.Errorf("union of nothing new = %v, %v", out, changed)
	}
}
