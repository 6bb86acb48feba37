package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// Tests of the two security-group change kinds (update-security-group-ingress, create-security-group)
// and the rule they share: validation, rule checks, how a rule is shown, Rebuild, details and diff.

var (
	sgOpen   = IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "0.0.0.0/0"}
	sgOpen6  = IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv6: "::/0"}
	sgLB     = IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-lb"}
	sgOffice = IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "10.0.0.0/8"}
)

func ingressAction(f func(u *UpdateSecurityGroupIngressChange)) Action {
	u := &UpdateSecurityGroupIngressChange{GroupID: "sg-1", VpcID: "vpc-1", Authorize: []IngressRule{sgLB}, Revoke: []IngressRule{sgOpen, sgOpen6}}
	if f != nil {
		f(u)
	}
	return Action{ID: "i1", Type: UpdateSecurityGroupIngress, Resource: "sg-1", Controls: []string{detect.ExposureOpenSecurityGroupID},
		Risk: RiskHigh, UpdateSecurityGroupIngress: u}
}

func copyAction(f func(c *CreateSecurityGroupChange)) Action {
	a := sgCopyAction()
	if f != nil {
		f(a.CreateSecurityGroup)
	}
	return a
}

func TestSecurityGroupIngressValidate(t *testing.T) {
	cases := []vcase{
		{"valid", nil, ingressAction(nil), ""},
		{"no replacement", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.Authorize = nil }), ""},
		{"group id", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.GroupID = "group-1" }), `groupId "group-1" is not a security group id`},
		{"resource", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.GroupID = "sg-2" }), `resource "sg-1" is not groupId "sg-2"`},
		{"vpc id", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.VpcID = "" }), `vpcId "" is not a VPC id`},
		{"revokes nothing", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.Revoke = nil }), "revokes nothing"},
		{"a world-open replacement", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.Authorize = []IngressRule{sgLB, sgOpen6} }),
			"authorize rule 2 (tcp 443 from ::/0) widens"},
		{"a bad replacement", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) {
			u.Authorize = []IngressRule{sgLB, {Protocol: "gre", SourceGroup: "sg-lb"}}
		}),
			`updateSecurityGroupIngress: authorize rule 2: protocol "gre" is not tcp, udp, icmp, icmpv6 or -1`},
		{"revoking a narrower rule", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) { u.Revoke = []IngressRule{sgOpen, sgOffice} }),
			"revoke rule 2 (tcp 22 from 10.0.0.0/8) is not a world-open rule"},
		{"a bad revoked rule", nil, ingressAction(func(u *UpdateSecurityGroupIngressChange) {
			u.Revoke = []IngressRule{sgOpen, {Protocol: "tcp", FromPort: 443, ToPort: 80, CidrIPv4: "0.0.0.0/0"}}
		}), "updateSecurityGroupIngress: revoke rule 2: ports 443-80 are not a range within 0-65535"},
		{"another control", nil, func() Action {
			a := ingressAction(nil)
			a.Controls = append(a.Controls, "ECS.2")
			return a
		}(), `"ECS.2" is not a control that a update-security-group-ingress action fixes (only EXPOSURE.open-security-group)`},
	}
	checkValidate(t, cases)
}

