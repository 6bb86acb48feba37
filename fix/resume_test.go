package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	smithymw "github.com/aws/smithy-go/middleware"
)

func updateWebTo(arn string) *ecs.UpdateServiceInput {
	return &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("web"), TaskDefinition: aws.String(arn)}
}

func updateAPIPlatform(pv string) *ecs.UpdateServiceInput {
	return &ecs.UpdateServiceInput{Cluster: aws.String("prod"), Service: aws.String("api"), PlatformVersion: aws.String(pv)}
}

// TestApplyResume interrupts an apply at each write (failed before it is sent, failed after AWS made the
// change, or with the context cancelled), then applies again with the same journal: the second run
// completes, and no revision is registered twice.
func TestApplyResume(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"before", "after", "cancel"} {
		for n := 1; n <= 4; n++ {
			t.Run(fmt.Sprintf("%s-%d", mode, n), func(t *testing.T) {
				t.Parallel()
				e := seed(t)
				p := e.makePlan(t)
				var out bytes.Buffer
				o := opts(t, &out)
				o.Concurrency = 1 // one write after the other: the nth write is always the same step

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				f := &fault{n: n, mode: mode, cancel: cancel}
				faulty := e.cfg.Copy()
				faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
				rep, err := Apply(ctx, faulty, p, o)
				if err == nil {
					t.Fatalf("the interrupted apply succeeded:\n%s", out.String())
				}
				if mode != "cancel" && !errors.Is(err, ErrIncomplete) {
					t.Errorf("err = %v, want ErrIncomplete", err)
				}
				if mode == "cancel" && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrIncomplete) {
					t.Errorf("err = %v, want an interruption", err)
				}
				if rep == nil || len(rep.Actions) != 4 {
					t.Fatalf("report = %+v", rep)
				}
				if _, err := ReadJournal(o.JournalPath); err != nil {
					t.Fatalf("the journal is not readable after the interruption: %v", err)
				}

				out.Reset()
				rep, err = Apply(context.Background(), e.cfg, p, o)
				if err != nil {
					t.Fatalf("resume: %v\n%s", err, out.String())
				}
				for _, a := range rep.Actions {
					if a.Status != StatusDone && a.Status != StatusSkipped {
						t.Errorf("resume: %s: %s %s", a.ID, a.Status, a.Error)
					}
				}
				if mode == "after" && n == 1 && !strings.Contains(rep.Action("a1").Detail, "reused") {
					t.Errorf("a1 after a lost response: %+v, want the tagged revision reused", rep.Action("a1"))
				}
				revs := e.webRevisions(t)
				if len(revs) != 4 {
					t.Fatalf("family web has ACTIVE revisions %v, want 4 (no duplicate)", revs)
				}
				newArn := revs[len(revs)-1]
				if rep.Action("a1").TaskDefinitionArn != newArn {
					t.Errorf("a1 reports %s, want %s", rep.Action("a1").TaskDefinitionArn, newArn)
				}
				if s := e.service(t, "web"); aws.ToString(s.TaskDefinition) != newArn {
					t.Errorf("service web runs %s, want %s", aws.ToString(s.TaskDefinition), newArn)
				}
				if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "LATEST" {
					t.Errorf("service api platform %s", aws.ToString(s.PlatformVersion))
				}
				if v := containerInsights(e.clusterState(t)); v != "enabled" {
					t.Errorf("containerInsights = %q", v)
				}
				journal := readFile(t, o.JournalPath)
				noSecret(t, "the journal", journal)
				if strings.Count(journal, `"type":"header"`) != 1 {
					t.Errorf("the journal has %d headers", strings.Count(journal, `"type":"header"`))
				}
			})
		}
	}
}

func TestRollback(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	// The plan applied unattended (medium at most), but undoing it is rated as an apply of the
	// reversed changes (Container Insights off, a pinned platform, an older revision: high): refused
	// without an approval, nothing changed.
	before := readFile(t, o.JournalPath)
	rep, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if !errors.Is(err, ErrNotApproved) || !strings.Contains(err.Error(), "a4 (high risk)") {
		t.Fatalf("unapproved rollback: %v, want ErrNotApproved naming a4", err)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("an unapproved rollback wrote: %v", w)
	}
	if readFile(t, o.JournalPath) != before {
		t.Errorf("an unapproved rollback wrote to the journal")
	}
	if err := p.Approve("alice", "T-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	// A dry run prints the calls and changes nothing.
	out.Reset()
	dry := o
	dry.DryRun = true
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, dry)
	if err != nil {
		t.Fatalf("rollback dry run: %v", err)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("a rollback dry run wrote: %v", w)
	}
	if !strings.Contains(out.String(), "would call ecs:UpdateService cluster=prod service=web taskDefinition="+e.webRevs[0]) {
		t.Errorf("the rollback dry run does not print the call:\n%s", out.String())
	}
	if a := rep.Action("a2"); a.Status != StatusWouldDo {
		t.Errorf("dry run a2 = %+v", a)
	}

	out.Reset()
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		want := StatusRolledBack
		if a.ID == "a1" {
			want = StatusSkipped // revisions are kept
		}
		if a.Status != want {
			t.Errorf("%s: %s (%s), want %s", a.ID, a.Status, a.Error, want)
		}
	}
	if s := e.service(t, "web"); aws.ToString(s.TaskDefinition) != e.webRevs[0] {
		t.Errorf("service web runs %s, want %s", aws.ToString(s.TaskDefinition), e.webRevs[0])
	}
	if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "1.3.0" {
		t.Errorf("service api platform %s, want 1.3.0", aws.ToString(s.PlatformVersion))
	}
	if v := containerInsights(e.clusterState(t)); v == "enabled" {
		t.Errorf("containerInsights still enabled")
	}
	if n := len(e.webRevisions(t)); n != 4 {
		t.Errorf("family web has %d ACTIVE revisions, want 4 (rollback deregisters nothing)", n)
	}
	if w := writes(rep.Calls); w["ecs:DeregisterTaskDefinition"] != 0 || w["ecs:RegisterTaskDefinition"] != 0 {
		t.Errorf("rollback wrote %v", w)
	}

	// Again: a no-op.
	rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback again: %v", err)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("rolling back again wrote: %v", w)
	}
	// And an apply with the same journal is refused: the journal records a rollback.
	if _, err := Apply(context.Background(), e.cfg, p, o); !errors.Is(err, ErrJournalMismatch) {
		t.Errorf("apply after rollback: %v, want ErrJournalMismatch", err)
	}
	noSecret(t, "the journal", readFile(t, o.JournalPath))
}

// TestRollbackChangedService leaves alone a service someone moved since the apply.
func TestRollbackChangedService(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if _, err := e.api.UpdateService(context.Background(), updateWebTo(e.webRevs[2])); err != nil {
		t.Fatal(err)
	}
	if err := p.Approve("alice", "T-1", time.Now()); err != nil { // rollback's own approval
		t.Fatal(err)
	}
	rep, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	if a := rep.Action("a2"); a.Status != StatusFailed || !strings.Contains(a.Error, "changed since the apply") {
		t.Errorf("a2 = %+v", a)
	}
	if s := e.service(t, "web"); aws.ToString(s.TaskDefinition) != e.webRevs[2] {
		t.Errorf("rollback touched a service changed since the apply")
	}
	if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "1.3.0" {
		t.Errorf("service api was not rolled back")
	}
}
