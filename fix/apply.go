package fix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// Provenance tags put on every revision Apply registers, so that a resumed apply finds a revision it
// registered but did not get to journal, and never registers it twice.
const (
	TagPlan   = "ecsfix:plan"
	TagAction = "ecsfix:action"
)

// maxTags is the number of tags a task definition may carry.
const maxTags = 50

// Apply applies p: it checks the account and regions, the freshness of every resource the plan
// fingerprinted, that every action's after-state is re-derived from what it read, and the approval,
// changing nothing until all pass; then it applies the actions in dependency
// order, journalling each step at o.JournalPath. Running it again with the same journal resumes.
//
// With o.DryRun, nothing is written: after the same checks it prints the calls an apply would make. A
// plan that only lacks an approval is no error then: the Report's NeedsApproval says what an approval
// must cover, and the calls are printed all the same.
//
// The error is one of the sentinels of this package (wrapped, or as its typed error) when a check fails,
// ErrIncomplete when an action failed or did not run, ErrDeploymentFailed when a service did not reach a
// steady state (with Wait). The Report is returned whenever anything was attempted.
func Apply(ctx context.Context, cfg aws.Config, p *plan.Plan, o Options) (*Report, error) {
	o.Pacer = o.pacer()
	cl := withMembers(sdkClientsFor(cfg, o), cfg, o, "apply")
	if len(o.Regions) == 0 && cfg.Region != "" {
		o.Regions = []string{cfg.Region}
	}
	return apply(ctx, cl, p, o)
}

// run is the state of one Apply or Rollback.
type run struct {
	cl    *clients
	o     Options
	out   io.Writer
	log   *slog.Logger
	p     *plan.Plan
	hash  string
	short string
	// account is the caller's account; partition its partition (from the caller's ARN).
	account   string
	partition string
	j         *journal

	mu      sync.Mutex
	sources map[string]*detect.TaskDefinition // source revisions read, by ARN
	targets map[string]string                 // registration id -> revision ARN; create-secret id -> secret ARN
	resumed map[string]bool                   // actions an earlier run started
	read    *plan.ReadState                   // what the stale check read, for the re-derivation
	secrets []string                          // values scrubbed from every message
}

func newRun(cl *clients, o Options) *run {
	r := &run{cl: cl, o: o, out: o.Out, log: o.Log, sources: map[string]*detect.TaskDefinition{}, targets: map[string]string{}}
	if r.out == nil {
		r.out = io.Discard
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.o.Concurrency <= 0 {
		r.o.Concurrency = DefaultConcurrency
	}
	if r.o.WaitTimeout <= 0 {
		r.o.WaitTimeout = DefaultWaitTimeout
	}
	if r.o.UnattendedRisk == "" {
		r.o.UnattendedRisk = plan.RiskLow
	}
	return r
}

func (r *run) printf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.out, format+"\n", args...)
}

