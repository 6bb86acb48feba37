package plan

// Pins of the open-security-group remedy (EXPOSURE.open-security-group: world-open ingress replaced by
// rules from the load balancers' groups or trusted CIDRs, in place or in a copy) through Build: services,
// groups, rules, ports and users not first, sources deduplicated, the reasons it skips.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
)

// osgFrom is a tcp rule on port from a group.
func osgFrom(port int32, group string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(group)}}}
}

// osgGroups sets the service's security groups.
func osgGroups(ids ...string) svcMod {
	return func(s *ecstypes.Service) { s.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups = ids }
}

// osgPortMappings sets container i's port mappings (port, protocol; 0 is a mapping without containerPort).
func osgPortMappings(i int, pp ...any) tdMod {
	return ctrMod(i, func(c *ecstypes.ContainerDefinition) {
		for j := 0; j+1 < len(pp); j += 2 {
			pm := ecstypes.PortMapping{Protocol: ecstypes.TransportProtocol(pp[j+1].(string))}
			if p := int32(pp[j].(int)); p != 0 {
				pm.ContainerPort = aws.Int32(p)
			}
			c.PortMappings = append(c.PortMappings, pm)
		}
	})
}

func TestRemedySecurityGroup(t *testing.T) {
	open80 := sgPerm("tcp", 80, 80, "0.0.0.0/0", "")
	allOpen := sgPerm("-1", 0, 0, "0.0.0.0/0", "")
	trusted := func(c ...string) func(*Options) { return func(o *Options) { o.TrustedCIDRs = c } }
	forge := func(in *detect.Inventory) []detect.Result {
		return pinResults(in, detect.ExposureOpenSecurityGroupID, bSvcArn("app"))
	}
	tests := []struct {
		name    string
		in      func() *detect.Inventory
		results func(in *detect.Inventory) []detect.Result
		opts    []func(*Options)
	}{
		{name: "second service fixed, the first asks another fix", in: func() *detect.Inventory {
			in := sgInventory(nil, osgGroups("sg-closed"), func(s *ecstypes.Service) {
				s.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp = ecstypes.AssignPublicIpEnabled
			})
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-closed"), sgGroup("sg-2", open80))
			in.Services = append(in.Services, bSvc("zz", bTDArn("app", 1), osgGroups("sg-2")))
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "first service skipped (owned group), second fixed", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80})
			in.SecurityGroups[0].Tags = []ec2types.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("net")}}
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-2", open80))
			in.Services = append(in.Services, bSvc("zz", bTDArn("app", 1), osgGroups("sg-2")))
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "closed group first, all traffic on the container ports, trusted CIDRs", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{allOpen, sgPerm("tcp", 80, 80, "0.0.0.0/0", "::/0"), sgPerm("tcp", 22, 22, "10.1.0.0/16", "")},
				osgGroups("sg-closed", "sg-1", "sg-1"))
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-closed", sgPerm("tcp", 22, 22, "10.0.0.0/8", "")))
			in.TaskDefinitions[0] = bTD("app", 1, osgPortMappings(0, 0, "tcp", 8080, "tcp", 53, "udp", 8080, "tcp"),
				withContainer(bContainer("side")), osgPortMappings(1, 443, "", 53, "udp", 9000, "tcp"))
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8", "fd00::/8", "10.0.0.0/8")}},
		{name: "two groups edited in place", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80}, osgGroups("sg-1", "sg-2"))
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-2", sgPerm("tcp", 443, 443, "", "::/0")))
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "no source: every port named", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{allOpen})
			in.TaskDefinitions[0] = bTD("app", 1, osgPortMappings(0, 443, "tcp", 80, "tcp"))
			return in
		}},
		{name: "no source, one port", in: func() *detect.Inventory { return sgInventory([]ec2types.IpPermission{open80}) }},
		{name: "all traffic, no port mappings", in: func() *detect.Inventory {
			return sgInventory([]ec2types.IpPermission{sgPerm("tcp", 80, 80, "", "::/0"), allOpen})
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "all traffic, task definition unknown", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{sgPerm("-1", 0, 0, "", "::/0")})
			in.Services[0].TaskDefinition = aws.String(bTDArn("gone", 2))
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "trusted CIDRs holding the internet", in: func() *detect.Inventory { return sgInventory([]ec2types.IpPermission{open80}) },
			opts: []func(*Options){trusted("10.0.0.0/8", "192.168.0.0/0")}},
		{name: "trusted CIDRs holding ::/0", in: func() *detect.Inventory { return sgInventory([]ec2types.IpPermission{open80}) },
			opts: []func(*Options){trusted("::/0")}},
		{name: "shared: copy, users of every kind, the service moves", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80, osgFrom(80, "sg-alb"), sgPerm("tcp", 22, 22, "10.1.0.0/16", "")}, behindALB, osgGroups("sg-1", "sg-3"))
			withLB(in, sgALB, "sg-alb")
			in.SecurityGroups[0].GroupName = aws.String(strings.Repeat("g", 250))
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-3"))
			in.Services = append(in.Services, bSvc("other", bTDArn("app", 1), osgGroups("sg-9", "sg-1")))
			in.TaskSets = []ecstypes.TaskSet{{Id: aws.String("ts-0")}, {Id: aws.String("ts-1"), NetworkConfiguration: &ecstypes.NetworkConfiguration{}},
				{Id: aws.String("ts-2"), NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{SecurityGroups: []string{"sg-1"}}}}}
			in.LoadBalancers = append(in.LoadBalancers, elbtypes.LoadBalancer{LoadBalancerArn: aws.String("arn:lb2"), LoadBalancerName: aws.String("own"), SecurityGroups: []string{"sg-x", "sg-1"}})
			in.NetworkInterfaces = []ec2types.NetworkInterface{ecsTaskENI("eni-1"),
				{NetworkInterfaceId: aws.String("eni-2"), InterfaceType: ec2types.NetworkInterfaceTypeLambda, Groups: []ec2types.GroupIdentifier{{GroupId: aws.String("sg-1")}}},
				{NetworkInterfaceId: aws.String("eni-3"), Description: aws.String("my box"), Groups: []ec2types.GroupIdentifier{{GroupId: aws.String("sg-1")}}},
				{NetworkInterfaceId: aws.String("eni-4"), Groups: []ec2types.GroupIdentifier{{GroupId: aws.String("sg-1")}}},
				{NetworkInterfaceId: aws.String("eni-5"), Groups: []ec2types.GroupIdentifier{{GroupId: aws.String("sg-3")}}}}
			return in
		}},
		{name: "shared with another service, interfaces unknown", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{sgPerm("tcp", 80, 80, "", "::/0")}, behindALB)
			withLB(in, sgALB, "sg-alb")
			in.Services = append([]ecstypes.Service{bSvc("first", bTDArn("app", 1))}, in.Services...)
			in.NetworkInterfacesKnown = false
			return in
		}},
		{name: "interfaces unknown, no other user", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80}, behindALB, func(s *ecstypes.Service) {
				s.ServiceName = aws.String(strings.Repeat("s", 240))
				s.ServiceArn = aws.String(bSvcArn(strings.Repeat("s", 240))) // its ARN names it, as on AWS
			})
			withLB(in, sgALB, "sg-alb")
			in.NetworkInterfacesKnown = false
			return in
		}},
		{name: "copy refused: the group refers to itself", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80})
			in.SecurityGroups[0].IpPermissionsEgress = append(in.SecurityGroups[0].IpPermissionsEgress, osgFrom(5432, "sg-db"), osgFrom(9, "sg-1"))
			in.NetworkInterfacesKnown = false
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "copy refused: other groups admit and reach it", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80})
			in.NetworkInterfaces = []ec2types.NetworkInterface{ecsTaskENI("eni-1")}
			a := sgGroup("sg-a", osgFrom(80, "sg-x"), osgFrom(80, "sg-1"))
			a.IpPermissionsEgress = []ec2types.IpPermission{osgFrom(80, "sg-1")}
			r := sgGroup("sg-r")
			r.IpPermissionsEgress = []ec2types.IpPermission{osgFrom(80, "sg-1")}
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-n"), a, r)
			return in
		}, opts: []func(*Options){trusted("10.0.0.0/8")}},
		{name: "two load balancers, one group twice", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80}, behindALB, func(s *ecstypes.Service) {
				s.LoadBalancers = append(s.LoadBalancers, ecstypes.LoadBalancer{TargetGroupArn: aws.String("arn:tg2")})
			})
			withLB(in, sgALB, "sg-lb2", "sg-alb")
			in.TargetGroups = append(in.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String("arn:tg2"), LoadBalancerArns: []string{"arn:lb2"}})
			in.LoadBalancers = append(in.LoadBalancers, elbtypes.LoadBalancer{LoadBalancerArn: aws.String("arn:lb2"), SecurityGroups: []string{"sg-alb"}})
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-lb2"))
			return in
		}},
		{name: "classic load balancer", in: func() *detect.Inventory {
			return sgInventory([]ec2types.IpPermission{open80}, func(s *ecstypes.Service) {
				s.LoadBalancers = []ecstypes.LoadBalancer{{LoadBalancerName: aws.String("clb")}}
			})
		}},
		{name: "target group unknown", in: func() *detect.Inventory { return sgInventory([]ec2types.IpPermission{open80}, behindALB) }},
		{name: "load balancer unknown", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80}, behindALB)
			withLB(in, sgALB, "sg-alb")
			in.TargetGroups[0].LoadBalancerArns = []string{sgALB, "arn:gone"}
			return in
		}},
		{name: "network load balancer without name", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80}, behindALB)
			withLB(in, sgNLB)
			in.LoadBalancers[0].LoadBalancerName = nil
			return in
		}},
		{name: "load balancer group unknown", in: func() *detect.Inventory {
			in := sgInventory([]ec2types.IpPermission{open80}, behindALB)
			withLB(in, sgALB, "sg-alb", "sg-gone")
			return in
		}},
		{name: "forged: no awsvpc", in: func() *detect.Inventory {
			return sgInventory(nil, func(s *ecstypes.Service) { s.NetworkConfiguration = nil })
		}, results: forge},
		{name: "forged: no group", in: func() *detect.Inventory { return sgInventory(nil, osgGroups()) }, results: forge},
		{name: "forged: group unknown", in: func() *detect.Inventory { return sgInventory(nil, osgGroups("sg-1", "sg-gone")) }, results: forge},
		{name: "forged: nothing open", in: func() *detect.Inventory { return sgInventory(nil) }, results: forge},
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
