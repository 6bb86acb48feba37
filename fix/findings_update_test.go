// Tests of the Security Hub findings updates (findings_update.go) on the emulator: statuses and notes from
// what an apply did, batches of 100, findings not updated, OCSF findings, dry runs, the journal and
// rollback's reopening.

package fix

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

const testProduct = "arn:aws:securityhub:us-east-1::product/aws/securityhub"

// callCounter counts the Security Hub operations a client sends (a smithy middleware).
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) get(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[op]
}

// shClient is a Security Hub client on the emulator, in a fresh account, counting its calls.
func shClient(t *testing.T) (*securityhub.Client, string, *callCounter) {
	cfg := mototest.Config(t, mototest.MaxAttempts(1))
	cc := &callCounter{n: map[string]int{}}
	c := securityhub.NewFromConfig(cfg, func(o *securityhub.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					cc.mu.Lock()
					cc.n[awsmiddleware.GetOperationName(ctx)]++
					cc.mu.Unlock()
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		})
	})
	return c, mototest.AccountID(cfg), cc
}

// importTestFindings imports n open ECS.5 findings id-0..id-(n-1) (exposure ones with generator
// security-hub/Exposure), 100 per call.
func importTestFindings(t *testing.T, c *securityhub.Client, account, prefix string, n int, exposure bool) []string {
	t.Helper()
	gen := "security-control/ECS.5"
	if exposure {
		gen = "security-hub/Exposure"
	}
	var ids []string
	for start := 0; start < n; start += 100 {
		in := &securityhub.BatchImportFindingsInput{}
		for i := start; i < min(start+100, n); i++ {
			id := fmt.Sprintf("%s-%d", prefix, i)
			ids = append(ids, id)
			in.Findings = append(in.Findings, shtypes.AwsSecurityFinding{
				Id: aws.String(id), ProductArn: aws.String(testProduct), AwsAccountId: aws.String(account),
				Region: aws.String("us-east-1"), GeneratorId: aws.String(gen), SchemaVersion: aws.String("2018-10-08"),
				Title: aws.String("t"), Description: aws.String("d"), CreatedAt: aws.String("2026-11-01T00:00:00.000Z"),
				UpdatedAt: aws.String("2026-11-01T00:00:00.000Z"), Types: []string{"Software and Configuration Checks"},
				Severity:    &shtypes.Severity{Label: shtypes.SeverityLabelHigh},
				Compliance:  &shtypes.Compliance{Status: shtypes.ComplianceStatusFailed, SecurityControlId: aws.String("ECS.5")},
				Workflow:    &shtypes.Workflow{Status: shtypes.WorkflowStatusNew},
				RecordState: shtypes.RecordStateActive,
				Resources: []shtypes.Resource{{Type: aws.String("AwsEcsTaskDefinition"),
					Id: aws.String("arn:aws:ecs:us-east-1:" + account + ":task-definition/web:1")}},
			})
		}
		out, err := c.BatchImportFindings(context.Background(), in)
		if err != nil || aws.ToInt32(out.FailedCount) != 0 {
			t.Fatalf("BatchImportFindings: %v %+v", err, out)
		}
	}
	return ids
}

// findingStates reads every finding's workflow status and note text.
func findingStates(t *testing.T, c *securityhub.Client) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	p := securityhub.NewGetFindingsPaginator(c, &securityhub.GetFindingsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		o, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range o.Findings {
			note := ""
			if f.Note != nil {
				note = aws.ToString(f.Note.Text)
			}
			out[aws.ToString(f.Id)] = [2]string{string(f.Workflow.Status), note}
		}
	}
	return out
}

// newTestJournal writes a journal holding its header only, for p.
func newTestJournal(t *testing.T, p *plan.Plan) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json.journal")
	j, err := openJournal(path, nil, 0, Record{Type: RecHeader, FormatVersion: JournalFormatVersion, PlanHash: p.ContentHash(), Tool: "ecsfix test"})
	if err != nil {
		t.Fatal(err)
	}
	j.close()
	return path
}

// fixesWeb is an action of the test plans that fixes control on task definition web:1 of account, the
// resource importTestFindings' findings name.
func fixesWeb(id, account, control string, findings []string) plan.Action {
	return plan.Action{ID: id, Risk: plan.RiskLow, Account: account, Region: "us-east-1",
		Resource: "arn:aws:ecs:us-east-1:" + account + ":task-definition/web:1", Controls: []string{control}, Findings: findings}
}

