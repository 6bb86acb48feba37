package detect

// Tests for revisions whose status is unknown (a file with an ARN but no status) and the revision number
// of the not-evaluated reasons.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestEvaluateRevisionUnknownStatus(t *testing.T) {
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	noStatus := func(td *TaskDefinition) { td.Status = "" }
	noRevision := func(td *TaskDefinition) { td.Revision = 0 }
	inv := &Inventory{TaskDefinitions: []TaskDefinition{
		// an older status-less revision beside a newer ACTIVE one is still evaluated
		taskDef("web", 3, noStatus, noRevision, containers(ctr("app", privileged))),
		taskDef("web", 4),
		taskDef("api", 7, noRevision, tdStatus(ecstypes.TaskDefinitionStatusInactive), containers(ctr("app", privileged))),
		taskDef("api", 8, noRevision, containers(ctr("app", privileged))),
	}}
	byArn := map[string]Result{}
	for _, r := range Evaluate(inv, &Settings{Controls: []string{"ECS.4"}}) {
		byArn[r.ResourceArn] = r
	}
	if r := byArn[tdARN("web", 3)]; r.Status != Failed || !strings.Contains(r.Reason, "status is unknown") {
		t.Errorf("status-less revision: %s %q, want FAILED noting the unknown status", r.Status, r.Reason)
	}
	if r := byArn[tdARN("web", 4)]; r.Status != Passed || strings.Contains(r.Reason, "status is unknown") {
		t.Errorf("ACTIVE revision: %s %q", r.Status, r.Reason)
	}
	if r := byArn[tdARN("api", 7)]; r.Status != NotApplicable || r.Reason != "revision 7 is INACTIVE; only the latest ACTIVE revision of a family is evaluated" {
		t.Errorf("INACTIVE revision without revision field: %s %q", r.Status, r.Reason)
	}
	if r := byArn[tdARN("api", 8)]; r.Status != Failed {
		t.Errorf("ACTIVE revision without revision field: %s %q", r.Status, r.Reason)
	}
}
