package plan

import (
	"reflect"
	"strings"
	"testing"
)

// Tests of the put-role-policy change kind: its validation, its risk floor (which statements of the
// owned policy keep it at medium), details and diff.

const prpRole = "arn:aws:iam::123456789012:role/exec"

func prpAction(f func(c *PutRolePolicyChange)) Action {
	c := &PutRolePolicyChange{Role: prpRole, PolicyName: OwnedPolicyName, Statements: []PolicyStatement{
		{Sid: SidReadSecrets, Actions: []string{"secretsmanager:GetSecretValue"}, ResourcesFrom: []string{"s1"}},
		{Sid: SidDecryptSecrets, Actions: []string{"kms:Decrypt"}, Resources: []string{"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab"}},
		{Sid: SidWriteLogs, Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []string{
			"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:*", "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*"}},
	}}
	if f != nil {
		f(c)
	}
	return Action{ID: "p1", Type: PutRolePolicy, Resource: prpRole, Controls: []string{"ECS.8", "ECS.9"}, Risk: RiskMedium, PutRolePolicy: c}
}

func TestPutRolePolicyValidate(t *testing.T) {
	secrets := secretActions()
	ensure := Action{ID: "s3", Type: EnsureLogGroup, Resource: "lg", Controls: []string{"ECS.9"}, Risk: RiskLow, EnsureLogGroup: &EnsureLogGroupChange{Name: "/x"}}
	cases := []vcase{
		{"valid", secrets, prpAction(nil), ""},
		{"with a before", secrets, prpAction(func(c *PutRolePolicyChange) { c.Before = `{"Version":"2012-10-17","Statement":[]}` }), ""},
		{"a role name", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "exec" }), `putRolePolicy: role: "exec" is not an IAM role ARN`},
		{"a placeholder role", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "<YOUR_TASK_EXECUTION_ROLE>" }),
			`putRolePolicy: role: "<YOUR_TASK_EXECUTION_ROLE>" holds the template placeholder <YOUR_TASK_EXECUTION_ROLE>: it is not a role until the template is rendered`},
		{"a placeholder in the role's ARN", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${ROLE}" }),
			"holds the template placeholder ${AWS_ACCOUNT_ID}"},
		{"a Go template for the role", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "{{ exec_role }}" }), "holds the template placeholder {{ exec_role }}"},
		{"an account that is not one", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "arn:aws:iam::ACCOUNT_ID:role/ecsTaskExecutionRole" }),
			`"arn:aws:iam::ACCOUNT_ID:role/ecsTaskExecutionRole" is not an IAM role ARN`},
		{"a role name IAM does not allow", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "arn:aws:iam::123456789012:role/my role" }), "is not an IAM role ARN"},
		{"a role name longer than 64", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65) }), "is not an IAM role ARN"},
		{"a role with a path", secrets, prpAction(func(c *PutRolePolicyChange) { c.Role = "arn:aws:iam::123456789012:role/service-role/ecs-exec" }), ""},
		{"another policy", secrets, prpAction(func(c *PutRolePolicyChange) { c.PolicyName = "app" }), `putRolePolicy: policyName is "app": ecsfix writes only its own policy "ecsfix"`},
		{"no statement", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements = nil }), "putRolePolicy: statements is empty"},
		{"no sid", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements[1].Sid = "" }), "putRolePolicy: statement 2: sid is required"},
		{"a sid twice", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements[2].Sid = SidDecryptSecrets }), "putRolePolicy: statement 3: sid EcsfixDecryptSecrets is used by an earlier statement"},
		{"no action", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements[1].Actions = nil }), "putRolePolicy: statement 2: actions is empty"},
		{"no resource", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements[1].Resources = nil }), "putRolePolicy: statement 2: no resources"},
		{"resources and resources from", secrets, prpAction(func(c *PutRolePolicyChange) {
			c.Statements[0].Resources = []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}
		}), ""},
		{"resources from only", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements = c.Statements[:1] }), ""},
		{"resources from no action", secrets, prpAction(func(c *PutRolePolicyChange) { c.Statements[0].ResourcesFrom = []string{"s1", "s9"} }),
			`putRolePolicy: statement 1: resourcesFrom "s9" is not an earlier create-secret action`},
		{"resources from another kind", append(secrets, ensure), prpAction(func(c *PutRolePolicyChange) { c.Statements[0].ResourcesFrom = []string{"s3"} }),
			`resourcesFrom "s3" is not an earlier create-secret action`},
		{"a before that is not an object", secrets, prpAction(func(c *PutRolePolicyChange) { c.Before = "[]" }), "putRolePolicy: before: not a JSON object"},
		{"another control", secrets, func() Action { a := prpAction(nil); a.Controls = []string{"ECS.9", "ECS.5"}; return a }(),
			`"ECS.5" is not a control that a put-role-policy action fixes (ECS.8, EXPOSURE.plaintext-credentials, ECS.9)`},
	}
	checkValidate(t, cases)
}