func testPlan(actions ...plan.Action) *plan.Plan {
	return &plan.Plan{FormatVersion: plan.FormatVersion, Actions: actions}
}

// The statuses and notes follow what the apply did: all actions done → RESOLVED naming the approvers and
// the plan's hash; one waiting for approval → NOTIFIED naming it; one failed → a note alone.
func TestApplyFindingUpdates(t *testing.T) {
	p := testPlan(
		plan.Action{ID: "a1", Risk: plan.RiskLow, Findings: []string{"f-ok", "f-wait"}},
		plan.Action{ID: "a2", Risk: plan.RiskLow, Findings: []string{"f-fail"}},
		plan.Action{ID: "a3", Risk: plan.RiskLow, Findings: []string{"f-ok"}},
	)
	left := []plan.Action{{ID: "a4", Risk: plan.RiskHigh, Findings: []string{"f-wait"}}}
	rep := &Report{Actions: []ActionReport{{ID: "a1", Status: StatusDone}, {ID: "a2", Status: StatusFailed}, {ID: "a3", Status: StatusSkipped}}}
	got := map[string]FindingUpdate{}
	for _, u := range ApplyFindingUpdates(p, rep, left, []string{"alice", "bob"}) {
		got[u.ID] = u
	}
	hash := p.ContentHash()
	if u := got["f-ok"]; u.Status != WorkflowResolved || !strings.Contains(u.Note, "a1, a3") || !strings.Contains(u.Note, hash) ||
		!strings.Contains(u.Note, "approved by alice, bob") {
		t.Errorf("f-ok = %+v, want RESOLVED naming a1, a3, the hash and the approvers", u)
	}
	if u := got["f-wait"]; u.Status != WorkflowNotified || !strings.Contains(u.Note, "a4 (high risk)") || !strings.Contains(u.Note, "applied a1") {
		t.Errorf("f-wait = %+v, want NOTIFIED naming a4 waiting", u)
	}
	if u := got["f-fail"]; u.Status != "" || !strings.Contains(u.Note, "could not apply a2") {
		t.Errorf("f-fail = %+v, want a note alone naming a2", u)
	}
	for _, u := range got {
		if u.Status == "SUPPRESSED" {
			t.Errorf("%s suppressed", u.ID)
		}
	}
	// Approver names come from the plan file: escaped, bounded, and the note stays within 512 characters.
	long := []string{strings.Repeat("x\x1b[31m", 200)}
	for _, u := range ApplyFindingUpdates(p, &Report{Actions: []ActionReport{{ID: "a1", Status: StatusDone}, {ID: "a3", Status: StatusDone}}}, nil, long) {
		if utf8.RuneCountInString(u.Note) > MaxNoteChars || strings.ContainsRune(u.Note, '\x1b') {
			t.Errorf("note of %s: %d characters, escape kept: %q", u.ID, utf8.RuneCountInString(u.Note), u.Note)
		}
	}
	names := ApproverNames([]plan.ApprovalCheck{{Counts: true, Approval: plan.Approval{By: "carol\x1b[2J"}}, {Counts: false, Approval: plan.Approval{By: "mallory"}},
		{Counts: true, Approval: plan.Approval{By: strings.Repeat("n", 100)}}})
	if len(names) != 2 || strings.ContainsRune(names[0]+names[1], '\x1b') || strings.Contains(strings.Join(names, ","), "mallory") ||
		utf8.RuneCountInString(names[1]) > 64 {
		t.Errorf("ApproverNames = %q, want carol (escaped) and the long name bounded, not mallory (did not count)", names)
	}
}

