package plan

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Ownership: what is left to infrastructure as code.

// Fixes of older revisions are skipped when the family's latest is owned by infrastructure as code.
func TestOwnedLatestSkipsOlderFixes(t *testing.T) {
	writableRoot := func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }
	for _, latestFails := range []bool{true, false} {
		name := "the latest needs a fix too"
		var mods []tdMod
		if latestFails {
			mods = append(mods, ctrMod(0, writableRoot))
		} else {
			name = "the latest is clean"
		}
		t.Run(name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{
				bTD("web", 1, ctrMod(0, writableRoot)),
				bTD("web", 2, append(mods, withTags("aws:cloudformation:stack-name", "shop"))...),
			}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
			p := buildPlan(t, in, bOptions())
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
			if !hasSkipped(p, "ECS.5", bTDArn("web", 1), "the family's latest ACTIVE revision web:2 is owned by CloudFormation stack shop") {
				t.Errorf("skipped %+v", p.Skipped)
			}
		})
	}
}
