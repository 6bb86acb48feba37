package fix

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

const (
	adminArn    = "arn:aws:iam::aws:policy/AdministratorAccess"
	s3ReadArn   = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	adminStmt   = `{"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"}`
	readStmt    = `{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::assets/*"}`
	mixedPolicy = `{"Version":"2012-10-17","Statement":[` + adminStmt + `,` + readStmt + `]}`
	readPolicy  = `{"Version":"2012-10-17","Statement":[` + readStmt + `]}`
	adminPolicy = `{"Version": "2012-10-17", "Statement": [` + adminStmt + `]}`
)

// adminEstate is a task role "web-task" with AdministratorAccess and AmazonS3ReadOnlyAccess attached
// and an inline policy "app" holding doc.
type adminEstate struct {
	cfg     aws.Config
	iam     *iam.Client
	account string
	role    string
	doc     string
}

func seedAdminRole(t *testing.T, doc string) *adminEstate {
	t.Helper()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	ctx := context.Background()
	e := &adminEstate{cfg: cfg, iam: iam.NewFromConfig(cfg), account: mototest.AccountID(cfg), doc: doc}
	role, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-task"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	e.role = aws.ToString(role.Role.Arn)
	for _, arn := range []string{adminArn, s3ReadArn} {
		if _, err := e.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web-task"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	e.putInline(t, doc)
	return e
}

func (e *adminEstate) putInline(t *testing.T, doc string) {
	t.Helper()
	if _, err := e.iam.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("web-task"), PolicyName: aws.String("app"),
		PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
}

// attached lists the ARNs of the role's attached policies, sorted.
func (e *adminEstate) attached(t *testing.T) []string {
	t.Helper()
	out, err := e.iam.ListAttachedRolePolicies(context.Background(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("web-task")})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, p := range out.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	sort.Strings(arns)
	return arns
}

// inline returns the role's inline policies by name (documents URL-decoded).
func (e *adminEstate) inline(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out, err := e.iam.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("web-task")})
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, n := range out.PolicyNames {
		got, err := e.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("web-task"), PolicyName: aws.String(n)})
		if err != nil {
			t.Fatal(err)
		}
		doc := aws.ToString(got.PolicyDocument)
		if strings.HasPrefix(doc, "%") {
			doc, _ = url.PathUnescape(doc)
		}
		docs[n] = doc
	}
	return docs
}

// wantState fails unless the role has exactly the attached policies and the inline policy "app" holds doc
// ("" when it must be gone; compared as JSON).
func (e *adminEstate) wantState(t *testing.T, what string, attached []string, doc string) {
	t.Helper()
	if got := e.attached(t); !slices.Equal(got, attached) {
		t.Errorf("%s: attached policies %v, want %v", what, got, attached)
	}
	docs := e.inline(t)
	got, ok := docs["app"]
	switch {
	case doc == "" && ok:
		t.Errorf("%s: inline policy app exists (%s), want it deleted", what, got)
	case doc != "" && (!ok || !samePolicy(got, doc)):
		t.Errorf("%s: inline policy app is %q, want %s", what, got, doc)
	}
	if len(docs) > 1 || len(docs) == 1 && !ok {
		t.Errorf("%s: unexpected inline policies %v", what, docs)
	}
}

// makePlan plans, by hand, what the planner does for the role with the opt-in fix: a1 detaches
// AdministratorAccess, a2 removes the */* statement from inline policy app (after its remaining
// statements, "" when none remain); both high risk, approved; the role fingerprinted with all its
// policies.
func (e *adminEstate) makePlan(t *testing.T, after string) *plan.Plan {
	t.Helper()
	role := &detect.Role{Arn: e.role, Name: "web-task", PoliciesKnown: true}
	for _, arn := range e.attached(t) {
		role.Attached = append(role.Attached, detect.AttachedPolicy{Arn: arn, Name: arn[strings.LastIndexByte(arn, '/')+1:]})
	}
	for n, doc := range e.inline(t) {
		role.Inline = append(role.Inline, detect.PolicyDocument{Name: n, Document: doc})
	}
	facts := plan.RoleFacts(role)
	for k, v := range plan.RolePolicyFacts(role) {
		facts[k] = v
	}
	act := func(id string, typ plan.ActionType) plan.Action {
		return plan.Action{ID: id, Type: typ, Account: e.account, Region: mototest.Region, Resource: e.role,
			Controls: []string{"EXPOSURE.admin-task-role"}, Risk: plan.RiskHigh, Summary: id}
	}
	a1 := act("a1", plan.DetachRolePolicy)
	a1.DetachRolePolicy = &plan.DetachRolePolicyChange{Role: e.role, PolicyArn: adminArn}
	a2 := act("a2", plan.RemovePolicyStatements)
	a2.RemovePolicyStatements = &plan.RemovePolicyStatementsChange{Role: e.role, PolicyName: "app", Before: e.doc, After: after,
		Removed: []string{"Everything"}}
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Tool:          plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Source:        plan.Source{Kind: "live", Regions: []string{mototest.Region}},
		Actions:       []plan.Action{a1, a2},
		State:         []plan.Fingerprint{{Resource: e.role, ResourceType: detect.TypeRole, Region: mototest.Region, Facts: facts}},
		Skipped:       []plan.Skipped{},
	}
	if err := p.Approve("alice", "T-9", p.CreatedAt); err != nil {
		t.Fatal(err)
	}
	return p
}

