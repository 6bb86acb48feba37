package fix

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/plan"
)

// Defaults of Options.
const (
	DefaultConcurrency = 4
	DefaultMaxAttempts = awsclient.DefaultMaxAttempts
	DefaultWaitTimeout = 15 * time.Minute
)

// Options tune Apply and Rollback. Only JournalPath is required (except in a dry run).
type Options struct {
	// DryRun runs every check against AWS (read-only), then prints the calls Apply would make, and
	// writes nothing: no AWS write, no journal.
	DryRun bool
	// JournalPath is the journal to write, or to resume from when it exists (see journal.go).
	JournalPath string
	// PlanPath is the plan file's path, recorded in the journal header when set.
	PlanPath string
	// ToolVersion is recorded in the journal header.
	ToolVersion string
	// Out receives human lines saying what is done, step by step (nil: discarded).
	Out io.Writer
	// Log receives structured logs (nil: discarded). Never a secret value.
	Log *slog.Logger
	// UnattendedRisk is the highest risk applied without an approval ("" means low).
	UnattendedRisk plan.Risk
	// RiskOverrides are the configuration's per-control risks (fix.risk). An action's risk is recomputed
	// from what it does (plan.EffectiveRisk), so a risk lowered by editing the plan file does not count.
	RiskOverrides map[string]plan.Risk
	// Approvals is what makes an approval count (allowed signers, quorum, maximum ages); the zero policy
	// counts any approval of the plan's content, one for each risk.
	Approvals plan.ApprovalPolicy
	// Configured are the configuration's values the fixes take as given (trusted CIDRs, replacement
	// subnets, the host-network fix's awsvpc networks, the log group template), which re-derivation
	// checks the plan's against (plan.ConfiguredValues; plan.Options.ConfiguredValues gives them). Nil:
	// an action holding such a value is refused, naming the configuration key it comes from.
	Configured *plan.ConfiguredValues
	// Now is the clock the approval checks read (nil: time.Now).
	Now func() time.Time
	// Regions the caller addresses: a plan with an action in another region is refused. Empty means the
	// config's region.
	Regions []string
	// RoleName is the role (a name, or a path and a name) assumed in each account of the plan other than
	// the caller's, with ExternalID when set; empty: a plan for another account is refused.
	RoleName   string
	ExternalID string
	// Concurrency bounds the actions applied at once (default 4).
	Concurrency int
	// Wait waits, after updating services, until each is stable or its deployment failed.
	Wait bool
	// WaitTimeout bounds the wait of each service (default 15 min).
	WaitTimeout time.Duration
	// RollbackOnFailure returns a service whose deployment failed to its journalled previous revision
	// and platform version (with Wait).
	RollbackOnFailure bool
	// MaxAttempts is the number of attempts per API call, throttling included (default: the config's
	// RetryMaxAttempts when set, else 10).
	MaxAttempts int
	// Pacer paces every attempt of every call to AWS's quotas, in each account and region
	// (awsclient.Pacer); nil: a pacer of the documented quotas, adaptive, of this run alone.
	Pacer *awsclient.Pacer

	// Progress, when set, is called with each action's report as the action finishes (done, skipped,
	// failed or not run), one call at a time, from the goroutine that runs Apply; and by Rollback, as
	// the step of each action the journal records started finishes. A dry run of Apply finishes no
	// action.
	Progress func(ActionReport)

	// ResumeWindow: an action an earlier run started without recording its outcome (its write may have
	// landed just before a crash, and AWS's reads lag its writes) is looked for again, a few times, until
	// this long after its started record, before it is written again. 0 disables the wait (the CLI's
	// fix.resume_window defaults to 10s).
	ResumeWindow time.Duration

	// pollDelay overrides the waiter's delay between polls (tests).
	pollDelay time.Duration
	// clock and sleep replace time.Now and the resume window's sleep (tests).
	clock func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// Status is what became of an action.
type Status string

const (
	// StatusDone: the action was applied by this run.
	StatusDone Status = "done"
	// StatusSkipped: the journal records the action as done already, or its effect was found in place.
	StatusSkipped Status = "skipped"
	// StatusFailed: the action failed (Error says why).
	StatusFailed Status = "failed"
	// StatusNotRun: the action was not attempted (a dependency did not complete, or interrupted).
	StatusNotRun Status = "not-run"
	// StatusRolledBack: the action was applied, then returned to its previous state.
	StatusRolledBack Status = "rolled-back"
	// StatusWouldDo: dry run; the action would be applied.
	StatusWouldDo Status = "would-do"
)

// Report says what Apply or Rollback did.
type Report struct {
	PlanHash string
	Journal  string
	DryRun   bool
	// NeedsApproval is set by a dry run of a plan that an apply would refuse for want of approvals:
	// the actions above the unattended risk, the quorum, the approvals that count and those that do not.
	NeedsApproval *NotApprovedError
	Actions       []ActionReport
	// Waits holds the result of waiting for each updated service (with Wait).
	Waits []WaitReport
	// Calls counts AWS API calls by "service:Operation".
	Calls map[string]int
}

// ActionReport is the outcome of one action.
type ActionReport struct {
	ID       string
	Type     plan.ActionType
	Resource string
	Status   Status
	// TaskDefinitionArn is the registered (or reused) revision of a registration, or the revision a
	// service was moved to.
	TaskDefinitionArn string
	// SecretArn is the secret a create-secret action created (or reused: created by ecsfix earlier for
	// the same family and container, holding the same value).
	SecretArn string
	// Detail says what was found or done (a reused revision, an effect already in place).
	Detail string
	Error  string
}

// WaitReport is the outcome of waiting for one service.
type WaitReport struct {
	Action  string
	Service string
	Stable  bool
	// Failed is true when the deployment failed (circuit breaker rollback, rollout FAILED, the service
	// running another revision again) or did not settle within the timeout.
	Failed bool
	Reason string
	// RolledBack is true when the service was returned to its previous revision (RollbackOnFailure).
	RolledBack bool
}

// Action returns the report of the action id (nil when absent).
func (r *Report) Action(id string) *ActionReport {
	for i := range r.Actions {
		if r.Actions[i].ID == id {
			return &r.Actions[i]
		}
	}
	return nil
}

// pacer is o.Pacer, or a pacer of the documented quotas when it is nil: writes are never unpaced.
func (o Options) pacer() *awsclient.Pacer {
	if o.Pacer != nil {
		return o.Pacer
	}
	return awsclient.NewPacer(nil, awsclient.PacerOptions{Adaptive: true})
}
