package fix

// Values the configuration supplies are checked against the applier's configuration (Options.Configured)
// before anything is written: a replacement rule from a CIDR the configuration does not trust is
// refused naming the action and the field, and so is one when the applier was given no configuration.

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ecsfix/ecsfix/plan"
)

func TestApplyRefusesUntrustedReplacementSource(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	from := func(cidr string) plan.UpdateSecurityGroupIngressChange {
		return plan.UpdateSecurityGroupIngressChange{GroupID: e.sg, VpcID: e.vpc, Revoke: []plan.IngressRule{e.open()},
			Authorize: []plan.IngressRule{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: cidr, Description: "ecsfix: replaces 0.0.0.0/0"}}}
	}
	trusted := &plan.ConfiguredValues{TrustedCIDRs: []string{"10.0.0.0/8"}}
	for name, c := range map[string]struct {
		cidr string
		cfg  *plan.ConfiguredValues
		why  string
	}{
		"an attacker's CIDR": {"203.0.113.0/24", trusted, "not in fix.network.trusted_cidrs"},
		"no configuration":   {"10.0.0.0/8", nil, "given no configuration"},
	} {
		p := e.ingressPlan(t, from(c.cidr)) // approved
		var out bytes.Buffer
		o := opts(t, &out)
		o.Configured = c.cfg
		rep, err := Apply(context.Background(), e.cfg, p, o)
		if !errors.Is(err, ErrInvalidPlan) {
			t.Fatalf("%s: err = %v, want ErrInvalidPlan", name, err)
		}
		var re *plan.RederiveError
		if !errors.As(err, &re) || re.Action != "s1" || re.Path != "updateSecurityGroupIngress.authorize[0]" || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: the error does not name action s1, the field and %q: %v", name, c.why, err)
		}
		if rep != nil {
			if w := ec2Writes(rep.Calls); len(w) != 0 {
				t.Errorf("%s: wrote %v", name, w)
			}
		}
		if readJournalExists(o.JournalPath) {
			t.Errorf("%s: a refused plan wrote a journal", name)
		}
		e.wantIngress(t, "after "+name, e.sg, e.open())
	}
	// The trusted CIDR itself applies.
	p := e.ingressPlan(t, from("10.0.0.0/8"))
	var out bytes.Buffer
	o := opts(t, &out)
	o.Configured = trusted
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply with the trusted CIDR: %v\n%s", err, out.String())
	}
	e.wantIngress(t, "after the apply", e.sg, from("10.0.0.0/8").Authorize[0])
}

// TestApplyRefusesUnconfiguredReplacementSubnets: the public-IP fix moving a service to a subnet the
// configuration does not name for it is refused, the service untouched.
func TestApplyRefusesUnconfiguredReplacementSubnets(t *testing.T) {
	t.Parallel()
	e := seedNetwork(t)
	before := e.original()
	p := e.makePlan(t, plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[3:5]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}, "")
	var out bytes.Buffer
	o := opts(t, &out)
	o.Configured = &plan.ConfiguredValues{ReplacementSubnets: map[string][]string{"vpc-default": slices.Clone(e.subnets[2:4])}}
	rep, err := Apply(context.Background(), e.cfg, p, o)
	var re *plan.RederiveError
	if !errors.Is(err, ErrInvalidPlan) || !errors.As(err, &re) || re.Action != "n1" || re.Path != "updateService.after.network.subnets" ||
		!strings.Contains(err.Error(), "fix.network.replacement_subnets") {
		t.Fatalf("err = %v, want a refusal naming n1 and updateService.after.network.subnets", err)
	}
	if rep != nil {
		if w := writes(rep.Calls); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
	}
	if got := networkOf(e.service(t).NetworkConfiguration); !reflect.DeepEqual(got, before) {
		t.Errorf("the service's network moved: %+v", got)
	}
}

// TestApplyReplacementFromGroup: a replacement rule from a security group must be the group of a load
// balancer in front of the service the action names (its target groups, their load balancers, read at
// apply time). Those are the reads re-derivation adds to the stale check's (which reads the service):
// one DescribeTargetGroups and one DescribeLoadBalancers, only for a plan with such a rule. The group of
// another load balancer of the same VPC, in front of no service of the action, is refused, nothing
// written.
func TestApplyReplacementFromGroup(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, e.ingressPlan(t, e.defaultIngress()), o)
	if err != nil {
		t.Fatalf("the load balancer's group: %v\n%s", err, out.String())
	}
	// The stale check: the caller, the group, the service; re-derivation: its target group, its load
	// balancer.
	want := map[string]int{"sts:GetCallerIdentity": 1, "ec2:DescribeSecurityGroups": 1, "ecs:DescribeServices": 1,
		"elbv2:DescribeTargetGroups": 1, "elbv2:DescribeLoadBalancers": 1}
	if len(rep.Calls) != len(want) {
		t.Errorf("calls %v, want %v", rep.Calls, want)
	}
	for op, n := range want {
		if rep.Calls[op] != n {
			t.Errorf("%s: %d calls, want %d (all: %v)", op, rep.Calls[op], n, rep.Calls)
		}
	}

	other, err := e.ec2.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("mallory"), Description: aws.String("mallory"), VpcId: aws.String(e.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	// mallory is a load balancer's group, of the same VPC, in front of no service of the action.
	e.balancer(t, "mallory", e.subnets(t), aws.ToString(other.GroupId))
	c := e.defaultIngress()
	c.Authorize[0].SourceGroup = aws.ToString(other.GroupId)
	o = opts(t, &out)
	rep, err = Apply(context.Background(), e.cfg, e.ingressPlan(t, c), o)
	var re *plan.RederiveError
	if !errors.Is(err, ErrInvalidPlan) || !errors.As(err, &re) || re.Action != "s1" || re.Path != "updateSecurityGroupIngress.authorize[0]" ||
		!strings.Contains(err.Error(), "not the group of a load balancer in front of service prod/api (as read: "+e.alb+")") {
		t.Fatalf("err = %v, want a refusal naming s1, updateSecurityGroupIngress.authorize[0]", err)
	}
	if rep != nil {
		if w := ec2Writes(rep.Calls); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
	}
	e.wantIngress(t, "after the refusal", e.sg, e.open())
}

// TestApplyReadsNoLoadBalancerWithoutGroupSource: a plan with no replacement from a group reads no load
// balancer.
func TestApplyReadsNoLoadBalancerWithoutGroupSource(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	c := e.defaultIngress()
	c.Authorize = []plan.IngressRule{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: "10.0.0.0/8"}}
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	o.Configured = &plan.ConfiguredValues{TrustedCIDRs: []string{"10.0.0.0/8"}}
	rep, err := Apply(context.Background(), e.cfg, e.ingressPlan(t, c), o)
	if err != nil {
		t.Fatal(err)
	}
	for op := range rep.Calls {
		if strings.HasPrefix(op, "elbv2:") {
			t.Errorf("read %s: %v", op, rep.Calls)
		}
	}
}
