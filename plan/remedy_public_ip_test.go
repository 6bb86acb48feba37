package plan

// Pins of the public-IP remedy (ECS.2, EXPOSURE.public-ip: assignPublicIp DISABLED when the subnets keep a
// way out) through Build: services not first, routes and endpoints not first or not usable, replacement
// subnets that fail one after another, what the task definition reads, the reasons it cannot tell.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// pipRoute is a default route (0.0.0.0/0) with state and target set by f.
func pipRoute(state ec2types.RouteState, f func(r *ec2types.Route)) ec2types.Route {
	r := ec2types.Route{DestinationCidrBlock: aws.String("0.0.0.0/0"), State: state}
	f(&r)
	return r
}

// pipSubnet adds subnet sn of vpc with a route table of these routes.
func pipSubnet(in *detect.Inventory, sn, vpc string, routes ...ec2types.Route) {
	in.Subnets = append(in.Subnets, ec2types.Subnet{SubnetId: aws.String(sn), VpcId: aws.String(vpc), AvailabilityZone: aws.String("eu-west-1b")})
	rt := ec2types.RouteTable{RouteTableId: aws.String("rtb-" + sn), VpcId: aws.String(vpc), Routes: routes,
		Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String(sn), RouteTableId: aws.String("rtb-" + sn)}}}
	in.RouteTables = append(in.RouteTables, rt)
}

// pipSecondService adds service "zz" (sorted after "app") running app:1 with mods.
func pipSecondService(in *detect.Inventory, mods ...svcMod) {
	in.Services = append(in.Services, bSvc("zz", bTDArn("app", 1), mods...))
}

