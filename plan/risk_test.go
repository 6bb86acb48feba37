package plan

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// Risk from content: the Risk label of a plan file does not decide approval.

func TestEffectiveRisk(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(p *Plan)
		overrides map[string]Risk
		id        string
		want      Risk
	}{
		{"registration relabelled low keeps its controls' risk", func(p *Plan) { p.Actions[0].Risk = RiskLow }, nil, "a1", RiskMedium},
		{"high registration relabelled low", func(p *Plan) { p.Actions[1].Risk = RiskLow }, nil, "a2", RiskHigh},
		{"override lowers the floor", func(p *Plan) { p.Actions[0].Risk = RiskLow }, map[string]Risk{"ECS.5": RiskLow}, "a1", RiskLow},
		{"override never lowers the label", nil, map[string]Risk{"ECS.5": RiskLow}, "a1", RiskMedium},
		{"an edit's control counts", func(p *Plan) {
			p.Actions[0].Risk = RiskLow
			p.Actions[0].RegisterTaskDefinition.Edits = append(p.Actions[0].RegisterTaskDefinition.Edits, Edit{Control: "ECS.4", Path: "x", Change: "y"})
		}, map[string]Risk{"ECS.5": RiskLow}, "a1", RiskHigh},
		{"registration without controls", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[0].Controls, p.Actions[0].RegisterTaskDefinition.Edits = RiskLow, nil, nil
		}, nil, "a1", RiskHigh},
		{"registration with an unknown control", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[0].Controls, p.Actions[0].RegisterTaskDefinition.Edits = RiskLow, []string{"ECS.99"}, nil
		}, nil, "a1", RiskHigh},
		{"service update takes its registration's risk", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[2].Risk = RiskLow, RiskLow
		}, nil, "a3", RiskMedium},
		{"service update to a revision the plan does not register", func(p *Plan) {
			p.Actions[2].Risk, p.Actions[2].UpdateService.TaskDefinitionFrom, p.Actions[2].DependsOn = RiskLow, "", nil
		}, nil, "a3", RiskHigh},
		{"service update from a registration that is not in the plan", func(p *Plan) {
			p.Actions[2].Risk, p.Actions[2].UpdateService.TaskDefinitionFrom = RiskLow, "a9"
		}, nil, "a3", RiskHigh},
		{"platform LATEST is ECS.10's risk", nil, nil, "a4", RiskLow},
		{"platform LATEST with ECS.10 overridden", nil, map[string]Risk{"ecs.10": RiskMedium}, "a4", RiskMedium},
		{"platform other than LATEST", func(p *Plan) { p.Actions[3].UpdateService.After.PlatformVersion = "1.3.0" }, nil, "a4", RiskHigh},
		{"revision and platform: at least ECS.10's", func(p *Plan) {
			p.Actions[0].Risk, p.Actions[2].Risk = RiskLow, RiskLow
			p.Actions[2].UpdateService.After.PlatformVersion = "LATEST"
		}, map[string]Risk{"ECS.5": RiskLow, "ECS.10": RiskMedium}, "a3", RiskMedium},
		{"container insights enabled", nil, nil, "a5", RiskLow},
		{"container insights enhanced", func(p *Plan) { p.Actions[4].UpdateClusterSettings.After[0].Value = "enhanced" }, nil, "a5", RiskLow},
		{"container insights disabled", func(p *Plan) { p.Actions[4].UpdateClusterSettings.After[0].Value = "disabled" }, nil, "a5", RiskHigh},
		{"another cluster setting", func(p *Plan) {
			p.Actions[4].UpdateClusterSettings.After = append(p.Actions[4].UpdateClusterSettings.After, ClusterSetting{Name: "other", Value: "x"})
		}, nil, "a5", RiskHigh},
		{"unknown type", func(p *Plan) { p.Actions[4].Type = "delete-cluster" }, nil, "a5", RiskHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if tt.edit != nil {
				tt.edit(p)
			}
			for _, a := range p.Actions {
				if a.ID == tt.id {
					if got := p.EffectiveRisk(a, tt.overrides); got != tt.want {
						t.Errorf("EffectiveRisk(%s) = %s, want %s", a.ID, got, tt.want)
					}
				}
			}
		})
	}
}

// relabelled writes the fixture with every risk edited to low and reads it back, as a tampered plan file.
func relabelled(t *testing.T) *Plan {
	t.Helper()
	p := renderFixture(t)
	for i := range p.Actions {
		p.Actions[i].Risk = RiskLow
	}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	read, err := Read("tampered.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return read
}

func TestRelabelledPlanStillNeedsApproval(t *testing.T) {
	p := relabelled(t)
	if got := ids(p.NeedsApproval(RiskLow, nil)); !reflect.DeepEqual(got, []string{"a1", "a2", "a3", "a6", "a7", "a8", "a9", "a10", "a11"}) {
		t.Errorf("NeedsApproval(low) = %v, want [a1 a2 a3 a6 a7 a8 a9 a10 a11]", got)
	}
	if got := ids(p.NeedsApproval(RiskMedium, nil)); !reflect.DeepEqual(got, []string{"a2", "a9", "a10", "a11"}) {
		t.Errorf("NeedsApproval(medium) = %v, want [a2 a9 a10 a11]", got)
	}
	if got := ids(p.NeedsApproval(RiskLow, map[string]Risk{"ECS.5": RiskLow})); !reflect.DeepEqual(got, []string{"a2", "a6", "a7", "a8", "a9", "a10", "a11"}) {
		t.Errorf("NeedsApproval(low, ECS.5 low) = %v, want [a2 a6 a7 a8 a9 a10 a11]", got)
	}
	kept, left := p.Subset(RiskLow, nil)
	if got := ids(kept.Actions); !reflect.DeepEqual(got, []string{"a4", "a5"}) {
		t.Errorf("Subset(low) kept %v (left %v), want [a4 a5]", got, ids(left))
	}
	// the renderers show the effective risk
	var b bytes.Buffer
	if err := RenderText(&b, p, RenderOptions{UnattendedRisk: RiskLow}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "risk:        high (needs approval)") || !strings.Contains(b.String(), "4 high-risk and 5 medium-risk actions need approval") {
		t.Errorf("text rendering:\n%s", b.String())
	}
}

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