func TestPutRolePolicyRiskFloorCases(t *testing.T) {
	// The role is the execution role of a registration of the plan; s1 is a create-secret action.
	reg := regChange(nil)
	earlier := append([]Action{reg}, secretActions()...)
	st := func(f func(c *PutRolePolicyChange)) Action { return prpAction(f) }
	cases := []rcase{
		{"the owned statements", earlier, st(nil), nil, RiskMedium},
		{"overrides do not lower it", earlier, st(nil), map[string]Risk{"ECS.8": RiskLow, "ECS.9": RiskLow}, RiskMedium},
		{"not an execution role of the plan", secretActions(), st(nil), nil, RiskHigh},
		{"another policy", earlier, st(func(c *PutRolePolicyChange) { c.PolicyName = "app" }), nil, RiskHigh},
		{"no statement", earlier, st(func(c *PutRolePolicyChange) { c.Statements = nil }), nil, RiskHigh},
		{"a foreign sid", earlier, st(func(c *PutRolePolicyChange) { c.Statements[2].Sid = "Mine" }), nil, RiskHigh},
		{"a foreign sid without actions", earlier, st(func(c *PutRolePolicyChange) { c.Statements[2].Sid, c.Statements[2].Actions = "Mine", nil }), nil, RiskHigh},
		{"one action too few", earlier, st(func(c *PutRolePolicyChange) { c.Statements[2].Actions = []string{"logs:PutLogEvents"} }), nil, RiskHigh},
		{"another action", earlier, st(func(c *PutRolePolicyChange) { c.Statements[1].Actions = []string{"kms:*"} }), nil, RiskHigh},
		{"an action twice", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[2].Actions = []string{"logs:PutLogEvents", "logs:PutLogEvents"}
		}), nil, RiskHigh},
		{"actions in another order", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[2].Actions = []string{"logs:PutLogEvents", "logs:CreateLogStream"}
		}), nil, RiskMedium},
		{"secrets named literally", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[0].Resources = []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}
		}), nil, RiskHigh},
		{"secrets from no action", earlier, st(func(c *PutRolePolicyChange) { c.Statements[0].ResourcesFrom = nil }), nil, RiskHigh},
		{"secrets from an action of another kind", earlier, st(func(c *PutRolePolicyChange) { c.Statements[0].ResourcesFrom = []string{"s1", "r1"} }), nil, RiskHigh},
		{"secrets from two actions", earlier, st(func(c *PutRolePolicyChange) { c.Statements[0].ResourcesFrom = []string{"s1", "s2"} }), nil, RiskMedium},
		{"logs from an action", earlier, st(func(c *PutRolePolicyChange) { c.Statements[2].ResourcesFrom = []string{"s1"} }), nil, RiskHigh},
		{"logs on nothing", earlier, st(func(c *PutRolePolicyChange) { c.Statements[2].Resources = nil; c.Statements[2].ResourcesFrom = nil }), nil, RiskHigh},
		{"logs on a group, not its streams", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[2].Resources[1] = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api"
		}), nil, RiskHigh},
		{"logs on every group", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[2].Resources[1] = "arn:aws:logs:eu-west-1:123456789012:log-group:*:*"
		}), nil, RiskHigh},
		{"logs in another partition", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[2].Resources[1] = "arn:aws-cn:logs:eu-west-1:123456789012:log-group:/ecs/api:*"
		}), nil, RiskHigh},
		{"logs in another account", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[2].Resources[1] = "arn:aws:logs:eu-west-1:999999999999:log-group:/ecs/api:*"
		}), nil, RiskHigh},
		{"decrypt from an action", earlier, st(func(c *PutRolePolicyChange) { c.Statements[1].ResourcesFrom = []string{"s1"} }), nil, RiskHigh},
		{"decrypt with two keys", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[1].Resources = append(c.Statements[1].Resources, "arn:aws:kms:eu-west-1:123456789012:key/other")
		}), nil, RiskHigh},
		{"decrypt with an alias", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[1].Resources = []string{"arn:aws:kms:eu-west-1:123456789012:alias/mine"}
		}), nil, RiskHigh},
		{"decrypt with a key of another partition", earlier, st(func(c *PutRolePolicyChange) {
			c.Statements[1].Resources = []string{"arn:aws-us-gov:kms:eu-west-1:123456789012:key/1234"}
		}), nil, RiskHigh},
	}
	checkRisk(t, cases)
}

func TestPutRolePolicyDetailsAndDiff(t *testing.T) {
	c := prpAction(func(c *PutRolePolicyChange) { c.Statements[0].ResourcesFrom = []string{"s1", "s2"} }).PutRolePolicy
	want := [][2]string{
		{"grant", "EcsfixReadSecrets: secretsmanager:GetSecretValue on (ARN of the secret created by s1)"},
		{"grant", "EcsfixReadSecrets: secretsmanager:GetSecretValue on (ARN of the secret created by s2)"},
	}
	if got := c.details(); !reflect.DeepEqual(got.grants, want) || got.rows != nil {
		t.Errorf("details = %+v", got)
	}
	c.Before = `{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	d, err := c.diff()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"--- role/exec policy ecsfix (now)", "+++ role/exec policy ecsfix (after)", `       "Sid": "Keep"`,
		`+        "(ARN of the secret created by s2)"`, `+        "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/api:*"`} {
		if !strings.Contains(d, s+"\n") {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	c.Before = "  "
	if d, err := c.diff(); err != nil || strings.Contains(d, "\n-") || !strings.Contains(d, `+  "Version": "2012-10-17"`) {
		t.Errorf("diff from nothing = %v:\n%s", err, d)
	}
	c.Before = `{"Statement":"x"}`
	if _, err := c.diff(); err == nil || !strings.HasPrefix(err.Error(), "role "+prpRole+": before: ") {
		t.Errorf("diff of a bad before = %v", err)
	}
	c.Before = ""
	c.Statements[1].Actions = nil
	if _, err := c.diff(); err == nil || !strings.HasPrefix(err.Error(), "role "+prpRole+": ") {
		t.Errorf("diff of a statement without actions = %v", err)
	}
	p := &Plan{Actions: secretActions()}
	if !p.hasActionOf("s2", CreateSecret) || p.hasActionOf("s2", EnsureLogGroup) || p.hasActionOf("s3", CreateSecret) {
		t.Error("hasActionOf")
	}
}