func TestCreateSecurityGroupValidate(t *testing.T) {
	long := strings.Repeat("x", 256)
	cases := []vcase{
		{"valid", nil, copyAction(nil), ""},
		{"255 characters", nil, copyAction(func(c *CreateSecurityGroupChange) { c.GroupName, c.Description = long[:255], long[:255] }), ""},
		{"copy of", nil, copyAction(func(c *CreateSecurityGroupChange) { c.CopyOf = "shared" }), `copyOf "shared" is not a security group id`},
		{"resource", nil, copyAction(func(c *CreateSecurityGroupChange) { c.CopyOf = "sg-other" }), `resource "sg-shared" is not copyOf "sg-other"`},
		{"vpc", nil, copyAction(func(c *CreateSecurityGroupChange) { c.VpcID = "vpc1" }), `vpcId "vpc1" is not a VPC id`},
		{"no name", nil, copyAction(func(c *CreateSecurityGroupChange) { c.GroupName = "" }), "groupName \"\" is empty"},
		{"a long name", nil, copyAction(func(c *CreateSecurityGroupChange) { c.GroupName = long }), "is empty, longer than 255 or starts with sg-"},
		{"a name like an id", nil, copyAction(func(c *CreateSecurityGroupChange) { c.GroupName = "SG-copy" }), `groupName "SG-copy" is empty`},
		{"no description", nil, copyAction(func(c *CreateSecurityGroupChange) { c.Description = "" }), "description is empty or longer than 255"},
		{"a long description", nil, copyAction(func(c *CreateSecurityGroupChange) { c.Description = long }), "description is empty or longer than 255"},
		{"a world-open ingress rule", nil, copyAction(func(c *CreateSecurityGroupChange) { c.Ingress = []IngressRule{sgLB, sgOpen} }),
			"ingress rule 2 (tcp 443 from 0.0.0.0/0) widens"},
		{"a bad ingress rule", nil, copyAction(func(c *CreateSecurityGroupChange) {
			c.Ingress = []IngressRule{sgLB, {Protocol: "tcp", FromPort: 1, ToPort: 2}}
		}),
			"createSecurityGroup: ingress rule 2: has 0 sources, want exactly one"},
		{"a world-open egress rule", nil, copyAction(func(c *CreateSecurityGroupChange) { c.Egress = []IngressRule{{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}} }), ""},
		{"a bad egress rule", nil, copyAction(func(c *CreateSecurityGroupChange) {
			c.Egress = []IngressRule{{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}, {Protocol: "-1", CidrIPv4: "10.0.0.0/8", SourceGroup: "sg-2"}}
		}), "createSecurityGroup: egress rule 2: has 2 sources, want exactly one"},
		{"another control", nil, func() Action { a := copyAction(nil); a.Controls = []string{"ECS.2"}; return a }(), `a create-security-group action fixes (only EXPOSURE.open-security-group)`},
	}
	checkValidate(t, cases)
}

func TestValidateRule(t *testing.T) {
	tests := []struct {
		r    IngressRule
		want string // "" when valid
	}{
		{IngressRule{Protocol: "tcp", FromPort: 0, ToPort: 65535, CidrIPv4: "10.0.0.0/8"}, ""},
		{IngressRule{Protocol: "udp", FromPort: 53, ToPort: 53, CidrIPv6: "fd00::/8"}, ""},
		{IngressRule{Protocol: "6", FromPort: 80, ToPort: 80, SourceGroup: "sg-1"}, ""},
		{IngressRule{Protocol: "17", FromPort: 80, ToPort: 80, SourceGroup: "prefix-list:pl-1"}, ""},
		{IngressRule{Protocol: "tcp", FromPort: -1, ToPort: 80, SourceGroup: "sg-1"}, "ports -1-80 are not a range within 0-65535"},
		{IngressRule{Protocol: "tcp", FromPort: 80, ToPort: 65536, SourceGroup: "sg-1"}, "ports 80-65536"},
		{IngressRule{Protocol: "tcp", FromPort: 81, ToPort: 80, SourceGroup: "sg-1"}, "ports 81-80"},
		{IngressRule{Protocol: "icmp", FromPort: -1, ToPort: -1, SourceGroup: "sg-1"}, ""},
		{IngressRule{Protocol: "icmpv6", FromPort: 255, ToPort: 255, SourceGroup: "sg-1"}, ""},
		{IngressRule{Protocol: "1", FromPort: -2, ToPort: 0, SourceGroup: "sg-1"}, "icmp type/code -2/0 out of range"},
		{IngressRule{Protocol: "58", FromPort: 256, ToPort: 0, SourceGroup: "sg-1"}, "icmp type/code 256/0 out of range"},
		{IngressRule{Protocol: "icmp", FromPort: 0, ToPort: -2, SourceGroup: "sg-1"}, "icmp type/code 0/-2 out of range"},
		{IngressRule{Protocol: "icmp", FromPort: 0, ToPort: 256, SourceGroup: "sg-1"}, "icmp type/code 0/256 out of range"},
		{IngressRule{Protocol: "-1", FromPort: -5, ToPort: 99999, SourceGroup: "sg-1"}, ""},
		{IngressRule{Protocol: "", SourceGroup: "sg-1"}, `protocol "" is not`},
		{IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, CidrIPv4: "10.0.0.0/8", CidrIPv6: "fd00::/8"}, "has 2 sources"},
		{IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, CidrIPv6: "fd00::/8", SourceGroup: "sg-1"}, "has 2 sources"},
		{IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, SourceGroup: "lb"}, `source "lb" is not a security group id`},
		{IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, SourceGroup: "pl-1"}, `source "pl-1" is not a security group id`},
		{IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, CidrIPv4: "10.0.0.0"}, `cidrIpv4 "10.0.0.0" is not a CIDR`},
		{IngressRule{Protocol: "tcp", FromPort: 1, ToPort: 1, CidrIPv6: "fd00::"}, `cidrIpv6 "fd00::" is not a CIDR`},
	}
	for _, tt := range tests {
		errs := validateRule("w", 2, tt.r)
		got := errorsText(errs)
		switch {
		case tt.want == "" && len(errs) != 0:
			t.Errorf("%+v: %s", tt.r, got)
		case tt.want != "" && (len(errs) != 1 || !strings.HasPrefix(got, "w rule 3: ") || !strings.Contains(got, tt.want)):
			t.Errorf("%+v: %q, want one error with %q", tt.r, got, tt.want)
		}
	}
}

