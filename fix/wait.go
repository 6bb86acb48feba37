package fix

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/plan"
)

// serviceAPI is what waiting for a service and returning it to its previous revision need.
type serviceAPI interface {
	ecs.DescribeServicesAPIClient
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
}

var errDeploymentFailed = errors.New("deployment failed")

// waitAll waits for every service the plan moved, at most Concurrency at once, and returns the ones
// whose deployment failed to their previous revision when RollbackOnFailure is set. A service updated
// by several actions (each part of its fix with its own risk) is waited for once, after its last
// update, for the revision it was moved to; on failure each of its updates is rolled back, the last
// first.
func (r *run) waitAll(ctx context.Context, rep *Report) []WaitReport {
	type job struct {
		idxs []int // the service's updates, in plan order
		a    *plan.Action
	}
	var jobs []*job
	byService := map[string]*job{}
	for i, ar := range rep.Actions {
		if !executors[ar.Type].deploys || (ar.Status != StatusDone && ar.Status != StatusSkipped) {
			continue
		}
		a := r.action(ar.ID)
		jb := byService[a.Resource]
		if jb == nil {
			jb = &job{}
			byService[a.Resource] = jb
			jobs = append(jobs, jb)
		}
		jb.idxs, jb.a = append(jb.idxs, i), a
	}
	waits := make([]WaitReport, len(jobs))
	sem := make(chan struct{}, r.o.Concurrency)
	var wg sync.WaitGroup
	for k, jb := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c := jb.a.UpdateService
			target := ""
			for _, i := range jb.idxs {
				if t := rep.Actions[i].TaskDefinitionArn; t != "" {
					target = t
				}
			}
			w := WaitReport{Action: jb.a.ID, Service: c.Service}
			r.printf("%s: waiting for service %s to reach a steady state (at most %s)", jb.a.ID, c.Service, r.o.WaitTimeout)
			reason, err := waitService(ctx, r.cl.in(jb.a.Account).ecs(jb.a.Region), c.Cluster, c.Service, target, r.o.WaitTimeout, r.o.pollDelay)
			switch {
			case err == nil:
				w.Stable = true
				r.printf("%s: service %s is stable", jb.a.ID, c.Service)
			case reason != "":
				w.Failed, w.Reason = true, reason
			default:
				w.Failed, w.Reason = true, r.scrub(err.Error())
			}
			rec := Record{Type: RecWait, Action: jb.a.ID, Result: &StateRecord{Cluster: c.Cluster, Service: c.Service, TaskDefinition: target}}
			if w.Failed {
				rec.Error = w.Reason
				r.printf("%s: service %s: deployment FAILED: %s", jb.a.ID, c.Service, w.Reason)
			}
			if err := r.j.write(rec); err != nil {
				w.Reason += "; " + err.Error()
			}
			if w.Failed && r.o.RollbackOnFailure {
				rolled, failed := false, false
				for n := len(jb.idxs) - 1; n >= 0; n-- {
					idx := jb.idxs[n]
					id := rep.Actions[idx].ID
					var start, done *Record
					r.j.view(func(st *journalState) { start, done = st.started[id], st.done[id] })
					if start == nil {
						continue
					}
					ar := r.rollbackService(ctx, start, done)
					if ar.Status == StatusRolledBack {
						rolled = true
						rep.Actions[idx].Status = StatusRolledBack
						rep.Actions[idx].Detail = ar.Detail
					} else {
						failed = true
						w.Reason += "; rollback failed: " + ar.Error
						if len(jb.idxs) > 1 {
							w.Reason += " (" + id + ")"
						}
					}
				}
				w.RolledBack = rolled && !failed
			}
			waits[k] = w
		}()
	}
	wg.Wait()
	return waits
}

// defaultPollDelay is the first delay between two looks at a service; it doubles up to maxPollDelay.
const (
	defaultPollDelay = 15 * time.Second
	maxPollDelay     = 2 * time.Minute
)

// waitService waits until the service is stable (one deployment, running count = desired count), for
// timeout at most. It stops early when the deployment failed, and returns why (reason is "" for other
// errors; a timeout has its reason).
//
// It polls with a loop of its own rather than the SDK's ServicesStable waiter, which gives up as soon as
// less than its minimum delay (15 s) is left: a timeout below that returned after the first look. Here the
// delay is at most a quarter of the timeout, the last look is at the deadline, and a timeout is reported
// only once the deadline has passed.
func waitService(ctx context.Context, api serviceAPI, cluster, service, target string, timeout, delay time.Duration) (reason string, err error) {
	if delay <= 0 {
		delay = defaultPollDelay
	}
	if q := timeout / 4; q > 0 && delay > q {
		delay = q
	}
	deadline := time.Now().Add(timeout)
	in := &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}}
	for {
		// A look that hangs must not outlast the deadline by much: it is bounded by the time left and
		// at least a few seconds.
		lookCtx, cancel := context.WithTimeout(ctx, max(time.Until(deadline), 5*time.Second))
		out, err := api.DescribeServices(lookCtx, in)
		cancel()
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err != nil {
			return "", err
		}
		if len(out.Services) == 0 {
			return "the service is missing", errDeploymentFailed
		}
		s := &out.Services[0]
		if st := aws.ToString(s.Status); st != "ACTIVE" {
			return "the service is " + st, errDeploymentFailed
		}
		if why := deploymentFailure(s, target); why != "" {
			return why, errDeploymentFailed
		}
		if len(s.Deployments) == 1 && s.RunningCount == s.DesiredCount {
			return "", nil
		}
		state := fmt.Sprintf("%d of %d tasks running, %d deployment(s)", s.RunningCount, s.DesiredCount, len(s.Deployments))
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Sprintf("not stable within %s (%s)", timeout, state), errWaitTimeout
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, maxPollDelay, max(timeout/4, time.Millisecond))
	}
}

var errWaitTimeout = errors.New("wait timed out")

// deploymentFailure says why the service's deployment of target failed ("" when it has not): the
// rollout failed (the deployment circuit breaker), or the primary deployment runs another revision again
// (rolled back).
func deploymentFailure(s *ecstypes.Service, target string) string {
	for _, d := range s.Deployments {
		if d.RolloutState == ecstypes.DeploymentRolloutStateFailed && (target == "" || aws.ToString(d.TaskDefinition) == target) {
			why := fmt.Sprintf("deployment %s of %s failed", aws.ToString(d.Id), aws.ToString(d.TaskDefinition))
			if d.RolloutStateReason != nil {
				why += ": " + aws.ToString(d.RolloutStateReason)
			}
			return why
		}
	}
	if target == "" {
		return ""
	}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && aws.ToString(d.TaskDefinition) != target {
			return fmt.Sprintf("the primary deployment runs %s again, not %s (rolled back)", aws.ToString(d.TaskDefinition), target)
		}
	}
	return ""
}
