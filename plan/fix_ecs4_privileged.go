package plan

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
)

// fixECS4 drops privileged from every privileged container (ECS.4, privileged exposure) but a host agent
// or privileged workload (workload.go): that one keeps privileged, which the plan lists under "Not fixed"
// with why and the safer alternative (a read-only root filesystem with the paths it writes, which ECS.5
// gives it; the capabilities it needs through linuxParameters). When every privileged container keeps
// it, the finding is not fixed at all.
func fixECS4(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	var out fixOutcome
	var kept []string
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		if c.Privileged == nil || !*c.Privileged {
			continue
		}
		label := containerLabel(c, i)
		if keep, why := keepPrivileged(ctx, in, i); keep {
			kept = append(kept, "container "+strconv.Quote(label)+" keeps privileged: it is "+why+
				"; safer: keep privileged and make its root filesystem read-only with the paths it writes (ECS.5 does, with the paths it knows), "+
				"or replace privileged with the capabilities it needs (linuxParameters.capabilities.add, such as SYS_ADMIN, SYS_PTRACE, NET_ADMIN) and devices (linuxParameters.devices); "+
				"list it in fix.workloads.not_agents to drop privileged anyway")
			continue
		}
		c.Privileged = nil
		out.Edits = append(out.Edits, Edit{
			Control: detect.ECS4ID,
			Path:    "containerDefinitions[" + label + "].privileged",
			Change:  "remove privileged true (the container no longer gets every host capability and device)",
		})
	}
	if len(out.Edits) == 0 {
		if len(kept) > 0 {
			return fixOutcome{Skip: strings.Join(kept, "; ")}
		}
		return out
	}
	out.NotFixed = kept
	out.Notes = append(out.Notes, "a container that needs a specific privilege (a capability, a device) must get it through linuxParameters instead of privileged")
	return out
}

// keepPrivileged reports whether container i keeps privileged, and why: at plan time when it is a host
// agent or privileged workload; when re-derived, when the plan's after-state keeps it.
func keepPrivileged(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, i int) (bool, string) {
	if h := ctx.opts.rebuild; h != nil {
		return h.privileged[containerLabel(&in.ContainerDefinitions[i], i)], "kept privileged by the plan"
	}
	w := recogniseWorkload(ctx, in, i)
	if !w.Kept() {
		return false, ""
	}
	return true, w.What() + ": " + w.Why
}
