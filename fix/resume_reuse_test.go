package fix

// Resume reuses only what equals what the action would create: a revision, a secret or a security group
// carrying the plan's provenance tags (whose values anyone who can read the plan knows) with other
// content is refused; an interrupted write is looked for again over the resume window; a done record's
// security group must exist in the action's region and VPC.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/plan"
)

// TestResumeRefusesTaggedRevisionOfOtherContent: someone registers, before the apply, a revision of the
// family carrying the plan's provenance tags but another image. The registration is not reused: it fails,
// naming the revision and the differing field, registers nothing, and the service is not moved.
func TestResumeRefusesTaggedRevisionOfOtherContent(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	in := plan.RegisterInput(e.taskDef(t, e.webRevs[0]))
	in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
	in.Tags = append(in.Tags, ecstypes.Tag{Key: aws.String(TagPlan), Value: aws.String(shortHash(p.ContentHash()))},
		ecstypes.Tag{Key: aws.String(TagAction), Value: aws.String("a1")})
	evil, err := e.api.RegisterTaskDefinition(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	evilArn := aws.ToString(evil.TaskDefinition.TaskDefinitionArn)

	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("apply: %v, want ErrIncomplete\n%s", err, out.String())
	}
	a1 := rep.Action("a1")
	if a1.Status != StatusFailed || !strings.Contains(a1.Error, evilArn) || !strings.Contains(a1.Error, "containerDefinitions[0].image") {
		t.Errorf("a1 = %+v, want a failure naming %s and its image", a1, evilArn)
	}
	if n := rep.Calls["ecs:RegisterTaskDefinition"]; n != 0 {
		t.Errorf("%d registration(s) made", n)
	}
	if a2 := rep.Action("a2"); a2.Status != StatusNotRun {
		t.Errorf("a2 = %+v, want not run", a2)
	}
	if s := e.service(t, "web"); aws.ToString(s.TaskDefinition) != e.webRevs[0] {
		t.Errorf("service web runs %s", aws.ToString(s.TaskDefinition))
	}
	if revs := e.webRevisions(t); len(revs) != 4 {
		t.Errorf("family web has ACTIVE revisions %v, want the 3 seeded and the planted one", revs)
	}
}

// lag hides a revision from ListTaskDefinitions until shown: AWS's reads lagging its writes.
type lag struct {
	mu      sync.Mutex
	hide    string
	visible bool
}

func (l *lag) show() { l.mu.Lock(); l.visible = true; l.mu.Unlock() }

func (l *lag) add(stack *smithymw.Stack) error {
	return stack.Initialize.Add(smithymw.InitializeMiddlewareFunc("lag",
		func(ctx context.Context, in smithymw.InitializeInput, next smithymw.InitializeHandler) (smithymw.InitializeOutput, smithymw.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if lo, ok := out.Result.(*ecs.ListTaskDefinitionsOutput); ok && err == nil {
				l.mu.Lock()
				if !l.visible {
					kept := lo.TaskDefinitionArns[:0:0]
					for _, a := range lo.TaskDefinitionArns {
						if a != l.hide {
							kept = append(kept, a)
						}
					}
					lo.TaskDefinitionArns = kept
				}
				l.mu.Unlock()
			}
			return out, md, err
		}), smithymw.After)
}

