package plan

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// TestAttackReleaseInventoryMixes: families whose revisions mix INACTIVE and ACTIVE, services pinned to
// old revisions and several on one, the latest needing no fix, secrets and host networking; buildPlan
// requires the plan with Options.ReleaseInventory to be the plan without it (assertReleaseAgrees).
func TestAttackReleaseInventoryMixes(t *testing.T) {
	writable := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(false) })
	secretEnv := ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Environment = []ecstypes.KeyValuePair{{Name: aws.String("DB_PASSWORD"), Value: aws.String("correct-horse-battery-staple-42")},
			{Name: aws.String("AWS_ACCESS_KEY_ID"), Value: aws.String("AKIAIOSFODNN7EXAMPLE")}}
	})
	inactive := func(td *detect.TaskDefinition) { td.Status = ecstypes.TaskDefinitionStatusInactive }
	hostNet := func(td *detect.TaskDefinition) {
		td.NetworkMode = ecstypes.NetworkModeHost
		td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
		td.ContainerDefinitions[0].PortMappings = []ecstypes.PortMapping{{ContainerPort: aws.Int32(80), HostPort: aws.Int32(80)}}
	}
	root := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = aws.String("root") })
	privileged := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) })
	mk := func() []detect.TaskDefinition {
		return []detect.TaskDefinition{
			bTD("mix", 1, writable, secretEnv, inactive),
			bTD("mix", 2, writable, secretEnv),
			bTD("mix", 3, secretEnv, root),
			bTD("mix", 4, writable, inactive),
			bTD("mix", 5), // latest: needs no fix
			bTD("net", 1, hostNet, privileged),
			bTD("net", 2, hostNet),
			bTD("net", 3, hostNet, writable, secretEnv),
			bTD("lone", 7, writable, secretEnv, root, privileged),
		}
	}
	public := func(s *ecstypes.Service) {
		s.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = ecstypes.AssignPublicIpEnabled
	}
	ec2 := func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2; s.NetworkConfiguration = nil }
	svcs := []ecstypes.Service{
		bSvc("a", bTDArn("mix", 1)),
		bSvc("b", bTDArn("mix", 2), public),
		bSvc("c", bTDArn("mix", 2)),
		bSvc("d", bTDArn("mix", 3), public),
		bSvc("e", bTDArn("net", 1), ec2),
		bSvc("f", bTDArn("net", 1), ec2),
		bSvc("g", bTDArn("net", 2), ec2),
		bSvc("h", bTDArn("lone", 7), public),
	}
	for _, name := range []string{"defaults", "secrets", "fix few"} {
		t.Run(name, func(t *testing.T) {
			tdsCopy := mk()
			o := bOptions()
			switch name {
			case "secrets":
				o = bOptions(func(o *Options) {
					o.Secrets = SecretsOptions{ExecutionRole: "arn:aws:iam::111122223333:role/exec", DeregisterOld: true, PerVariable: true}
				})
			case "fix few":
				o = bOptions(func(o *Options) { o.Fix = []string{detect.ECS5ID, detect.ECS4ID} })
			}
			p := buildPlan(t, bInventory(tdsCopy, append([]ecstypes.Service(nil), svcs...)), o)
			if len(p.Actions) == 0 {
				t.Fatalf("no action planned: the test checks nothing")
			}
			kinds := map[ActionType]int{}
			for _, a := range p.Actions {
				kinds[a.Type]++
			}
			t.Logf("%v; skipped %d", kinds, len(p.Skipped))

			// an earlier run registered the fixes but moved no service (it stopped): planned again, the
			// registrations already made are reused (alreadyRegistered reads the newer revisions' bodies)
			after := applyPlan(t, bInventory(mk(), append([]ecstypes.Service(nil), svcs...)), p)
			for i := range after.Services {
				after.Services[i] = svcs[i]
			}
			again := bInventory(after.TaskDefinitions, after.Services)
			p2 := buildPlan(t, again, o)
			t.Logf("again: %d actions, %d registrations reused", len(p2.Actions), countMovesToExisting(p2))
		})
	}
}

func countMovesToExisting(p *Plan) int {
	n := 0
	for _, a := range p.Actions {
		if a.UpdateService != nil && a.UpdateService.movesToExisting() {
			n++
		}
	}
	return n
}
