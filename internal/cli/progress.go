package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	"github.com/schollz/progressbar/v3"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/fix"
	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

// How long live work takes: the estimates the API's token buckets imply (plan.ExpectedApply), said
// before an apply starts, and the progress drawn on a terminal while a scan or an apply runs.

// quotaTable is the table of the API's token buckets that estimates use: the run's pacer's (pace.go), the
// documented buckets with the configuration's pace.quotas applied.
func (g *globalOptions) quotaTable() *awsclient.QuotaTable { return g.pacer().Table() }

// renderOptions are the plan renderings' options from the configuration.
func (g *globalOptions) renderOptions(color bool) plan.RenderOptions {
	return plan.RenderOptions{Color: color, UnattendedRisk: g.cfg.UnattendedRisk(), RiskOverrides: g.cfg.PlanOptions().Risk,
		Quotas: g.quotaTable()}
}

// announceApply says on stderr, before anything is written, how long applying p takes at least, when
// that is plan.EstimateThreshold or more: a human line, or a log record with --log-format json.
func (g *globalOptions) announceApply(p *plan.Plan, dryRun bool) {
	e := p.ExpectedApply(g.quotaTable())
	if e.Duration < plan.EstimateThreshold {
		return
	}
	if g.cfg.Log.Format == "json" {
		g.log.Info("apply estimate", "actions", len(p.Actions), "accountRegions", e.AccountRegions, "calls", e.Calls,
			"atLeastSeconds", int64(e.Duration/time.Second), "bucket", e.Group.Service+"/"+e.Group.Group, "bucketCalls", e.GroupCalls,
			"dryRun", dryRun)
		return
	}
	what := fmt.Sprintf("%d change(s) in %d account-region(s)", len(p.Actions), max(e.AccountRegions, 1))
	line := "Applying " + what + ": " + e.Sentence() + "."
	if dryRun {
		line = "Dry run; applying " + what + " would take " + e.Sentence() + "."
	}
	fmt.Fprintln(g.io.ErrOut, textsafe.Line(line))
}

// announceRollback says on stderr, before anything is written, how long rolling back the journal's
// records recs of plan p takes at least (plan.EstimateCalls of fix.RollbackCalls), when that is
// plan.EstimateThreshold or more, as announceApply says an apply's.
func (g *globalOptions) announceRollback(p *plan.Plan, recs []fix.Record, dryRun bool) {
	checks, steps := fix.RollbackCalls(p, recs)
	actions := map[plan.AccountRegion]plan.Calls{}
	undone := 0
	for _, calls := range steps {
		if len(calls) > 0 {
			undone++
		}
		addCalls(actions, calls, 1)
	}
	e := plan.EstimateCalls(g.quotaTable(), checks, actions)
	if e.Duration < plan.EstimateThreshold {
		return
	}
	if g.cfg.Log.Format == "json" {
		g.log.Info("rollback estimate", "steps", undone, "accountRegions", e.AccountRegions, "calls", e.Calls,
			"atLeastSeconds", int64(e.Duration/time.Second), "bucket", e.Group.Service+"/"+e.Group.Group, "bucketCalls", e.GroupCalls,
			"dryRun", dryRun)
		return
	}
	what := fmt.Sprintf("%d change(s) in %d account-region(s)", undone, max(e.AccountRegions, 1))
	line := "Rolling back " + what + ": " + e.Sentence() + "."
	if dryRun {
		line = "Dry run; rolling back " + what + " would take " + e.Sentence() + "."
	}
	fmt.Fprintln(g.io.ErrOut, textsafe.Line(line))
}

// applyProgress draws, on a terminal's stderr, a bar of the actions an apply (or the steps a rollback)
// finished out of all, with the least time the calls left take (plan.RemainingApply: the buckets' tokens
// as the calls made so far left them). Nothing is drawn when stderr is not a terminal (CI logs) or logs
// are JSON.
type applyProgress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	table *awsclient.QuotaTable
	start time.Time
	done  map[string]bool
	// doing is what the bar says is under way ("applying", "rolling back"); total the actions or steps.
	doing string
	total int
	// per are the calls of each action (by id); left those of the actions not finished, made the
	// checks' and those of the actions finished.
	per        map[string]map[plan.AccountRegion]plan.Calls
	left, made map[plan.AccountRegion]plan.Calls
	// wait: once every action finished, the apply waits for the services (--wait).
	wait    bool
	stop    chan struct{}
	stopped sync.WaitGroup
}