// TestResumeWindow: the registration lands but its response is lost (a crash before "done"). The
// retry, at once, does not list the new revision yet; with the resume window it looks again (a fake
// clock and sleeper: the revision shows on the second look-up) and reuses it: no duplicate. Without the
// window, the same lag makes a duplicate, which is what the window is for.
func TestResumeWindow(t *testing.T) {
	t.Parallel()
	for _, window := range []time.Duration{10 * time.Second, 0} {
		t.Run(window.String(), func(t *testing.T) {
			t.Parallel()
			e := seed(t)
			p := e.makePlan(t)
			var out bytes.Buffer
			o := opts(t, &out)
			o.Concurrency = 1
			f := &fault{n: 1, mode: "after", ops: []string{"RegisterTaskDefinition"}}
			faulty := e.cfg.Copy()
			faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
			if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
				t.Fatalf("the interrupted apply: %v\n%s", err, out.String())
			}
			landed := strings.TrimSuffix(e.webRevs[0], ":1") + ":4"
			if revs := e.webRevisions(t); len(revs) != 4 || revs[3] != landed {
				t.Fatalf("after the interrupted apply: %v", revs)
			}

			l := &lag{hide: landed}
			lagging := e.cfg.Copy()
			lagging.APIOptions = append(append([]func(*smithymw.Stack) error{}, lagging.APIOptions...), l.add)
			base := time.Now()
			var slept time.Duration
			sleeps := 0
			o.ResumeWindow = window
			o.clock = func() time.Time { return base.Add(slept) }
			o.sleep = func(_ context.Context, d time.Duration) error {
				sleeps++
				slept += d
				l.show() // the second look-up sees it
				return nil
			}
			out.Reset()
			rep, err := Apply(context.Background(), lagging, p, o)
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, out.String())
			}
			revs := e.webRevisions(t)
			if window == 0 {
				if len(revs) != 5 || sleeps != 0 {
					t.Errorf("without a window: revisions %v, %d sleep(s); want the lag to make a duplicate (5) without sleeping", revs, sleeps)
				}
				return
			}
			if len(revs) != 4 {
				t.Errorf("family web has ACTIVE revisions %v, want 4 (no duplicate)", revs)
			}
			if a1 := rep.Action("a1"); !strings.Contains(a1.Detail, "reused") || a1.TaskDefinitionArn != landed {
				t.Errorf("a1 = %+v, want %s reused", a1, landed)
			}
			if n := rep.Calls["ecs:RegisterTaskDefinition"]; n != 0 {
				t.Errorf("%d registration(s) made on resume", n)
			}
			if sleeps != 1 || slept > window {
				t.Errorf("%d sleep(s), %s slept, want one, within %s", sleeps, slept, window)
			}
			if !strings.Contains(out.String(), "looking again") {
				t.Errorf("the output does not say it looks again:\n%s", out.String())
			}
		})
	}
}

// TestResumeWindowExpired: a started record older than the window is not waited for.
func TestResumeWindowExpired(t *testing.T) {
	t.Parallel()
	r := newRun(nil, Options{ResumeWindow: 10 * time.Second})
	r.resumed = map[string]bool{"a1": true}
	st := newJournalState()
	st.started["a1"] = &Record{Type: RecStarted, Action: "a1", Time: time.Now().Add(-time.Minute)}
	r.j = &journal{st: st}
	r.o.sleep = func(context.Context, time.Duration) error { t.Error("slept"); return nil }
	looks := 0
	found, err := r.lookAgain(context.Background(), &plan.Action{ID: "a1"}, "x", func() (bool, error) { looks++; return false, nil })
	if found || err != nil || looks != 1 {
		t.Errorf("found %v, err %v, %d look-up(s); want one look-up, nothing found", found, err, looks)
	}
}

