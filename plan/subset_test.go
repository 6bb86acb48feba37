package plan

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/ecsfix/ecsfix/detect"
)

func ids(actions []Action) []string {
	var out []string
	for _, a := range actions {
		out = append(out, a.ID)
	}
	return out
}

func resources(fps []Fingerprint) []string {
	var out []string
	for _, f := range fps {
		out = append(out, f.Resource)
	}
	return out
}

func TestSubset(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*Plan)
		maxRisk   Risk
		kept      []string
		left      []string
		keptState []string
	}{
		{"low", nil, RiskLow, []string{"a4", "a5"}, []string{"a1", "a2", "a3", "a6", "a7", "a8", "a9", "a10", "a11"}, []string{fxAPISvc, fxCluster}},
		{"medium", nil, RiskMedium, []string{"a1", "a3", "a4", "a5", "a6", "a7", "a8"}, []string{"a2", "a9", "a10", "a11"}, []string{fxWeb3, fxWebSvc, fxAPISvc, fxCluster}},
		{"high", nil, RiskHigh, []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}, nil, []string{fxWeb3, fxWorker7, fxWebSvc, fxAPISvc, fxCluster}},
		{"none", nil, RiskNone, nil, []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}, nil},
		{"unknown level keeps nothing", nil, "bogus", nil, []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}, nil},
		{"a dependent of a dropped action is dropped", func(p *Plan) { p.Actions[0].Risk = RiskHigh }, RiskMedium,
			[]string{"a4", "a5", "a6", "a7", "a8"}, []string{"a1", "a2", "a3", "a9", "a10", "a11"}, []string{fxWeb3, fxAPISvc, fxCluster}},
		{"taskDefinitionFrom counts as a dependency", func(p *Plan) {
			p.Actions[0].Risk = RiskHigh
			p.Actions[2].DependsOn = nil
		}, RiskMedium, []string{"a4", "a5", "a6", "a7", "a8"}, []string{"a1", "a2", "a3", "a9", "a10", "a11"}, []string{fxWeb3, fxAPISvc, fxCluster}},
		{"closure is transitive", func(p *Plan) {
			p.Actions[0].Risk = RiskHigh
			p.Actions[3].DependsOn = []string{"a3"}
		}, RiskMedium, []string{"a5", "a6", "a7", "a8"}, []string{"a1", "a2", "a3", "a4", "a9", "a10", "a11"}, []string{fxWeb3, fxCluster}},
		{"a put-role-policy depends on its secret", func(p *Plan) { p.Actions[5].Risk = RiskHigh }, RiskMedium,
			[]string{"a1", "a3", "a4", "a5", "a7"}, []string{"a2", "a6", "a8", "a9", "a10", "a11"}, []string{fxWeb3, fxWebSvc, fxAPISvc, fxCluster}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if tt.edit != nil {
				tt.edit(p)
			}
			kept, left := p.Subset(tt.maxRisk, nil)
			if got := ids(kept.Actions); !reflect.DeepEqual(got, tt.kept) {
				t.Errorf("kept = %v, want %v", got, tt.kept)
			}
			if got := ids(left); !reflect.DeepEqual(got, tt.left) {
				t.Errorf("left = %v, want %v", got, tt.left)
			}
			if got := resources(kept.State); !reflect.DeepEqual(got, tt.keptState) {
				t.Errorf("state = %v, want %v", got, tt.keptState)
			}
			if len(kept.Approvals) != 0 {
				t.Errorf("a subset carries approvals: %+v", kept.Approvals)
			}
			if !reflect.DeepEqual(kept.Skipped, p.Skipped) || kept.Tool != p.Tool || !kept.CreatedAt.Equal(p.CreatedAt) {
				t.Errorf("subset lost the plan's header or skipped findings")
			}
			var b bytes.Buffer
			if err := Write(&b, kept); err != nil {
				t.Errorf("the subset is not a valid plan: %v", err)
			}
			if len(p.Actions) != 11 || len(p.Approvals) != 2 {
				t.Error("Subset modified the plan")
			}
		})
	}
}

// Subset keeps a family's registrations together.
func TestSubsetKeepsFamilyWhole(t *testing.T) {
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	in := imagesRead(bInventory([]detect.TaskDefinition{
		bTD("web", 1, ctrMod(0, writableRoot)), // medium: ECS.5
		bTD("web", 2, ctrMod(0, privileged)),   // the latest, high: ECS.4
		bTD("api", 1, ctrMod(0, writableRoot)), // another family, medium
	}, []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("front", bTDArn("web", 2)), bSvc("api", bTDArn("api", 1))},
		bClusterOf("disabled")))
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