func TestRuleText(t *testing.T) {
	tests := []struct {
		r    IngressRule
		want string
	}{
		{IngressRule{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}, "all traffic from 0.0.0.0/0"},
		{IngressRule{CidrIPv6: "::/0"}, "all traffic from ::/0"},
		{IngressRule{Protocol: "icmp", FromPort: 8, ToPort: 0, SourceGroup: "sg-1"}, "icmp from sg-1"},
		{IngressRule{Protocol: "58", FromPort: 8, ToPort: 0, SourceGroup: "sg-1"}, "58 from sg-1"},
		{IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-1"}, "tcp 443 from sg-1"},
		{IngressRule{Protocol: "tcp", FromPort: 0, ToPort: 65535, CidrIPv4: "10.0.0.0/8"}, "tcp all ports from 10.0.0.0/8"},
		{IngressRule{Protocol: "udp", FromPort: 1, ToPort: 65535, CidrIPv4: "10.0.0.0/8"}, "udp 1-65535 from 10.0.0.0/8"},
		{IngressRule{Protocol: "udp", FromPort: 0, ToPort: 65534, CidrIPv4: "10.0.0.0/8"}, "udp 0-65534 from 10.0.0.0/8"},
		{IngressRule{Protocol: "tcp", FromPort: 8000, ToPort: 8080}, "tcp 8000-8080 from (no source)"},
	}
	for _, tt := range tests {
		if got := ruleText(tt.r); got != tt.want {
			t.Errorf("ruleText(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
	if isWorld(sgOffice) || isWorld(sgLB) || !isWorld(sgOpen) || !isWorld(sgOpen6) {
		t.Error("isWorld")
	}
}

func TestSecurityGroupIngressRebuildCases(t *testing.T) {
	u := ingressAction(nil).UpdateSecurityGroupIngress
	// Both revoked rules are checked, and both replacements.
	bad := *u
	bad.Revoke = []IngressRule{sgOpen, sgOffice}
	if _, err := bad.Rebuild(nil); err == nil || !strings.Contains(err.Error(), "tcp 22 from 10.0.0.0/8 is not a world-open rule") {
		t.Errorf("a narrower second revoked rule: %v", err)
	}
	bad = *u
	bad.Authorize = []IngressRule{sgLB, sgOpen6}
	if _, err := bad.Rebuild(nil); err == nil || !strings.Contains(err.Error(), "authorizing tcp 443 from ::/0 would open it to the world") {
		t.Errorf("a world-open second replacement: %v", err)
	}
	// A rule read twice is kept once; a replacement already there is not added again.
	got, err := u.Rebuild([]IngressRule{sgOffice, sgOffice, sgOpen, sgLB})
	if want := []IngressRule{sgOffice, sgLB}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Rebuild = %+v, %v; want %+v", got, err, want)
	}
	// Nothing read, nothing to add: an empty list, not nil.
	none := *u
	none.Authorize = nil
	if got, err := none.Rebuild(nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Rebuild of nothing = %#v, %v", got, err)
	}
}

func TestCreateSecurityGroupRebuildCases(t *testing.T) {
	egress := IngressRule{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}
	c := copyAction(func(c *CreateSecurityGroupChange) { c.Ingress = []IngressRule{sgOffice, sgLB}; c.Egress = nil }).CreateSecurityGroup
	got, err := c.Rebuild(GroupRules{Ingress: []IngressRule{sgOpen, sgOffice, sgOffice, sgOpen6}, Egress: []IngressRule{egress}})
	if want := (GroupRules{Ingress: []IngressRule{sgOffice, sgLB}, Egress: []IngressRule{egress}}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Rebuild = %+v, %v; want %+v", got, err, want)
	}
	c.Ingress = []IngressRule{sgLB, sgOpen6}
	if got, err := c.Rebuild(GroupRules{}); err == nil || !strings.Contains(err.Error(), "copy of sg-shared: its ingress rule tcp 443 from ::/0 would be open to the world") ||
		!reflect.DeepEqual(got, GroupRules{}) {
		t.Errorf("a world-open second rule: %+v, %v", got, err)
	}
	c.Ingress = nil
	if got, err := c.Rebuild(GroupRules{}); err != nil || got.Ingress == nil || len(got.Ingress) != 0 || len(got.Egress) != 0 {
		t.Errorf("nothing: %#v, %v", got, err)
	}
}

func TestSecurityGroupDetailsAndDiff(t *testing.T) {
	u := ingressAction(nil).UpdateSecurityGroupIngress
	if got, want := u.details().rows, [][2]string{{"security group", "sg-1 (vpc-1)"}, {"authorize", "tcp 443 from sg-lb"},
		{"revoke", "tcp 443 from 0.0.0.0/0"}, {"revoke", "tcp 443 from ::/0"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ingress details = %v", got)
	}
	d, err := u.diff()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"--- security-group/sg-1 ingress (now)", "+++ security-group/sg-1 ingress (after)", "-tcp 443 from 0.0.0.0/0", "-tcp 443 from ::/0", "+tcp 443 from sg-lb"} {
		if !strings.Contains(d, l+"\n") {
			t.Errorf("ingress diff lacks %q:\n%s", l, d)
		}
	}
	c := copyAction(func(c *CreateSecurityGroupChange) {
		c.Egress = []IngressRule{{Protocol: "-1", CidrIPv4: "0.0.0.0/0"}}
		c.Tags = map[string]string{"b": "2", "a": "1"}
	}).CreateSecurityGroup
	if got, want := c.details().rows, [][2]string{{"copy of", "sg-shared (not edited)"}, {"name", "copy"}, {"vpc", "vpc-1"},
		{"ingress", "tcp 443 from sg-lb"}, {"egress", "all traffic from 0.0.0.0/0"}, {"tag", "a=1"}, {"tag", "b=2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("copy details = %v", got)
	}
	if d, err := c.diff(); d != "" || err != nil {
		t.Errorf("copy diff = %q, %v", d, err)
	}
	if SecurityGroupPlaceholder("a7") != "(security group created by a7)" {
		t.Error(SecurityGroupPlaceholder("a7"))
	}
}
