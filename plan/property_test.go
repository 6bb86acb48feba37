package plan

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// genEstate builds a random estate: families of one to three revisions with random misconfigurations,
// services on random revisions (some owned, some on CodeDeploy, some with ECS Exec), a cluster with or
// without Container Insights.
func genEstate(r *rand.Rand) *detect.Inventory {
	var tds []detect.TaskDefinition
	var svcs []ecstypes.Service
	mods := []tdMod{
		func(td *detect.TaskDefinition) { td.PidMode = ecstypes.PidModeHost },
		ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }),
		ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = nil }),
		ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = aws.String("root") }),
		ctrMod(0, func(c *ecstypes.ContainerDefinition) {
			c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("DB_PASSWORD"), Value: aws.String("pw-123456")}}
		}),
		func(td *detect.TaskDefinition) {
			td.Volumes = append(td.Volumes, ecstypes.Volume{Name: aws.String("efs"), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-1")}})
		},
		func(td *detect.TaskDefinition) {
			td.Volumes = append(td.Volumes, ecstypes.Volume{Name: aws.String("host"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/log")}})
			td.ContainerDefinitions[0].MountPoints = append(td.ContainerDefinitions[0].MountPoints,
				ecstypes.MountPoint{SourceVolume: aws.String("host"), ContainerPath: aws.String("/host/log")})
		},
		func(td *detect.TaskDefinition) {
			td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: ecstypes.OSFamilyWindowsServer2019Full}
			for i := range td.ContainerDefinitions {
				td.ContainerDefinitions[i].User = nil
			}
		},
		withContainer(func() ecstypes.ContainerDefinition {
			c := bContainer("side")
			c.ReadonlyRootFilesystem = aws.Bool(false)
			c.MountPoints = []ecstypes.MountPoint{{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/tmp")}}
			return c
		}()),
		withTags("aws:cloudformation:stack-name", "stack"),
		withTags("team", "x"),
	}
	families := 1 + r.IntN(4)
	for f := 0; f < families; f++ {
		fam := fmt.Sprintf("fam%d", f)
		revs := 1 + r.IntN(3)
		for rev := 1; rev <= revs; rev++ {
			var ms []tdMod
			for _, m := range mods {
				if r.IntN(4) == 0 {
					ms = append(ms, m)
				}
			}
			ms = append(ms, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String(fmt.Sprintf("example/%s:%d", fam, rev)) }))
			td := bTD(fam, rev, ms...)
			if r.IntN(8) == 0 && rev < revs {
				td.Status = ecstypes.TaskDefinitionStatusInactive
			}
			tds = append(tds, td)
		}
		for s := 0; s < r.IntN(3); s++ {
			name := fmt.Sprintf("%s-svc%d", fam, s)
			rev := 1 + r.IntN(revs)
			svc := bSvc(name, bTDArn(fam, rev))
			if r.IntN(3) == 0 {
				svc.PlatformVersion = aws.String("1.3.0")
			}
			switch r.IntN(8) {
			case 0:
				svc.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeCodeDeploy}
			case 1:
				svc.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeExternal}
			case 2:
				svc.Tags = bTags("copilot-application", "app")
			case 3:
				svc.EnableExecuteCommand = true
			}
			svcs = append(svcs, svc)
		}
	}
	insights := []string{"", "disabled", "enabled"}[r.IntN(3)]
	return bInventory(tds, svcs, bClusterOf(insights))
}

// TestPlanConvergesProperty: for random estates and options, applying the plan and re-planning gives
// no action (issue point 7), and applying twice never needs more than one round.
func TestPlanConvergesProperty(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	actions, copies := 0, 0
	defer func() {
		if actions == 0 || copies == 0 {
			t.Errorf("the generated estates gave %d actions, %d re-registrations of a latest revision: the property is vacuous", actions, copies)
		}
	}()
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		in := genEstate(r)
		o := bOptions(func(o *Options) {
			if r.IntN(3) == 0 {
				o.LinuxUser = ""
			}
			if r.IntN(2) == 0 {
				o.HostPath = HostPathRemove
			}
			if r.IntN(4) == 0 {
				o.PatchOwned = true
			}
			if r.IntN(4) == 0 {
				o.WritablePaths = []string{"/tmp", "/run"}
			}
		})
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			p := buildPlan(t, in, o)
			actions += len(p.Actions)
			for _, a := range p.Actions {
				if a.Type == RegisterTaskDefinition && len(a.RegisterTaskDefinition.Edits) == 0 {
					copies++
				}
			}
			assertConverges(t, in, p, o)
		})
	}
}
