package plan

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Networks for the public-IP fix: vpc-1 holds subnet-pub (routes to an internet gateway), subnet-nat
// (routes to a NAT gateway) and subnet-priv (no default route).

func publicIP(subnets ...string) svcMod {
	return func(s *ecstypes.Service) {
		s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: subnets, SecurityGroups: []string{"sg-1"}, AssignPublicIp: ecstypes.AssignPublicIpEnabled}}
	}
}

func netRT(id string, subnets []string, defaultRoute *ec2types.Route) ec2types.RouteTable {
	rt := ec2types.RouteTable{RouteTableId: aws.String(id), VpcId: aws.String("vpc-1"),
		Routes: []ec2types.Route{{DestinationCidrBlock: aws.String("10.0.0.0/16"), GatewayId: aws.String("local"), State: ec2types.RouteStateActive}}}
	if defaultRoute != nil {
		rt.Routes = append(rt.Routes, *defaultRoute)
	}
	for _, sn := range subnets {
		rt.Associations = append(rt.Associations, ec2types.RouteTableAssociation{SubnetId: aws.String(sn), RouteTableId: aws.String(id)})
	}
	return rt
}

func netSubnet(id string) ec2types.Subnet {
	return ec2types.Subnet{SubnetId: aws.String(id), VpcId: aws.String("vpc-1"), AvailabilityZone: aws.String("eu-west-1a")}
}

func endpoint(svc string, typ ec2types.VpcEndpointType, routeTables ...string) ec2types.VpcEndpoint {
	return ec2types.VpcEndpoint{VpcEndpointId: aws.String("vpce-" + strings.ReplaceAll(svc, ".", "-")), VpcId: aws.String("vpc-1"),
		ServiceName: aws.String("com.amazonaws." + bRegion + "." + svc), VpcEndpointType: typ, State: ec2types.State("available"),
		PrivateDnsEnabled: aws.Bool(typ == ec2types.VpcEndpointTypeInterface), RouteTableIds: routeTables}
}

func allEndpoints(except ...string) []ec2types.VpcEndpoint {
	var out []ec2types.VpcEndpoint
	for _, ep := range []ec2types.VpcEndpoint{
		endpoint("ecr.api", ec2types.VpcEndpointTypeInterface), endpoint("ecr.dkr", ec2types.VpcEndpointTypeInterface),
		endpoint("s3", ec2types.VpcEndpointTypeGateway, "rtb-pub", "rtb-priv"), endpoint("logs", ec2types.VpcEndpointTypeInterface),
	} {
		if !contains(except, strings.TrimPrefix(aws.ToString(ep.ServiceName), "com.amazonaws."+bRegion+".")) {
			out = append(out, ep)
		}
	}
	return out
}

// netInventory is a compliant revision "app", run by service "app" with mods, in vpc-1.
func netInventory(endpoints []ec2types.VpcEndpoint, known bool, mods ...svcMod) *detect.Inventory {
	in := bInventory([]detect.TaskDefinition{bTD("app", 1)}, []ecstypes.Service{bSvc("app", bTDArn("app", 1), mods...)})
	in.Subnets = []ec2types.Subnet{netSubnet("subnet-pub"), netSubnet("subnet-nat"), netSubnet("subnet-priv"), netSubnet("subnet-nat2")}
	in.RouteTables = []ec2types.RouteTable{
		netRT("rtb-pub", []string{"subnet-pub"}, &ec2types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("igw-1"), State: ec2types.RouteStateActive}),
		netRT("rtb-nat", []string{"subnet-nat", "subnet-nat2"}, &ec2types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String("nat-1"), State: ec2types.RouteStateActive}),
		netRT("rtb-priv", []string{"subnet-priv"}, nil),
	}
	in.VpcEndpoints, in.VpcEndpointsKnown = endpoints, known
	// through VPC endpoints only images of the account's private ECR in the region can be pulled
	for i := range in.TaskDefinitions[0].ContainerDefinitions {
		in.TaskDefinitions[0].ContainerDefinitions[i].Image = aws.String(tECRImage)
	}
	return in
}