// newApplyProgress returns the progress of applying p, or nil when none is drawn.
func (g *globalOptions) newApplyProgress(p *plan.Plan, wait bool) *applyProgress {
	if len(p.Actions) == 0 {
		return nil
	}
	return g.newCallsProgress("applying", len(p.Actions), p.CallsPerAction(), p.CheckCalls(), wait)
}

// newRollbackProgress returns the progress of rolling back the journal's records recs of plan p: a bar of
// the journal's started actions rolled back so far, with the least time the calls of the steps left take
// (fix.RollbackCalls); nil when none is drawn (also for a dry run, or when nothing started).
func (g *globalOptions) newRollbackProgress(p *plan.Plan, recs []fix.Record, dryRun bool) *applyProgress {
	started := 0
	for _, r := range recs {
		if r.Type == fix.RecStarted {
			started++
		}
	}
	if dryRun || started == 0 {
		return nil
	}
	checks, steps := fix.RollbackCalls(p, recs)
	return g.newCallsProgress("rolling back", started, steps, checks, false)
}

// newCallsProgress returns a bar of total actions whose calls are per (by action id), once the checks'
// calls are made; nil when none is drawn.
func (g *globalOptions) newCallsProgress(doing string, total int, per map[string]map[plan.AccountRegion]plan.Calls,
	checks map[plan.AccountRegion]plan.Calls, wait bool) *applyProgress {
	if !g.io.ErrTTY || g.cfg.Log.Format == "json" {
		return nil
	}
	ap := &applyProgress{doing: doing, total: total, table: g.quotaTable(), start: time.Now(), done: map[string]bool{}, stop: make(chan struct{}),
		per: per, left: map[plan.AccountRegion]plan.Calls{}, made: checks, wait: wait}
	for _, calls := range ap.per {
		addCalls(ap.left, calls, 1)
	}
	ap.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(g.io.ErrOut),
		progressbar.OptionSetDescription(ap.describe()),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionEnableColorCodes(!g.io.NoColor),
	)
	ap.stopped.Add(1)
	go ap.tick()
	return ap
}

// options sets o.Progress to advance the bar (nothing for a nil progress).
func (ap *applyProgress) options(o *fix.Options) {
	if ap == nil {
		return
	}
	o.Progress = func(a fix.ActionReport) {
		ap.mu.Lock()
		if !ap.done[a.ID] {
			ap.done[a.ID] = true
			addCalls(ap.left, ap.per[a.ID], -1)
			addCalls(ap.made, ap.per[a.ID], 1)
		}
		ap.bar.Describe(ap.describe())
		_ = ap.bar.Add(1)
		ap.mu.Unlock()
	}
}

// tick redraws the estimate every second: the buckets refill while an action waits.
func (ap *applyProgress) tick() {
	defer ap.stopped.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ap.stop:
			return
		case <-t.C:
			ap.mu.Lock()
			ap.bar.Describe(ap.describe())
			ap.mu.Unlock()
		}
	}
}

// describe is the bar's text: "applying, at least 6m40s left at AWS's documented pace" ("rolling back,
// …"). Call with mu held (or before the bar exists).
func (ap *applyProgress) describe() string {
	if ap.wait && len(ap.done) == ap.total {
		return "applied; waiting for the updated services to be stable (--wait)"
	}
	rem := plan.RemainingApply(ap.table, ap.left, ap.made, time.Since(ap.start))
	return ap.doing + ", at least " + plan.FormatDuration(rem) + " left at AWS's documented pace"
}