func iamWrites(calls map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls {
		if strings.HasPrefix(op, "iam:") && !strings.HasPrefix(op, "iam:Get") && !strings.HasPrefix(op, "iam:List") {
			out[op] = n
		}
	}
	return out
}

func TestAdminRoleApplyRollback(t *testing.T) {
	t.Parallel()
	e := seedAdminRole(t, mixedPolicy)
	p := e.makePlan(t, readPolicy)
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	if a := rep.Action("a1"); a.Status != StatusDone || a.Detail != "detached" {
		t.Errorf("a1 = %+v, want done, detached", a)
	}
	if a := rep.Action("a2"); a.Status != StatusDone || !strings.Contains(a.Detail, "removed statements Everything") {
		t.Errorf("a2 = %+v, want done, statement removed", a)
	}
	e.wantState(t, "after the apply", []string{s3ReadArn}, readPolicy)
	if w := iamWrites(rep.Calls); w["iam:DetachRolePolicy"] != 1 || w["iam:PutRolePolicy"] != 1 || len(w) != 2 {
		t.Errorf("apply writes %v, want one DetachRolePolicy and one PutRolePolicy", w)
	}

	// The journal records the role's state before each change.
	recs, err := ReadJournal(o.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	var detachBefore, removeBefore *StateRecord
	for _, r := range recs {
		if r.Type == RecStarted && r.Action == "a1" {
			detachBefore = r.Before
		}
		if r.Type == RecStarted && r.Action == "a2" {
			removeBefore = r.Before
		}
	}
	if detachBefore == nil || !slices.Equal(detachBefore.AttachedPolicies, []string{adminArn, s3ReadArn}) || detachBefore.PolicyArn != adminArn {
		t.Errorf("a1's journalled before = %+v, want both attached policies", detachBefore)
	}
	if removeBefore == nil || !samePolicy(removeBefore.PolicyDocument, mixedPolicy) || removeBefore.PolicyExists == nil || !*removeBefore.PolicyExists {
		t.Errorf("a2's journalled before = %+v, want the mixed document", removeBefore)
	}

	// Applying again with the journal: nothing to do.
	out.Reset()
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("re-apply: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		if a.Status != StatusSkipped {
			t.Errorf("re-apply: %s is %s, want skipped", a.ID, a.Status)
		}
	}
	if w := iamWrites(rep.Calls); len(w) != 0 {
		t.Errorf("re-apply wrote %v", w)
	}

	// A dry-run rollback prints the calls and changes nothing.
	out.Reset()
	dry := o
	dry.DryRun = true
	if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, dry); err != nil {
		t.Fatalf("dry-run rollback: %v", err)
	}
	for _, want := range []string{`would call iam:AttachRolePolicy {"policyArn":"` + adminArn + `","roleName":"web-task"}`,
		`would call iam:PutRolePolicy {"policyName":"app","roleName":"web-task"}`, `"Sid": "Everything"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry-run rollback does not print %s:\n%s", want, out.String())
		}
	}
	e.wantState(t, "after a dry-run rollback", []string{s3ReadArn}, readPolicy)

	// Rollback restores both exactly.
	out.Reset()
	rb, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	for _, a := range rb.Actions {
		if a.Status != StatusRolledBack {
			t.Errorf("rollback: %s is %s (%s%s), want rolled back", a.ID, a.Status, a.Detail, a.Error)
		}
	}
	e.wantState(t, "after the rollback", []string{adminArn, s3ReadArn}, mixedPolicy)

	// A second rollback converges without a call.
	rb, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("second rollback: %v", err)
	}
	if w := iamWrites(rb.Calls); len(w) != 0 {
		t.Errorf("the second rollback wrote %v", w)
	}
}

// TestAdminRoleRollbackRefuses: a role changed since the apply by someone else is not touched.
func TestAdminRoleRollbackRefuses(t *testing.T) {
	t.Parallel()
	e := seedAdminRole(t, mixedPolicy)
	p := e.makePlan(t, readPolicy)
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	// Someone attaches another policy and rewrites the inline policy.
	other := "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
	if _, err := e.iam.AttachRolePolicy(context.Background(), &iam.AttachRolePolicyInput{RoleName: aws.String("web-task"), PolicyArn: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	changed := `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`
	e.putInline(t, changed)
	rb, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("rollback err = %v, want ErrIncomplete", err)
	}
	for _, a := range rb.Actions {
		if a.Status != StatusFailed || !strings.Contains(a.Error, "changed since the apply") {
			t.Errorf("rollback: %s = %+v, want failed, changed since the apply", a.ID, a)
		}
	}
	if w := iamWrites(rb.Calls); len(w) != 0 {
		t.Errorf("a refused rollback wrote %v", w)
	}
	want := []string{other, s3ReadArn}
	sort.Strings(want)
	e.wantState(t, "after a refused rollback", want, changed)
}

func TestAdminRoleStale(t *testing.T) {
	t.Parallel()
	e := seedAdminRole(t, mixedPolicy)
	p := e.makePlan(t, readPolicy)
	e.putInline(t, `{"Version":"2012-10-17","Statement":[`+adminStmt+`,`+readStmt+`,{"Sid":"New","Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`)
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("err = %v, want ErrStale", err)
	}
	var se *StaleError
	if !errors.As(err, &se) || len(se.Changes) != 1 || se.Changes[0].Resource != e.role || se.Changes[0].Fact != plan.FactInline {
		t.Errorf("stale error = %v, want one change of %s on the role", err, plan.FactInline)
	}
	if rep != nil {
		if w := iamWrites(rep.Calls); len(w) != 0 {
			t.Errorf("a stale plan wrote %v", w)
		}
	}
	if got := e.attached(t); !slices.Contains(got, adminArn) {
		t.Errorf("a stale plan detached AdministratorAccess: %v", got)
	}
	if _, err := os.Stat(o.JournalPath); err == nil {
		t.Errorf("a stale plan wrote a journal")
	}

	// An attached policy changed is named too.
	e2 := seedAdminRole(t, mixedPolicy)
	p2 := e2.makePlan(t, readPolicy)
	if _, err := e2.iam.DetachRolePolicy(context.Background(), &iam.DetachRolePolicyInput{RoleName: aws.String("web-task"), PolicyArn: aws.String(s3ReadArn)}); err != nil {
		t.Fatal(err)
	}
	_, err = Apply(context.Background(), e2.cfg, p2, opts(t, &out))
	if !errors.As(err, &se) || len(se.Changes) != 1 || se.Changes[0].Fact != plan.FactAttached {
		t.Errorf("stale error = %v, want one change of %s", err, plan.FactAttached)
	}
}

// TestAdminRoleDeletePolicy: an inline policy holding only the */* statement is deleted; rollback puts it
// back.
func TestAdminRoleDeletePolicy(t *testing.T) {
	t.Parallel()
	e := seedAdminRole(t, adminPolicy)
	p := e.makePlan(t, "")
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	if a := rep.Action("a2"); a.Status != StatusDone || !strings.Contains(a.Detail, "deleted the policy") {
		t.Errorf("a2 = %+v, want the policy deleted", a)
	}
	if rep.Calls["iam:DeleteRolePolicy"] != 1 || rep.Calls["iam:PutRolePolicy"] != 0 {
		t.Errorf("calls %v, want one DeleteRolePolicy and no PutRolePolicy", iamWrites(rep.Calls))
	}
	e.wantState(t, "after the apply", []string{s3ReadArn}, "")

	// Re-applying with the journal is a no-op.
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("re-apply: %v", err)
	}
	if w := iamWrites(rep.Calls); len(w) != 0 {
		t.Errorf("re-apply wrote %v", w)
	}

	out.Reset()
	if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o); err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	e.wantState(t, "after the rollback", []string{adminArn, s3ReadArn}, adminPolicy)
}