const tECRImage = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1"

// withImage sets the image of the first container.
func withImage(in *detect.Inventory, image string) *detect.Inventory {
	in.TaskDefinitions[0].ContainerDefinitions[0].Image = aws.String(image)
	return in
}

func TestPublicIPFix(t *testing.T) {
	svc := bSvcArn("app")
	replace := func(subnets ...string) func(*Options) {
		return func(o *Options) { o.ReplacementSubnets = map[string][]string{"vpc-1": subnets} }
	}
	tests := []struct {
		name string
		in   *detect.Inventory
		opts func(*Options)
		// want: the network after ("" when nothing is proposed), or a reason the plan skips it for
		subnets string
		skip    []string
		check   func(t *testing.T, a Action)
	}{
		{name: "NAT route: disable", in: netInventory(nil, false, publicIP("subnet-nat", "subnet-nat2")), subnets: "subnet-nat,subnet-nat2",
			check: func(t *testing.T, a Action) {
				var got []string
				for _, p := range a.Preconditions {
					got = append(got, p.Check+": "+p.Result)
				}
				all := strings.Join(got, "\n")
				for _, w := range []string{"subnet subnet-nat reaches ECR, S3 and CloudWatch Logs without a public IP: 0.0.0.0/0 → NAT gateway nat-1 (route table rtb-nat)",
					"subnet subnet-nat2 reaches", "service assignPublicIp: ENABLED"} {
					if !strings.Contains(all, w) {
						t.Errorf("preconditions lack %q:\n%s", w, all)
					}
				}
				if !strings.Contains(a.Summary, "assignPublicIp DISABLED") || strings.Contains(a.Summary, "move to subnets") {
					t.Errorf("summary %q", a.Summary)
				}
			}},
		{name: "IGW only, no endpoints: skipped with the reasons", in: netInventory(nil, true, publicIP("subnet-pub")),
			skip: []string{"subnet-pub routes 0.0.0.0/0 to igw-1 (route table rtb-pub) and its VPC vpc-1 has no usable endpoints for ecr.api, ecr.dkr, s3, logs",
				"would stop image pulls and logging", "fix.network.replacement_subnets"}},
		{name: "IGW with every endpoint: disable", in: netInventory(allEndpoints(), true, publicIP("subnet-pub")), subnets: "subnet-pub",
			check: func(t *testing.T, a Action) {
				if !strings.Contains(a.Preconditions[0].Result, "VPC endpoints of vpc-1: ecr.api vpce-ecr-api, ecr.dkr vpce-ecr-dkr, s3 vpce-s3 (gateway on rtb-pub), logs vpce-logs") {
					t.Errorf("precondition %+v", a.Preconditions[0])
				}
			}},
		{name: "no default route, every endpoint: disable", in: netInventory(allEndpoints(), true, publicIP("subnet-priv")), subnets: "subnet-priv"},
		{name: "every endpoint, Docker Hub image: skipped", in: withImage(netInventory(allEndpoints(), true, publicIP("subnet-pub")), "nginx:1.27"),
			skip: []string{"subnet-pub reaches AWS only through VPC endpoints (no NAT gateway), but image nginx:1.27 is not in this account's private ECR in eu-west-1: pulling needs the internet"}},
		{name: "every endpoint, public ECR image: skipped", in: withImage(netInventory(allEndpoints(), true, publicIP("subnet-priv")), "public.ecr.aws/nginx/nginx:1"),
			skip: []string{"image public.ecr.aws/nginx/nginx:1 is not in this account's private ECR"}},
		{name: "every endpoint, ghcr image: skipped", in: withImage(netInventory(allEndpoints(), true, publicIP("subnet-priv")), "ghcr.io/o/app:1"),
			skip: []string{"image ghcr.io/o/app:1 is not in this account's private ECR"}},
		{name: "every endpoint, ECR image of another region: skipped", in: withImage(netInventory(allEndpoints(), true, publicIP("subnet-priv")), "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"),
			skip: []string{"is not in this account's private ECR in eu-west-1"}},
		{name: "every endpoint, ECR image of another account: skipped", in: withImage(netInventory(allEndpoints(), true, publicIP("subnet-priv")), "999988887777.dkr.ecr.eu-west-1.amazonaws.com/app:1"),
			skip: []string{"is not in this account's private ECR in eu-west-1"}},
		{name: "NAT route, Docker Hub image: disable", in: withImage(netInventory(nil, false, publicIP("subnet-nat")), "nginx:1.27"), subnets: "subnet-nat"},
		{name: "missing the logs endpoint: skipped naming it", in: netInventory(allEndpoints("logs"), true, publicIP("subnet-pub")),
			skip: []string{"has no usable endpoints for logs:", "would stop logging"}},
		{name: "s3 gateway not on the subnet's route table", in: netInventory(func() []ec2types.VpcEndpoint {
			eps := allEndpoints("s3")
			return append(eps, endpoint("s3", ec2types.VpcEndpointTypeGateway, "rtb-other"))
		}(), true, publicIP("subnet-pub")),
			skip: []string{"s3 (gateway endpoint vpce-s3 is not on rtb-pub)", "would stop image pulls"}},
		{name: "interface endpoint without private DNS", in: netInventory(func() []ec2types.VpcEndpoint {
			eps := allEndpoints("ecr.dkr")
			ep := endpoint("ecr.dkr", ec2types.VpcEndpointTypeInterface)
			ep.PrivateDnsEnabled = aws.Bool(false)
			return append(eps, ep)
		}(), true, publicIP("subnet-pub")),
			skip: []string{"ecr.dkr (interface endpoint vpce-ecr-dkr has no private DNS)"}},
		{name: "secrets from Secrets Manager need its endpoint", in: func() *detect.Inventory {
			in := netInventory(allEndpoints(), true, publicIP("subnet-pub"))
			in.TaskDefinitions[0].ContainerDefinitions[0].Secrets = []ecstypes.Secret{{Name: aws.String("DB"),
				ValueFrom: aws.String("arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf")}}
			return in
		}(), skip: []string{"no usable endpoints for secretsmanager", "would stop reading secrets at task start"}},
		{name: "mixed subnets, replacement subnets: move", in: netInventory(nil, true, publicIP("subnet-nat", "subnet-pub")),
			opts: replace("subnet-nat", "subnet-nat2"), subnets: "subnet-nat,subnet-nat2",
			check: func(t *testing.T, a Action) {
				n := joinNotes(a)
				if !strings.Contains(n, "moves from subnets subnet-nat, subnet-pub to the configured replacement subnets subnet-nat, subnet-nat2") ||
					!strings.Contains(n, "subnet-pub routes 0.0.0.0/0 to igw-1") {
					t.Errorf("notes %s", n)
				}
				if !strings.Contains(a.Summary, "move to subnets subnet-nat, subnet-nat2") {
					t.Errorf("summary %q", a.Summary)
				}
			}},
		{name: "replacement subnet that fails the check", in: netInventory(nil, true, publicIP("subnet-pub")),
			opts: replace("subnet-nat", "subnet-priv"),
			skip: []string{"the configured replacement subnets do not do either", "replacement subnet-priv has no default route"}},
		{name: "replacement subnet not in the inventory", in: netInventory(nil, true, publicIP("subnet-pub")),
			opts: replace("subnet-gone"), skip: []string{"replacement subnet subnet-gone is not in the inventory"}},
		{name: "replacement subnets of another VPC are not used", in: netInventory(nil, true, publicIP("subnet-pub")),
			opts: func(o *Options) { o.ReplacementSubnets = map[string][]string{"vpc-2": {"subnet-nat"}} },
			skip: []string{"subnet-pub routes 0.0.0.0/0 to igw-1"}},
		{name: "unknown route table: cannot tell", in: netInventory(allEndpoints(), true, publicIP("subnet-elsewhere")),
			skip: []string{"cannot tell", "the route table of subnet-elsewhere is not in the inventory"}},
		{name: "endpoints not exported, no NAT: cannot tell", in: netInventory(nil, false, publicIP("subnet-pub")),
			skip: []string{"cannot tell", "the VPC endpoints of vpc-1 are not in the inventory"}},
		{name: "owned service", in: netInventory(nil, true, publicIP("subnet-nat"), func(s *ecstypes.Service) {
			s.Tags = bTags("aws:cloudformation:stack-name", "app")
		}), skip: []string{"owned by CloudFormation stack app", "set assignPublicIp to DISABLED in its source"}},
		{name: "CodeDeploy service", in: netInventory(nil, true, publicIP("subnet-nat"), func(s *ecstypes.Service) {
			s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeCodeDeploy}
		}), skip: []string{"deployed by the CODE_DEPLOY deployment controller"}},
		{name: "not selected", in: netInventory(nil, true, publicIP("subnet-nat")), opts: func(o *Options) { o.Fix = []string{"ECS.5"} },
			skip: []string{"not selected for fixing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := bOptions()
			if tt.opts != nil {
				o = bOptions(tt.opts)
			}
			p := buildPlan(t, tt.in, o)
			svcs := actionsOf(p, UpdateService)
			if tt.subnets == "" {
				if len(svcs) != 0 {
					t.Fatalf("actions %+v", svcs)
				}
				for _, c := range []string{"ECS.2", "EXPOSURE.public-ip"} {
					for _, w := range tt.skip {
						if !hasSkipped(p, c, svc, w) {
							t.Errorf("%s not skipped with %q: %+v", c, w, p.Skipped)
						}
					}
				}
				return
			}
			if len(svcs) != 1 {
				t.Fatalf("update-service actions %d: %+v; skipped %+v", len(svcs), p.Actions, p.Skipped)
			}
			a := svcs[0]
			u := a.UpdateService
			if u.After.Network == nil || strings.Join(u.After.Network.Subnets, ",") != tt.subnets || u.After.Network.AssignPublicIp != "DISABLED" ||
				strings.Join(u.After.Network.SecurityGroups, ",") != "sg-1" || u.Before.Network == nil || u.Before.Network.AssignPublicIp != "ENABLED" {
				t.Errorf("network before %+v after %+v", u.Before.Network, u.After.Network)
			}
			if a.Risk != RiskHigh || strings.Join(a.Controls, ",") != "ECS.2,EXPOSURE.public-ip" || u.After.TaskDefinition != "" {
				t.Errorf("risk %s controls %v after %+v", a.Risk, a.Controls, u.After)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
			after := assertConverges(t, tt.in, p, o)
			s, _ := after.Service(svc)
			if s.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp != ecstypes.AssignPublicIpDisabled {
				t.Error("the applied estate still assigns public IPs")
			}
		})
	}
}

