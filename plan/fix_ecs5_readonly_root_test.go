package plan

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// ECS.5 does not count a read-only mount as keeping a path writable, and never doubles a mount.
func TestECS5ReadOnlyMount(t *testing.T) {
	td := bTD("web", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.ReadonlyRootFilesystem = nil
		c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/tmp"), ReadOnly: aws.Bool(true)}}
	}), withContainer(func() ecstypes.ContainerDefinition {
		c := bContainer("side")
		c.ReadonlyRootFilesystem = aws.Bool(false)
		c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/tmp"), ReadOnly: aws.Bool(true)}}
		return c
	}()), func(td *detect.TaskDefinition) {
		td.Volumes = []ecstypes.Volume{
			{Name: aws.String("scratch")},
			{Name: aws.String("shared"), DockerVolumeConfiguration: &ecstypes.DockerVolumeConfiguration{Scope: ecstypes.ScopeShared, Driver: aws.String("local")}},
		}
	})
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	o := bOptions()
	p := buildPlan(t, in, o)
	reg := actionsOf(p, RegisterTaskDefinition)[0]
	after := afterInput(t, reg)
	if len(after.Volumes) != 2 {
		t.Errorf("volumes %+v", after.Volumes)
	}
	app, side := after.ContainerDefinitions[0], after.ContainerDefinitions[1]
	if len(app.MountPoints) != 1 || aws.ToBool(app.MountPoints[0].ReadOnly) || aws.ToString(app.MountPoints[0].SourceVolume) != "scratch" {
		t.Errorf("app mounts %+v", app.MountPoints)
	}
	if len(side.MountPoints) != 1 || !aws.ToBool(side.MountPoints[0].ReadOnly) {
		t.Errorf("side mounts %+v", side.MountPoints)
	}
	want := "ECS.5 containerDefinitions[app].readonlyRootFilesystem,ECS.5 containerDefinitions[side].readonlyRootFilesystem,ECS.5 containerDefinitions[app].mountPoints[/tmp]"
	if got := strings.Join(editPaths(reg), ","); got != want {
		t.Errorf("edits\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(joinNotes(reg), "container side mounts volume shared read-only at /tmp") || !strings.Contains(joinNotes(reg), "stays read-only") {
		t.Errorf("notes %v", reg.Notes)
	}
	assertConverges(t, in, p, o)
}
