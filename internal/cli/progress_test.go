package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/plan"
)

// registrationsOnly is a plan of n registrations, each of its family's latest revision.
func registrationsOnly(n int) *plan.Plan {
	p := &plan.Plan{}
	for i := range n {
		src := fmt.Sprintf("arn:aws:ecs:us-east-1:111122223333:task-definition/fam%d:1", i)
		p.Actions = append(p.Actions, plan.Action{ID: fmt.Sprintf("a%d", i), Type: plan.RegisterTaskDefinition, Account: "111122223333",
			Region: "us-east-1", Resource: src, RegisterTaskDefinition: &plan.RegisterTaskDefinitionChange{SourceArn: src, Family: fmt.Sprintf("fam%d", i)}})
		p.State = append(p.State, plan.Fingerprint{Resource: src, ResourceType: detect.TypeTaskDefinition, Region: "us-east-1",
			Facts: map[string]string{plan.FactLatestActive: src}})
	}
	return p
}

// TestApplyProgressEstimate: the bar's time left comes from the buckets: 480 registrations beyond the
// burst at 1 a second at the start, 400 once 100 are done (their burst spent, no time passed).
func TestApplyProgressEstimate(t *testing.T) {
	cfg, err := config.Load(config.New(), "")
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	g := &globalOptions{io: &streams{ErrOut: &errOut, ErrTTY: true, NoColor: true}, cfg: cfg}
	p := registrationsOnly(500)
	ap := g.newApplyProgress(p, true)
	if ap == nil {
		t.Fatal("no progress on a terminal")
	}
	defer ap.finish()
	if got := ap.describe(); got != "applying, at least 8m0s left at AWS's documented pace" {
		t.Errorf("at the start: %q", got)
	}
	var o fix.Options
	ap.options(&o)
	for i := range 100 {
		o.Progress(fix.ActionReport{ID: fmt.Sprintf("a%d", i), Status: fix.StatusDone})
	}
	o.Progress(fix.ActionReport{ID: "a0", Status: fix.StatusDone}) // heard twice: counted once
	ap.mu.Lock()
	got := ap.describe()
	ap.mu.Unlock()
	// 400 left, the bucket empty: 400 s, less what it refilled in the test's few milliseconds.
	left, err := time.ParseDuration(strings.Fields(strings.TrimPrefix(got, "applying, at least "))[0])
	if err != nil || left > 400*time.Second || left < 390*time.Second {
		t.Errorf("100 done: %q, want about 6m40s left", got)
	}

	// With --wait, once every action finished, it says it waits for the services.
	for i := 100; i < 500; i++ {
		o.Progress(fix.ActionReport{ID: fmt.Sprintf("a%d", i), Status: fix.StatusDone})
	}
	ap.mu.Lock()
	got = ap.describe()
	ap.mu.Unlock()
	if got != "applied; waiting for the updated services to be stable (--wait)" {
		t.Errorf("all done, with --wait: %q", got)
	}

	// Not on a stderr that is not a terminal.
	g.io.ErrTTY = false
	if g.newApplyProgress(p, false) != nil {
		t.Error("a progress bar on a stderr that is not a terminal")
	}
}

// A scan's indicator says the least time its announced calls left take: 334 task-definition reads
// announced, 50 made at once (the bucket's burst), the other 284 at 20 a second: about 14.2 s; none
// announced, it says nothing of time; a watch without a table neither. Another region's or another
// account's calls are in buckets of their own.
func TestScanWatchTimeLeft(t *testing.T) {
	w := newCallWatch(awsclient.DefaultQuotaTable())
	if _, ok := w.left(); ok {
		t.Error("a time left before any call was announced")
	}
	w.expect("", "us-east-1", "ecs:DescribeTaskDefinition", 334)
	for range 50 {
		w.made1("", "us-east-1", "ecs:DescribeTaskDefinition")
	}
	d, ok := w.left()
	if !ok || d > 14200*time.Millisecond || d < 13*time.Second {
		t.Errorf("time left %s (%v), want about 14.2s", d, ok)
	}
	w.calls.Store(50)
	if got := w.describe(); !strings.Contains(got, "50 calls") || !strings.Contains(got, "left at AWS's documented pace") {
		t.Errorf("describe() = %q", got)
	}
	// The calls of another region are in buckets of their own.
	w.expect("", "eu-west-1", "ecs:DescribeTaskDefinition", 30)
	if d2, _ := w.left(); d2 > d {
		t.Errorf("30 calls in another region, within its burst, raised the time left: %s > %s", d2, d)
	}
	// 334 in another account's us-east-1, none made yet: its own buckets, so about 14.2 s too, not 28.
	w.expect("222222222222", "us-east-1", "ecs:DescribeTaskDefinition", 334)
	if d3, _ := w.left(); d3 < 13*time.Second || d3 > 15*time.Second {
		t.Errorf("with another account's 334 calls: time left %s, want about 14.2s (the account's own buckets)", d3)
	}
	// Its calls, counted by the account their context names, leave the first account's as they were.
	for range 50 {
		w.made1("222222222222", "us-east-1", "ecs:DescribeTaskDefinition")
	}
	if d4, _ := w.left(); d4 > d+time.Second {
		t.Errorf("after the second account's first 50 calls: time left %s, want at most the first's %s", d4, d)
	}
	if _, ok := newCallWatch(nil).left(); ok {
		t.Error("a watch without a table gives a time left")
	}
}