// More than 100 findings are updated in batches of 100 (two calls for 150), each journalled; a second
// run updates nothing again; rollback sets them back to NEW.
func TestUpdateFindingsBatchesJournalsAndReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, account, cc := shClient(t)
	ids := importTestFindings(t, c, account, "f", 150, false)
	other := importTestFindings(t, c, account, "h", 1, false)
	p := testPlan(fixesWeb("a1", account, "ECS.5", ids), fixesWeb("a2", account, "ECS.5", other))
	journal := newTestJournal(t, p)
	rep := &Report{Actions: []ActionReport{{ID: "a1", Status: StatusDone}, {ID: "a2", Status: StatusDone}}}
	updates := ApplyFindingUpdates(p, rep, nil, []string{"alice"})

	// A dry run prints and changes nothing.
	var out strings.Builder
	if _, err := UpdateFindings(ctx, c, updates, FindingsOptions{DryRun: true, JournalPath: journal, Out: &out}); err != nil {
		t.Fatal(err)
	}
	if n := cc.get("BatchUpdateFindings"); n != 0 {
		t.Errorf("dry run: %d BatchUpdateFindings calls", n)
	}
	if !strings.Contains(out.String(), "would update finding f-0: workflow status RESOLVED") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	for id, s := range findingStates(t, c) {
		if s[0] != "NEW" || s[1] != "" {
			t.Fatalf("dry run changed %s: %v", id, s)
		}
	}

	frep, err := UpdateFindings(ctx, c, updates, FindingsOptions{JournalPath: journal, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	// a1's 150 findings share a note: two calls (100 and 50); a2's one has its own note: one call.
	if n := cc.get("BatchUpdateFindings"); n != 3 {
		t.Errorf("%d BatchUpdateFindings calls, want 3", n)
	}
	if len(frep.Updated) != 151 {
		t.Errorf("%d updated, want 151", len(frep.Updated))
	}
	states := findingStates(t, c)
	for _, id := range append(append([]string{}, ids...), other...) {
		if s := states[id]; s[0] != "RESOLVED" || !strings.Contains(s[1], p.ContentHash()) || !strings.Contains(s[1], "approved by alice") {
			t.Errorf("%s = %v, want RESOLVED with the hash and approver", id, s)
		}
	}
	recs, err := ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	journalled := 0
	for _, r := range recs {
		if r.Type == RecFindingsUpdated && r.Workflow == WorkflowResolved {
			journalled += len(r.Findings)
		}
	}
	if journalled != 151 {
		t.Errorf("journal records %d findings resolved, want 151", journalled)
	}

	// A resumed apply does not update again.
	frep, err = UpdateFindings(ctx, c, updates, FindingsOptions{JournalPath: journal})
	if err != nil || len(frep.Already) != 151 || cc.get("BatchUpdateFindings") != 3 {
		t.Errorf("second run: err %v, %d already, %d calls in all", err, len(frep.Already), cc.get("BatchUpdateFindings"))
	}

	// Rollback of a1 only: its findings back to NEW, a2's stays RESOLVED.
	rb := &Report{Actions: []ActionReport{{ID: "a1", Status: StatusRolledBack}, {ID: "a2", Status: StatusFailed}}}
	if _, err := ReopenFindings(ctx, c, p, rb, FindingsOptions{JournalPath: journal}); err != nil {
		t.Fatal(err)
	}
	states = findingStates(t, c)
	for _, id := range ids {
		if states[id][0] != "NEW" {
			t.Errorf("after rollback %s = %v, want NEW", id, states[id])
		}
	}
	if states[other[0]][0] != "RESOLVED" {
		t.Errorf("after rollback %s = %v, want RESOLVED (a2 was not rolled back)", other[0], states[other[0]])
	}
	if !strings.Contains(states[ids[0]][1], "rolled back plan "+p.ContentHash()) {
		t.Errorf("reopened note = %q", states[ids[0]][1])
	}
	calls := cc.get("BatchUpdateFindings")
	if _, err := ReopenFindings(ctx, c, p, rb, FindingsOptions{JournalPath: journal}); err != nil || cc.get("BatchUpdateFindings") != calls {
		t.Errorf("a second rollback reopened again: err %v, %d calls (had %d)", err, cc.get("BatchUpdateFindings"), calls)
	}
}

// A finding Security Hub does not hold is not updated, said, and the error is ErrFindingsNotUpdated;
// one BatchUpdateFindings answers as unprocessed is reported with its error code.
func TestUpdateFindingsNotUpdated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, account, _ := shClient(t)
	ids := importTestFindings(t, c, account, "g", 1, false)
	p := testPlan(fixesWeb("a1", account, "ECS.5", []string{ids[0], "no-such-finding"}))
	journal := newTestJournal(t, p)
	var out strings.Builder
	frep, err := UpdateFindings(ctx, c, ApplyFindingUpdates(p, &Report{Actions: []ActionReport{{ID: "a1", Status: StatusDone}}}, nil, nil),
		FindingsOptions{JournalPath: journal, Out: &out})
	if !errors.Is(err, ErrFindingsNotUpdated) {
		t.Fatalf("err = %v, want ErrFindingsNotUpdated", err)
	}
	if frep.NotUpdated["no-such-finding"] == "" || len(frep.Updated) != 1 || !strings.Contains(out.String(), "finding no-such-finding: not updated") {
		t.Errorf("report %+v, output:\n%s", frep, out.String())
	}
	if s := findingStates(t, c)[ids[0]]; s[0] != "RESOLVED" {
		t.Errorf("%s = %v, want RESOLVED (the others are updated)", ids[0], s)
	}
	// Unprocessed: a finding named with another product.
	processed, unprocessed, err := updateBatch(ctx, c, []located{{id: ids[0], product: testProduct + "x", account: account}}, false, WorkflowResolved, "n")
	if err != nil || len(processed) != 0 || !strings.HasPrefix(unprocessed[ids[0]], "FindingNotFound") {
		t.Errorf("updateBatch: %v %v %v, want %s unprocessed (FindingNotFound)", processed, unprocessed, err, ids[0])
	}
}