// TestPublicIPWithNewRevision: one update-service moves the service to its fixed revision and disables
// its public IP together.
func TestPublicIPWithNewRevision(t *testing.T) {
	in := netInventory(nil, true, publicIP("subnet-nat"))
	in.TaskDefinitions[0].ContainerDefinitions[0].Privileged = aws.Bool(true)
	o := bOptions()
	p := buildPlan(t, in, o)
	// Two updates of the service, each with its own risk: the move to the new revision, then the
	// network configuration; each writes only its own fields and starts its own deployment.
	svcs := actionsOf(p, UpdateService)
	if len(svcs) != 2 || len(actionsOf(p, RegisterTaskDefinition)) != 1 {
		t.Fatalf("actions %+v", p.Actions)
	}
	move, net := svcs[0], svcs[1]
	if move.UpdateService.After.TaskDefinition == "" || move.UpdateService.After.Network != nil || move.UpdateService.Before.Network != nil || move.UpdateService.TaskDefinitionFrom == "" {
		t.Errorf("move: before %+v after %+v", move.UpdateService.Before, move.UpdateService.After)
	}
	if net.UpdateService.After.TaskDefinition != "" || net.UpdateService.After.Network == nil || net.UpdateService.TaskDefinitionFrom != "" || len(net.DependsOn) != 0 {
		t.Errorf("network: after %+v, depends on %v", net.UpdateService.After, net.DependsOn)
	}
	if got := strings.Join(move.Controls, ","); got != "ECS.4,EXPOSURE.privileged" || move.Risk != RiskHigh {
		t.Errorf("move: controls %s risk %s", got, move.Risk)
	}
	if got := strings.Join(net.Controls, ","); got != "ECS.2,EXPOSURE.public-ip" || net.Risk != RiskHigh {
		t.Errorf("network: controls %s risk %s", got, net.Risk)
	}
	for _, a := range svcs {
		if n := joinNotes(a); strings.Count(n, "starts a deployment") != 1 {
			t.Errorf("%s: one deployment note expected: %s", a.ID, n)
		}
	}
	var diff strings.Builder
	if err := RenderText(&diff, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"-network.assignPublicIp: ENABLED", "+network.assignPublicIp: DISABLED", " network.subnets: subnet-nat", " network.securityGroups: sg-1"} {
		if !strings.Contains(diff.String(), w) {
			t.Errorf("text plan lacks %q", w)
		}
	}
	var md strings.Builder
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "+network.assignPublicIp: DISABLED") {
		t.Error("markdown plan lacks the network diff")
	}
	assertConverges(t, in, p, o)
}

