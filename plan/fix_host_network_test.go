package plan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot"
)

// hostTD makes a revision host-mode, EC2-only.
func hostTD(td *detect.TaskDefinition) {
	td.NetworkMode = ecstypes.NetworkModeHost
	td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
	td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
}

// hostSvc makes a service an EC2 service without a network configuration (host mode).
func hostSvc(s *ecstypes.Service) {
	s.LaunchType = ecstypes.LaunchTypeEc2
	s.PlatformVersion = nil
	s.NetworkConfiguration = nil
}

func ports(pms ...ecstypes.PortMapping) func(c *ecstypes.ContainerDefinition) {
	return func(c *ecstypes.ContainerDefinition) { c.PortMappings = pms }
}

func pm(container int32, host *int32) ecstypes.PortMapping {
	return ecstypes.PortMapping{ContainerPort: aws.Int32(container), HostPort: host, Protocol: ecstypes.TransportProtocolTcp}
}

var prodAwsvpc = map[string]AwsVpcSettings{"prod": {Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-app"}, AssignPublicIp: "DISABLED"}}

func TestHostNetwork(t *testing.T) {
	daemon := func(s *ecstypes.Service) { s.SchedulingStrategy = ecstypes.SchedulingStrategyDaemon }
	rootUser := func(c *ecstypes.ContainerDefinition) { c.User = nil }
	single := bTD("web", 1, hostTD, ctrMod(0, ports(pm(8080, nil), pm(9000, aws.Int32(9000)))))
	multi := bTD("web", 1, hostTD, ctrMod(0, ports(pm(8080, nil))), withContainer(bContainer("sidecar")))
	svc := bSvc("web", bTDArn("web", 1), hostSvc)
	onlyHostNet := func(t *testing.T, p *Plan) {
		t.Helper()
		if len(p.Actions) != 0 {
			t.Fatalf("actions %+v", p.Actions)
		}
	}
	tests := []struct {
		name  string
		tds   []detect.TaskDefinition
		svcs  []ecstypes.Service
		inv   func(*detect.Inventory)
		opts  func(*Options)
		check func(t *testing.T, p *Plan)
	}{
		{
			name: "single-container EC2 host → bridge with explicit host ports",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostTD, ctrMod(0, ports(pm(8080, nil), pm(9000, aws.Int32(9000)))), ctrMod(0, rootUser))},
			svcs: []ecstypes.Service{svc},
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				a := regs[0]
				in := afterInput(t, a)
				if in.NetworkMode != ecstypes.NetworkModeBridge {
					t.Errorf("networkMode %s", in.NetworkMode)
				}
				got := in.ContainerDefinitions[0].PortMappings
				if aws.ToInt32(got[0].HostPort) != 8080 || aws.ToInt32(got[1].HostPort) != 9000 {
					t.Errorf("port mappings %+v", got)
				}
				if e := strings.Join(editPaths(a), ","); !strings.Contains(e, "ECS.17 networkMode") || !strings.Contains(e, "ECS.17 containerDefinitions[app].portMappings[0].hostPort") ||
					strings.Contains(e, "portMappings[1]") {
					t.Errorf("edits %s", e)
				}
				for _, c := range []string{"ECS.1", "ECS.17", "EXPOSURE.host-network"} {
					if !contains(a.Controls, c) {
						t.Errorf("controls %v lack %s", a.Controls, c)
					}
				}
				if a.Risk != RiskHigh || !strings.Contains(joinNotes(a), "host ports tcp 8080, tcp 9000") || !strings.Contains(joinNotes(a), "host's network stack") {
					t.Errorf("risk %s notes %v", a.Risk, a.Notes)
				}
				pre := preconditionText(a)
				if !strings.Contains(pre, "networkMode=host") || !strings.Contains(pre, "container app port mappings=tcp 8080→-, tcp 9000→9000") {
					t.Errorf("preconditions %s", pre)
				}
				s := actionsOf(p, UpdateService)
				if len(s) != 1 || s[0].UpdateService.After.Network != nil || s[0].Risk != RiskHigh || !contains(s[0].Controls, "ECS.17") {
					t.Errorf("service actions %+v", s)
				}
			},
		},
		{
			name: "container without port mappings → skipped: nothing says what it serves (a Consul server, a training job)",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostTD)},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), "no container declares a port mapping") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "awsvpc without port mappings → skipped too",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostTD, withContainer(bContainer("sidecar")))},
			svcs: []ecstypes.Service{svc},
			opts: func(o *Options) { o.HostNetwork.Awsvpc = prodAwsvpc },
			check: func(t *testing.T, p *Plan) {
				if len(actionsOf(p, RegisterTaskDefinition)) != 0 || !hasSkipped(p, "ECS.17", bTDArn("web", 1), "no container declares a port mapping") {
					t.Errorf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name: "operatingSystemFamily outside the SDK's values → skipped, not moved to bridge",
			tds: []detect.TaskDefinition{bTD("web", 1, hostTD, func(td *detect.TaskDefinition) {
				td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: "${OS_FAMILY}"}
			})},
			svcs: []ecstypes.Service{svc},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), `operatingSystemFamily is "${OS_FAMILY}", which is not a value AWS defines`) {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "networkMode outside the SDK's values → not evaluated, nothing planned",
			tds: []detect.TaskDefinition{bTD("web", 1, hostTD, func(td *detect.TaskDefinition) {
				td.NetworkMode = "${NETWORK_MODE}"
			})},
			svcs: []ecstypes.Service{svc},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if hasSkipped(p, "ECS.17", "", "") || hasSkipped(p, "ECS.1", "", "") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "multi-container without an awsvpc entry → skipped",
			tds:  []detect.TaskDefinition{multi},
			svcs: []ecstypes.Service{svc},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), "configure fix.host_network.awsvpc for cluster prod (containers keep sharing localhost in awsvpc)") ||
					!hasSkipped(p, "EXPOSURE.host-network", "", "localhost") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "multi-container with an awsvpc entry → awsvpc and the service's network",
			tds:  []detect.TaskDefinition{multi},
			svcs: []ecstypes.Service{svc},
			opts: func(o *Options) { o.HostNetwork.Awsvpc = prodAwsvpc },
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				s := actionsOf(p, UpdateService)
				if len(regs) != 1 || len(s) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				if in := afterInput(t, regs[0]); in.NetworkMode != ecstypes.NetworkModeAwsvpc {
					t.Errorf("networkMode %s", in.NetworkMode)
				}
				if n := joinNotes(regs[0]); !strings.Contains(n, "ENI trunking") || !strings.Contains(n, "keep sharing localhost") || !strings.Contains(n, "sg-app must admit") {
					t.Errorf("notes %s", n)
				}
				if !strings.Contains(preconditionText(regs[0]), "fix.host_network.awsvpc for cluster prod=subnets subnet-a, subnet-b; security groups sg-app") {
					t.Errorf("preconditions %s", preconditionText(regs[0]))
				}
				u := s[0].UpdateService
				if u.Before.Network != nil || u.After.Network == nil || strings.Join(u.After.Network.Subnets, ",") != "subnet-a,subnet-b" ||
					strings.Join(u.After.Network.SecurityGroups, ",") != "sg-app" || u.After.Network.AssignPublicIp != "DISABLED" || u.TaskDefinitionFrom != regs[0].ID {
					t.Errorf("update %+v", u)
				}
				if s[0].Risk != RiskHigh || !strings.Contains(s[0].Summary, "awsvpc network (subnets subnet-a, subnet-b; security groups sg-app; assignPublicIp DISABLED)") {
					t.Errorf("risk %s summary %s", s[0].Risk, s[0].Summary)
				}
				// a service keeps its network configuration: rollback cannot return it to host mode
				want := "rollback cannot return this service to host mode: a service keeps its network configuration once it has one; rolling back needs a new service"
				if !contains(s[0].Notes, want) || !strings.Contains(preconditionText(s[0]), want) {
					t.Errorf("notes %q preconditions %s lack the rollback limit", s[0].Notes, preconditionText(s[0]))
				}
			},
		},
		{
			name: "hostPort differing from containerPort is dropped under awsvpc",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostTD, ctrMod(0, ports(pm(8080, aws.Int32(80)), pm(9000, aws.Int32(9000)))))},
			svcs: []ecstypes.Service{svc},
			opts: func(o *Options) { o.HostNetwork.Awsvpc = prodAwsvpc },
			check: func(t *testing.T, p *Plan) {
				a := actionsOf(p, RegisterTaskDefinition)[0]
				got := afterInput(t, a).ContainerDefinitions[0].PortMappings
				if got[0].HostPort != nil || aws.ToInt32(got[1].HostPort) != 9000 {
					t.Errorf("port mappings %+v", got)
				}
				if !contains(editPaths(a), "ECS.17 containerDefinitions[app].portMappings[0].hostPort") || !strings.Contains(joinNotes(a), "hostPort 80 differed from containerPort 8080") {
					t.Errorf("edits %v notes %v", editPaths(a), a.Notes)
				}
			},
		},
		{
			name: "awsvpc entry but an instance target group → skipped",
			tds:  []detect.TaskDefinition{multi},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, func(s *ecstypes.Service) {
				s.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String("arn:tg/web"), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}}
			})},
			inv: func(in *detect.Inventory) {
				in.TargetGroups = []elbtypes.TargetGroup{{TargetGroupArn: aws.String("arn:tg/web"), TargetType: elbtypes.TargetTypeEnumInstance}}
			},
			opts: func(o *Options) { o.HostNetwork.Awsvpc = prodAwsvpc },
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", "", `target type "instance"`) {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "DAEMON → skipped",
			tds:  []detect.TaskDefinition{single},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, daemon)},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), "service web runs it as a DAEMON") || !hasSkipped(p, "ECS.17", "", "fix.host_network.allow_daemons") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "DAEMON with AllowDaemons → fixed",
			tds:  []detect.TaskDefinition{single},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, daemon)},
			opts: func(o *Options) { o.HostNetwork.AllowDaemons = true },
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 1 || afterInput(t, regs[0]).NetworkMode != ecstypes.NetworkModeBridge || len(actionsOf(p, UpdateService)) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
			},
		},
		{
			name: "agent container → skipped",
			tds: []detect.TaskDefinition{bTD("agent", 1, hostTD, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
				c.Image = aws.String("public.ecr.aws/datadog/agent:7")
			}))},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("agent", 1), `container "app" is a host agent (image public.ecr.aws/datadog/agent:7 is the Datadog Agent`) {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "Fargate-required host → skipped",
			tds: []detect.TaskDefinition{bTD("web", 1, hostTD, func(td *detect.TaskDefinition) {
				td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityFargate}
			})},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), "FARGATE, which supports only awsvpc") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "owned revision → skipped with the change to make",
			tds:  []detect.TaskDefinition{bTD("web", 1, hostTD, ctrMod(0, ports(pm(8080, aws.Int32(8080)))), withTags("aws:cloudformation:stack-name", "web-prod"))},
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), `owned by CloudFormation stack web-prod (aws:cloudformation:stack-name): make the change in its source (networkMode: "host" → "bridge"`) {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "services in clusters with and without an awsvpc entry → skipped",
			tds:  []detect.TaskDefinition{single},
			svcs: []ecstypes.Service{svc, bSvc("web-b", bTDArn("web", 1), hostSvc, func(s *ecstypes.Service) {
				s.ClusterArn = aws.String("arn:aws:ecs:eu-west-1:111122223333:cluster/batch")
			})},
			opts: func(o *Options) { o.HostNetwork.Awsvpc = prodAwsvpc },
			check: func(t *testing.T, p *Plan) {
				onlyHostNet(t, p)
				if !hasSkipped(p, "ECS.17", bTDArn("web", 1), "configure fix.host_network.awsvpc for cluster batch") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name: "only EXPOSURE.host-network selected: the service's revision is fixed",
			tds:  []detect.TaskDefinition{single},
			svcs: []ecstypes.Service{svc},
			opts: func(o *Options) { o.Fix = []string{"EXPOSURE.host-network"} },
			check: func(t *testing.T, p *Plan) {
				regs := actionsOf(p, RegisterTaskDefinition)
				if len(regs) != 1 || strings.Join(regs[0].Controls, ",") != "EXPOSURE.host-network" || regs[0].Risk != RiskHigh {
					t.Fatalf("actions %+v", p.Actions)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory(tt.tds, tt.svcs)
			if tt.inv != nil {
				tt.inv(in)
			}
			o := bOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			p := buildPlan(t, in, o)
			tt.check(t, p)
			after := assertConverges(t, in, p, o)
			if len(actionsOf(p, RegisterTaskDefinition)) == 0 {
				return
			}
			// the applied estate passes what the plan fixed
			for _, r := range detect.Evaluate(after, bSettings()) {
				if r.Status == detect.Failed && (r.Control == "ECS.1" || r.Control == "ECS.17" || r.Control == "EXPOSURE.host-network") {
					t.Errorf("after applying, %s still fails on %s", r.Control, r.ResourceArn)
				}
			}
		})
	}
}

