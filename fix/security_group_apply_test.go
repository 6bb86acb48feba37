package fix

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

const openSG = "EXPOSURE.open-security-group"

// sgEstate: in the default VPC, group "alb" (the load balancer's) and group "api" (the service's tasks)
// admitting tcp 8080 from 0.0.0.0/0; an awsvpc FARGATE service "api" of cluster "prod" using "api".
type sgEstate struct {
	cfg     aws.Config
	ec2     *ec2.Client
	ecs     *ecs.Client
	account string
	vpc     string
	subnet  string
	alb, sg string
	svc     string
	tg      string // the target group of service api, behind load balancer alb
}

func seedSG(t *testing.T) *sgEstate {
	t.Helper()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	ctx := context.Background()
	e := &sgEstate{cfg: cfg, ec2: ec2.NewFromConfig(cfg), ecs: ecs.NewFromConfig(cfg), account: mototest.AccountID(cfg)}
	sn, err := e.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(sn.Subnets) == 0 {
		t.Fatalf("default subnets: %v", err)
	}
	e.vpc, e.subnet = aws.ToString(sn.Subnets[0].VpcId), aws.ToString(sn.Subnets[0].SubnetId)
	mk := func(name string) string {
		out, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(e.vpc)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.GroupId)
	}
	e.alb, e.sg = mk("alb"), mk("api")
	// The load balancer whose group "alb" is (a replacement from a group must be a load balancer's).
	if len(sn.Subnets) < 2 {
		t.Fatalf("want two default subnets, have %d", len(sn.Subnets))
	}
	e.tg = e.balancer(t, "alb", []string{e.subnet, aws.ToString(sn.Subnets[1].SubnetId)}, e.alb)
	if err := authorize(ctx, e.ec2, e.sg, false, []plan.IngressRule{e.open()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	td, err := e.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"), NetworkMode: ecstypes.NetworkModeAwsvpc, RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("api:1"), Memory: aws.Int32(512)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := e.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(e.tg), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}},
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{e.subnet}, SecurityGroups: []string{e.sg}, AssignPublicIp: ecstypes.AssignPublicIpDisabled}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = aws.ToString(svc.Service.ServiceArn)
	return e
}

// balancer creates an application load balancer with group sg in subnets, and a target group (type ip,
// port 8080) it forwards to; it returns the target group's ARN.
func (e *sgEstate) balancer(t *testing.T, name string, subnets []string, sg string) string {
	t.Helper()
	ctx := context.Background()
	lb := elasticloadbalancingv2.NewFromConfig(e.cfg)
	out, err := lb.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String(name), Subnets: subnets, SecurityGroups: []string{sg}})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := lb.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
		VpcId: aws.String(e.vpc), TargetType: elbtypes.TargetTypeEnumIp})
	var dup *elbtypes.DuplicateTargetGroupNameException
	if errors.As(err, &dup) {
		// A retried create whose first attempt landed (the emulator slowed by a loaded machine): the
		// account is this test's own, so the group of that name is the one it created.
		var d *elasticloadbalancingv2.DescribeTargetGroupsOutput
		if d, err = lb.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{Names: []string{name}}); err == nil {
			tg = &elasticloadbalancingv2.CreateTargetGroupOutput{TargetGroups: d.TargetGroups}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lb.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{LoadBalancerArn: out.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(tg.TargetGroups[0].TargetGroupArn)
}

// subnets are two default subnets (a load balancer needs two).
func (e *sgEstate) subnets(t *testing.T) []string {
	t.Helper()
	sn, err := e.ec2.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(sn.Subnets) < 2 {
		t.Fatalf("default subnets: %v", err)
	}
	return []string{aws.ToString(sn.Subnets[0].SubnetId), aws.ToString(sn.Subnets[1].SubnetId)}
}

// protected names service api, the one group api protects.
func (e *sgEstate) protected() []plan.ProtectedService {
	return []plan.ProtectedService{{Cluster: "prod", Service: e.svc}}
}

// serviceFingerprint is the fingerprint of service api as it is now.
func (e *sgEstate) serviceFingerprint(t *testing.T) plan.Fingerprint {
	svc := e.service(t)
	return plan.Fingerprint{Resource: e.svc, ResourceType: detect.TypeService, Region: mototest.Region, Facts: plan.ServiceFacts(&svc)}
}

func (e *sgEstate) open() plan.IngressRule {
	return plan.IngressRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: "0.0.0.0/0"}
}

