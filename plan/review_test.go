package plan

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
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

func TestValidateControlsMatchType(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Plan)
		want string
	}{
		{"registration labelled with a service control", func(p *Plan) { p.Actions[0].Controls = []string{"ECS.10"} }, `action 1 (a1): controls: "ECS.10"`},
		{"registration without controls", func(p *Plan) { p.Actions[1].Controls = nil }, "action 2 (a2): controls: an action fixes at least one control"},
		{"registration edit with an unknown control", func(p *Plan) { p.Actions[1].RegisterTaskDefinition.Edits[0].Control = "ECS.12" }, `action 2 (a2): registerTaskDefinition: edit 1: control "ECS.12"`},
		{"cluster update labelled ECS.5", func(p *Plan) { p.Actions[4].Controls = []string{"ECS.5"} }, `action 5 (a5): controls: "ECS.5" is not a control that a cluster settings update fixes`},
		{"service update labelled with a control its registration does not fix", func(p *Plan) { p.Actions[2].Controls = []string{"ECS.4"} },
			`action 3 (a3): controls: "ECS.4" is not among the controls of registration a1`},
		{"platform update labelled ECS.5", func(p *Plan) { p.Actions[3].Controls = []string{"ECS.5"} }, `action 4 (a4): controls: "ECS.5" is not fixed by a service update that does not change the task definition`},
		{"ECS.10 without a platform version", func(p *Plan) { p.Actions[2].Controls = []string{"ECS.5", "ECS.10"} }, "action 3 (a3): controls: ECS.10 is fixed by setting the platform version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if err := p.Validate(); err != nil {
				t.Fatalf("the fixture does not validate: %v", err)
			}
			tt.edit(p)
			b, err := canonicalPlan(p, true)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Read("edited.json", b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// Subset keeps a family's registrations together.
func TestSubsetKeepsFamilyWhole(t *testing.T) {
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	in := bInventory([]detect.TaskDefinition{
		bTD("web", 1, ctrMod(0, writableRoot)), // medium: ECS.5
		bTD("web", 2, ctrMod(0, privileged)),   // the latest, high: ECS.4
		bTD("api", 1, ctrMod(0, writableRoot)), // another family, medium
	}, []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("front", bTDArn("web", 2)), bSvc("api", bTDArn("api", 1))},
		bClusterOf("disabled"))
	p := buildPlan(t, in, bOptions())
	kept, left := p.Subset(RiskMedium, nil)
	for _, a := range kept.Actions {
		if a.Type == RegisterTaskDefinition && a.RegisterTaskDefinition.Family == "web" {
			t.Errorf("kept registration %s of %s while the family's latest is left out", a.ID, a.Resource)
		}
		if a.Type == UpdateService && a.Resource != bSvcArn("api") {
			t.Errorf("kept %s %s", a.ID, a.Summary)
		}
	}
	var keptTypes []string
	for _, a := range kept.Actions {
		keptTypes = append(keptTypes, string(a.Type)+" "+a.Resource)
	}
	want := []string{"register-task-definition " + bTDArn("api", 1), "update-service " + bSvcArn("api"), "update-cluster-settings " + bCluster}
	if !reflect.DeepEqual(keptTypes, want) {
		t.Errorf("kept %v, want %v", keptTypes, want)
	}
	if len(kept.Actions)+len(left) != len(p.Actions) {
		t.Errorf("kept %d + left %d != %d", len(kept.Actions), len(left), len(p.Actions))
	}
	var b bytes.Buffer
	if err := Write(&b, kept); err != nil {
		t.Errorf("the subset is not a valid plan: %v", err)
	}
	// the subset applied leaves no family whose newest revision is older code
	after := applyPlan(t, in, kept)
	latest, _ := after.LatestActive(bTDArn("web", 1))
	if latest.ARN() != bTDArn("web", 2) {
		t.Errorf("web's newest revision is %s", latest.ARN())
	}
}
