package fix

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/ecsfix/ecsfix/plan"
)

// execute applies the actions in dependency order, independent ones concurrently (at most Concurrency
// at once), starting ready actions in plan order. An action whose dependency did not complete is not run;
// after ctx is cancelled no action starts, and the ones under way record their outcome. Actions that
// write one resource (the updates of one service, each part with its own risk) run one after the other,
// in plan order, without depending on each other: one that fails does not keep the next from running.
func (r *run) execute(ctx context.Context) []ActionReport {
	acts := r.p.Actions
	reps := make([]ActionReport, len(acts))
	const pending, running, finished = 0, 1, 2
	state := make([]int, len(acts))
	index := make(map[string]int, len(acts))
	for i, a := range acts {
		index[a.ID] = i
		reps[i] = ActionReport{ID: a.ID, Type: a.Type, Resource: a.Resource}
	}
	after := sameWrites(acts) // i -> earlier actions writing a resource i writes
	doneCh := make(chan int)
	inFlight := 0
	for {
		// Dependencies come earlier in the plan (Validate), so one pass in plan order settles chains.
		for i := range acts {
			if state[i] != pending || inFlight >= r.o.Concurrency {
				continue
			}
			a := &acts[i]
			ready, blocked := true, ""
			for _, j := range after[i] {
				ready = ready && state[j] == finished
			}
			if !ready {
				continue
			}
			for _, dep := range a.DependsOn {
				j := index[dep]
				if state[j] != finished {
					ready = false
					break
				}
				if s := reps[j].Status; s != StatusDone && s != StatusSkipped && blocked == "" {
					blocked = dep
				}
			}
			switch {
			case !ready:
				continue
			case blocked != "":
				reps[i].Status, reps[i].Detail = StatusNotRun, fmt.Sprintf("dependency %s did not complete", blocked)
				r.printf("%s: not run: %s", a.ID, reps[i].Detail)
				state[i] = finished
				r.progress(reps[i])
				continue
			case ctx.Err() != nil:
				reps[i].Status, reps[i].Detail = StatusNotRun, "interrupted"
				state[i] = finished
				r.progress(reps[i])
				continue
			}
			state[i] = running
			inFlight++
			go func(i int) {
				reps[i] = r.do(ctx, &acts[i], reps[i])
				doneCh <- i
			}(i)
		}
		if inFlight == 0 {
			return reps
		}
		i := <-doneCh
		state[i] = finished
		inFlight--
		r.progress(reps[i])
	}
}

// progress tells Options.Progress that an action finished.
func (r *run) progress(rep ActionReport) {
	if r.o.Progress != nil {
		r.o.Progress(rep)
	}
}

// sameWrites lists, for each action, the earlier actions that write one of the resources it writes.
func sameWrites(acts []plan.Action) [][]int {
	writers := map[string][]int{}
	out := make([][]int, len(acts))
	for i := range acts {
		a := &acts[i]
		seen := map[int]bool{}
		for _, res := range a.Change().Writes(a) {
			for _, j := range writers[res] {
				if !seen[j] {
					seen[j] = true
					out[i] = append(out[i], j)
				}
			}
			writers[res] = append(writers[res], i)
		}
	}
	return out
}

func (r *run) do(ctx context.Context, a *plan.Action, rep ActionReport) ActionReport {
	if done := r.doneEarlier(a.ID, &rep); done != nil {
		err := checkDoneResult(a, done)
		if err == nil && a.Type == plan.CreateSecurityGroup {
			err = r.checkDoneGroup(ctx, a, done)
		}
		if err != nil {
			rep.Status, rep.Detail, rep.TaskDefinitionArn = StatusFailed, "", ""
			rep.Error = r.scrub(err.Error())
			r.printf("%s: FAILED: %s", a.ID, rep.Error)
			return rep
		}
		if done.Result != nil {
			if rep.TaskDefinitionArn == "" {
				rep.TaskDefinitionArn = done.Result.TaskDefinition
			}
			if ex, ok := executors[a.Type]; ok && ex.resume != nil {
				ex.resume(r, a, done, &rep)
			}
		}
		r.printf("%s: skipped, %s", a.ID, rep.Detail)
		return rep
	}
	var err error
	if ex, ok := executors[a.Type]; ok {
		err = ex.apply(r, ctx, a, &rep)
	} else {
		err = fmt.Errorf("unknown action type %q", a.Type)
	}
	if err != nil {
		msg := r.scrub(err.Error())
		rep.Status, rep.Error = StatusFailed, msg
		if jerr := r.j.write(Record{Type: RecFailed, Action: a.ID, Error: msg}); jerr != nil {
			rep.Error += "; " + jerr.Error()
		}
		r.printf("%s: FAILED: %s", a.ID, msg)
		r.log.Error("action failed", "action", a.ID, "type", string(a.Type), "error", msg)
		return rep
	}
	return rep
}

func (r *run) started(id string) *Record {
	var s *Record
	r.j.view(func(st *journalState) { s = st.started[id] })
	return s
}

