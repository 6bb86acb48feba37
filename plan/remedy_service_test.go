package plan

// Pins of routing (route.go) and of the service plan (services.go) through Build: one update-service
// for each of the platform version, the revision move, and the network (public IP and a security-group
// copy); services that cannot be updated live; services on an older revision; suppressed, unselected and unknown findings.

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRemedyService(t *testing.T) {
	writable := func(td *detect.TaskDefinition) { td.ContainerDefinitions[0].ReadonlyRootFilesystem = aws.Bool(false) }
	oldPlatform := func(s *ecstypes.Service) { s.PlatformVersion = aws.String("1.3.0") }
	openSG := func(in *detect.Inventory) {
		in.SecurityGroups = []ec2types.SecurityGroup{sgGroup("sg-1", sgPerm("tcp", 80, 80, "0.0.0.0/0", "")), sgGroup("sg-alb")}
		withLB(in, sgALB, "sg-alb")
	}
	tests := []struct {
		name    string
		in      func() *detect.Inventory
		results func(in *detect.Inventory) []detect.Result
		opts    []func(*Options)
	}{
		{name: "revision, platform, public IP and security-group copy: one update per risk, lowest first", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-pub", "subnet-nat"), oldPlatform, behindALB)
			writable(&in.TaskDefinitions[0])
			openSG(in)
			return in
		}, opts: []func(*Options){func(o *Options) { o.ReplacementSubnets = map[string][]string{"vpc-1": {"subnet-nat", "subnet-nat2"}} }}},
		{name: "platform and security-group copy only", in: func() *detect.Inventory {
			in := netInventory(nil, true, oldPlatform, behindALB)
			openSG(in)
			return in
		}},
		{name: "security-group copy only", in: func() *detect.Inventory {
			in := netInventory(nil, true, behindALB)
			openSG(in)
			return in
		}},
		{name: "older revision run, the latest fixed too", in: func() *detect.Inventory {
			in := bInventory([]detect.TaskDefinition{bTD("app", 1, writable), bTD("app", 2, writable)}, []ecstypes.Service{bSvc("app", bTDArn("app", 1))})
			return in
		}},
		{name: "older revision run, the latest needs no change", in: func() *detect.Inventory {
			return bInventory([]detect.TaskDefinition{bTD("app", 1, writable), bTD("app", 2)}, []ecstypes.Service{bSvc("app", bTDArn("app", 1))})
		}, opts: []func(*Options){func(o *Options) { o.Fix = []string{"ECS.5"} }}},
		{name: "blocked services: CodeDeploy, external, owned", in: func() *detect.Inventory {
			return bInventory([]detect.TaskDefinition{bTD("app", 1, writable)}, []ecstypes.Service{
				bSvc("cd", bTDArn("app", 1), func(s *ecstypes.Service) {
					s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeCodeDeploy}
				}),
				bSvc("ext", bTDArn("app", 1), func(s *ecstypes.Service) {
					s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeExternal}
				}),
				bSvc("own", bTDArn("app", 1), oldPlatform, func(s *ecstypes.Service) { s.Tags = bTags("copilot-service", "x") }),
				bSvc("zz", bTDArn("app", 1), func(s *ecstypes.Service) {
					s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeEcs}
				})})
		}},
		{name: "owned service, its revision asked through an exposure", in: func() *detect.Inventory {
			return bInventory([]detect.TaskDefinition{bTD("app", 1)},
				[]ecstypes.Service{bSvc("own", bTDArn("app", 1), oldPlatform, func(s *ecstypes.Service) { s.Tags = bTags("terraform", "y") })})
		}, results: func(in *detect.Inventory) []detect.Result {
			return pinResults(in, detect.ExposurePrivilegedID, bSvcArn("own"))
		}},
		{name: "suppressed, passed, unknown control, not selected, not a service", in: func() *detect.Inventory {
			return bInventory([]detect.TaskDefinition{bTD("app", 1, writable), bTD("b", 1, writable)}, []ecstypes.Service{bSvc("app", bTDArn("app", 1), oldPlatform)})
		}, results: func(in *detect.Inventory) []detect.Result {
			rs := detect.Evaluate(in, bSettings())
			exp := time.Date(2026, 6, 30, 23, 0, 0, 0, time.FixedZone("x", 3600*5))
			for i := range rs {
				if rs[i].Status != detect.Failed {
					continue
				}
				switch {
				case rs[i].Control == detect.ECS5ID && rs[i].ResourceArn == bTDArn("b", 1):
					rs[i].Suppressed = &detect.Suppressed{By: "exemption e1", Reason: "legacy", Expires: &exp}
				case rs[i].Control == detect.ECS10ID:
					rs[i].Suppressed = &detect.Suppressed{By: "exemption e2"}
				}
			}
			// a result's ControlInfo is shared by its control's results: a forged one gets its own
			withInfo := func(r detect.Result, edit func(*detect.ControlInfo)) detect.Result {
				info := *r.ControlInfo
				edit(&info)
				r.ControlInfo = &info
				return r
			}
			extra := withInfo(rs[0], func(i *detect.ControlInfo) { i.Control = "ECS.99" })
			extra.Status, extra.Reason = detect.Failed, "forged"
			passed := withInfo(extra, func(i *detect.ControlInfo) { i.Control = detect.ECS5ID })
			passed.Status = detect.Passed
			onTD := pinResults(in, detect.ExposurePublicIPID, bTDArn("app", 1))
			notService := withInfo(onTD[len(onTD)-1], func(i *detect.ControlInfo) { i.ResourceType = detect.TypeTaskDefinition })
			return append(rs, extra, passed, notService)
		}, opts: []func(*Options){func(o *Options) { o.Fix = []string{"ECS.5", "ECS.2", "EXPOSURE.public-ip", "ECS.99"} }}},
		{name: "findings on resources not in the inventory", in: func() *detect.Inventory {
			return bInventory([]detect.TaskDefinition{bTD("app", 1)}, []ecstypes.Service{bSvc("app", bTDArn("gone", 1))})
		}, results: func(in *detect.Inventory) []detect.Result {
			rs := pinResults(in, detect.ECS5ID, bTDArn("ghost", 1))
			rs = append(rs, pinResults(in, detect.ExposurePlaintextCredentialsID, bSvcArn("app"), bSvcArn("nothere"))...)
			return append(rs, pinResults(in, detect.ExposureOpenSecurityGroupID, bSvcArn("nothere"))...)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			var rs []detect.Result
			if tc.results != nil {
				rs = tc.results(in)
			}
			remedyPin(t, remedyBuild(t, in, rs, tc.opts...))
		})
	}
}