// TestNetworkValidationAndRisk: a network change is high risk whatever the label says, must be complete,
// and is the only thing that backs the public-IP controls.
func TestNetworkValidationAndRisk(t *testing.T) {
	p := buildPlan(t, netInventory(nil, true, publicIP("subnet-nat")), bOptions())
	a := actionsOf(p, UpdateService)[0]
	a.Risk = RiskLow
	if r := p.EffectiveRisk(a, map[string]Risk{"ECS.2": RiskLow, "EXPOSURE.public-ip": RiskLow}); r != RiskHigh {
		t.Errorf("effective risk %s, want high", r)
	}
	tests := []struct {
		name string
		mod  func(u *UpdateServiceChange, a *Action)
		want string
	}{
		{"no subnets", func(u *UpdateServiceChange, _ *Action) { u.After.Network.Subnets = nil }, "after.network: subnets is empty"},
		{"no groups", func(u *UpdateServiceChange, _ *Action) { u.After.Network.SecurityGroups = nil }, "after.network: securityGroups is empty"},
		{"bad value", func(u *UpdateServiceChange, _ *Action) { u.After.Network.AssignPublicIp = "disabled" }, `assignPublicIp "disabled" is not ENABLED or DISABLED`},
		{"enabled does not fix ECS.2", func(u *UpdateServiceChange, _ *Action) { u.After.Network.AssignPublicIp = "ENABLED" }, `"ECS.2" is fixed by a network configuration with assignPublicIp DISABLED`},
		{"ECS.2 without network", func(u *UpdateServiceChange, _ *Action) { u.After.Network = nil; u.After.PlatformVersion = "LATEST" }, `"ECS.2" is fixed by a network configuration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := *p
			q.Actions = append([]Action(nil), p.Actions...)
			for i := range q.Actions {
				if q.Actions[i].Type != UpdateService {
					continue
				}
				u := *q.Actions[i].UpdateService
				n := *u.After.Network
				u.After.Network = &n
				tt.mod(&u, &q.Actions[i])
				q.Actions[i].UpdateService = &u
			}
			err := q.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}