// TestAdminRoleResume: a failure at the DetachRolePolicy call (before it is sent, or after IAM made the
// change and the response was lost) is resumed to completion, detaching once; rollback still restores
// the state before the first run.
func TestAdminRoleResume(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"before", "after"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := seedAdminRole(t, mixedPolicy)
			p := e.makePlan(t, readPolicy)
			var out bytes.Buffer
			o := opts(t, &out)
			f := &fault{n: 1, mode: mode, ops: []string{"DetachRolePolicy"}}
			faulty := e.cfg.Copy()
			faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
			rep, err := Apply(context.Background(), faulty, p, o)
			if !errors.Is(err, ErrIncomplete) {
				t.Fatalf("err = %v, want ErrIncomplete", err)
			}
			if a := rep.Action("a1"); a.Status != StatusFailed {
				t.Fatalf("a1 = %+v, want failed", a)
			}
			wantAttached := []string{adminArn, s3ReadArn}
			if mode == "after" {
				wantAttached = []string{s3ReadArn}
			}
			if got := e.attached(t); !slices.Equal(got, wantAttached) {
				t.Fatalf("after the failure: attached %v, want %v", got, wantAttached)
			}

			out.Reset()
			rep, err = Apply(context.Background(), e.cfg, p, o)
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, out.String())
			}
			a1 := rep.Action("a1")
			if a1.Status != StatusDone {
				t.Errorf("resume: a1 = %+v, want done", a1)
			}
			wantCalls := 1
			if mode == "after" {
				wantCalls = 0
				if a1.Detail != "already in place" {
					t.Errorf("resume: a1 = %+v, want already in place", a1)
				}
			}
			if n := rep.Calls["iam:DetachRolePolicy"]; n != wantCalls {
				t.Errorf("resume called DetachRolePolicy %d time(s), want %d", n, wantCalls)
			}
			e.wantState(t, "after the resume", []string{s3ReadArn}, readPolicy)
			recs, err := ReadJournal(o.JournalPath)
			if err != nil {
				t.Fatal(err)
			}
			started := 0
			for _, r := range recs {
				if r.Type == RecStarted && r.Action == "a1" {
					started++
				}
			}
			if started != 1 {
				t.Errorf("a1 started %d times in the journal, want 1", started)
			}

			if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			e.wantState(t, "after the rollback", []string{adminArn, s3ReadArn}, mixedPolicy)
		})
	}
}

func TestAdminRoleDryRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc, after, want string
	}{
		{"rewrite", mixedPolicy, readPolicy, `would call iam:PutRolePolicy {"policyName":"app","roleName":"web-task"} (removing statements Everything) with the document:`},
		{"delete", adminPolicy, "", `would call iam:DeleteRolePolicy {"policyName":"app","roleName":"web-task"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := seedAdminRole(t, tc.doc)
			p := e.makePlan(t, tc.after)
			var out bytes.Buffer
			o := opts(t, &out)
			o.DryRun = true
			rep, err := Apply(context.Background(), e.cfg, p, o)
			if err != nil {
				t.Fatal(err)
			}
			if w := iamWrites(rep.Calls); len(w) != 0 {
				t.Errorf("a dry run wrote %v", w)
			}
			for _, want := range []string{`would call iam:DetachRolePolicy {"policyArn":"` + adminArn + `","roleName":"web-task"}`, tc.want} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the dry run does not print %s:\n%s", want, out.String())
				}
			}
			if tc.after != "" && !strings.Contains(out.String(), `"Sid": "Read"`) {
				t.Errorf("the dry run does not print the document:\n%s", out.String())
			}
			e.wantState(t, "after a dry run", []string{adminArn, s3ReadArn}, tc.doc)
			if _, err := os.Stat(o.JournalPath); err == nil {
				t.Errorf("a dry run wrote a journal")
			}
		})
	}
}

// TestAdminRolePlanMayOnlyRemove: a remove-policy-statements whose After holds a statement Before does
// not is refused (the plan's validation) before anything is read or changed.
func TestAdminRolePlanMayOnlyRemove(t *testing.T) {
	t.Parallel()
	e := seedAdminRole(t, mixedPolicy)
	p := e.makePlan(t, `{"Version":"2012-10-17","Statement":[`+readStmt+`,{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	p.Actions = p.Actions[1:]
	p.Approvals = nil
	if err := p.Approve("alice", "T-9", p.CreatedAt); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := Apply(context.Background(), e.cfg, p, opts(t, &out))
	if !errors.Is(err, ErrInvalidPlan) || !strings.Contains(err.Error(), "may only remove") {
		t.Fatalf("err = %v, want ErrInvalidPlan, may only remove", err)
	}
	if rep != nil {
		if w := iamWrites(rep.Calls); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
	}
	e.wantState(t, "after the refusal", []string{adminArn, s3ReadArn}, mixedPolicy)
}

// TestAdminRoleResumeStale: on resume, the changes this plan made are expected, any other is stale.
func TestAdminRoleResumeStale(t *testing.T) {
	t.Parallel()
	e := seedAdminRole(t, mixedPolicy)
	p := e.makePlan(t, readPolicy)
	var out bytes.Buffer
	o := opts(t, &out)
	o.Concurrency = 1
	f := &fault{n: 1, mode: "after", ops: []string{"DetachRolePolicy"}}
	faulty := e.cfg.Copy()
	faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
	if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	if _, err := e.iam.DetachRolePolicy(context.Background(), &iam.DetachRolePolicyInput{RoleName: aws.String("web-task"), PolicyArn: aws.String(s3ReadArn)}); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(context.Background(), e.cfg, p, o)
	var se *StaleError
	if !errors.As(err, &se) || len(se.Changes) != 1 || se.Changes[0].Fact != plan.FactAttached {
		t.Fatalf("resume err = %v, want stale %s only (the inline policy's change is this plan's)", err, plan.FactAttached)
	}
}
