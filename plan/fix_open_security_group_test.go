package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	sgTG  = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/app/1"
	sgALB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/alb/1"
	sgNLB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/nlb/1"
)

func sgPerm(proto string, from, to int32, cidr4, cidr6 string) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(proto), FromPort: aws.Int32(from), ToPort: aws.Int32(to)}
	if cidr4 != "" {
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(cidr4)}}
	}
	if cidr6 != "" {
		p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(cidr6)}}
	}
	return p
}

func sgGroup(id string, perms ...ec2types.IpPermission) ec2types.SecurityGroup {
	return ec2types.SecurityGroup{GroupId: aws.String(id), GroupName: aws.String("g-" + id), VpcId: aws.String("vpc-1"), IpPermissions: perms,
		IpPermissionsEgress: []ec2types.IpPermission{sgPerm("-1", 0, 0, "0.0.0.0/0", "")}}
}

// sgInventory: service "app" (sg-1, whose ingress is perms) runs app:1; the network interfaces are known
// and none has sg-1 (any interface, even an ECS task's, makes the group shared: the inventory does not
// tie interfaces to services).
func sgInventory(perms []ec2types.IpPermission, mods ...svcMod) *detect.Inventory {
	in := bInventory([]detect.TaskDefinition{bTD("app", 1)}, []ecstypes.Service{bSvc("app", bTDArn("app", 1), mods...)})
	in.SecurityGroups = []ec2types.SecurityGroup{sgGroup("sg-1", perms...), sgGroup("sg-alb", sgPerm("tcp", 443, 443, "0.0.0.0/0", ""))}
	in.NetworkInterfacesKnown = true
	return in
}

// ecsTaskENI is the network interface of an ECS task that has sg-1 (the service's, or not: the inventory
// cannot tell).
func ecsTaskENI(id string) ec2types.NetworkInterface {
	return ec2types.NetworkInterface{NetworkInterfaceId: aws.String(id), InterfaceType: ec2types.NetworkInterfaceTypeInterface,
		Description: aws.String("arn:aws:ecs:eu-west-1:111122223333:attachment/" + id), Groups: []ec2types.GroupIdentifier{{GroupId: aws.String("sg-1")}}}
}

func behindALB(s *ecstypes.Service) {
	s.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(sgTG), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)}}
}

func withLB(in *detect.Inventory, lbArn string, groups ...string) {
	in.TargetGroups = []elbtypes.TargetGroup{{TargetGroupArn: aws.String(sgTG), LoadBalancerArns: []string{lbArn}}}
	in.LoadBalancers = []elbtypes.LoadBalancer{{LoadBalancerArn: aws.String(lbArn), LoadBalancerName: aws.String("lb"), SecurityGroups: groups}}
}

func withPorts(ports ...int32) tdMod {
	return ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		for _, p := range ports {
			c.PortMappings = append(c.PortMappings, ecstypes.PortMapping{ContainerPort: aws.Int32(p), Protocol: ecstypes.TransportProtocolTcp})
		}
	})
}

func sgActionsOf(p *Plan) (ingress []Action, creates []Action, svc *Action) {
	for i, a := range p.Actions {
		switch a.Type {
		case UpdateSecurityGroupIngress:
			ingress = append(ingress, a)
		case CreateSecurityGroup:
			creates = append(creates, a)
		case UpdateService:
			svc = &p.Actions[i]
		}
	}
	return
}

func rulesText(rs []IngressRule) string {
	var s []string
	for _, r := range rs {
		s = append(s, ruleText(r))
	}
	return strings.Join(s, "; ")
}

