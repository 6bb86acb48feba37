package plan

// Pins of the host-network remedy (ECS.17 and friends: networkMode host → awsvpc or bridge) through
// Build: port mappings not first, services in several clusters, load balancers, daemons and agents, and
// every reason it skips.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
)

func hnCluster(name string) svcMod {
	return func(s *ecstypes.Service) {
		s.ClusterArn = aws.String("arn:aws:ecs:eu-west-1:111122223333:cluster/" + name)
	}
}

func hnMapping(container, host *int32, proto ecstypes.TransportProtocol) ecstypes.PortMapping {
	return ecstypes.PortMapping{ContainerPort: container, HostPort: host, Protocol: proto}
}

func TestRemedyHostNetwork(t *testing.T) {
	i32 := aws.Int32
	awsvpc := func(m map[string]AwsVpcSettings) func(*Options) {
		return func(o *Options) { o.HostNetwork.Awsvpc = m }
	}
	both := awsvpc(map[string]AwsVpcSettings{
		"prod": {Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-app", "sg-common"}, AssignPublicIp: "ENABLED"},
		"dev":  {Subnets: []string{"subnet-d"}, SecurityGroups: []string{"sg-common", "sg-dev"}},
	})
	ipTG := func(arn string, typ elbtypes.TargetTypeEnum) func(in *detect.Inventory) {
		return func(in *detect.Inventory) {
			in.TargetGroups = append(in.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(arn), TargetType: typ})
		}
	}
	lbs := func(arns ...string) svcMod {
		return func(s *ecstypes.Service) {
			for _, a := range arns {
				s.LoadBalancers = append(s.LoadBalancers, ecstypes.LoadBalancer{TargetGroupArn: aws.String(a), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)})
			}
		}
	}
	multiPorts := []tdMod{hostTD,
		ctrMod(0, ports(hnMapping(i32(8080), nil, ""), hnMapping(i32(9000), i32(9000), "tcp"), hnMapping(i32(53), i32(5353), "udp"), hnMapping(nil, i32(7000), "tcp"))),
		withContainer(bContainer("side")), ctrMod(1, ports(hnMapping(i32(8080), i32(80), "tcp"), hnMapping(i32(8080), nil, "tcp")))}
	tests := []struct {
		name string
		td   detect.TaskDefinition
		svcs []ecstypes.Service
		inv  []func(*detect.Inventory)
		opts []func(*Options)
	}{
		{name: "awsvpc: two clusters, ports not first, a blocked service", td: bTD("web", 1, multiPorts...),
			svcs: []ecstypes.Service{
				bSvc("web", bTDArn("web", 1), hostSvc, lbs("arn:tg-ip", "arn:tg-ip2")),
				bSvc("web-dev", bTDArn("web", 1), hostSvc, hnCluster("dev"), func(s *ecstypes.Service) {
					s.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeExternal}
				}),
				bSvc("web-2", bTDArn("web", 1), hostSvc)},
			inv:  []func(*detect.Inventory){ipTG("arn:tg-ip", elbtypes.TargetTypeEnumIp), ipTG("arn:tg-ip2", elbtypes.TargetTypeEnumIp)},
			opts: []func(*Options){both}},
		{name: "awsvpc: entry without security group", td: bTD("web", 1, hostTD),
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc), bSvc("web-dev", bTDArn("web", 1), hostSvc, hnCluster("dev"))},
			opts: []func(*Options){awsvpc(map[string]AwsVpcSettings{"prod": {Subnets: []string{"s"}, SecurityGroups: []string{"g"}}, "dev": {Subnets: []string{"s"}}})}},
		{name: "awsvpc: entry without subnet", td: bTD("web", 1, hostTD), svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc)},
			opts: []func(*Options){awsvpc(map[string]AwsVpcSettings{"prod": {SecurityGroups: []string{"g"}}})}},
		{name: "awsvpc: second target group of instance type", td: bTD("web", 1, hostTD),
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, lbs("arn:tg-ip", "arn:tg-inst"))},
			inv:  []func(*detect.Inventory){ipTG("arn:tg-ip", elbtypes.TargetTypeEnumIp), ipTG("arn:tg-inst", elbtypes.TargetTypeEnumInstance)},
			opts: []func(*Options){awsvpc(prodAwsvpc)}},
		{name: "awsvpc: target group unknown", td: bTD("web", 1, hostTD),
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, lbs("arn:tg-gone"))}, opts: []func(*Options){awsvpc(prodAwsvpc)}},
		{name: "awsvpc: classic load balancer", td: bTD("web", 1, hostTD),
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, func(s *ecstypes.Service) {
				s.LoadBalancers = []ecstypes.LoadBalancer{{LoadBalancerName: aws.String("clb")}}
			})}, opts: []func(*Options){awsvpc(prodAwsvpc)}},
		{name: "daemons and agents, each named", td: bTD("web", 1, hostTD, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
			c.Name = aws.String("datadog-falco")
		}), withContainer(bContainer("x")), ctrMod(1, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String("wazuh/agent:4") })),
			svcs: []ecstypes.Service{
				bSvc("d1", bTDArn("web", 1), hostSvc, func(s *ecstypes.Service) { s.SchedulingStrategy = ecstypes.SchedulingStrategyDaemon }),
				bSvc("r1", bTDArn("web", 1), hostSvc),
				bSvc("d2", bTDArn("web", 1), hostSvc, func(s *ecstypes.Service) { s.SchedulingStrategy = ecstypes.SchedulingStrategyDaemon })}},
		{name: "daemon allowed, clusters with and without entries", td: bTD("web", 1, hostTD),
			svcs: []ecstypes.Service{
				bSvc("a", bTDArn("web", 1), hostSvc, hnCluster("qa"), func(s *ecstypes.Service) { s.SchedulingStrategy = ecstypes.SchedulingStrategyDaemon }),
				bSvc("b", bTDArn("web", 1), hostSvc), bSvc("c", bTDArn("web", 1), hostSvc, hnCluster("dev")), bSvc("d", bTDArn("web", 1), hostSvc, hnCluster("qa"))},
			opts: []func(*Options){awsvpc(prodAwsvpc), func(o *Options) { o.HostNetwork.AllowDaemons = true }}},
		{name: "bridge: ports not first, no service, external", td: bTD("web", 1, hostTD, func(td *detect.TaskDefinition) {
			td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityExternal}
		}, ctrMod(0, ports(hnMapping(i32(8080), i32(8080), "tcp"), hnMapping(i32(9000), nil, ""), hnMapping(i32(53), i32(0), "udp"), hnMapping(i32(443), i32(8443), "tcp"))))},
		{name: "bridge: no compatibilities required", td: bTD("web", 1, hostTD, func(td *detect.TaskDefinition) { td.RequiresCompatibilities = nil },
			ctrMod(0, ports(hnMapping(i32(80), i32(80), "")))), svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc)}},
		{name: "bridge: a port range after a port", td: bTD("web", 1, hostTD, ctrMod(0, ports(hnMapping(i32(80), nil, "tcp"),
			ecstypes.PortMapping{ContainerPortRange: aws.String("9000-9010"), Protocol: "tcp"})))},
		{name: "bridge: a port range with a container port", td: bTD("web", 1, hostTD, ctrMod(0, ports(
			ecstypes.PortMapping{ContainerPort: i32(1), ContainerPortRange: aws.String("9000-9010")})))},
		{name: "bridge: fargate after ec2, two clusters", td: bTD("web", 1, hostTD, func(td *detect.TaskDefinition) {
			td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2, ecstypes.CompatibilityFargate}
		}), svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1), hostSvc, hnCluster("zeta")), bSvc("web2", bTDArn("web", 1), hostSvc)}},
		{name: "bridge: windows", td: bTD("web", 1, hostTD, pinFamily(ecstypes.OSFamilyWindowsServer2022Core))},
		{name: "bridge: two containers, no service", td: bTD("web", 1, hostTD, withContainer(bContainer("side")))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{tc.td}, tc.svcs)
			for _, f := range tc.inv {
				f(in)
			}
			remedyPin(t, remedyBuild(t, in, nil, tc.opts...))
		})
	}
}