func preconditionText(a Action) string {
	var out []string
	for _, p := range a.Preconditions {
		out = append(out, p.Check+"="+p.Result)
	}
	return strings.Join(out, "\n")
}

// TestHostNetworkDemo: the demo's monitoring agent is a DAEMON with the host network: it stays as it is
// by default, and is moved (to bridge: a single container) only with AllowDaemons.
func TestHostNetworkDemo(t *testing.T) {
	in, err := snapshot.Load(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	agent := "arn:aws:ecs:eu-west-1:123456789012:task-definition/monitoring-agent:1"
	p := buildPlan(t, in, bOptions())
	for _, a := range p.Actions {
		if a.Type == RegisterTaskDefinition && a.Resource == agent {
			if afterInput(t, a).NetworkMode != ecstypes.NetworkModeHost {
				t.Errorf("the monitoring agent's network mode changes: %+v", a)
			}
			for _, c := range a.Controls {
				if c == "ECS.17" || c == "ECS.1" || c == "EXPOSURE.host-network" {
					t.Errorf("%s labelled %s", a.ID, c)
				}
			}
		}
	}
	if !hasSkipped(p, "ECS.17", agent, "DAEMON") || !hasSkipped(p, "EXPOSURE.host-network", agent, "DAEMON") {
		t.Errorf("skipped %+v", p.Skipped)
	}
	assertConverges(t, in, p, bOptions())
}
