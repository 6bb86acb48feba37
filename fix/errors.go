package fix

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ecsfix/ecsfix/plan"
)

// Sentinel errors for the states a user acts on. Test with errors.Is; the typed errors below carry the
// details and match their sentinel.
var (
	// ErrStale: a resource the plan was made against changed since; re-plan.
	ErrStale = errors.New("the plan is stale")
	// ErrNotApproved: the plan holds actions above the unattended risk and no valid approval.
	ErrNotApproved = errors.New("the plan is not approved")
	// ErrWrongAccount: the plan is for another account or for a region the caller does not address.
	ErrWrongAccount = errors.New("the plan is for another account or region")
	// ErrJournalMismatch: the journal at the path records another plan (or is not an ecsfix journal).
	ErrJournalMismatch = errors.New("the journal cannot be used with this plan")
	// ErrJournalTampered: a journal record does not follow the one before it (its chain value differs):
	// the journal was edited, reordered, cut in the middle, or pieced together from another journal.
	ErrJournalTampered = errors.New("the journal fails its integrity check")
	// ErrJournalLocked: another apply or rollback holds the journal's lock.
	ErrJournalLocked = errors.New("the journal is in use by another run")
	// ErrInvalidPlan: the plan cannot be applied as written (unknown action type, missing payload,
	// dependency on an unknown or later action).
	ErrInvalidPlan = errors.New("the plan is invalid")
	// ErrIncomplete: some actions failed or did not run; the journal allows resuming.
	ErrIncomplete = errors.New("the apply is incomplete")
	// ErrDeploymentFailed: a service updated by the plan did not reach a steady state (see Report).
	ErrDeploymentFailed = errors.New("a deployment failed")
)

// StaleError lists what changed since the plan was made.
type StaleError struct {
	Changes []StaleChange
}

// StaleChange is one fact of one resource that differs from the plan.
type StaleChange struct {
	Resource string
	Fact     string
	Planned  string
	Current  string
}

func (e *StaleError) Error() string {
	var b strings.Builder
	b.WriteString("the plan is stale: ")
	for i, c := range e.Changes {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s was %q when planned, now %q", c.Resource, c.Fact, c.Planned, c.Current)
	}
	b.WriteString(" (make a new plan)")
	return b.String()
}

// Is makes errors.Is(err, ErrStale) true.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// NotApprovedError lists the actions that need an approval, and why the approvals the plan holds are
// not enough: the rule refused (a plan too old), or the quorum not reached, with each approval that
// does not count and why.
type NotApprovedError struct {
	Actions []plan.Action
	// Unattended is the risk allowed without approval.
	Unattended plan.Risk
	// Rule, when set, is a rule of the approval policy that refuses the plan whatever its approvals.
	Rule string
	// Level is the highest risk among Actions; Quorum is how many distinct signers it needs.
	Level  plan.Risk
	Quorum int
	// Counted and Refused describe the approvals that count and those that do not (with the reason).
	Counted, Refused []string
}

func (e *NotApprovedError) Error() string {
	if e.Rule != "" {
		return "the plan is not approved: " + e.Rule
	}
	ids := make([]string, 0, len(e.Actions))
	for _, a := range e.Actions {
		ids = append(ids, fmt.Sprintf("%s (%s risk)", a.ID, a.Risk))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the plan is not approved: %d action(s) above the unattended risk %q need an approval: %s",
		len(e.Actions), e.Unattended, strings.Join(ids, ", "))
	if e.Quorum > 1 || len(e.Counted) > 0 {
		fmt.Fprintf(&b, "; %s risk needs %d distinct signer(s) (approvals.quorum.%s), %d counted", e.Level, e.Quorum, e.Level, len(e.Counted))
		if len(e.Counted) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(e.Counted, "; "))
		}
	}
	for _, r := range e.Refused {
		b.WriteString("; " + r)
	}
	b.WriteString(" (run ecsfix approve)")
	return b.String()
}

// Is makes errors.Is(err, ErrNotApproved) true.
func (e *NotApprovedError) Is(target error) bool { return target == ErrNotApproved }