func (e *sgEstate) fromALB() plan.IngressRule {
	return plan.IngressRule{Protocol: "tcp", FromPort: 8080, ToPort: 8080, SourceGroup: e.alb, Description: "from the load balancer"}
}

func (e *sgEstate) group(t *testing.T, id string) *ec2types.SecurityGroup {
	t.Helper()
	g, err := describeGroup(context.Background(), e.ec2, id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (e *sgEstate) fingerprint(t *testing.T, id string) plan.Fingerprint {
	return plan.Fingerprint{Resource: id, ResourceType: detect.TypeSecurityGroup, Region: mototest.Region, Facts: plan.SecurityGroupFacts(e.group(t, id))}
}

// wantIngress fails unless the group's ingress rules are exactly want.
func (e *sgEstate) wantIngress(t *testing.T, what, id string, want ...plan.IngressRule) {
	t.Helper()
	if got := plan.RulesOf(e.group(t, id).IpPermissions); !sameRules(got, want) {
		t.Errorf("%s: ingress of %s = %s, want exactly %s", what, id, keysOf(got), keysOf(want))
	}
}

func (e *sgEstate) newPlan(t *testing.T, acts []plan.Action, state []plan.Fingerprint) *plan.Plan {
	t.Helper()
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Tool: plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}},
		Actions: acts, State: state, Skipped: []plan.Skipped{}}
	if err := p.Approve("alice", "T-7", p.CreatedAt); err != nil {
		t.Fatal(err)
	}
	return p
}

// ingressPlan replaces the open rule of group api by one from the load balancer's group.
func (e *sgEstate) ingressPlan(t *testing.T, c plan.UpdateSecurityGroupIngressChange) *plan.Plan {
	t.Helper()
	a := plan.Action{ID: "s1", Type: plan.UpdateSecurityGroupIngress, Account: e.account, Region: mototest.Region, Resource: e.sg,
		Controls: []string{openSG}, Risk: plan.RiskHigh, Summary: "admit 8080 from the load balancer only", UpdateSecurityGroupIngress: &c}
	return e.newPlan(t, []plan.Action{a}, []plan.Fingerprint{e.fingerprint(t, e.sg), e.serviceFingerprint(t)})
}

func (e *sgEstate) defaultIngress() plan.UpdateSecurityGroupIngressChange {
	return plan.UpdateSecurityGroupIngressChange{GroupID: e.sg, VpcID: e.vpc, Authorize: []plan.IngressRule{e.fromALB()}, Revoke: []plan.IngressRule{e.open()},
		Services: e.protected()}
}

// ec2Writes are the EC2 writes of a report's calls.
func ec2Writes(calls map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls {
		if strings.HasPrefix(op, "ec2:") && !strings.HasPrefix(op, "ec2:Describe") {
			out[op] = n
		}
	}
	return out
}

