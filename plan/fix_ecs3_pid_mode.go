package plan

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fixECS3 removes pidMode host (ECS.3, host-PID exposure), unless a container of the task is a host
// agent (workload.go): an agent sees the instance's processes through the host's
// PID namespace, so pidMode host stays and the finding is not fixed, with why.
func fixECS3(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	if in.PidMode != ecstypes.PidModeHost {
		return fixOutcome{}
	}
	if ctx.opts.rebuild == nil {
		if kept := hostAgents(ctx, in); len(kept) > 0 {
			return fixOutcome{Skip: "container " + strings.Join(kept, ", ") +
				", which usually needs the host's process namespace (pidMode host) to see the instance's processes: pidMode host is left as it is; " +
				"list the container in fix.workloads.not_agents to remove it anyway, or exempt this task definition from ECS.3"}
		}
	}
	in.PidMode = ""
	return fixOutcome{Edits: []Edit{{Control: detect.ECS3ID, Path: "pidMode", Change: `remove pidMode "host" (containers get their own process namespace)`}}}
}
