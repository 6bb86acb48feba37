package plan

// Helpers for the tests that pin each remedy's behaviour through the planner's entry points (Build,
// Validate): they read a plan's single registration, its edits as text, and the revision it registers.

import (
	"encoding/json"
	"strings"
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// pinPlan builds and validates the plan of an inventory made of these revisions (each run by no
// service) under the default test options changed by mods.
func pinPlan(t *testing.T, tds []detect.TaskDefinition, mods ...func(*Options)) *Plan {
	t.Helper()
	return buildPlan(t, bInventory(tds, nil), bOptions(mods...))
}

// pinOnlyRegistration is the plan's only action, a registration; it fails the test otherwise.
func pinOnlyRegistration(t *testing.T, p *Plan) Action {
	t.Helper()
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 || len(p.Actions) != 1 {
		t.Fatalf("want one registration and nothing else, got %d actions: %+v", len(p.Actions), p.Actions)
	}
	return regs[0]
}

// pinEdits are a registration's edits, one "control path: change" line each.
func pinEdits(a Action) []string {
	var out []string
	for _, e := range a.RegisterTaskDefinition.Edits {
		out = append(out, e.Control+" "+e.Path+": "+e.Change)
	}
	return out
}

// pinSameLines fails when got and want differ, showing both one line each.
func pinSameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// pinAfterContainers are the container definitions of a registration's after-state as generic JSON, to
// tell an absent field from an empty one.
func pinAfterContainers(t *testing.T, a Action) []map[string]any {
	t.Helper()
	var doc struct {
		ContainerDefinitions []map[string]any `json:"containerDefinitions"`
	}
	if err := json.Unmarshal(a.RegisterTaskDefinition.After, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.ContainerDefinitions
}

// pinResults are the detector's results on an inventory, plus forged FAILED results of control on
// each of these resources: the planner is asked to fix what the detector would not flag.
func pinResults(in *detect.Inventory, control string, arns ...string) []detect.Result {
	rs := detect.Evaluate(in, bSettings())
	c, _ := detect.Lookup(control)
	for _, arn := range arns {
		kept := rs[:0]
		for _, r := range rs {
			if r.Control != c.ID || r.ResourceArn != arn {
				kept = append(kept, r)
			}
		}
		rs = append(kept, detect.Result{ControlInfo: &detect.ControlInfo{Control: c.ID, Title: c.Title, Severity: c.Severity, ResourceType: c.ResourceType},
			ResourceArn: arn, Region: detect.RegionOf(arn), Status: detect.Failed, Reason: "forged for the test"})
	}
	return rs
}

// pinFamily is a runtime platform of that OS family.
func pinFamily(f ecstypes.OSFamily) tdMod {
	return func(td *detect.TaskDefinition) {
		td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: f}
	}
}

// pinServedPlan builds and validates the plan of one revision run by service web (for the exposures,
// which the detector evaluates on services), and returns the plan and its only registration.
func pinServedPlan(t *testing.T, td detect.TaskDefinition, mods ...func(*Options)) (*Plan, Action) {
	t.Helper()
	p := buildPlan(t, bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", td.ARN())}), bOptions(mods...))
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("want one registration, got %+v", p.Actions)
	}
	return p, regs[0]
}
