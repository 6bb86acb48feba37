package fix

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/plan"
)

// Rollback returns every service and cluster the journal at journalPath records as changed to its
// previous state, acting only on states the plan p itself recorded. p must be the plan the journal
// applied (its content hash is the journal header's), valid, for the caller's account and regions, and
// approved as Apply requires (checked as of the journal header's time); the journal must pass its chain
// (journal.go), and Rollback holds the journal's lock for the whole run. Each step is checked against
// the plan's action of the same id before it runs (plannedRollback): same type, region and resource, and
// a state to restore that is the plan's Before (a service's revision, platform version and network, a
// cluster's settings, the rules the plan revoked and authorized, the policy it detached, the inline
// policy's document); a step whose journalled state differs is refused, reported as failed, and not run.
//
// It returns a service to its previous task definition, platform version and network configuration
// (as a whole: subnets, security groups, assignPublicIp), a cluster to its previous settings.
//
// It also undoes the opt-in admin task-role fix: it re-attaches a managed policy that a detach-role-policy
// action detached (when it was attached before the apply), and puts back the whole document, as journalled
// before the apply, of an inline policy that a remove-policy-statements action rewrote or deleted. These
// are the only IAM objects ecsfix ever restores this way; a role whose policies are neither what the apply
// left nor what they were before is not touched, and reported as failed.
//
// It restores the ingress rules of a security group that an update-security-group-ingress action changed
// (re-authorizing the world-open rules it revoked, then revoking the rules it authorized), unless the
// group's rules are neither what the apply left nor what they were before. A security group that a
// create-security-group action created is kept.
//
// Otherwise it never deletes, deregisters or revokes anything: the revisions the plan registered stay ACTIVE (the
// newest of a family is what a deployment by family name starts, so they must keep working), and so
// the execution role's grants stay in the inline policy ecsfix owns (plan.OwnedPolicyName): they allow
// reading only the secrets ecsfix created, whose values the previous revisions hold in plaintext anyway,
// and writing to the log groups ecsfix named. The secrets it created are kept (ecsfix never deletes a
// secret: delete it once nothing uses it; a later plan for the same family and container reuses it), the
// log groups it created are kept (with their logs), and revisions it deregistered stay deregistered (ECS
// cannot make them ACTIVE again).
//
// It appends its own records (rollback-started, rollback-done, rollback-failed) to the same journal, so
// that running it again converges: what is rolled back already is skipped without a call. A resource
// changed by someone else since the apply (a service now set to neither what ecsfix set — revision,
// platform version, network configuration — nor what it had before) is not touched, and reported as
// failed. o.DryRun prints the calls without making them.
func Rollback(ctx context.Context, cfg aws.Config, p *plan.Plan, journalPath string, o Options) (*Report, error) {
	o.Pacer = o.pacer()
	cl := withMembers(sdkClientsFor(cfg, o), cfg, o, "rollback")
	if len(o.Regions) == 0 && cfg.Region != "" {
		o.Regions = []string{cfg.Region}
	}
	return rollback(ctx, cl, p, journalPath, o)
}

