package fix

// The reads of the load balancers in front of a service, and the refusals they back.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// TestApplyRefusesUnnamedOrWrongService: a plan that names no service (made before ecsfix named them)
// with a replacement from a group is refused, not accepted weaker; so is one naming a service that
// does not use the group (whose load balancer's group the rule comes from). Nothing is written.
func TestApplyRefusesUnnamedOrWrongService(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	ctx := context.Background()
	// Service web of cluster prod, behind load balancer "web" (group web-alb), its tasks in group web.
	mk := func(name string) string {
		out, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(e.vpc)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	webALB, webSG := mk("web-alb"), mk("web")
	tg := e.balancer(t, "web", e.subnets(t), webALB)
	api := e.service(t)
	web, err := e.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("web"), TaskDefinition: api.TaskDefinition,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(tg), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}},
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{e.subnet}, SecurityGroups: []string{webSG}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
	})
	if err != nil {
		t.Fatal(err)
	}
	webArn := aws.ToString(web.Service.ServiceArn)

	for name, tt := range map[string]struct {
		edit      func(c *plan.UpdateSecurityGroupIngressChange)
		path, why string
	}{
		"no service named": {func(c *plan.UpdateSecurityGroupIngressChange) { c.Services = nil }, "updateSecurityGroupIngress.services", "make the plan again"},
		"another service, whose load balancer's group the rule is from": {func(c *plan.UpdateSecurityGroupIngressChange) {
			c.Services = []plan.ProtectedService{{Cluster: "prod", Service: webArn}}
			c.Authorize[0].SourceGroup = webALB
		}, "updateSecurityGroupIngress.services[0]", "does not use security group " + e.sg},
	} {
		c := e.defaultIngress()
		tt.edit(&c)
		p := e.ingressPlan(t, c)
		if len(c.Services) > 0 {
			out, err := e.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{webArn}})
			if err != nil || len(out.Services) != 1 {
				t.Fatalf("describe web: %v", err)
			}
			p.State = append(p.State, plan.Fingerprint{Resource: webArn, ResourceType: detect.TypeService, Region: mototest.Region, Facts: plan.ServiceFacts(&out.Services[0])})
			if err := p.Approve("alice", "T-7", p.CreatedAt); err != nil {
				t.Fatal(err)
			}
		}
		var out bytes.Buffer
		rep, err := Apply(ctx, e.cfg, p, opts(t, &out))
		var re *plan.RederiveError
		if !errors.Is(err, ErrInvalidPlan) || !errors.As(err, &re) || re.Action != "s1" || re.Path != tt.path || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s: err = %v, want a refusal of s1 at %s", name, err, tt.path)
		}
		if rep != nil && len(ec2Writes(rep.Calls)) != 0 {
			t.Errorf("%s: wrote %v", name, ec2Writes(rep.Calls))
		}
	}
	e.wantIngress(t, "after the refusals", e.sg, e.open())
}

// fakeELB serves DescribeTargetGroups and DescribeLoadBalancers from maps, failing a call that names an
// ARN it does not hold with the not-found error, as the API does; it records the ARNs of each call.
type fakeELB struct {
	tgs   map[string][]string
	lbs   map[string]string // ARN -> its one group
	calls [][]string
}

func (f *fakeELB) DescribeTargetGroups(_ context.Context, in *elasticloadbalancingv2.DescribeTargetGroupsInput, _ ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeTargetGroupsOutput, error) {
	f.calls = append(f.calls, in.TargetGroupArns)
	out := &elasticloadbalancingv2.DescribeTargetGroupsOutput{}
	for _, a := range in.TargetGroupArns {
		lbs, ok := f.tgs[a]
		if !ok {
			return nil, &elbtypes.TargetGroupNotFoundException{Message: aws.String("One or more target groups not found")}
		}
		out.TargetGroups = append(out.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(a), LoadBalancerArns: lbs})
	}
	return out, nil
}

func (f *fakeELB) DescribeLoadBalancers(_ context.Context, in *elasticloadbalancingv2.DescribeLoadBalancersInput, _ ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeLoadBalancersOutput, error) {
	f.calls = append(f.calls, in.LoadBalancerArns)
	out := &elasticloadbalancingv2.DescribeLoadBalancersOutput{}
	for _, a := range in.LoadBalancerArns {
		g, ok := f.lbs[a]
		if !ok {
			return nil, &elbtypes.LoadBalancerNotFoundException{Message: aws.String("One or more load balancers not found")}
		}
		out.LoadBalancers = append(out.LoadBalancers, elbtypes.LoadBalancer{LoadBalancerArn: aws.String(a), VpcId: aws.String("vpc-1"), SecurityGroups: []string{g}})
	}
	return out, nil
}

// Target groups and load balancers are read 20 ARNs a call; a batch naming one that is gone is read
// again one by one, and the one gone is absent (re-derivation then names it).
func TestDescribeBalancersInBatches(t *testing.T) {
	f := &fakeELB{tgs: map[string][]string{}, lbs: map[string]string{}}
	var tgs, lbs []string
	for i := range 25 {
		tg, lb := fmt.Sprintf("tg-%02d", i), fmt.Sprintf("lb-%02d", i)
		tgs, lbs = append(tgs, tg), append(lbs, lb)
		f.tgs[tg], f.lbs[lb] = []string{lb}, "sg-"+lb
	}
	got, err := describeTargetGroups(context.Background(), f, tgs)
	if err != nil || len(got) != 25 || len(f.calls) != 2 || len(f.calls[0]) != 20 || len(f.calls[1]) != 5 {
		t.Fatalf("25 target groups: %d read, %d calls, err %v", len(got), len(f.calls), err)
	}
	delete(f.tgs, "tg-03")
	f.calls = nil
	got, err = describeTargetGroups(context.Background(), f, tgs[:4])
	if err != nil || len(got) != 3 || got["tg-03"] != nil || len(f.calls) != 5 {
		t.Errorf("one gone: read %v, %d calls, err %v", got, len(f.calls), err)
	}
	delete(f.lbs, "lb-01")
	byArn, err := describeLoadBalancers(context.Background(), f, lbs[:3])
	if _, gone := byArn["lb-01"]; err != nil || gone || len(byArn) != 2 || !slices.Equal(byArn["lb-02"].SecurityGroups, []string{"sg-lb-02"}) {
		t.Errorf("load balancers: %v, err %v", byArn, err)
	}
}