// Exposure (OCSF) findings are updated with BatchUpdateFindingsV2.
func TestUpdateFindingsOCSF(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, account, cc := shClient(t)
	ids := importTestFindings(t, c, account, "x", 2, true)
	p := testPlan(fixesWeb("a1", account, "EXPOSURE.privileged", ids))
	journal := newTestJournal(t, p)
	if _, err := UpdateFindings(ctx, c, ApplyFindingUpdates(p, &Report{Actions: []ActionReport{{ID: "a1", Status: StatusDone}}}, nil, nil),
		FindingsOptions{JournalPath: journal}); err != nil {
		t.Fatal(err)
	}
	if cc.get("BatchUpdateFindingsV2") != 1 || cc.get("BatchUpdateFindings") != 0 {
		t.Errorf("calls: %d V2, %d V1; want one BatchUpdateFindingsV2", cc.get("BatchUpdateFindingsV2"), cc.get("BatchUpdateFindings"))
	}
	for _, id := range ids {
		if s := findingStates(t, c)[id]; s[0] != "RESOLVED" || !strings.Contains(s[1], "ecsfix applied a1") {
			t.Errorf("%s = %v, want RESOLVED with the note", id, s)
		}
	}
}

// A plan's finding ids are only its word: a finding Security Hub holds for another resource, another
// control or another account than the action that names it fixes is not updated (an edited plan cannot
// close findings its actions do not fix), and the error says so.
func TestUpdateFindingsOnlyWhatTheActionFixes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, account, cc := shClient(t)
	ids := importTestFindings(t, c, account, "k", 4, false)
	exposure := importTestFindings(t, c, account, "y", 1, true)
	other := fixesWeb("a2", account, "ECS.5", []string{ids[1]})
	other.Resource = "arn:aws:ecs:us-east-1:" + account + ":task-definition/api:1"
	foreign := fixesWeb("a4", "111122223333", "ECS.5", []string{ids[3]})
	p := testPlan(
		fixesWeb("a1", account, "ECS.5", []string{ids[0]}), // the one it fixes: updated
		other, // another resource
		fixesWeb("a3", account, "ECS.4", []string{ids[2]}), // another control
		foreign, // another account
		fixesWeb("a5", account, "ECS.5", exposure), // an exposure finding, and no EXPOSURE trait among its controls
	)
	journal := newTestJournal(t, p)
	var rep Report
	for _, a := range p.Actions {
		rep.Actions = append(rep.Actions, ActionReport{ID: a.ID, Status: StatusDone})
	}
	var out strings.Builder
	frep, err := UpdateFindings(ctx, c, ApplyFindingUpdates(p, &rep, nil, nil), FindingsOptions{JournalPath: journal, Out: &out})
	if !errors.Is(err, ErrFindingsNotUpdated) {
		t.Fatalf("err = %v, want ErrFindingsNotUpdated", err)
	}
	if !slices.Equal(frep.Updated, []string{ids[0]}) {
		t.Errorf("updated %v, want only %s", frep.Updated, ids[0])
	}
	states := findingStates(t, c)
	for _, id := range append(ids[1:], exposure...) {
		if states[id][0] != "NEW" || !strings.Contains(frep.NotUpdated[id], "is not about what") {
			t.Errorf("%s: state %v, not updated because %q; want NEW and the reason", id, states[id], frep.NotUpdated[id])
		}
	}
	if cc.get("BatchUpdateFindingsV2") != 0 {
		t.Errorf("%d BatchUpdateFindingsV2 calls, want none", cc.get("BatchUpdateFindingsV2"))
	}
}