// addCalls adds sign times the calls of from to to.
func addCalls(to, from map[plan.AccountRegion]plan.Calls, sign int) {
	for k, c := range from {
		if to[k] == nil {
			to[k] = plan.Calls{}
		}
		for op, n := range c {
			to[k][op] += sign * n
		}
	}
}

// finish clears the bar (nothing for a nil progress).
func (ap *applyProgress) finish() {
	if ap == nil {
		return
	}
	close(ap.stop)
	ap.stopped.Wait()
	ap.mu.Lock()
	defer ap.mu.Unlock()
	_ = ap.bar.Finish()
}

// callWatch counts the API calls made through a configuration and the attempts that were throttled or
// retried for another reason, live, for a progress indicator. With a quota table (table), it also keeps
// the calls made by account, region and operation and those the scan announced (expect:
// live.Options.Expect), and says the least time the announced calls left take at the buckets' pace.
type callWatch struct {
	calls, throttled, retried atomic.Int64

	table *awsclient.QuotaTable
	start time.Time
	mu    sync.Mutex
	made  map[plan.AccountRegion]plan.Calls
	want  map[plan.AccountRegion]plan.Calls
}

// newCallWatch returns a watch; with table, it estimates the time left.
func newCallWatch(table *awsclient.QuotaTable) *callWatch {
	return &callWatch{table: table, start: time.Now(), made: map[plan.AccountRegion]plan.Calls{}, want: map[plan.AccountRegion]plan.Calls{}}
}

// expect records n calls of op the scan is going to make in account and region (live.Options.Expect).
func (w *callWatch) expect(account, region, op string, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := plan.AccountRegion{Account: account, Region: region}
	if w.want[k] == nil {
		w.want[k] = plan.Calls{}
	}
	w.want[k][op] += n
}

// made1 records a call of op made in account and region.
func (w *callWatch) made1(account, region, op string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := plan.AccountRegion{Account: account, Region: region}
	if w.made[k] == nil {
		w.made[k] = plan.Calls{}
	}
	w.made[k][op]++
}

// left is the least time the announced calls not made yet take (plan.RemainingApply of the buckets as
// the calls made left them); false when no call was announced.
func (w *callWatch) left() (time.Duration, bool) {
	if w.table == nil {
		return 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.want) == 0 {
		return 0, false
	}
	left := map[plan.AccountRegion]plan.Calls{}
	for k, c := range w.want {
		for op, n := range c {
			if rest := n - w.made[k][op]; rest > 0 {
				if left[k] == nil {
					left[k] = plan.Calls{}
				}
				left[k][op] = rest
			}
		}
	}
	return plan.RemainingApply(w.table, left, w.made, time.Since(w.start)), true
}

// watch returns a copy of cfg whose calls w counts.
func (w *callWatch) watch(cfg aws.Config) aws.Config {
	out := cfg.Copy()
	out.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ecsfixProgressWatch",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				w.calls.Add(1)
				if w.table != nil {
					w.made1(awsclient.AccountOfContext(ctx), awsmiddleware.GetRegion(ctx), awsclient.ShortService(awsmiddleware.GetServiceID(ctx))+":"+awsmiddleware.GetOperationName(ctx))
				}
				if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 1 {
					for _, a := range r.Results[:len(r.Results)-1] {
						if a.Err != nil && retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(a.Err) == aws.TrueTernary {
							w.throttled.Add(1)
						} else {
							w.retried.Add(1)
						}
					}
				}
				return out, md, err
			}), middleware.Before)
	})
	return out
}

// describe is what a scan's indicator says besides the resources read: "1234 calls, 12 throttled".
func (w *callWatch) describe() string {
	if w == nil {
		return ""
	}
	parts := []string{fmt.Sprintf("%d calls", w.calls.Load())}
	if n := w.throttled.Load(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d throttled", n))
	}
	if n := w.retried.Load(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d retried", n))
	}
	if d, ok := w.left(); ok && d >= time.Second {
		parts = append(parts, "at least "+plan.FormatDuration(d)+" left at AWS's documented pace")
	}
	return strings.Join(parts, ", ")
}
