package detect

import (
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Running revisions: Evaluate scores only each family's latest ACTIVE revision, as Security Hub does, but
// a service may run an older one. EvaluateRunning scores the revisions services run.

// RunningResult is the result of a task-definition control on the revision a service runs
// (Result.ResourceArn).
type RunningResult struct {
	Service  *ecstypes.Service
	Revision *TaskDefinition
	Result
}

// EvaluateRunning applies the task-definition controls named by ids (matched regardless of case; none:
// no control) to the revision each service runs, when that revision is in the inventory and is not its
// family's latest ACTIVE revision, whose results Evaluate gives. Each result is EvaluateRevision's: the
// settings' exemptions apply to it, and a control off under the settings is NOT_APPLICABLE. The results
// come by service, in inventory order, then in registry order; Service and Revision point into the
// inventory.
func EvaluateRunning(in *Inventory, s *Settings, ids ...string) []RunningResult {
	want := map[string]bool{}
	for _, id := range ids {
		want[strings.ToUpper(id)] = true
	}
	var controls []Control
	for _, c := range All() {
		if c.TaskDefinition != nil && want[strings.ToUpper(c.ID)] {
			controls = append(controls, c)
		}
	}
	var out []RunningResult
	for i := range in.Services {
		svc := &in.Services[i]
		td, ok := in.TaskDefinition(deref(svc.TaskDefinition))
		if !ok {
			continue
		}
		if latest, ok := in.LatestActive(td.ARN()); ok && latest.ARN() == td.ARN() {
			continue
		}
		for _, c := range controls {
			out = append(out, RunningResult{Service: svc, Revision: td, Result: EvaluateRevision(c, td, s)})
		}
	}
	return out
}
