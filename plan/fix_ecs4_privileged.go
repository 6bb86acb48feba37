package plan

import (
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
)

// fixECS4 drops privileged from every privileged container (ECS.4, privileged exposure).
func fixECS4(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	var out fixOutcome
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		if c.Privileged == nil || !*c.Privileged {
			continue
		}
		c.Privileged = nil
		out.Edits = append(out.Edits, Edit{
			Control: detect.ECS4ID,
			Path:    "containerDefinitions[" + containerLabel(c, i) + "].privileged",
			Change:  "remove privileged true (the container no longer gets every host capability and device)",
		})
	}
	if len(out.Edits) > 0 {
		out.Notes = append(out.Notes, "a container that needs a specific privilege (a capability, a device) must get it through linuxParameters instead of privileged")
	}
	return out
}