func TestOpenSecurityGroupFix(t *testing.T) {
	open8080 := sgPerm("tcp", 8080, 8080, "0.0.0.0/0", "")
	tests := []struct {
		name  string
		setup func(in *detect.Inventory)
		perms []ec2types.IpPermission
		mods  []svcMod
		opts  func(*Options)
		// want: "in-place AUTH | REVOKE", "copy INGRESS", or "skip REASON-FRAGMENT"
		want string
	}{
		{"ALB in front: replaced by its group on the same port", func(in *detect.Inventory) { withLB(in, sgALB, "sg-alb") },
			[]ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil,
			"in-place tcp 8080 from sg-alb | tcp 8080 from 0.0.0.0/0"},
		{"no LB, trusted CIDRs", nil, []ec2types.IpPermission{open8080}, nil,
			func(o *Options) { o.TrustedCIDRs = []string{"10.0.0.0/8", "fd00::/8"} },
			"in-place tcp 8080 from 10.0.0.0/8; tcp 8080 from fd00::/8 | tcp 8080 from 0.0.0.0/0"},
		{"NLB without groups: cannot tell", func(in *detect.Inventory) { withLB(in, sgNLB) },
			[]ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil,
			"skip cannot tell: load balancer lb has no security group (its clients reach the tasks directly)"},
		{"NLB without groups, trusted CIDRs: cannot tell", func(in *detect.Inventory) { withLB(in, sgNLB) },
			[]ec2types.IpPermission{open8080}, []svcMod{behindALB}, func(o *Options) { o.TrustedCIDRs = []string{"10.0.0.0/8"} },
			"skip cannot tell: load balancer lb has no security group"},
		{"ALB and NLB in front: cannot tell", func(in *detect.Inventory) {
			in.TargetGroups = []elbtypes.TargetGroup{{TargetGroupArn: aws.String(sgTG), LoadBalancerArns: []string{sgALB}},
				{TargetGroupArn: aws.String(sgTG + "nlb"), LoadBalancerArns: []string{sgNLB}}}
			in.LoadBalancers = []elbtypes.LoadBalancer{{LoadBalancerArn: aws.String(sgALB), LoadBalancerName: aws.String("alb"), SecurityGroups: []string{"sg-alb"}},
				{LoadBalancerArn: aws.String(sgNLB), LoadBalancerName: aws.String("nlb")}}
		}, []ec2types.IpPermission{open8080}, []svcMod{func(s *ecstypes.Service) {
			s.LoadBalancers = []ecstypes.LoadBalancer{
				{TargetGroupArn: aws.String(sgTG), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)},
				{TargetGroupArn: aws.String(sgTG + "nlb"), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)},
			}
		}}, nil, "skip cannot tell: load balancer nlb has no security group (its clients reach the tasks directly)"},
		{"an ECS task's ENI: copy", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.NetworkInterfaces = append(in.NetworkInterfaces, ecsTaskENI("eni-batch"))
		}, []ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil, "copy tcp 8080 from sg-alb"},
		{"shared and self-referencing: cannot tell", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.NetworkInterfaces = append(in.NetworkInterfaces, ecsTaskENI("eni-task"))
		}, []ec2types.IpPermission{open8080, {IpProtocol: aws.String("tcp"), FromPort: aws.Int32(7000), ToPort: aws.Int32(7000),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-1")}}}}, []svcMod{behindALB}, nil,
			"skip cannot tell: security group sg-1 has rules whose source is itself"},
		{"shared, and another group admits it: skipped", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.NetworkInterfaces = append(in.NetworkInterfaces, ecsTaskENI("eni-task"))
			in.SecurityGroups = append(in.SecurityGroups, sgGroup("sg-db", ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-1")}}}))
		}, []ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil,
			"skip group sg-db admits sg-1: a copy would lose that; edit sg-db or the original yourself"},
		{"shared, and another group reaches it: skipped", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.NetworkInterfaces = append(in.NetworkInterfaces, ecsTaskENI("eni-task"))
			in.SecurityGroups[1].IpPermissionsEgress = []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-1")}}}}
		}, []ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil,
			"skip group sg-alb reaches sg-1: a copy would lose that; edit sg-alb or the original yourself"},
		{"neither: needs input", nil, []ec2types.IpPermission{open8080}, nil, nil, "skip needs input"},
		{"trusted CIDR 0.0.0.0/0 is refused", nil, []ec2types.IpPermission{open8080}, nil,
			func(o *Options) { o.TrustedCIDRs = []string{"0.0.0.0/0"} }, "skip is the whole internet"},
		{"::/0 handled", func(in *detect.Inventory) { withLB(in, sgALB, "sg-alb") },
			[]ec2types.IpPermission{sgPerm("tcp", 8080, 8080, "", "::/0")}, []svcMod{behindALB}, nil,
			"in-place tcp 8080 from sg-alb | tcp 8080 from ::/0"},
		{"shared with another service: copy", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.Services = append(in.Services, bSvc("other", bTDArn("app", 1), func(s *ecstypes.Service) {
				s.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups = []string{"sg-1"}
				s.ServiceArn = aws.String(bSvcArn("other"))
			}))
		}, []ec2types.IpPermission{open8080, sgPerm("tcp", 22, 22, "10.1.0.0/16", "")}, []svcMod{behindALB}, nil,
			"copy tcp 22 from 10.1.0.0/16; tcp 8080 from sg-alb"},
		{"also the LB's own group: copy", func(in *detect.Inventory) { withLB(in, sgALB, "sg-alb", "sg-1") },
			[]ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil, "copy tcp 8080 from sg-1; tcp 8080 from sg-alb"},
		{"unknown interfaces: copy", func(in *detect.Inventory) { withLB(in, sgALB, "sg-alb"); in.NetworkInterfacesKnown = false },
			[]ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil, "copy tcp 8080 from sg-alb"},
		{"non-ECS ENI: copy", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.NetworkInterfaces = append(in.NetworkInterfaces, ec2types.NetworkInterface{NetworkInterfaceId: aws.String("eni-db"),
				InterfaceType: ec2types.NetworkInterfaceTypeInterface, Description: aws.String("RDS"), Groups: []ec2types.GroupIdentifier{{GroupId: aws.String("sg-1")}}})
		}, []ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil, "copy tcp 8080 from sg-alb"},
		{"all traffic with known container ports", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.TaskDefinitions = []detect.TaskDefinition{bTD("app", 1, withPorts(8080, 9090))}
		}, []ec2types.IpPermission{sgPerm("-1", -1, -1, "0.0.0.0/0", "")}, []svcMod{behindALB}, nil,
			"in-place tcp 8080 from sg-alb; tcp 9090 from sg-alb | all traffic from 0.0.0.0/0"},
		{"all traffic, ports unknown", func(in *detect.Inventory) { withLB(in, sgALB, "sg-alb") },
			[]ec2types.IpPermission{sgPerm("-1", -1, -1, "0.0.0.0/0", "")}, []svcMod{behindALB}, nil, "skip cannot tell which ports"},
		{"owned group", func(in *detect.Inventory) {
			withLB(in, sgALB, "sg-alb")
			in.SecurityGroups[0].Tags = []ec2types.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("net")}}
		}, []ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil, "skip owned by CloudFormation stack net"},
		{"owned service", func(in *detect.Inventory) { withLB(in, sgALB, "sg-alb") },
			[]ec2types.IpPermission{open8080}, []svcMod{behindALB, func(s *ecstypes.Service) { s.Tags = bTags("aws:cloudformation:stack-name", "app") }}, nil,
			"skip owned by CloudFormation stack app"},
		{"target group missing: cannot tell", func(in *detect.Inventory) {}, []ec2types.IpPermission{open8080}, []svcMod{behindALB}, nil,
			"skip cannot tell: target group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sgInventory(tt.perms, tt.mods...)
			if tt.setup != nil {
				tt.setup(in)
			}
			var om []func(*Options)
			if tt.opts != nil {
				om = append(om, tt.opts)
			}
			o := bOptions(om...)
			p := buildPlan(t, in, o)
			ingress, creates, svc := sgActionsOf(p)
			kind, want, _ := strings.Cut(tt.want, " ")
			switch kind {
			case "in-place":
				if len(ingress) != 1 || len(creates) != 0 {
					t.Fatalf("ingress %d, creates %d; want one in-place update", len(ingress), len(creates))
				}
				c := ingress[0].UpdateSecurityGroupIngress
				if got := rulesText(c.Authorize) + " | " + rulesText(c.Revoke); got != want {
					t.Errorf("got %q\nwant %q", got, want)
				}
				if c.GroupID != "sg-1" || ingress[0].Resource != "sg-1" || ingress[0].Risk != RiskHigh {
					t.Errorf("action = %+v", ingress[0])
				}
				if svc != nil && svc.UpdateService.SecurityGroupsFrom != nil {
					t.Errorf("in-place edit moves the service: %+v", svc.UpdateService)
				}
			case "copy":
				if len(ingress) != 0 || len(creates) != 1 || svc == nil {
					t.Fatalf("ingress %d, creates %d, service update %v; want a copy and a move", len(ingress), len(creates), svc != nil)
				}
				c := creates[0].CreateSecurityGroup
				if got := rulesText(c.Ingress); got != want {
					t.Errorf("copy ingress %q\nwant %q", got, want)
				}
				if c.CopyOf != "sg-1" || c.VpcID != "vpc-1" || c.GroupName != "ecsfix-g-sg-1-prod-app-20260301T120000" || c.Tags["ecsfix:copy-of"] != "sg-1" || len(c.Egress) != 1 {
					t.Errorf("copy = %+v", c)
				}
				ph := SecurityGroupPlaceholder(creates[0].ID)
				u := svc.UpdateService
				if u.SecurityGroupsFrom[ph] != creates[0].ID || u.After.Network == nil || !contains(u.After.Network.SecurityGroups, ph) || contains(u.After.Network.SecurityGroups, "sg-1") {
					t.Errorf("service update = %+v", u)
				}
				if !contains(svc.DependsOn, creates[0].ID) || svc.Risk != RiskHigh {
					t.Errorf("service update depends on %v, risk %s", svc.DependsOn, svc.Risk)
				}
				if !strings.Contains(strings.Join(creates[0].Notes, "\n"), "the service moves to a copy") {
					t.Errorf("notes = %q", creates[0].Notes)
				}
			case "skip":
				if len(ingress)+len(creates) != 0 {
					t.Fatalf("ingress %d, creates %d; want none", len(ingress), len(creates))
				}
				found := false
				for _, s := range p.Skipped {
					if s.Control == detect.ExposureOpenSecurityGroupID && strings.Contains(s.Reason, want) {
						found = true
					}
				}
				if !found {
					t.Errorf("no skipped %s with %q: %+v", detect.ExposureOpenSecurityGroupID, want, p.Skipped)
				}
				return
			}
			// fingerprints of the changed group, by id and region
			fp := false
			for _, f := range p.State {
				if f.Resource == "sg-1" && f.ResourceType == detect.TypeSecurityGroup && f.Region == bRegion && f.Facts[FactIngress] != "" {
					fp = true
				}
			}
			if !fp {
				t.Errorf("no fingerprint of sg-1: %+v", p.State)
			}
			// never widen: no replacement from the whole internet
			for _, a := range p.Actions {
				if u := a.UpdateSecurityGroupIngress; u != nil {
					for _, r := range u.Authorize {
						if isWorld(r) {
							t.Errorf("authorizes %s", ruleText(r))
						}
					}
				}
			}
			// applied, the estate re-plans to nothing
			assertConverges(t, in, p, o)
		})
	}
}

