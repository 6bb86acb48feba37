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

// clusterRollback is a plan of n Container Insights actions and the journal of its apply: each started,
// with the settings before and after. Its rollback reads each cluster and sets it back: n UpdateCluster
// calls (20 at once, then 1 a second).
func clusterRollback(n int) (*plan.Plan, []fix.Record) {
	p := &plan.Plan{}
	var recs []fix.Record
	on := []plan.ClusterSetting{{Name: "containerInsights", Value: "enabled"}}
	for i := range n {
		arn := fmt.Sprintf("arn:aws:ecs:us-east-1:111122223333:cluster/c%d", i)
		id := fmt.Sprintf("c%d", i)
		p.Actions = append(p.Actions, plan.Action{ID: id, Type: plan.UpdateClusterSettings, Account: "111122223333", Region: "us-east-1",
			Resource: arn, UpdateClusterSettings: &plan.UpdateClusterSettingsChange{Cluster: arn, After: on}})
		recs = append(recs, fix.Record{Type: fix.RecStarted, Action: id, ActionType: plan.UpdateClusterSettings, Region: "us-east-1", Resource: arn,
			Before: &fix.StateRecord{Cluster: arn}, After: &fix.StateRecord{Cluster: arn, Settings: on}})
	}
	return p, recs
}

// TestRollbackProgressEstimate: rollback says first how long it takes, from the calls its steps make:
// 45 cluster settings set back (25 beyond the bucket's burst, at 1 a second) take at least 25 s; steps an
// earlier rollback settled, steps the plan refuses and steps that keep what the apply made are not
// counted; under 5 s nothing is said. The bar's time left comes from the same calls.
func TestRollbackProgressEstimate(t *testing.T) {
	cfg, err := config.Load(config.New(), "")
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	g := &globalOptions{io: &streams{ErrOut: &errOut, ErrTTY: true, NoColor: true}, cfg: cfg}
	p, recs := clusterRollback(50)
	// c45..c49: rolled back already by an earlier run.
	for i := 45; i < 50; i++ {
		recs = append(recs, fix.Record{Type: fix.RecRollbackDone, Action: fmt.Sprintf("c%d", i)})
	}
	// A step the plan does not hold (refused), and a registration (kept: no call).
	arn := "arn:aws:ecs:us-east-1:111122223333:cluster/x"
	recs = append(recs, fix.Record{Type: fix.RecStarted, Action: "x", ActionType: plan.UpdateClusterSettings, Region: "us-east-1", Resource: arn,
		Before: &fix.StateRecord{Cluster: arn}, After: &fix.StateRecord{Cluster: arn, Settings: []plan.ClusterSetting{{Name: "containerInsights", Value: "enabled"}}}})
	reg := registrationsOnly(1).Actions[0]
	reg.ID = "r"
	p.Actions = append(p.Actions, reg)
	recs = append(recs, fix.Record{Type: fix.RecStarted, Action: "r", ActionType: reg.Type, Region: reg.Region, Resource: reg.Resource})

	const sentence = "at least 25s at AWS's documented pace (45 ecs cluster-modify calls such as UpdateCluster: 20 at once, then 1 a second)"
	g.announceRollback(p, recs, false)
	if got, want := errOut.String(), "Rolling back 45 change(s) in 1 account-region(s): "+sentence+".\n"; got != want {
		t.Errorf("announced:\n%q\nwant\n%q", got, want)
	}
	errOut.Reset()
	g.announceRollback(p, recs, true)
	if got, want := errOut.String(), "Dry run; rolling back 45 change(s) in 1 account-region(s) would take "+sentence+".\n"; got != want {
		t.Errorf("dry run announced:\n%q\nwant\n%q", got, want)
	}
	errOut.Reset()
	small, smallRecs := clusterRollback(24) // 4 beyond the burst: 4 s
	if g.announceRollback(small, smallRecs, false); errOut.Len() != 0 {
		t.Errorf("a rollback of less than 5 s announces its time: %q", errOut.String())
	}

	rp := g.newRollbackProgress(p, recs, false)
	if rp == nil {
		t.Fatal("no progress on a terminal")
	}
	defer rp.finish()
	if got := rp.describe(); got != "rolling back, at least 25s left at AWS's documented pace" {
		t.Errorf("at the start: %q", got)
	}
	if rp.total != 52 {
		t.Errorf("the bar counts %d steps, want the journal's 52 started actions", rp.total)
	}
	var o fix.Options
	rp.options(&o)
	for i := range 30 {
		o.Progress(fix.ActionReport{ID: fmt.Sprintf("c%d", i), Status: fix.StatusRolledBack})
	}
	rp.mu.Lock()
	got := rp.describe()
	rp.mu.Unlock()
	// 15 left, the bucket's burst spent and 10 calls beyond it made: 15 s, less what it refilled.
	left, err := time.ParseDuration(strings.Fields(strings.TrimPrefix(got, "rolling back, at least "))[0])
	if err != nil || left > 15*time.Second || left < 14*time.Second {
		t.Errorf("30 done: %q, want about 15s left", got)
	}
	for i := 30; i < 45; i++ {
		o.Progress(fix.ActionReport{ID: fmt.Sprintf("c%d", i), Status: fix.StatusRolledBack})
	}
	rp.mu.Lock()
	got = rp.describe()
	rp.mu.Unlock()
	if got != "rolling back, at least 0s left at AWS's documented pace" {
		t.Errorf("every counted step done: %q", got)
	}

	// Not for a dry run, nor on a stderr that is not a terminal, nor with JSON logs.
	if g.newRollbackProgress(p, recs, true) != nil {
		t.Error("a progress bar for a dry run")
	}
	g.io.ErrTTY = false
	if g.newRollbackProgress(p, recs, false) != nil {
		t.Error("a progress bar on a stderr that is not a terminal")
	}
}