// doneEarlier returns the journal's done record of action id, nil when there is none; with one, it reports
// the action skipped, with the revision the record names.
func (r *run) doneEarlier(id string, rep *ActionReport) *Record {
	var done *Record
	r.j.view(func(st *journalState) { done = st.done[id] })
	if done != nil {
		rep.Status, rep.Detail = StatusSkipped, "done in an earlier run (journal)"
		if done.Result != nil {
			rep.TaskDefinitionArn = done.Result.TaskDefinitionArn
		}
	}
	return done
}

// journalStarted journals that a is about to write (the call, masked, and the state before and after),
// unless an earlier run did: the first "started" record keeps the original state.
func (r *run) journalStarted(a *plan.Action, req string, before, after *StateRecord) error {
	if r.started(a.ID) != nil {
		return nil
	}
	return r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
		Request: req, Before: before, After: after})
}

func (r *run) finish(a *plan.Action, rep *ActionReport, status Status, detail string, result *StateRecord) error {
	if err := r.j.write(Record{Type: RecDone, Action: a.ID, ActionType: a.Type, Result: result}); err != nil {
		return err
	}
	rep.Status, rep.Detail = status, detail
	return nil
}

// checkDoneResult refuses a done record whose result names a resource outside the action's account and
// region, or a revision of another family than the registration's: what an earlier run made is used by
// later actions (a grant on a secret, a service moved to a revision), so a journal naming something
// else is not trusted.
func checkDoneResult(a *plan.Action, done *Record) error {
	res := done.Result
	if res == nil {
		return nil
	}
	for _, v := range []struct{ what, arn string }{
		{"taskDefinitionArn", res.TaskDefinitionArn}, {"secretArn", res.SecretArn}, {"taskDefinition", res.TaskDefinition},
	} {
		if v.arn == "" || !strings.HasPrefix(v.arn, "arn:") && v.what == "taskDefinition" {
			continue // a service's revision may be a family:revision
		}
		parsed, err := arn.Parse(v.arn)
		if err != nil || parsed.AccountID != a.Account || parsed.Region != a.Region {
			return fmt.Errorf("%w: the done record of %s names %s %s, outside the action's account %s and region %s; not used",
				ErrJournalMismatch, a.ID, v.what, v.arn, a.Account, a.Region)
		}
	}
	if a.Type == plan.RegisterTaskDefinition && res.TaskDefinitionArn != "" {
		want := arnFamily(a.Resource)
		if a.RegisterTaskDefinition != nil && a.RegisterTaskDefinition.Family != "" {
			want = a.RegisterTaskDefinition.Family
		}
		if got := arnFamily(res.TaskDefinitionArn); got == "" || got != want {
			return fmt.Errorf("%w: the done record of %s names revision %s, not of family %s; not used", ErrJournalMismatch, a.ID, res.TaskDefinitionArn, want)
		}
	}
	return nil
}

// arnFamily is the family of a task-definition ARN ("" when it is not one).
func arnFamily(s string) string {
	_, rest, ok := strings.Cut(s, ":task-definition/")
	if !ok {
		return ""
	}
	fam, _, _ := strings.Cut(rest, ":")
	return fam
}

// resumeLookups is how many times, after the first, a resumed action looks again within the window.
const resumeLookups = 3

// lookAgain calls look, which looks for what action a would make (a revision, a secret, a group), and
// returns what it finds. When it finds nothing and an earlier run started a without recording its
// outcome, that run's write may have landed just before it stopped, and AWS's reads lag its writes: look
// is called again, resumeLookups times spaced over the window, until Options.ResumeWindow after the
// started record (at most a window from now), before the action writes again. RegisterTaskDefinition
// takes no idempotency token, so this is what keeps an automatic retry from registering a duplicate.
func (r *run) lookAgain(ctx context.Context, a *plan.Action, what string, look func() (bool, error)) (bool, error) {
	found, err := look()
	if found || err != nil || !r.isResume(a.ID) || r.o.ResumeWindow <= 0 {
		return found, err
	}
	start := r.started(a.ID)
	if start == nil {
		return false, nil
	}
	now := r.now()
	deadline := start.Time.Add(r.o.ResumeWindow)
	if limit := now.Add(r.o.ResumeWindow); deadline.After(limit) {
		deadline = limit
	}
	step := r.o.ResumeWindow / resumeLookups
	for now.Before(deadline) {
		d := min(step, deadline.Sub(now))
		r.printf("%s: started by an earlier run at %s with no outcome recorded, and %s not found: looking again in %s (fix.resume_window %s), since AWS may not show it yet",
			a.ID, start.Time.UTC().Format(time.RFC3339), what, d.Round(time.Millisecond), r.o.ResumeWindow)
		if err := r.sleep(ctx, d); err != nil {
			return false, err
		}
		if found, err := look(); found || err != nil {
			return found, err
		}
		now = r.now()
	}
	return false, nil
}

func (r *run) now() time.Time {
	if r.o.clock != nil {
		return r.o.clock()
	}
	return time.Now()
}

func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if r.o.sleep != nil {
		return r.o.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