func TestOpenSecurityGroupAlreadyReplaced(t *testing.T) {
	// the replacement is there already: authorize nothing, revoke the open rule
	in := sgInventory([]ec2types.IpPermission{sgPerm("tcp", 8080, 8080, "0.0.0.0/0", ""),
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-alb")}}}}, behindALB)
	withLB(in, sgALB, "sg-alb")
	p := buildPlan(t, in, bOptions())
	ingress, _, _ := sgActionsOf(p)
	if len(ingress) != 1 || len(ingress[0].UpdateSecurityGroupIngress.Authorize) != 0 || len(ingress[0].UpdateSecurityGroupIngress.Revoke) != 1 {
		t.Fatalf("ingress = %+v", ingress)
	}
}

func TestValidateRefusesWideningSecurityGroupPlans(t *testing.T) {
	in := sgInventory([]ec2types.IpPermission{sgPerm("tcp", 8080, 8080, "0.0.0.0/0", "")}, behindALB)
	withLB(in, sgALB, "sg-alb")
	p := buildPlan(t, in, bOptions())
	ingress, _, _ := sgActionsOf(p)
	if len(ingress) != 1 {
		t.Fatalf("want one ingress update, got %d", len(ingress))
	}
	mutate := func(f func(c *UpdateSecurityGroupIngressChange)) error {
		q := *p
		q.Actions = append([]Action(nil), p.Actions...)
		for i := range q.Actions {
			if c := q.Actions[i].UpdateSecurityGroupIngress; c != nil {
				cp := *c
				cp.Authorize = append([]IngressRule(nil), c.Authorize...)
				cp.Revoke = append([]IngressRule(nil), c.Revoke...)
				f(&cp)
				q.Actions[i].UpdateSecurityGroupIngress = &cp
			}
		}
		return q.Validate()
	}
	cases := []struct {
		name string
		f    func(c *UpdateSecurityGroupIngressChange)
		want string
	}{
		{"authorize 0.0.0.0/0", func(c *UpdateSecurityGroupIngressChange) {
			c.Authorize = append(c.Authorize, IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "0.0.0.0/0"})
		}, "widens"},
		{"authorize ::/0", func(c *UpdateSecurityGroupIngressChange) {
			c.Authorize = append(c.Authorize, IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv6: "::/0"})
		}, "widens"},
		{"revoke a narrow rule", func(c *UpdateSecurityGroupIngressChange) {
			c.Revoke = append(c.Revoke, IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "10.0.0.0/8"})
		}, "is not a world-open rule"},
		{"two sources", func(c *UpdateSecurityGroupIngressChange) { c.Authorize[0].CidrIPv4 = "10.0.0.0/8" }, "exactly one"},
		{"bad port", func(c *UpdateSecurityGroupIngressChange) { c.Authorize[0].ToPort = 70000 }, "not a range"},
		{"bad protocol", func(c *UpdateSecurityGroupIngressChange) { c.Authorize[0].Protocol = "sctp" }, "protocol"},
		{"bad group id", func(c *UpdateSecurityGroupIngressChange) { c.GroupID = "web" }, "not a security group id"},
		{"bad vpc id", func(c *UpdateSecurityGroupIngressChange) { c.VpcID = "" }, "not a VPC id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mutate(tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValidateSecurityGroupCopyAndMove(t *testing.T) {
	in := sgInventory([]ec2types.IpPermission{sgPerm("tcp", 8080, 8080, "0.0.0.0/0", "")}, behindALB)
	withLB(in, sgALB, "sg-alb")
	in.NetworkInterfacesKnown = false
	p := buildPlan(t, in, bOptions())
	_, creates, svc := sgActionsOf(p)
	if len(creates) != 1 || svc == nil {
		t.Fatalf("creates %d, service %v", len(creates), svc != nil)
	}
	check := func(name, want string, f func(q *Plan)) {
		t.Run(name, func(t *testing.T) {
			data, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			q := &Plan{}
			if err := json.Unmarshal(data, q); err != nil {
				t.Fatal(err)
			}
			f(q)
			err = q.Validate()
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate = %v, want %q", err, want)
			}
		})
	}
	find := func(q *Plan, typ ActionType) *Action {
		for i := range q.Actions {
			if q.Actions[i].Type == typ {
				return &q.Actions[i]
			}
		}
		return nil
	}
	check("copy with a world-open rule", "widens", func(q *Plan) {
		c := find(q, CreateSecurityGroup).CreateSecurityGroup
		c.Ingress = append(c.Ingress, IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, CidrIPv4: "0.0.0.0/0"})
	})
	check("placeholder not in the network", "is not in after.network.securityGroups", func(q *Plan) {
		find(q, UpdateService).UpdateService.After.Network.SecurityGroups = []string{"sg-1"}
	})
	check("placeholder of a later action", "is not an earlier create-security-group action", func(q *Plan) {
		u := find(q, UpdateService).UpdateService
		u.SecurityGroupsFrom = map[string]string{SecurityGroupPlaceholder("a99"): "a99"}
		u.After.Network.SecurityGroups = []string{SecurityGroupPlaceholder("a99")}
	})
	check("bad vpc", "not a VPC id", func(q *Plan) { find(q, CreateSecurityGroup).CreateSecurityGroup.VpcID = "x" })
	check("wrong control", "is not a control that a create-security-group action fixes", func(q *Plan) {
		find(q, CreateSecurityGroup).Controls = []string{"ECS.2"}
	})
}

func TestOpenSecurityGroupRendering(t *testing.T) {
	in := sgInventory([]ec2types.IpPermission{sgPerm("tcp", 8080, 8080, "0.0.0.0/0", "")}, behindALB)
	withLB(in, sgALB, "sg-alb")
	p := buildPlan(t, in, bOptions())
	for _, format := range []string{"text", "markdown"} {
		var b strings.Builder
		r, err := NewRenderer(format, RenderOptions{UnattendedRisk: RiskLow})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Render(&b, p); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"update-security-group-ingress", "tcp 8080 from sg-alb", "tcp 8080 from 0.0.0.0/0", "the load balancer keeps reaching port tcp 8080; nothing else can"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q:\n%s", format, want, out)
			}
		}
	}
}