func TestApplySecurityGroupIngress(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.ingressPlan(t, e.defaultIngress())
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	if a := rep.Action("s1"); a.Status != StatusDone || a.Detail != "updated" {
		t.Errorf("s1 = %+v", a)
	}
	if w := ec2Writes(rep.Calls); w["ec2:AuthorizeSecurityGroupIngress"] != 1 || w["ec2:RevokeSecurityGroupIngress"] != 1 || len(w) != 2 {
		t.Errorf("apply wrote %v", w)
	}
	// The load balancer can still reach the port while nothing else can: exactly this rule.
	e.wantIngress(t, "after apply", e.sg, e.fromALB())
	st := record(t, o.JournalPath, RecStarted, "s1")
	if st.Before == nil || !sameRules(st.Before.Ingress, []plan.IngressRule{e.open()}) || st.After == nil || !sameRules(st.After.Ingress, []plan.IngressRule{e.fromALB()}) {
		t.Errorf("started = %+v / %+v", st.Before, st.After)
	}
	if d := record(t, o.JournalPath, RecDone, "s1"); d.Result == nil || !sameRules(d.Result.Ingress, []plan.IngressRule{e.fromALB()}) {
		t.Errorf("done = %+v", d.Result)
	}

	// Again: nothing to do.
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply again: %v", err)
	}
	if w := ec2Writes(rep.Calls); len(w) != 0 {
		t.Errorf("applying again wrote %v", w)
	}
	// A fresh journal (the effect in place, not journalled): already in place, nothing written.
	o2 := opts(t, &out)
	p2 := e.ingressPlan(t, e.defaultIngress())
	rep, err = Apply(context.Background(), e.cfg, p2, o2)
	if err != nil {
		t.Fatalf("apply in place: %v", err)
	}
	if a := rep.Action("s1"); a.Detail != "already in place" || len(ec2Writes(rep.Calls)) != 0 {
		t.Errorf("in place: %+v, wrote %v", a, ec2Writes(rep.Calls))
	}

	// Rollback dry run prints the calls, changes nothing.
	out.Reset()
	dry := o
	dry.DryRun = true
	if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, dry); err != nil {
		t.Fatalf("rollback dry run: %v", err)
	}
	if !strings.Contains(out.String(), "ec2:AuthorizeSecurityGroupIngress") || !strings.Contains(out.String(), "0.0.0.0/0") {
		t.Errorf("rollback dry run:\n%s", out.String())
	}
	e.wantIngress(t, "after the rollback dry run", e.sg, e.fromALB())

	// Rollback restores exactly the journalled rules.
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	if a := rep.Action("s1"); a.Status != StatusRolledBack {
		t.Errorf("rollback s1 = %+v", a)
	}
	e.wantIngress(t, "after rollback", e.sg, e.open())
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil || len(ec2Writes(rep.Calls)) != 0 {
		t.Errorf("rollback again: %v, wrote %v", err, ec2Writes(rep.Calls))
	}
}

func TestApplySecurityGroupIngressStale(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.ingressPlan(t, e.defaultIngress())
	extra := plan.IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "10.0.0.0/8"}
	if err := authorize(context.Background(), e.ec2, e.sg, false, []plan.IngressRule{extra}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	var se *StaleError
	if !errors.Is(err, ErrStale) || !errors.As(err, &se) || len(se.Changes) != 1 || se.Changes[0].Fact != plan.FactIngress || se.Changes[0].Resource != e.sg {
		t.Fatalf("err = %v, want ErrStale naming the ingress of %s", err, e.sg)
	}
	if rep != nil && len(ec2Writes(rep.Calls)) != 0 {
		t.Errorf("a stale plan wrote %v", ec2Writes(rep.Calls))
	}
	e.wantIngress(t, "after the refusal", e.sg, e.open(), extra)
}

// TestApplySecurityGroupIngressResume fails the revoke (after the authorize): the resumed apply accepts
// the rule this plan added (not stale) and completes with one revoke, no second authorize.
func TestApplySecurityGroupIngressResume(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.ingressPlan(t, e.defaultIngress())
	var out bytes.Buffer
	o := opts(t, &out)
	f := &fault{n: 1, mode: "before", ops: []string{"RevokeSecurityGroupIngress"}}
	faulty := e.cfg.Copy()
	faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
	if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("the failed apply: %v\n%s", err, out.String())
	}
	// Both: the load balancer admitted before anything was revoked.
	e.wantIngress(t, "after the failure", e.sg, e.open(), e.fromALB())
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out.String())
	}
	if w := ec2Writes(rep.Calls); w["ec2:RevokeSecurityGroupIngress"] != 1 || len(w) != 1 {
		t.Errorf("resume wrote %v, want one revoke", w)
	}
	e.wantIngress(t, "after the resume", e.sg, e.fromALB())
	// The journal's before is the original rules.
	if st := record(t, o.JournalPath, RecStarted, "s1"); !sameRules(st.Before.Ingress, []plan.IngressRule{e.open()}) {
		t.Errorf("started before = %s", keysOf(st.Before.Ingress))
	}
	if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	e.wantIngress(t, "after rollback", e.sg, e.open())
}