func rollback(ctx context.Context, cl *clients, p *plan.Plan, path string, o Options) (*Report, error) {
	r := newRun(cl, o)
	if _, err := os.Stat(path); err != nil {
		return nil, absentJournal(path) // and no lock file left behind for a journal that is not there
	}
	// One run at a time on a journal (lock.go), taken before it is read.
	if !o.DryRun {
		lk, err := lockJournal(path)
		if err != nil {
			return nil, err
		}
		defer lk.unlock()
	}
	st, valid, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, absentJournal(path)
	}
	rep := &Report{PlanHash: st.header.PlanHash, Journal: path, DryRun: o.DryRun}
	defer func() { rep.Calls = cl.calls.PerOperation() }()

	// The plan the journal applied: valid, of the journal's content hash, and approved as Apply wants it.
	if p == nil {
		return rep, fmt.Errorf("%w: rollback of journal %s needs the plan it applied (rollback --plan FILE)", ErrJournalMismatch, path)
	}
	if err := p.Validate(); err != nil {
		return rep, fmt.Errorf("%w: %v", ErrInvalidPlan, err)
	}
	if h := p.ContentHash(); h == "" || h != st.header.PlanHash {
		return rep, fmt.Errorf("%w: journal %s records plan %s, the plan given is %s: give the plan that apply applied (rollback --plan FILE); nothing was changed",
			ErrJournalMismatch, path, st.header.PlanHash, h)
	}
	r.p, r.hash, r.short = p, st.header.PlanHash, shortHash(st.header.PlanHash)

	// The plan's account and regions, and the journal's account, must be the caller's.
	if err := r.checkTarget(ctx); err != nil {
		return rep, err
	}
	if st.header.Account != "" && st.header.Account != r.account {
		return rep, fmt.Errorf("%w: journal %s records account %s, the caller is in %s: roll back with credentials of account %s; nothing was changed",
			ErrJournalMismatch, path, st.header.Account, r.account, st.header.Account)
	}
	// Approvals are checked as of the time the apply began (the journal's header), so that a maximum
	// age does not forbid undoing an apply that was approved when it ran.
	if at := st.header.Time; !at.IsZero() && r.o.Now == nil && at.Before(time.Now()) {
		r.o.Now = func() time.Time { return at }
	}
	if err := r.checkApproval(); err != nil {
		return rep, err
	}
	// Undoing is a change of its own: each step's reversed change needs the approval apply would ask.
	var started []string
	for _, rec := range st.all {
		if rec.Type == RecStarted {
			started = append(started, rec.Action)
		}
	}
	if err := r.checkRollbackApproval(started, st.header.Time); err != nil {
		return rep, err
	}

	if o.DryRun {
		r.j = &journal{st: st, path: path}
		r.printf("dry run: nothing will be changed; the calls a rollback would make:")
	} else {
		if r.j, err = openJournal(path, st, valid, Record{}); err != nil {
			return rep, err
		}
		defer r.j.close()
	}

	// Undo in the reverse order of the apply.
	var starts []Record
	for _, rec := range st.all {
		if rec.Type == RecStarted {
			starts = append(starts, rec)
		}
	}
	var failed []string
	for i := len(starts) - 1; i >= 0; i-- {
		start := starts[i]
		if ctx.Err() != nil {
			rep.Actions = append(rep.Actions, ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource, Status: StatusNotRun, Detail: "interrupted"})
			failed = append(failed, start.Action)
			r.progress(rep.Actions[len(rep.Actions)-1])
			continue
		}
		var done, rbDone *Record
		r.j.view(func(st *journalState) { done, rbDone = st.done[start.Action], st.rbDone[start.Action] })
		ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
		ex, known := executors[start.ActionType]
		refusal := r.plannedRollback(&start, done)
		switch {
		case !known:
			ar.Status, ar.Error = StatusFailed, fmt.Sprintf("unknown action type %q", start.ActionType)
		case refusal != nil:
			ar.Status, ar.Error = StatusFailed, "refused: "+r.scrub(refusal.Error())
			r.printf("%s: rollback REFUSED: %s", start.Action, ar.Error)
		case rbDone != nil && ex.settledByRollbackDone:
			ar.Status, ar.Detail = StatusSkipped, "rolled back earlier (journal)"
			r.printf("%s: skipped, rolled back earlier (journal)", start.Action)
		default:
			ar = ex.rollback(r, ctx, &start, done)
		}
		if ar.Status == StatusFailed || ar.Status == StatusNotRun {
			failed = append(failed, ar.ID)
		}
		rep.Actions = append(rep.Actions, ar)
		r.progress(ar)
	}
	if len(failed) > 0 {
		return rep, fmt.Errorf("%w: rollback of %s did not complete", ErrIncomplete, strings.Join(failed, ", "))
	}
	return rep, nil
}

// rollbackBegin is where a rollback step begins to write. In a dry run it prints the call it would make
// (wouldCall) and reports it as would-do; otherwise it journals that the step is about to make its call
// (req, masked; a failure to journal fails the rollback). It returns false, with the report to return,
// when the step stops here.
func (r *run) rollbackBegin(start *Record, ar ActionReport, req, wouldCall string) (ActionReport, bool) {
	if r.o.DryRun {
		r.printf("%s: would call %s", start.Action, wouldCall)
		ar.Status = StatusWouldDo
		return ar, false
	}
	if err := r.j.write(Record{Type: RecRollbackStarted, Action: start.Action, ActionType: start.ActionType, Region: start.Region,
		Resource: start.Resource, Request: req}); err != nil {
		return r.rollbackFail(start, ar, "%v", err), false
	}
	return ar, true
}

// rollbackFail reports a rollback as failed and journals it (not in a dry run).
func (r *run) rollbackFail(start *Record, ar ActionReport, format string, args ...any) ActionReport {
	msg := r.scrub(fmt.Sprintf(format, args...))
	ar.Status, ar.Error = StatusFailed, msg
	if !r.o.DryRun {
		if err := r.j.write(Record{Type: RecRollbackFailed, Action: start.Action, Error: msg}); err != nil {
			ar.Error += "; " + err.Error()
		}
	}
	r.printf("%s: rollback FAILED: %s", start.Action, msg)
	return ar
}

// rollbackDone journals a rollback as done (not in a dry run).
func (r *run) rollbackDone(start *Record, ar ActionReport, detail string, result *StateRecord) ActionReport {
	ar.Status, ar.Detail = StatusRolledBack, detail
	if !r.o.DryRun {
		if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: result}); err != nil {
			return r.rollbackFail(start, ar, "%v", err)
		}
	}
	return ar
}
