package detect

import (
	"fmt"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposureOpenSecurityGroup — a security group of the service's awsvpc configuration allows ingress from
// 0.0.0.0/0 or ::/0. A group missing from the inventory is NOT_EVALUATED (unless another group already
// fails). When the configuration lists no group, the tasks get their VPC's default group, looked up through
// the first subnet's VPC. Services without an awsvpc configuration are NOT_APPLICABLE: their tasks use the
// container instances' security groups.
func ExposureOpenSecurityGroup() Control {
	return Control{
		ID:           ExposureOpenSecurityGroupID,
		Title:        "The Amazon ECS service has an open security group",
		Aliases:      []string{"The Amazon ECS service has a security group that allows ingress from the internet"},
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service:      evalOpenSecurityGroup,
	}
}

func evalOpenSecurityGroup(svc *ecstypes.Service, in *Inventory, _ *Settings) Verdict {
	vpc := awsvpc(svc.NetworkConfiguration)
	if vpc == nil {
		return NA("no awsvpc network configuration: tasks use the container instances' security groups")
	}
	groups := vpc.SecurityGroups
	if len(groups) == 0 {
		id, ok := defaultSecurityGroup(in, vpc.Subnets)
		if !ok {
			return Unknown("the awsvpc configuration lists no security group, so tasks use their VPC's default group, which is not in the inventory")
		}
		groups = []string{id}
	}
	var offs []Offender
	var missing []string
	for _, id := range groups {
		sg, ok := in.SecurityGroup(id)
		if !ok {
			missing = append(missing, id)
			continue
		}
		for _, p := range sg.IpPermissions {
			for _, src := range worldSources(p) {
				offs = append(offs, Offender{
					Field:  "networkConfiguration.awsvpcConfiguration.securityGroups",
					Detail: fmt.Sprintf("security group %s allows %s from %s", id, describePorts(p), src),
				})
			}
		}
	}
	switch {
	case len(offs) > 0:
		return failAll(offs)
	case len(missing) > 0:
		return Unknown("security group " + strings.Join(missing, ", ") + " is not in the inventory")
	}
	return Pass("no security group allows ingress from 0.0.0.0/0 or ::/0")
}

func worldSources(p ec2types.IpPermission) []string {
	var out []string
	for _, r := range p.IpRanges {
		if deref(r.CidrIp) == "0.0.0.0/0" {
			out = append(out, "0.0.0.0/0")
		}
	}
	for _, r := range p.Ipv6Ranges {
		if deref(r.CidrIpv6) == "::/0" {
			out = append(out, "::/0")
		}
	}
	return out
}

// describePorts renders a permission's protocol and ports: "all traffic", "tcp 443", "tcp 8000-8080",
// "icmp".
func describePorts(p ec2types.IpPermission) string {
	proto := deref(p.IpProtocol)
	switch proto {
	case "-1", "":
		return "all traffic"
	case "6":
		proto = "tcp"
	case "17":
		proto = "udp"
	case "1":
		proto = "icmp"
	}
	if p.FromPort == nil || p.ToPort == nil || proto == "icmp" || proto == "icmpv6" || proto == "58" {
		return proto
	}
	from, to := *p.FromPort, *p.ToPort
	switch {
	case from == -1 || (from == 0 && to == 65535):
		return proto + " all ports"
	case from == to:
		return fmt.Sprintf("%s %d", proto, from)
	}
	return fmt.Sprintf("%s %d-%d", proto, from, to)
}

// defaultSecurityGroup finds the "default" security group of the VPC of the first known subnet.
func defaultSecurityGroup(in *Inventory, subnets []string) (string, bool) {
	for _, id := range subnets {
		sn, ok := in.Subnet(id)
		if !ok {
			continue
		}
		for i := range in.SecurityGroups {
			sg := &in.SecurityGroups[i]
			if deref(sg.GroupName) == "default" && deref(sg.VpcId) == deref(sn.VpcId) {
				return deref(sg.GroupId), true
			}
		}
		return "", false
	}
	return "", false
}
