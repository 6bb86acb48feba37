package detect

// The open-security-group exposure pinned whole: every world-open source of every group, the protocol and
// port wording, and the lookup of the VPC's default group.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestDescribePorts(t *testing.T) {
	perm := func(proto string, from, to *int32) ec2types.IpPermission {
		return ec2types.IpPermission{IpProtocol: aws.String(proto), FromPort: from, ToPort: to}
	}
	p := aws.Int32
	for _, tc := range []struct {
		perm ec2types.IpPermission
		want string
	}{
		{perm("-1", p(-1), p(-1)), "all traffic"},
		{ec2types.IpPermission{}, "all traffic"},
		{perm("tcp", p(443), p(443)), "tcp 443"},
		{perm("6", p(22), p(22)), "tcp 22"},
		{perm("17", p(53), p(53)), "udp 53"},
		{perm("udp", p(1000), p(2000)), "udp 1000-2000"},
		{perm("1", p(8), p(0)), "icmp"},
		{perm("icmp", p(-1), p(-1)), "icmp"},
		{perm("icmpv6", p(128), p(0)), "icmpv6"},
		{perm("58", p(128), p(0)), "58"},
		{perm("tcp", nil, p(80)), "tcp"},
		{perm("tcp", p(80), nil), "tcp"},
		{perm("tcp", p(-1), p(-1)), "tcp all ports"},
		{perm("tcp", p(0), p(65535)), "tcp all ports"},
		{perm("tcp", p(0), p(1024)), "tcp 0-1024"},
		{perm("tcp", p(1), p(65535)), "tcp 1-65535"},
		{perm("50", p(-1), p(-1)), "50 all ports"},
	} {
		if got := describePorts(tc.perm); got != tc.want {
			t.Errorf("describePorts(%s %v-%v) = %q, want %q", aws.ToString(tc.perm.IpProtocol), tc.perm.FromPort, tc.perm.ToPort, got, tc.want)
		}
	}
}

func TestOpenSecurityGroupVerdicts(t *testing.T) {
	group := func(id, name, vpc string, perms ...ec2types.IpPermission) ec2types.SecurityGroup {
		return ec2types.SecurityGroup{GroupId: aws.String(id), GroupName: aws.String(name), VpcId: aws.String(vpc), IpPermissions: perms}
	}
	inv := &Inventory{
		SecurityGroups: []ec2types.SecurityGroup{
			group("sg-private", "private", "vpc-1", ingress("tcp", 443, 443, "10.0.0.0/8")),
			group("sg-wide", "wide", "vpc-1",
				ingress("tcp", 80, 80, "10.0.0.0/8", "0.0.0.0/0", "192.168.0.0/16", "0.0.0.0/0"),
				ingress("tcp", 22, 22, "192.168.0.0/16"),
				ingress("udp", 53, 53, "fd00::/8", "::/0")),
			group("sg-other-default", "default", "vpc-2", ingress("-1", -1, -1, "0.0.0.0/0")),
			group("sg-closed-default", "default", "vpc-3"),
			group("sg-default", "default", "vpc-1", ingress("tcp", 22, 22, "0.0.0.0/0")),
		},
		Subnets: []ec2types.Subnet{
			{SubnetId: aws.String("subnet-1"), VpcId: aws.String("vpc-1")},
			{SubnetId: aws.String("subnet-3"), VpcId: aws.String("vpc-3")},
			{SubnetId: aws.String("subnet-4"), VpcId: aws.String("vpc-4")},
		},
	}
	open := func(detail string) Offender {
		return Offender{Field: "networkConfiguration.awsvpcConfiguration.securityGroups", Detail: detail}
	}
	dis := ecstypes.AssignPublicIpDisabled
	noDefault := Unknown("the awsvpc configuration lists no security group, so tasks use their VPC's default group, which is not in the inventory")
	runExactServiceCases(t, ExposureOpenSecurityGroup(), []exactSvcCase{
		{name: "every world source of every group, after a closed group", svc: service("a", vpcConfig(dis, nil, "sg-private", "sg-wide", "sg-default")), inv: inv,
			want: wantFail(
				open("security group sg-wide allows tcp 80 from 0.0.0.0/0"),
				open("security group sg-wide allows tcp 80 from 0.0.0.0/0"),
				open("security group sg-wide allows udp 53 from ::/0"),
				open("security group sg-default allows tcp 22 from 0.0.0.0/0"))},
		{name: "every missing group is named", svc: service("a", vpcConfig(dis, nil, "sg-x", "sg-private", "sg-y")), inv: inv,
			want: Unknown("security group sg-x, sg-y is not in the inventory")},
		{name: "closed groups pass", svc: service("a", vpcConfig(dis, nil, "sg-private")), inv: inv,
			want: Pass("no security group allows ingress from 0.0.0.0/0 or ::/0")},
		{name: "default group of the first known subnet's VPC", svc: service("a", vpcConfig(dis, []string{"subnet-9", "subnet-1", "subnet-3"})), inv: inv,
			want: wantFail(open("security group sg-default allows tcp 22 from 0.0.0.0/0"))},
		{name: "the first known subnet decides", svc: service("a", vpcConfig(dis, []string{"subnet-3", "subnet-1"})), inv: inv,
			want: Pass("no security group allows ingress from 0.0.0.0/0 or ::/0")},
		{name: "first known subnet's VPC has no default group", svc: service("a", vpcConfig(dis, []string{"subnet-4", "subnet-1"})), inv: inv, want: noDefault},
		{name: "no subnet known", svc: service("a", vpcConfig(dis, []string{"subnet-9"})), inv: inv, want: noDefault},
		{name: "no subnet at all", svc: service("a", vpcConfig(dis, nil)), inv: inv, want: noDefault},
	})
}