func apply(ctx context.Context, cl *clients, p *plan.Plan, o Options) (*Report, error) {
	r := newRun(cl, o)
	if p == nil {
		return nil, fmt.Errorf("%w: no plan", ErrInvalidPlan)
	}
	// The order of the checks is the order of their errors' precedence: an invalid plan (Validate, a
	// resource an action relies on without a fingerprint), the wrong account or region, a journal
	// locked, tampered with or of another plan, a stale resource, an action that is not re-derived, and
	// last a plan that is not approved.
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPlan, err)
	}
	if err := p.CheckStateCoverage(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPlan, err)
	}
	r.p = p
	r.hash = p.ContentHash()
	if r.hash == "" {
		return nil, fmt.Errorf("%w: its content cannot be hashed", ErrInvalidPlan)
	}
	r.short = shortHash(r.hash)
	if !o.DryRun && o.JournalPath == "" {
		return nil, errors.New("a journal path is required to apply (or use a dry run)")
	}
	rep := &Report{PlanHash: r.hash, Journal: o.JournalPath, DryRun: o.DryRun}
	defer func() { rep.Calls = cl.calls.PerOperation() }()
	// One run at a time on a journal, from before it is read until the last record (lock.go).
	if !o.DryRun {
		lk, err := lockJournal(o.JournalPath)
		if err != nil {
			return rep, err
		}
		defer lk.unlock()
	}

	// (a) account and regions.
	if err := r.checkTarget(ctx); err != nil {
		return rep, err
	}
	// The journal: a new one, or the one to resume.
	var st *journalState
	var valid int64
	if o.JournalPath != "" {
		var err error
		if st, valid, err = readJournal(o.JournalPath); err != nil {
			return rep, err
		}
		if st != nil {
			if err := r.checkJournal(st); err != nil {
				return rep, err
			}
			r.printf("resuming from journal %s (started %s)", o.JournalPath, st.header.Time.Format("2006-01-02 15:04:05Z07:00"))
		}
	}
	if st == nil {
		st = newJournalState()
	}
	r.resumed = map[string]bool{}
	for id := range st.started {
		r.resumed[id] = true
	}
	r.j = &journal{st: st, path: o.JournalPath}
	// The revisions the journal's done registrations name, which a resume deploys (exec_register_task_definition.go).
	if err := r.checkDoneRegistrations(ctx); err != nil {
		return rep, err
	}
	// (b) staleness: every resource an action relies on was fingerprinted (checked above), and is re-read.
	if err := r.checkStale(ctx); err != nil {
		return rep, err
	}
	// (c) every action's write re-derived from the state just read (preflight.go).
	if err := r.checkRederived(ctx); err != nil {
		return rep, err
	}
	// (d) approval, last: the risk that decides it is computed from the typed edits, which the
	// re-derivation has just confirmed are what the plan's after-states do. A dry run goes on without
	// one, for the reviewer who decides whether to give it: it prints the calls, then what an apply
	// would need (Report.NeedsApproval); it fails only when no approval could make the plan apply.
	if err := r.checkApproval(); err != nil {
		var na *NotApprovedError
		if !o.DryRun || !errors.As(err, &na) {
			return rep, err
		}
		rep.NeedsApproval = na
		r.dryRun(rep)
		r.dryRunApproval(na)
		if na.Rule != "" {
			return rep, err
		}
		return rep, nil
	}

	if o.DryRun {
		r.dryRun(rep)
		return rep, nil
	}

	j, err := openJournal(o.JournalPath, st, valid, Record{
		Type: RecHeader, FormatVersion: JournalFormatVersion, PlanHash: r.hash, PlanPath: o.PlanPath,
		Tool: strings.TrimSpace("ecsfix " + o.ToolVersion), Account: r.account,
	})
	if err != nil {
		return rep, err
	}
	r.j = j
	defer j.close()
	r.printf("journal: %s", o.JournalPath)

	rep.Actions = r.execute(ctx)
	var incomplete []string
	for _, a := range rep.Actions {
		if a.Status == StatusFailed || a.Status == StatusNotRun {
			incomplete = append(incomplete, a.ID)
		}
	}
	var errs []error
	if len(incomplete) > 0 {
		errs = append(errs, fmt.Errorf("%w: %s did not complete (run apply again with journal %s to resume)",
			ErrIncomplete, strings.Join(incomplete, ", "), o.JournalPath))
	}
	if o.Wait && ctx.Err() == nil {
		rep.Waits = r.waitAll(ctx, rep)
		var failed []string
		for _, w := range rep.Waits {
			if w.Failed {
				failed = append(failed, w.Service)
			}
		}
		if len(failed) > 0 {
			errs = append(errs, fmt.Errorf("%w: %s", ErrDeploymentFailed, strings.Join(failed, ", ")))
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("interrupted: %w", ctx.Err()))
	}
	return rep, errors.Join(errs...)
}

// shortHash is the first 12 hex digits of a content hash, as the provenance tag carries it.
func shortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

// scrub replaces every known secret value in s by the mask.
func (r *run) scrub(s string) string {
	r.mu.Lock()
	secrets := r.secrets
	r.mu.Unlock()
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, plan.MaskedValue)
	}
	return s
}

// learnSecrets records the values of a source revision that must never be printed: the values the plan
// masks (plan.SecretValues: environment values, command, entry point and health-check arguments, Docker
// labels, log and FireLens options, and anything else that looks like a credential). Scrubbing a harmless
// word from an error message is the price of never printing a secret.
func (r *run) learnSecrets(td *detect.TaskDefinition) {
	var vals []string
	for _, v := range plan.SecretValues(td) {
		if len(v) >= 4 { // shorter values would mangle every message they appear in
			vals = append(vals, v)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, vals...)
	// Longest first, so that a value containing another is masked whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func (r *run) setTarget(id, arn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.targets[id] = arn
}

func (r *run) target(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.targets[id]
}

func (r *run) action(id string) *plan.Action {
	for i := range r.p.Actions {
		if r.p.Actions[i].ID == id {
			return &r.p.Actions[i]
		}
	}
	return nil
}

// source returns a source revision (with its tags), read once per run.
func (r *run) source(ctx context.Context, api ecsAPI, arn string) (*detect.TaskDefinition, error) {
	r.mu.Lock()
	td := r.sources[arn]
	r.mu.Unlock()
	if td != nil {
		return td, nil
	}
	td, err := awsread.DescribeTaskDefinition(ctx, api, arn)
	if err != nil {
		return nil, err
	}
	r.learnSecrets(td)
	r.mu.Lock()
	r.sources[arn] = td
	r.mu.Unlock()
	return td, nil
}
