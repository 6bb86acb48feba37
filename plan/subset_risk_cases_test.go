package plan

import (
	"reflect"
	"testing"
)

// Tests of Subset's closure (families, dependencies on missing actions, the state kept) and of the
// effective-risk core (risk.go) beyond the fixture.

func TestSubsetClosureCases(t *testing.T) {
	reg := func(id, account, family string, risk Risk) Action {
		a := regChange(func(r *RegisterTaskDefinitionChange) { r.Family = family; r.SecretRefs = nil })
		a.ID, a.Account, a.Risk = id, account, risk
		return a
	}
	svc := func(id, from string, deps ...string) Action {
		a := svcAction(UpdateServiceChange{Cluster: fxCluster, Service: fxWebSvc, Before: ServiceSettings{TaskDefinition: fxWeb3},
			After: ServiceSettings{TaskDefinition: "web"}, TaskDefinitionFrom: from}, "ECS.5")
		a.ID, a.Risk, a.DependsOn = id, RiskMedium, deps
		return a
	}
	lg := logAction(nil) // l1, medium
	tests := []struct {
		name    string
		actions []Action
		kept    []string
	}{
		{"a family's registrations kept together", []Action{reg("r1", fxAccount, "web", RiskMedium), reg("r2", fxAccount, "web", RiskHigh), lg}, []string{"l1"}},
		{"a family left out drops what deploys it", []Action{reg("r1", fxAccount, "web", RiskMedium), reg("r2", fxAccount, "web", RiskHigh), svc("u1", "r1"), lg}, []string{"l1"}},
		{"another family stays", []Action{reg("r1", fxAccount, "web", RiskMedium), reg("r2", fxAccount, "api", RiskHigh), lg}, []string{"r1", "l1"}},
		{"the same family in another account stays", []Action{reg("r1", fxAccount, "web", RiskMedium), reg("r2", "999999999999", "web", RiskHigh), lg}, []string{"r1", "l1"}},
		{"all within the level", []Action{lg, reg("r1", fxAccount, "web", RiskMedium), reg("r2", fxAccount, "web", RiskMedium), svc("u1", "r2")},
			[]string{"l1", "r1", "r2", "u1"}},
		{"a family left out through a missing dependency", []Action{lg, reg("r1", fxAccount, "web", RiskMedium),
			func() Action { a := reg("r2", fxAccount, "web", RiskMedium); a.DependsOn = []string{"zz"}; return a }(), svc("u1", "r1")},
			[]string{"l1"}},
		{"a dependency on an action not in the plan", []Action{reg("r1", fxAccount, "web", RiskMedium), svc("u1", "r1", "zz"), lg}, []string{"r1", "l1"}},
		{"a registration depending on a dropped action drops its family", []Action{
			func() Action { a := logAction(nil); a.Risk = RiskHigh; return a }(),
			func() Action { a := reg("r1", fxAccount, "web", RiskMedium); a.DependsOn = []string{"l1"}; return a }(),
			reg("r2", fxAccount, "web", RiskMedium), svc("u1", "r2")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := emptyFixture()
			p.Actions = tt.actions
			kept, left := p.Subset(RiskMedium, nil)
			if got := ids(kept.Actions); !reflect.DeepEqual(got, tt.kept) {
				t.Errorf("kept %v, want %v", got, tt.kept)
			}
			if len(kept.Actions)+len(left) != len(tt.actions) {
				t.Errorf("kept %d and left %d of %d", len(kept.Actions), len(left), len(tt.actions))
			}
		})
	}
	// The state kept is what the kept actions touch: their resources and what their changes touch.
	p := renderFixture(t)
	p.State = append(p.State, Fingerprint{Resource: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"}, Fingerprint{Resource: "unrelated"})
	kept, _ := p.Subset(RiskMedium, nil)
	want := []string{fxWeb3, fxWebSvc, fxAPISvc, fxCluster, "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"}
	if got := resources(kept.State); !reflect.DeepEqual(got, want) {
		t.Errorf("kept state %v, want %v", got, want)
	}
	if kept.Approvals != nil || len(kept.Skipped) != len(p.Skipped) {
		t.Errorf("approvals %v, skipped %d", kept.Approvals, len(kept.Skipped))
	}
	kept.Skipped[0].Reason = "changed"
	if p.Skipped[0].Reason == "changed" {
		t.Error("the subset shares its skipped list with the plan")
	}
	if deps := actionDependencies(&Action{DependsOn: []string{"a"}, Type: UpdateService, UpdateService: &UpdateServiceChange{TaskDefinitionFrom: "b"}}); !reflect.DeepEqual(deps, []string{"a", "b"}) {
		t.Errorf("actionDependencies = %v", deps)
	}
	if deps := actionDependencies(&Action{DependsOn: []string{"a"}, Type: "nope"}); !reflect.DeepEqual(deps, []string{"a"}) {
		t.Errorf("actionDependencies of an unknown type = %v", deps)
	}
	if r := touchedResources(&Action{Resource: "x", Type: "nope"}); !reflect.DeepEqual(r, []string{"x"}) {
		t.Errorf("touchedResources of an unknown type = %v", r)
	}
}

func TestEffectiveRiskCore(t *testing.T) {
	p := renderFixture(t)
	tests := []struct {
		name string
		a    Action
		want Risk
	}{
		{"an unknown type", Action{Type: "nope", Risk: RiskLow}, RiskHigh},
		{"a missing payload", Action{Type: UpdateClusterSettings, Risk: RiskLow}, RiskHigh},
		{"an unknown label", Action{Type: "nope", Risk: "bogus"}, "bogus"},
		{"a label above the floor", func() Action {
			a := clusterAction(ClusterSetting{Name: containerInsights, Value: "enabled"})
			a.Risk = RiskMedium
			return a
		}(), RiskMedium},
		{"the floor above the label", func() Action {
			a := clusterAction(ClusterSetting{Name: containerInsights, Value: "x"})
			a.Risk = RiskLow
			return a
		}(), RiskHigh},
	}
	for _, tt := range tests {
		if got := p.EffectiveRisk(tt.a, nil); got != tt.want {
			t.Errorf("%s: EffectiveRisk = %q, want %q", tt.name, got, tt.want)
		}
	}
}