// TestResumeRefusesTaggedGroupOfOtherContent: a group of the VPC carrying the plan's provenance tags
// and the planned name, but admitting tcp/22 from anywhere, is not reused: the action fails naming it
// and its ingress, no group is created, and the service is not moved.
func TestResumeRefusesTaggedGroupOfOtherContent(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.copyPlan(t, []plan.IngressRule{e.fromALB()})
	ctx := context.Background()
	short := shortHash(p.ContentHash())
	g, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("api-ecsfix"), Description: aws.String("api without world-open ingress"),
		VpcId: aws.String(e.vpc), TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: []ec2types.Tag{
			{Key: aws.String("team"), Value: aws.String("payments")},
			{Key: aws.String(TagPlan), Value: aws.String(short)}, {Key: aws.String(TagAction), Value: aws.String("c1")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	evil := aws.ToString(g.GroupId)
	if _, err := e.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(evil),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(ctx, e.cfg, p, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("apply: %v, want ErrIncomplete\n%s", err, out.String())
	}
	c1 := rep.Action("c1")
	if c1.Status != StatusFailed || !strings.Contains(c1.Error, evil) || !strings.Contains(c1.Error, "ingress") {
		t.Errorf("c1 = %+v, want a failure naming %s and its ingress", c1, evil)
	}
	if w := ec2Writes(rep.Calls); len(w) != 0 {
		t.Errorf("EC2 writes: %v", w)
	}
	if gs := e.serviceGroups(t); len(gs) != 1 || gs[0] != e.sg {
		t.Errorf("the service's groups = %v", gs)
	}
}

// TestDoneGroupChecked: the group a done record names must exist in the action's region and VPC, with
// the planned name, before a resumed apply moves services to it.
func TestDoneGroupChecked(t *testing.T) {
	t.Parallel()
	e := seedSG(t)
	p := e.copyPlan(t, []plan.IngressRule{e.fromALB()})
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	d := record(t, o.JournalPath, RecDone, "c1")
	r := newRun(sdkClients(e.cfg, 3), Options{})
	c1 := *actionByID(p, "c1")
	elsewhere := c1
	elsewhere.Region = "eu-west-1"
	cases := []struct {
		name string
		a    *plan.Action
		id   string
		fail bool
	}{
		{"genuine", &c1, d.Result.GroupID, false},
		{"absent", &c1, "sg-0123456789abcdef0", true},
		{"another group of the VPC", &c1, e.alb, true},
		{"another region", &elsewhere, d.Result.GroupID, true},
		{"no group", &c1, "", true},
	}
	for _, c := range cases {
		err := r.checkDoneGroup(context.Background(), c.a, &Record{Type: RecDone, Action: "c1", Result: &StateRecord{GroupID: c.id}})
		if (err != nil) != c.fail || c.fail && !errors.Is(err, ErrJournalMismatch) {
			t.Errorf("%s: err = %v, want failure %v", c.name, err, c.fail)
		}
	}
}

// TestReversedRisk: undoing an action is rated as an apply of the reversed change would be.
func TestReversedRisk(t *testing.T) {
	t.Parallel()
	cluster := func(before, after string) *plan.Action {
		return &plan.Action{ID: "c", Type: plan.UpdateClusterSettings, Controls: []string{"ECS.12"}, Risk: plan.RiskLow,
			UpdateClusterSettings: &plan.UpdateClusterSettingsChange{Cluster: "prod",
				Before: []plan.ClusterSetting{{Name: "containerInsights", Value: before}}, After: []plan.ClusterSetting{{Name: "containerInsights", Value: after}}}}
	}
	platform := &plan.Action{ID: "s", Type: plan.UpdateService, Controls: []string{"ECS.10"}, Risk: plan.RiskLow,
		UpdateService: &plan.UpdateServiceChange{Cluster: "prod", Service: "api",
			Before: plan.ServiceSettings{PlatformVersion: "1.3.0"}, After: plan.ServiceSettings{PlatformVersion: "LATEST"}}}
	cases := []struct {
		a      *plan.Action
		risk   plan.Risk
		writes bool
	}{
		{cluster("disabled", "enabled"), plan.RiskHigh, true}, // back to disabled
		{cluster("enabled", "enhanced"), plan.RiskLow, true},  // back to enabled: ECS.12's own risk
		{platform, plan.RiskHigh, true},                       // back to a pinned version
		{&plan.Action{ID: "d", Type: plan.DetachRolePolicy}, plan.RiskHigh, true},
		{&plan.Action{ID: "r", Type: plan.RegisterTaskDefinition}, "", false}, // kept: nothing written
		{&plan.Action{ID: "k", Type: plan.CreateSecret}, "", false},
	}
	for _, c := range cases {
		r := newRun(nil, Options{})
		r.p = &plan.Plan{Actions: []plan.Action{*c.a}}
		risk, writes := r.reversedRisk(c.a)
		if risk != c.risk || writes != c.writes {
			t.Errorf("%s: reversed risk %q (writes %v), want %q (%v)", c.a.ID, risk, writes, c.risk, c.writes)
		}
	}
}
