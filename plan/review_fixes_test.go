package plan

import (
	"testing"
)

// The risk floor of put-role-policy actions.

// 4. The risk floor of put-role-policy checks the statements' content and the role.
func TestPutRolePolicyRiskFloor(t *testing.T) {
	p := renderFixture(t)
	var base Action
	for _, a := range p.Actions {
		if a.Type == PutRolePolicy {
			base = a
		}
	}
	base.Risk = RiskLow
	low := map[string]Risk{"ECS.8": RiskLow, "ECS.9": RiskLow}
	if got := p.EffectiveRisk(base, low); got != RiskMedium {
		t.Fatalf("untampered: %s", got)
	}
	stmt := func(a *Action, sid string) *PolicyStatement {
		c := *a.PutRolePolicy
		c.Statements = append([]PolicyStatement(nil), c.Statements...)
		a.PutRolePolicy = &c
		for i := range c.Statements {
			if c.Statements[i].Sid == sid {
				return &c.Statements[i]
			}
		}
		t.Fatalf("no statement %s", sid)
		return nil
	}
	tests := []struct {
		name string
		edit func(a *Action)
	}{
		{"another role", func(a *Action) {
			c := *a.PutRolePolicy
			c.Role = "arn:aws:iam::123456789012:role/admin"
			a.PutRolePolicy = &c
		}},
		{"extra action", func(a *Action) {
			s := stmt(a, SidWriteLogs)
			s.Actions = append(append([]string(nil), s.Actions...), "logs:DeleteLogGroup")
		}},
		{"an action of another Sid", func(a *Action) { stmt(a, SidReadSecrets).Actions = []string{"kms:Decrypt"} }},
		{"one action missing", func(a *Action) { stmt(a, SidWriteLogs).Actions = []string{"logs:PutLogEvents"} }},
		{"literal secret resource", func(a *Action) { stmt(a, SidReadSecrets).Resources = []string{"*"} }},
		{"resourcesFrom not a create-secret", func(a *Action) { stmt(a, SidReadSecrets).ResourcesFrom = []string{"a1"} }},
		{"log resource *", func(a *Action) { stmt(a, SidWriteLogs).Resources = []string{"*"} }},
		{"log group name wildcard", func(a *Action) {
			stmt(a, SidWriteLogs).Resources = []string{"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/*:*"}
		}},
		{"log group of another account", func(a *Action) {
			stmt(a, SidWriteLogs).Resources = []string{"arn:aws:logs:eu-west-1:999999999999:log-group:/ecs/worker:*"}
		}},
		{"log region wildcard", func(a *Action) {
			stmt(a, SidWriteLogs).Resources = []string{"arn:aws:logs:*:123456789012:log-group:/ecs/worker:*"}
		}},
		{"kms alias", func(a *Action) {
			stmt(a, SidDecryptSecrets).Resources = []string{"arn:aws:kms:eu-west-1:123456789012:alias/app"}
		}},
		{"kms wildcard", func(a *Action) {
			stmt(a, SidDecryptSecrets).Resources = []string{"arn:aws:kms:eu-west-1:123456789012:key/*"}
		}},
		{"two kms keys", func(a *Action) {
			s := stmt(a, SidDecryptSecrets)
			s.Resources = append(append([]string(nil), s.Resources...), "arn:aws:kms:eu-west-1:123456789012:key/other")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			tt.edit(&a)
			if got := p.EffectiveRisk(a, low); got != RiskHigh {
				t.Errorf("EffectiveRisk = %s, want high", got)
			}
		})
	}
}