func TestApplySecurityGroupRefusesWidening(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	for name, c := range map[string]plan.UpdateSecurityGroupIngressChange{
		"authorize 0.0.0.0/0": {GroupID: e.sg, Authorize: []plan.IngressRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "0.0.0.0/0"}}, Revoke: []plan.IngressRule{e.open()}},
		"authorize ::/0":      {GroupID: e.sg, Authorize: []plan.IngressRule{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv6: "::/0"}}, Revoke: []plan.IngressRule{e.open()}},
		"revoke a narrow one": {GroupID: e.sg, Authorize: []plan.IngressRule{e.fromALB()}, Revoke: []plan.IngressRule{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIPv4: "10.0.0.0/8"}}},
	} {
		p := e.ingressPlan(t, c)
		var out bytes.Buffer
		o := opts(t, &out)
		// Refused up front by the plan's validation (the applier keeps no copy of it), before anything is
		// read or written.
		rep, err := Apply(context.Background(), e.cfg, p, o)
		if !errors.Is(err, ErrInvalidPlan) {
			t.Errorf("%s: err = %v, want a refusal (ErrInvalidPlan)", name, err)
			continue
		}
		if rep != nil {
			if w := ec2Writes(rep.Calls); len(w) != 0 {
				t.Errorf("%s: wrote %v", name, w)
			}
		}
		// The plan's own rule refuses it for what it does, not only for a missing field.
		c.VpcID = e.vpc
		p = e.ingressPlan(t, c)
		if err := plan.ValidateAction(p, actionByID(p, "s1")); err == nil || !strings.Contains(err.Error(), "widens") && !strings.Contains(err.Error(), "is not a world-open rule") {
			t.Errorf("%s: the plan's validation of the action: %v", name, err)
		}
	}
	e.wantIngress(t, "after the refusals", e.sg, e.open())
}

