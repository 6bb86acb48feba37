package plan

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// platformFinding routes a selected ECS.10 finding to its service's plan.
func (b *builder) platformFinding(r *detect.Result) {
	sp := b.serviceToFix(r, "set platformVersion to LATEST")
	if sp == nil {
		return
	}
	sp.platform = true
	sp.controls[r.Control] = true
}

// fixECS10 moves a Fargate service to platform version LATEST (ECS.10). Changing the platform version
// starts a new deployment: the service's tasks are replaced.
func fixECS10(svc *ecstypes.Service, _ Options) (before, after ServiceSettings, out fixOutcome) {
	pv := aws.ToString(svc.PlatformVersion)
	if svc.LaunchType != ecstypes.LaunchTypeFargate || pv == "" || pv == "LATEST" {
		return before, after, fixOutcome{}
	}
	before.PlatformVersion, after.PlatformVersion = pv, "LATEST"
	out.Edits = []Edit{{Control: detect.ECS10ID, Path: "platformVersion", Change: "set platformVersion to LATEST (was " + pv + ")"}}
	out.Preconditions = []Precondition{
		{Check: "service launchType", Result: string(svc.LaunchType)},
		{Check: "service platformVersion", Result: pv},
	}
	out.Notes = []string{"changing the platform version redeploys the service: its tasks are replaced by tasks on the latest Fargate platform"}
	return before, after, out
}

// platformUpdate adds the ECS.10 fix to a service's update.
func (b *builder) platformUpdate(u *serviceUpdate, sp *servicePlan) {
	if !sp.platform {
		return
	}
	pb, pa, out := fixECS10(sp.svc, b.opts)
	if len(out.Edits) == 0 {
		return
	}
	u.before.PlatformVersion, u.after.PlatformVersion = pb.PlatformVersion, pa.PlatformVersion
	u.controls[detect.ECS10ID] = true
	u.risk = maxRisk(u.risk, b.risk(detect.ECS10ID))
	u.notes = append(u.notes, out.Notes...)
	u.pre = append(u.pre, out.Preconditions...)
}
