package detect

import (
	"strings"
	"testing"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestEvaluateRunning(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{
			taskDef("web", 1, pidMode(ecstypes.PidModeHost), containers(ctr("web", privileged(true)))),
			taskDef("web", 2, containers(ctr("web"))),
			taskDef("api", 4, containers(ctr("api", privileged(true)))),
			taskDef("old", 1, tdStatus(ecstypes.TaskDefinitionStatusInactive), containers(ctr("old", privileged(true)))),
		},
		Services: []ecstypes.Service{
			service("latest", runs(tdARN("web", 2))),
			service("api", runs(tdARN("api", 4))),
			service("older", runs(tdARN("web", 1))),
			service("missing", runs(tdARN("gone", 1))),
			service("inactive", runs(tdARN("old", 1))),
			service("none"),
		},
	}
	s := &Settings{Now: now, Exemptions: []Exemption{{Control: "ECS.3", Arn: tdARN("web", 1), Reason: "agent"}}}
	// ECS.2 evaluates services, not task definitions: it is left out; ids match regardless of case
	got := EvaluateRunning(inv, s, "ecs.4", "ECS.3", "ECS.2", "NOPE")
	var lines []string
	for _, r := range got {
		line := *r.Service.ServiceName + " " + r.Control + " " + r.ResourceArn + " " + string(r.Status)
		if r.Suppressed != nil {
			line += " suppressed by " + r.Suppressed.By
		}
		if r.Revision.ARN() != r.ResourceArn {
			t.Errorf("%s: Revision %s, want %s", line, r.Revision.ARN(), r.ResourceArn)
		}
		lines = append(lines, line)
	}
	want := []string{
		// registry order: ECS.3 before ECS.4
		"older ECS.3 " + tdARN("web", 1) + " FAILED suppressed by exemption for " + tdARN("web", 1),
		"older ECS.4 " + tdARN("web", 1) + " FAILED",
		// an INACTIVE revision has no latest ACTIVE: it is evaluated
		"inactive ECS.3 " + tdARN("old", 1) + " PASSED",
		"inactive ECS.4 " + tdARN("old", 1) + " FAILED",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if &inv.Services[2] != got[0].Service || &inv.TaskDefinitions[0] != got[0].Revision {
		t.Error("Service and Revision do not point into the inventory")
	}
	if got := EvaluateRunning(inv, s); len(got) != 0 {
		t.Errorf("no ids: got %d results, want none", len(got))
	}
}

func TestEvaluateRunningControlOff(t *testing.T) {
	inv := &Inventory{
		TaskDefinitions: []TaskDefinition{taskDef("web", 1), taskDef("web", 2)},
		Services:        []ecstypes.Service{service("older", runs(tdARN("web", 1)))},
	}
	// ECS.15 is off without required tag keys
	got := EvaluateRunning(inv, nil, "ECS.15")
	if len(got) != 1 || got[0].Status != NotApplicable {
		t.Fatalf("got %+v, want one NOT_APPLICABLE result", got)
	}
	got = EvaluateRunning(inv, &Settings{RequiredTags: map[string][]string{TypeTaskDefinition: {"team"}}}, "ECS.15")
	if len(got) != 1 || got[0].Status != Failed {
		t.Fatalf("got %+v, want one FAILED result", got)
	}
}
