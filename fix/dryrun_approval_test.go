package fix

// Tests of the dry run's promises to a reviewer: it runs on a plan that is not approved yet, prints
// every call and what an approval must cover, while a real apply still refuses; it prints SDK inputs
// with only the fields they set; and an approval of another plan is named as such.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/plan"
)

func TestDryRunOfUnapprovedPlan(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.UnattendedRisk = plan.RiskLow // a1 and a2 (medium) need an approval; the plan has none
	o.PlanPath = "plan.json"
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("a dry run of a plan that only lacks an approval: %v, want no error\n%s", err, out.String())
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("a dry run wrote: %v", w)
	}
	if readJournalExists(o.JournalPath) {
		t.Errorf("a dry run wrote a journal")
	}
	if len(rep.Actions) != 4 {
		t.Errorf("the dry run reports %d actions, want all 4", len(rep.Actions))
	}
	for _, a := range rep.Actions {
		if a.Status != StatusWouldDo {
			t.Errorf("%s: %s, want would-do", a.ID, a.Status)
		}
	}
	na := rep.NeedsApproval
	if na == nil || len(na.Actions) != 2 || na.Actions[0].ID != "a1" || na.Actions[1].ID != "a2" || na.Level != plan.RiskMedium || na.Quorum != 1 {
		t.Fatalf("NeedsApproval = %+v, want a1 and a2 at medium risk, quorum 1", na)
	}
	text := out.String()
	for _, want := range []string{
		"would call ecs:RegisterTaskDefinition",
		`would call ecs:UpdateService {"cluster":"prod","service":"web","taskDefinition":"(the revision a1 registers)"}`,
		`would call ecs:UpdateService {"cluster":"prod","platformVersion":"LATEST","service":"api"}`,
		"would call ecs:UpdateCluster",
		"an apply needs an approval first",
		"2 action(s) above the unattended risk low",
		"  a1   medium ",
		"  a2   medium ",
		"medium risk needs 1 distinct signer(s) (approvals.quorum.medium); 0 approval(s) count",
		"to approve: ecsfix approve plan.json --by NAME",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the dry run does not print %q:\n%s", want, text)
		}
	}
	// The calls come before what the approval must cover.
	if strings.Index(text, "would call ecs:UpdateCluster") > strings.Index(text, "an apply needs an approval first") {
		t.Errorf("the approval needed is printed before the calls:\n%s", text)
	}
	noSecret(t, "Out", text)

	// The same plan, applied for real: refused for want of an approval, nothing written.
	o.DryRun = false
	out.Reset()
	rep, err = Apply(context.Background(), e.cfg, p, o)
	var ne *NotApprovedError
	if !errors.As(err, &ne) || len(ne.Actions) != 2 {
		t.Fatalf("apply of the unapproved plan: %v, want a *NotApprovedError naming a1 and a2", err)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("an unapproved apply wrote: %v", w)
	}
	if n := len(e.webRevisions(t)); n != 3 {
		t.Errorf("family web has %d revisions after a refused apply, want 3", n)
	}
}

// A dry run refuses what an apply refuses before the approval: a stale plan is still ErrStale, printing
// no call; a plan no approval can make apply (older than approvals.max_plan_age) prints the calls and
// still fails.
func TestDryRunUnapprovedStillChecks(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)

	var out bytes.Buffer
	o := opts(t, &out)
	o.UnattendedRisk, o.DryRun = plan.RiskLow, true
	o.Approvals.MaxPlanAge = time.Hour
	o.Now = func() time.Time { return p.CreatedAt.Add(2 * time.Hour) }
	_, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrNotApproved) || !strings.Contains(out.String(), "would call ecs:UpdateCluster") ||
		!strings.Contains(out.String(), "whatever its approvals") {
		t.Errorf("a dry run of a plan older than max_plan_age: %v, want ErrNotApproved after the calls\n%s", err, out.String())
	}
	if n := strings.Count(out.String(), "make a new plan"); n != 1 {
		t.Errorf("the dry run says %d times to make a new plan, want once:\n%s", n, out.String())
	}

	// The service changes: stale, the dry run prints no call.
	if _, err := e.api.UpdateService(context.Background(), updateServiceInput("prod", "api", "", "1.4.0", nil)); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	o = opts(t, &out)
	o.UnattendedRisk, o.DryRun = plan.RiskLow, true
	_, err = Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("a dry run of a stale, unapproved plan: %v, want ErrStale", err)
	}
	if strings.Contains(out.String(), "would call") {
		t.Errorf("a dry run of a stale plan printed calls:\n%s", out.String())
	}
}

// An approval bound to another content hash is said to be for another plan, with both hashes and
// what to do.
func TestApprovalOfAnotherPlanIsNamed(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	if err := p.Approve("alice", "T-1", p.CreatedAt); err != nil {
		t.Fatal(err)
	}
	old := p.Approvals[0].PlanHash
	p.Actions[2].Summary = "changed after approval"
	var out bytes.Buffer
	o := opts(t, &out)
	o.UnattendedRisk = plan.RiskLow
	o.PlanPath = "plan.json"
	_, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrNotApproved) {
		t.Fatalf("apply: %v, want ErrNotApproved", err)
	}
	for _, want := range []string{
		"approval 1 by alice (ticket T-1)", "is an approval of another plan",
		"it approved " + old, "this plan is " + p.ContentHash(),
		"ecsfix show plan.json", "ecsfix approve plan.json",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q: %v", want, err)
		}
	}
	if old == p.ContentHash() {
		t.Fatal("the edit did not change the content hash")
	}
}

// The dry run prints EC2 inputs with the fields they set only, not the SDK structs' empty fields.
func TestDryRunSecurityGroupCallsPrintSetFields(t *testing.T) {
	t.Parallel()
	rules := []plan.IngressRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-0alb"}, {Protocol: "-1", CidrIPv4: "10.0.0.0/8", Description: "vpn"}}
	got := rulesJSON("sg-01", rules)
	want := `{"GroupId":"sg-01","IpPermissions":[{"FromPort":443,"IpProtocol":"tcp","ToPort":443,"UserIdGroupPairs":[{"GroupId":"sg-0alb"}]},{"IpProtocol":"-1","IpRanges":[{"CidrIp":"10.0.0.0/8","Description":"vpn"}]}]}`
	if got != want {
		t.Errorf("rulesJSON =\n%s\nwant\n%s", got, want)
	}
	in := createGroupInput(&plan.CreateSecurityGroupChange{GroupName: "api-ecsfix", Description: "copy", VpcID: "vpc-1", Tags: map[string]string{"team": "a"}}, "abc", "c1")
	got = setJSON(in)
	if strings.Contains(got, "null") || !strings.Contains(got, `"GroupName":"api-ecsfix"`) || !strings.Contains(got, `"VpcId":"vpc-1"`) ||
		!strings.Contains(got, `{"Key":"team","Value":"a"}`) || !strings.Contains(got, `"ResourceType":"security-group"`) {
		t.Errorf("setJSON(CreateSecurityGroupInput) = %s", got)
	}
	// Values that are set but empty or zero are kept: only null goes.
	if got := setJSON(map[string]any{"a": aws.String(""), "b": 0, "c": []string{}, "d": nil, "e": map[string]any{"f": nil}}); got != `{"a":"","b":0,"c":[]}` {
		t.Errorf("setJSON = %s", got)
	}
}
