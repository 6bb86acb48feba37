package fix

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/plan"
)

// chainedJournal writes a header and three records, and returns the journal's path and lines.
func chainedJournal(t *testing.T, hash string) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := openJournal(path, nil, 0, Record{Type: RecHeader, FormatVersion: JournalFormatVersion, PlanHash: hash, Account: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Record{
		{Type: RecStarted, Action: "a1", Region: "us-east-1", Before: &StateRecord{Cluster: "prod", Service: "web", TaskDefinition: "td:1"}},
		{Type: RecDone, Action: "a1", Result: &StateRecord{TaskDefinition: "td:2"}},
		{Type: RecStarted, Action: "a2", Region: "us-east-1"},
	} {
		if err := j.write(r); err != nil {
			t.Fatal(err)
		}
	}
	j.close()
	data, _ := os.ReadFile(path)
	return path, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestJournalChain: an edited, reordered, cut or spliced journal is refused naming the line.
func TestJournalChain(t *testing.T) {
	t.Parallel()
	path, lines := chainedJournal(t, "sha256:aaaa")
	if _, err := ReadJournal(path); err != nil {
		t.Fatalf("the journal as written: %v", err)
	}
	_, foreign := chainedJournal(t, "sha256:bbbb")
	edit := func(l []string, i int, old, new string) []string {
		out := append([]string{}, l...)
		if !strings.Contains(out[i], old) {
			t.Fatalf("line %d has no %q: %s", i+1, old, out[i])
		}
		out[i] = strings.Replace(out[i], old, new, 1)
		return out
	}
	cases := []struct {
		name  string
		lines []string
		line  string
	}{
		{"edited before-state", edit(lines, 1, `"taskDefinition":"td:1"`, `"taskDefinition":"evil:1"`), "line 2"},
		{"edited result", edit(lines, 2, `td:2`, `td:9`), "line 3"},
		{"edited header", edit(lines, 0, `111111111111`, `222222222222`), "line 1"},
		{"reordered", []string{lines[0], lines[2], lines[1], lines[3]}, "line 2"},
		{"cut in the middle", []string{lines[0], lines[1], lines[3]}, "line 3"},
		{"spliced from another plan's journal", []string{lines[0], foreign[1], lines[2], lines[3]}, "line 2"},
		{"another plan's header", append([]string{foreign[0]}, lines[1:]...), "line 2"},
		{"a second header", []string{lines[0], lines[0], lines[1]}, "line 2"},
		{"no chain (hand-written)", edit(lines, 3, lines[3][strings.Index(lines[3], `,"chain"`):len(lines[3])-1], ""), "line 4"},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "j.jsonl")
		writeLines(t, p, c.lines)
		_, err := ReadJournal(p)
		if !errors.Is(err, ErrJournalTampered) || !strings.Contains(err.Error(), c.line) {
			t.Errorf("%s: err = %v, want ErrJournalTampered at %s", c.name, err, c.line)
		}
	}
	// A journal of the format before the chain is refused too.
	p := filepath.Join(t.TempDir(), "j.jsonl")
	writeLines(t, p, []string{`{"type":"header","time":"2024-01-01T00:00:00Z","formatVersion":1,"planHash":"sha256:aaaa"}`})
	if _, err := ReadJournal(p); !errors.Is(err, ErrJournalMismatch) {
		t.Errorf("format 1: err = %v", err)
	}
}

// blockAt holds the first call of op until release is closed, after closing reached.
type blockAt struct {
	op      string
	reached chan struct{}
	release chan struct{}
	once    bool
}

func (b *blockAt) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("blockAt",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if awsmiddleware.GetOperationName(ctx) == b.op && !b.once {
				b.once = true
				close(b.reached)
				<-b.release
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// TestConcurrentRunsOnOneJournal: while an apply runs, a second apply and a rollback on the same journal
// are refused at once, changing nothing; once it is over, the journal is free again.
func TestConcurrentRunsOnOneJournal(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out1, out2 bytes.Buffer
	o := opts(t, &out1)
	o.Concurrency = 1
	b := &blockAt{op: "RegisterTaskDefinition", reached: make(chan struct{}), release: make(chan struct{})}
	blocked := e.cfg.Copy()
	blocked.APIOptions = append(append([]func(*middleware.Stack) error{}, blocked.APIOptions...), b.add)
	first := make(chan error, 1)
	go func() {
		_, err := Apply(context.Background(), blocked, p, o)
		first <- err
	}()
	<-b.reached // the first apply holds the lock and is about to register

	o2 := o
	o2.Out = &out2
	rep, err := Apply(context.Background(), e.cfg, p, o2)
	if !errors.Is(err, ErrJournalLocked) || !strings.Contains(err.Error(), o.JournalPath) {
		t.Errorf("second apply: err = %v, want ErrJournalLocked naming the journal", err)
	}
	if rep != nil && len(writes(rep.Calls)) != 0 {
		t.Errorf("the second apply wrote %v", writes(rep.Calls))
	}
	if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o2); !errors.Is(err, ErrJournalLocked) {
		t.Errorf("rollback during the apply: err = %v, want ErrJournalLocked", err)
	}
	// A dry run takes no lock: it writes nothing.
	dry := o2
	dry.DryRun = true
	if _, err := Apply(context.Background(), e.cfg, p, dry); err != nil && errors.Is(err, ErrJournalLocked) {
		t.Errorf("a dry run was refused: %v", err)
	}
	close(b.release)
	if err := <-first; err != nil {
		t.Fatalf("first apply: %v\n%s", err, out1.String())
	}
	// The journal holds one run's records, readable; applying again now resumes (nothing to do).
	if _, err := ReadJournal(o.JournalPath); err != nil {
		t.Fatalf("journal: %v", err)
	}
	rep, err = Apply(context.Background(), e.cfg, p, o2)
	if err != nil || len(writes(rep.Calls)) != 0 {
		t.Errorf("apply after the first: err = %v, writes %v", err, writes(rep.Calls))
	}
}

// TestForeignJournal: the journal of another plan is refused by apply and by rollback.
func TestForeignJournal(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	other := e.makePlan(t)
	other.Actions = other.Actions[:1]
	if other.ContentHash() == p.ContentHash() {
		t.Fatal("the other plan has the same hash")
	}
	if _, err := Apply(context.Background(), e.cfg, other, o); !errors.Is(err, ErrJournalMismatch) {
		t.Errorf("apply with another plan's journal: err = %v", err)
	}
	if _, err := Rollback(context.Background(), e.cfg, other, o.JournalPath, o); !errors.Is(err, ErrJournalMismatch) {
		t.Errorf("rollback with another plan: err = %v", err)
	}
	if _, err := Rollback(context.Background(), e.cfg, nil, o.JournalPath, o); !errors.Is(err, ErrJournalMismatch) {
		t.Errorf("rollback without a plan: err = %v", err)
	}
}

// TestDoneRecordOutsideThePlan: a done record naming another account's secret, a revision in another
// region or of another family is not used on resume.
func TestDoneRecordOutsideThePlan(t *testing.T) {
	t.Parallel()
	const acct, region = "111111111111", "us-east-1"
	secret := &plan.Action{ID: "s1", Type: plan.CreateSecret, Account: acct, Region: region}
	reg := &plan.Action{ID: "a1", Type: plan.RegisterTaskDefinition, Account: acct, Region: region,
		Resource:               "arn:aws:ecs:us-east-1:111111111111:task-definition/web:1",
		RegisterTaskDefinition: &plan.RegisterTaskDefinitionChange{Family: "web"}}
	cases := []struct {
		a    *plan.Action
		res  StateRecord
		fail bool
	}{
		{secret, StateRecord{SecretArn: "arn:aws:secretsmanager:us-east-1:111111111111:secret:ecsfix/web-AbCdEf"}, false},
		{secret, StateRecord{SecretArn: "arn:aws:secretsmanager:us-east-1:999999999999:secret:ecsfix/web-AbCdEf"}, true},
		{secret, StateRecord{SecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecsfix/web-AbCdEf"}, true},
		{secret, StateRecord{SecretArn: "not an arn"}, true},
		{reg, StateRecord{TaskDefinitionArn: "arn:aws:ecs:us-east-1:111111111111:task-definition/web:2"}, false},
		{reg, StateRecord{TaskDefinitionArn: "arn:aws:ecs:us-east-1:111111111111:task-definition/evil:1"}, true},
		{reg, StateRecord{TaskDefinitionArn: "arn:aws:ecs:us-east-1:999999999999:task-definition/web:2"}, true},
	}
	for _, c := range cases {
		err := checkDoneResult(c.a, &Record{Type: RecDone, Action: c.a.ID, Result: &c.res})
		if (err != nil) != c.fail || c.fail && !errors.Is(err, ErrJournalMismatch) {
			t.Errorf("%s %+v: err = %v, want failure %v", c.a.ID, c.res, err, c.fail)
		}
	}
}