func TestApplySecurityGroupDryRun(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.ingressPlan(t, e.defaultIngress())
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if w := ec2Writes(rep.Calls); len(w) != 0 {
		t.Errorf("a dry run wrote %v", w)
	}
	if readJournalExists(o.JournalPath) {
		t.Errorf("a dry run wrote a journal")
	}
	for _, want := range []string{"s1: would call ec2:AuthorizeSecurityGroupIngress", e.alb, "ec2:RevokeSecurityGroupIngress", `"CidrIp":"0.0.0.0/0"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run does not print %s:\n%s", want, out.String())
		}
	}
	e.wantIngress(t, "after a dry run", e.sg, e.open())
}

// copyPlan creates a copy of group api without its open rule (admitting the load balancer, egress 443
// only) and moves service api to it.
func (e *sgEstate) copyPlan(t *testing.T, ingress []plan.IngressRule) *plan.Plan {
	t.Helper()
	egress := []plan.IngressRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "0.0.0.0/0"}}
	c1 := plan.Action{ID: "c1", Type: plan.CreateSecurityGroup, Account: e.account, Region: mototest.Region, Resource: e.sg,
		Controls: []string{openSG}, Risk: plan.RiskHigh, Summary: "copy group api without its open rule",
		CreateSecurityGroup: &plan.CreateSecurityGroupChange{VpcID: e.vpc, GroupName: "api-ecsfix", Description: "api without world-open ingress",
			CopyOf: e.sg, Ingress: ingress, Egress: egress, Tags: map[string]string{"team": "payments"}, Services: e.protected()}}
	ph := plan.SecurityGroupPlaceholder("c1")
	svc := e.service(t)
	c2 := plan.Action{ID: "c2", Type: plan.UpdateService, Account: e.account, Region: mototest.Region, Resource: e.svc,
		Controls: []string{openSG}, Risk: plan.RiskHigh, Summary: "move service api to the copy", DependsOn: []string{"c1"},
		UpdateService: &plan.UpdateServiceChange{Cluster: "prod", Service: "api",
			Before:             plan.ServiceSettings{Network: networkOf(svc.NetworkConfiguration)},
			After:              plan.ServiceSettings{Network: &plan.AwsVpcSettings{Subnets: []string{e.subnet}, SecurityGroups: []string{ph}, AssignPublicIp: "DISABLED"}},
			SecurityGroupsFrom: map[string]string{ph: "c1"}}}
	return e.newPlan(t, []plan.Action{c1, c2}, []plan.Fingerprint{
		e.fingerprint(t, e.sg),
		{Resource: e.svc, ResourceType: detect.TypeService, Region: mototest.Region, Facts: plan.ServiceFacts(&svc)},
	})
}

func (e *sgEstate) service(t *testing.T) ecstypes.Service {
	t.Helper()
	out, err := e.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api"}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("describe service api: %v", err)
	}
	return out.Services[0]
}

func (e *sgEstate) serviceGroups(t *testing.T) []string {
	return networkOf(e.service(t).NetworkConfiguration).SecurityGroups
}

func TestApplySecurityGroupCopy(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	original := e.group(t, e.sg)
	p := e.copyPlan(t, []plan.IngressRule{e.fromALB()})
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	d := record(t, o.JournalPath, RecDone, "c1")
	if d.Result == nil || !strings.HasPrefix(d.Result.GroupID, "sg-") || d.Result.Created == nil || !*d.Result.Created {
		t.Fatalf("c1 done = %+v", d.Result)
	}
	copyID := d.Result.GroupID
	g := e.group(t, copyID)
	if !sameRules(plan.RulesOf(g.IpPermissions), []plan.IngressRule{e.fromALB()}) {
		t.Errorf("the copy's ingress = %s", keysOf(plan.RulesOf(g.IpPermissions)))
	}
	if eg := plan.RulesOf(g.IpPermissionsEgress); rulesString(eg) != "tcp/443-443/0.0.0.0/0" {
		t.Errorf("the copy's egress = %s, want only the planned 443 (no default allow-all)", keysOf(eg))
	}
	tags := map[string]string{}
	for _, tg := range g.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if tags[TagPlan] != shortHash(p.ContentHash()) || tags[TagAction] != "c1" || tags["team"] != "payments" {
		t.Errorf("the copy's tags = %v", tags)
	}
	if gs := e.serviceGroups(t); len(gs) != 1 || gs[0] != copyID {
		t.Errorf("the service's groups = %v, want [%s]", gs, copyID)
	}
	if st := record(t, o.JournalPath, RecStarted, "c2"); st.After == nil || st.After.Network == nil || st.After.Network.SecurityGroups[0] != copyID {
		t.Errorf("c2 started after = %+v, want the real group id", st.After)
	}
	// The original is untouched.
	if now := e.group(t, e.sg); rulesString(plan.RulesOf(now.IpPermissions)) != rulesString(plan.RulesOf(original.IpPermissions)) ||
		rulesString(plan.RulesOf(now.IpPermissionsEgress)) != rulesString(plan.RulesOf(original.IpPermissionsEgress)) {
		t.Errorf("the original group changed")
	}
	if w := ec2Writes(rep.Calls); w["ec2:CreateSecurityGroup"] != 1 || w["ec2:AuthorizeSecurityGroupIngress"] != 1 || w["ec2:RevokeSecurityGroupIngress"] != 0 {
		t.Errorf("apply wrote %v", w)
	}

	// Again: nothing written.
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil || len(ec2Writes(rep.Calls)) != 0 || len(writes(rep.Calls)) != 0 {
		t.Errorf("apply again: %v, wrote %v %v", err, ec2Writes(rep.Calls), writes(rep.Calls))
	}

	// Rollback: the service back on the original group, the copy kept.
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if a := rep.Action("c1"); a.Status != StatusSkipped || !strings.Contains(a.Detail, "kept") {
		t.Errorf("rollback c1 = %+v", a)
	}
	if gs := e.serviceGroups(t); len(gs) != 1 || gs[0] != e.sg {
		t.Errorf("after rollback the service's groups = %v, want [%s]", gs, e.sg)
	}
	e.group(t, copyID) // still there
	if len(ec2Writes(rep.Calls)) != 0 {
		t.Errorf("rollback wrote %v", ec2Writes(rep.Calls))
	}
}

// TestApplySecurityGroupCopyResume: the group is created, then the run fails before its rules are set;
// the resume finds the group by its tags and reuses it (no second group), then moves the service.
func TestApplySecurityGroupCopyResume(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.copyPlan(t, []plan.IngressRule{e.fromALB()})
	var out bytes.Buffer
	o := opts(t, &out)
	f := &fault{n: 1, mode: "before", ops: []string{"AuthorizeSecurityGroupIngress"}}
	faulty := e.cfg.Copy()
	faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
	if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("the failed apply: %v\n%s", err, out.String())
	}
	if gs := e.serviceGroups(t); gs[0] != e.sg {
		t.Errorf("the service moved although the copy is not ready: %v", gs)
	}
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out.String())
	}
	if w := ec2Writes(rep.Calls); w["ec2:CreateSecurityGroup"] != 0 {
		t.Errorf("resume created another group: %v", w)
	}
	d := record(t, o.JournalPath, RecDone, "c1")
	if d.Result == nil || d.Result.Created == nil || *d.Result.Created {
		t.Errorf("c1 done = %+v, want the group reused", d.Result)
	}
	e.wantIngress(t, "the copy after the resume", d.Result.GroupID, e.fromALB())
	if gs := e.serviceGroups(t); len(gs) != 1 || gs[0] != d.Result.GroupID {
		t.Errorf("the service's groups = %v", gs)
	}
}

func TestApplySecurityGroupCopyRefusesWorldOpen(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.copyPlan(t, []plan.IngressRule{e.open()})
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrInvalidPlan) { // refused up front by the plan's validation
		t.Fatalf("err = %v, want a refusal (ErrInvalidPlan)", err)
	}
	if rep != nil {
		if w, w2 := ec2Writes(rep.Calls), writes(rep.Calls); len(w) != 0 || len(w2) != 0 {
			t.Errorf("wrote %v %v", w, w2)
		}
	}
	if err := plan.ValidateAction(p, actionByID(p, "c1")); err == nil || !strings.Contains(err.Error(), "widens") {
		t.Errorf("the plan's validation of the copy: %v", err)
	}
	if gs := e.serviceGroups(t); gs[0] != e.sg {
		t.Errorf("the service moved: %v", gs)
	}
}

func TestApplySecurityGroupCopyDryRun(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.copyPlan(t, []plan.IngressRule{e.fromALB()})
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if w := ec2Writes(rep.Calls); len(w) != 0 {
		t.Errorf("a dry run wrote %v", w)
	}
	for _, want := range []string{"c1: would call ec2:CreateSecurityGroup", `"GroupName":"api-ecsfix"`, e.alb, "ec2:RevokeSecurityGroupEgress"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run does not print %s:\n%s", want, out.String())
		}
	}
}

func TestResolveGroups(t *testing.T) {
	t.Parallel()
	ph := plan.SecurityGroupPlaceholder("c1")
	c := &plan.UpdateServiceChange{SecurityGroupsFrom: map[string]string{ph: "c1"}}
	net := &plan.AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-keep", ph}, AssignPublicIp: "DISABLED"}
	got, err := resolveGroups(net, c, func(id string) string { return map[string]string{"c1": "sg-new"}[id] })
	if err != nil || strings.Join(got.SecurityGroups, ",") != "sg-keep,sg-new" || net.SecurityGroups[1] != ph {
		t.Errorf("resolveGroups = %+v, %v (the plan's list must not change)", got, err)
	}
	if _, err := resolveGroups(net, c, func(string) string { return "" }); err == nil {
		t.Errorf("a missing group is not an error")
	}
	if _, err := resolveGroups(net, &plan.UpdateServiceChange{SecurityGroupsFrom: map[string]string{"x": "c9"}}, func(string) string { return "" }); !errors.Is(err, ErrInvalidPlan) {
		t.Errorf("an unmapped placeholder: %v", err)
	}
}

// actionByID returns the action id of p (nil when absent).
func actionByID(p *plan.Plan, id string) *plan.Action {
	for i := range p.Actions {
		if p.Actions[i].ID == id {
			return &p.Actions[i]
		}
	}
	return nil
}