func TestRemedyPublicIP(t *testing.T) {
	svc := bSvcArn("app")
	replace := func(subnets ...string) func(*Options) {
		return func(o *Options) { o.ReplacementSubnets = map[string][]string{"vpc-1": subnets} }
	}
	igw := func(r *ec2types.Route) { r.GatewayId = aws.String("igw-1") }
	nat := func(id string) func(r *ec2types.Route) {
		return func(r *ec2types.Route) { r.NatGatewayId = aws.String(id) }
	}
	tests := []struct {
		name    string
		in      func() *detect.Inventory
		results func(in *detect.Inventory) []detect.Result
		opts    []func(*Options)
	}{
		{name: "second service fixed, first without public IP", in: func() *detect.Inventory {
			in := netInventory(nil, true)
			pipSecondService(in, publicIP("subnet-nat"))
			return in
		}},
		{name: "second service fixed, the first asks only the platform version", in: func() *detect.Inventory {
			in := netInventory(nil, true, func(s *ecstypes.Service) { s.PlatformVersion = aws.String("1.3.0") })
			pipSecondService(in, publicIP("subnet-nat"))
			return in
		}},
		{name: "first service skipped, second fixed", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-pub"))
			pipSecondService(in, publicIP("subnet-nat"), func(s *ecstypes.Service) {
				s.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/t/1"), ContainerName: aws.String("app"), ContainerPort: aws.Int32(80)}}
			})
			return in
		}},
		{name: "blackhole NAT route before the internet gateway", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-x"))
			pipSubnet(in, "subnet-x", "vpc-1",
				ec2types.Route{DestinationCidrBlock: aws.String("10.0.0.0/8"), NatGatewayId: aws.String("nat-local"), State: ec2types.RouteStateActive},
				pipRoute(ec2types.RouteStateBlackhole, nat("nat-dead")), pipRoute(ec2types.RouteStateActive, igw))
			return in
		}},
		{name: "internet gateway then NAT route", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-x"))
			pipSubnet(in, "subnet-x", "vpc-1", pipRoute(ec2types.RouteStateActive, igw), pipRoute(ec2types.RouteStateActive, nat("nat-2")))
			return in
		}},
		{name: "transit gateway: cannot tell", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-x"))
			pipSubnet(in, "subnet-x", "vpc-1", pipRoute(ec2types.RouteStateActive, func(r *ec2types.Route) { r.TransitGatewayId = aws.String("tgw-1") }))
			return in
		}},
		{name: "route to nothing known: cannot tell", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-x"))
			pipSubnet(in, "subnet-x", "vpc-1", pipRoute(ec2types.RouteStateActive, func(r *ec2types.Route) {}))
			return in
		}},
		{name: "vpc unknown", in: func() *detect.Inventory {
			in := netInventory(allEndpoints(), true, publicIP("subnet-x"))
			in.RouteTables = append(in.RouteTables, ec2types.RouteTable{RouteTableId: aws.String("rtb-x"),
				Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String("subnet-x"), RouteTableId: aws.String("rtb-x")}}})
			return in
		}},
		{name: "vpc from the route table", in: func() *detect.Inventory {
			in := netInventory(allEndpoints(), true, publicIP("subnet-x"))
			in.RouteTables = append(in.RouteTables, ec2types.RouteTable{RouteTableId: aws.String("rtb-priv2"), VpcId: aws.String("vpc-1"),
				Associations: []ec2types.RouteTableAssociation{{SubnetId: aws.String("subnet-x"), RouteTableId: aws.String("rtb-priv2")}}})
			in.VpcEndpoints[2].RouteTableIds = append(in.VpcEndpoints[2].RouteTableIds, "rtb-priv2")
			return in
		}},
		{name: "endpoints: other region, duplicates, pending, interface s3, ssm and secrets", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-priv"))
			other := endpoint("logs", ec2types.VpcEndpointTypeInterface)
			other.ServiceName = aws.String("com.amazonaws.us-east-1.logs")
			pending := endpoint("ecr.api", ec2types.VpcEndpointTypeInterface)
			pending.State = "pending"
			pending.VpcEndpointId = aws.String("vpce-pending")
			noDNS := endpoint("ecr.dkr", ec2types.VpcEndpointTypeInterface)
			noDNS.VpcEndpointId = aws.String("vpce-nodns")
			noDNS.PrivateDnsEnabled = aws.Bool(false)
			s3if := endpoint("s3", ec2types.VpcEndpointTypeInterface)
			dup := endpoint("logs", ec2types.VpcEndpointTypeInterface)
			dup.VpcEndpointId = aws.String("vpce-dup")
			dup.State = "Deleted"
			ssm := endpoint("ssm", ec2types.VpcEndpointTypeInterface)
			sm := endpoint("secretsmanager", ec2types.VpcEndpointTypeInterface)
			in.VpcEndpoints = []ec2types.VpcEndpoint{other, pending, endpoint("ecr.api", ec2types.VpcEndpointTypeInterface), noDNS,
				endpoint("ecr.dkr", ec2types.VpcEndpointTypeInterface), s3if, endpoint("logs", ec2types.VpcEndpointTypeInterface), dup, ssm, sm}
			c := &in.TaskDefinitions[0].ContainerDefinitions[0]
			c.Secrets = []ecstypes.Secret{{Name: aws.String("P"), ValueFrom: aws.String("/param/p")},
				{Name: aws.String("S"), ValueFrom: aws.String("arn:aws:secretsmanager:eu-west-1:111122223333:secret:s-AbCdEf")}}
			c.RepositoryCredentials = &ecstypes.RepositoryCredentials{CredentialsParameter: aws.String("")}
			return in
		}},
		{name: "endpoints lacking: every service named, pending and lost", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-priv"))
			pending := endpoint("ecr.api", ec2types.VpcEndpointTypeInterface)
			pending.State = "pending"
			in.VpcEndpoints = []ec2types.VpcEndpoint{pending, endpoint("logs", ec2types.VpcEndpointTypeInterface)}
			in.TaskDefinitions[0].ContainerDefinitions[0].RepositoryCredentials = &ecstypes.RepositoryCredentials{CredentialsParameter: aws.String("arn:aws:ssm:eu-west-1:111122223333:parameter/creds")}
			return in
		}},
		{name: "endpoints lacking only logs and ssm", in: func() *detect.Inventory {
			in := netInventory(allEndpoints("logs"), true, publicIP("subnet-priv"))
			in.TaskDefinitions[0].ContainerDefinitions[0].Secrets = []ecstypes.Secret{{Name: aws.String("P"), ValueFrom: aws.String("p")}}
			return in
		}},
		{name: "endpoints only, one image outside ECR", in: func() *detect.Inventory {
			return withImage(netInventory(allEndpoints(), true, publicIP("subnet-priv")), "nginx:1")
		}},
		{name: "endpoints only, images outside ECR, one twice", in: func() *detect.Inventory {
			in := netInventory(allEndpoints(), true, publicIP("subnet-priv"))
			in.TaskDefinitions[0].ContainerDefinitions = append(in.TaskDefinitions[0].ContainerDefinitions,
				bContainer("b"), bContainer("c"), bContainer("d"), bContainer("e"))
			in.TaskDefinitions[0].ContainerDefinitions[2].Image = aws.String("example/b:1")
			in.TaskDefinitions[0].ContainerDefinitions[4].Image = aws.String("nginx:1")
			in.TaskDefinitions[0].ContainerDefinitions[3].Image = aws.String("111122223333.dkr.ecr.eu-west-1.amazonaws.com.cn/app:1")
			return in
		}},
		{name: "endpoints only, task definition unknown", in: func() *detect.Inventory {
			in := netInventory(allEndpoints(), true, publicIP("subnet-priv"))
			in.Services[0].TaskDefinition = aws.String(bTDArn("gone", 3))
			return in
		}},
		{name: "nat, task definition unknown", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-nat"))
			in.Services[0].TaskDefinition = aws.String(bTDArn("gone", 3))
			return in
		}},
		{name: "one subnet unknown, one failing", in: func() *detect.Inventory {
			return netInventory(nil, true, publicIP("subnet-pub", "subnet-elsewhere", "subnet-nat"))
		}, opts: []func(*Options){replace("subnet-nat")}},
		{name: "subnets of two VPCs fail", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-pub", "subnet-v2"))
			pipSubnet(in, "subnet-v2", "vpc-2", pipRoute(ec2types.RouteStateActive, igw))
			return in
		}, opts: []func(*Options){replace("subnet-nat")}},
		{name: "replacements all bad, each said", in: func() *detect.Inventory {
			in := netInventory(nil, true, publicIP("subnet-pub"))
			pipSubnet(in, "subnet-v2", "vpc-2", pipRoute(ec2types.RouteStateActive, igw))
			pipSubnet(in, "subnet-tgw", "vpc-1", pipRoute(ec2types.RouteStateActive, func(r *ec2types.Route) { r.TransitGatewayId = aws.String("tgw-1") }))
			return in
		}, opts: []func(*Options){replace("subnet-gone", "subnet-v2", "subnet-priv", "subnet-tgw", "subnet-nat")}},
		{name: "replacements deduplicated", in: func() *detect.Inventory {
			return netInventory(nil, true, publicIP("subnet-pub", "subnet-nat"))
		}, opts: []func(*Options){replace("subnet-nat2", "subnet-nat", "subnet-nat2")}},
		{name: "forged: public IP not assigned", in: func() *detect.Inventory {
			return netInventory(nil, true, func(s *ecstypes.Service) {})
		}, results: func(in *detect.Inventory) []detect.Result { return pinResults(in, detect.ECS2ID, svc) }},
		{name: "forged: no awsvpc configuration", in: func() *detect.Inventory {
			return netInventory(nil, true, func(s *ecstypes.Service) { s.NetworkConfiguration = &ecstypes.NetworkConfiguration{} })
		}, results: func(in *detect.Inventory) []detect.Result { return pinResults(in, detect.ECS2ID, svc) }},
		{name: "no subnet", in: func() *detect.Inventory {
			return netInventory(nil, true, publicIP())
		}, results: func(in *detect.Inventory) []detect.Result { return pinResults(in, detect.ECS2ID, svc) }},
		{name: "no security group", in: func() *detect.Inventory {
			return netInventory(nil, true, publicIP("subnet-nat"), func(s *ecstypes.Service) { s.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups = nil })
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
