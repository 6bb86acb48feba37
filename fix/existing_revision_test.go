package fix

// A move to a fix an earlier plan registered: the applier reads the revision the service runs and the
// one it moves to, and moves the service only when the second is the first with the action's edits,
// field by field. A revision planted in the family (another image) is refused, nothing written.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// registerFix registers, as an earlier plan would have, the ECS.5 fix of web:1 (web:4); it returns its
// ARN and the fix's edits.
func (e *estate) registerFix(t *testing.T) (string, []plan.Edit) {
	t.Helper()
	src := e.taskDef(t, e.webRevs[0])
	reg := registration(t, src)
	in, err := reg.Input(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.api.RegisterTaskDefinition(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn), reg.Edits
}

// plant registers a copy of revision ref with another image.
func (e *estate) plant(t *testing.T, ref string) string {
	t.Helper()
	in := plan.RegisterInput(e.taskDef(t, ref))
	in.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")
	out, err := e.api.RegisterTaskDefinition(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// existingPlan moves service web from web:1 to target with edits, with the fingerprints of the service
// and of both revisions as they are now (latest is the family's latest ACTIVE revision).
func (e *estate) existingPlan(t *testing.T, target, latest string, edits []plan.Edit) *plan.Plan {
	t.Helper()
	web := e.service(t, "web")
	src, dst := e.taskDef(t, e.webRevs[0]), e.taskDef(t, target)
	a := plan.Action{ID: "u1", Type: plan.UpdateService, Account: e.account, Region: mototest.Region, Resource: e.web,
		Controls: []string{"ECS.5"}, Risk: plan.RiskMedium, Summary: "move web to the fix an earlier plan registered",
		UpdateService: &plan.UpdateServiceChange{Cluster: "prod", Service: "web",
			Before: plan.ServiceSettings{TaskDefinition: e.webRevs[0]}, After: plan.ServiceSettings{TaskDefinition: target}, Edits: edits}}
	return &plan.Plan{FormatVersion: plan.FormatVersion, Tool: plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}},
		Actions: []plan.Action{a},
		State: []plan.Fingerprint{
			{Resource: e.web, ResourceType: detect.TypeService, Region: mototest.Region, Facts: plan.ServiceFacts(&web)},
			{Resource: src.ARN(), ResourceType: detect.TypeTaskDefinition, Region: mototest.Region, Facts: plan.TaskDefinitionFacts(src, latest)},
			{Resource: dst.ARN(), ResourceType: detect.TypeTaskDefinition, Region: mototest.Region, Facts: plan.TaskDefinitionFacts(dst, latest)},
		},
		Skipped: []plan.Skipped{}}
}

func TestApplyMoveToEarlierPlansRevision(t *testing.T) {
	t.Parallel()
	e := seed(t)
	fixed, edits := e.registerFix(t)
	planted := e.plant(t, fixed)

	// The planted revision (the fix with another image): refused, naming the action and the field.
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, e.existingPlan(t, planted, planted, edits), o)
	var re *plan.RederiveError
	if !errors.Is(err, ErrInvalidPlan) || !errors.As(err, &re) || re.Action != "u1" || re.Path != "updateService.after.taskDefinition" ||
		!strings.Contains(err.Error(), "containerDefinitions[0].image") {
		t.Fatalf("err = %v, want a refusal of u1 naming the image\n%s", err, out.String())
	}
	if rep != nil && len(writes(rep.Calls)) != 0 {
		t.Errorf("the refused plan wrote %v", writes(rep.Calls))
	}
	if got := aws.ToString(e.service(t, "web").TaskDefinition); got != e.webRevs[0] {
		t.Errorf("service web runs %s after the refusal, want %s", got, e.webRevs[0])
	}
	noSecret(t, "the refusal", err.Error(), out.String())

	// An old plan, without the edits: refused, not accepted weaker.
	o = opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, e.existingPlan(t, fixed, planted, nil), o); !errors.As(err, &re) || re.Path != "updateService.edits" {
		t.Fatalf("a plan without edits: %v", err)
	}

	// The fix itself: the service moves to it; the reads are the stale check's (the service, both
	// revisions, the family's latest), re-derivation adds none.
	out.Reset()
	o = opts(t, &out)
	rep, err = Apply(context.Background(), e.cfg, e.existingPlan(t, fixed, planted, edits), o)
	if err != nil {
		t.Fatalf("the legitimate move: %v\n%s", err, out.String())
	}
	if a := rep.Action("u1"); a.Status != StatusDone {
		t.Errorf("u1 = %+v", a)
	}
	if got := aws.ToString(e.service(t, "web").TaskDefinition); got != fixed {
		t.Errorf("service web runs %s, want %s", got, fixed)
	}
	if w := writes(rep.Calls); w["ecs:UpdateService"] != 1 || len(w) != 1 {
		t.Errorf("the move wrote %v, want one UpdateService", w)
	}
	if rep.Calls["ecs:DescribeTaskDefinition"] < 2 {
		t.Errorf("calls %v: both revisions were not read", rep.Calls)
	}
	noSecret(t, "the apply's output", out.String(), readFile(t, o.JournalPath))
}

// The move's risk is its edits' (ECS.5, medium), whatever its label says below that: refused unattended
// at low, applied unattended at medium without approval; without edits it would be high.
func TestMoveToEarlierPlansRevisionRisk(t *testing.T) {
	t.Parallel()
	e := seed(t)
	fixed, edits := e.registerFix(t)
	p := e.existingPlan(t, fixed, fixed, edits)
	p.Actions[0].Risk = plan.RiskLow
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	o.UnattendedRisk = plan.RiskLow
	// A dry run of a plan that lacks only an approval succeeds and says what needs approving.
	if rep, err := Apply(context.Background(), e.cfg, p, o); err != nil || rep.NeedsApproval == nil || !strings.Contains(rep.NeedsApproval.Error(), "u1 (medium risk)") {
		t.Fatalf("unattended at low: %v (needs approval: %v), want u1 to need approval as medium risk", err, rep.NeedsApproval)
	}
	o.UnattendedRisk = plan.RiskMedium
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("unattended at medium: %v", err)
	}
	p.Actions[0].UpdateService.Edits = nil
	if r := p.EffectiveRisk(p.Actions[0], nil); r != plan.RiskHigh {
		t.Errorf("risk without edits %s, want high", r)
	}
}
