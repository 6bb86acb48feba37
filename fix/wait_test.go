package fix

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// fakeServices answers DescribeServices from a script of states, one per call (the last repeats): the
// emulator never rolls deployments over, so what a deployment does is scripted here.
type fakeServices struct {
	mu      sync.Mutex
	states  []ecstypes.Service
	calls   int
	updates []*ecs.UpdateServiceInput
}

func (f *fakeServices) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.states[min(f.calls, len(f.states)-1)]
	f.calls++
	return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{s}}, nil
}

func (f *fakeServices) UpdateService(_ context.Context, in *ecs.UpdateServiceInput, _ ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, in)
	return &ecs.UpdateServiceOutput{}, nil
}

func deployment(id, td, status string, rollout ecstypes.DeploymentRolloutState) ecstypes.Deployment {
	return ecstypes.Deployment{Id: aws.String(id), TaskDefinition: aws.String(td), Status: aws.String(status), RolloutState: rollout,
		RolloutStateReason: aws.String("ECS deployment circuit breaker: tasks failed to start.")}
}

func svcState(running int32, deps ...ecstypes.Deployment) ecstypes.Service {
	return ecstypes.Service{ServiceName: aws.String("web"), Status: aws.String("ACTIVE"), DesiredCount: 2, RunningCount: running, Deployments: deps,
		TaskDefinition: deps[0].TaskDefinition}
}

func TestWaitService(t *testing.T) {
	t.Parallel()
	const oldTD, newTD = "arn:aws:ecs:us-east-1:111111111111:task-definition/web:1", "arn:aws:ecs:us-east-1:111111111111:task-definition/web:4"
	tests := []struct {
		name    string
		states  []ecstypes.Service
		timeout time.Duration
		stable  bool
		reason  string
	}{
		{
			name: "rolls over, then stable",
			states: []ecstypes.Service{
				svcState(2, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateInProgress), deployment("old", oldTD, "ACTIVE", ecstypes.DeploymentRolloutStateCompleted)),
				svcState(1, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateInProgress), deployment("old", oldTD, "ACTIVE", ecstypes.DeploymentRolloutStateCompleted)),
				svcState(2, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateCompleted)),
			},
			timeout: 5 * time.Second, stable: true,
		},
		{
			name: "circuit breaker: rollout failed",
			states: []ecstypes.Service{
				svcState(2, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateInProgress), deployment("old", oldTD, "ACTIVE", ecstypes.DeploymentRolloutStateCompleted)),
				svcState(2, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateFailed), deployment("old", oldTD, "ACTIVE", ecstypes.DeploymentRolloutStateCompleted)),
			},
			timeout: 5 * time.Second, reason: "circuit breaker",
		},
		{
			name: "rolled back: the primary runs the old revision again",
			states: []ecstypes.Service{
				svcState(2, deployment("rb", oldTD, "PRIMARY", ecstypes.DeploymentRolloutStateCompleted)),
			},
			timeout: 5 * time.Second, reason: "again",
		},
		{
			name: "never settles",
			states: []ecstypes.Service{
				svcState(0, deployment("new", newTD, "PRIMARY", ecstypes.DeploymentRolloutStateInProgress), deployment("old", oldTD, "ACTIVE", ecstypes.DeploymentRolloutStateCompleted)),
			},
			timeout: 50 * time.Millisecond, reason: "not stable within",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeServices{states: tt.states}
			reason, err := waitService(context.Background(), f, "prod", "web", newTD, tt.timeout, time.Millisecond)
			if tt.stable {
				if err != nil {
					t.Fatalf("err = %v (%s), want stable", err, reason)
				}
				return
			}
			if err == nil || !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q, err %v; want a failure mentioning %q", reason, err, tt.reason)
			}
		})
	}
}

// failingDeployments wraps the emulator's ECS client: once a service was updated, DescribeServices shows
// its new deployment FAILED by the circuit breaker (the emulator never rolls deployments over); all else,
// the rollback's UpdateService included, goes to the emulator.
type failingDeployments struct {
	ecsAPI
	mu      sync.Mutex
	updated map[string]string // service name -> revision set
	fail    map[string]bool
}

func (f *failingDeployments) UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, o ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	out, err := f.ecsAPI.UpdateService(ctx, in, o...)
	if err == nil {
		f.mu.Lock()
		if _, ok := f.updated[aws.ToString(in.Service)]; !ok {
			f.updated[aws.ToString(in.Service)] = aws.ToString(in.TaskDefinition)
		}
		f.mu.Unlock()
	}
	return out, err
}

func (f *failingDeployments) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, o ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	out, err := f.ecsAPI.DescribeServices(ctx, in, o...)
	if err != nil {
		return out, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range out.Services {
		s := &out.Services[i]
		name := aws.ToString(s.ServiceName)
		td, ok := f.updated[name]
		if !ok {
			continue
		}
		if td == "" {
			td = aws.ToString(s.TaskDefinition)
		}
		s.DesiredCount, s.RunningCount = 1, 1
		state := ecstypes.DeploymentRolloutStateCompleted
		if f.fail[name] {
			state = ecstypes.DeploymentRolloutStateFailed
		}
		s.Deployments = []ecstypes.Deployment{deployment("d-"+name, td, "PRIMARY", state)}
	}
	return out, nil
}

func TestApplyWaitRollbackOnFailure(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.Wait, o.RollbackOnFailure, o.WaitTimeout, o.pollDelay = true, true, 5*time.Second, time.Millisecond
	o.Regions = []string{e.cfg.Region}

	cl := sdkClients(e.cfg, 3)
	real := cl.ecs
	fake := map[string]*failingDeployments{}
	var mu sync.Mutex
	cl.ecs = func(region string) ecsAPI {
		mu.Lock()
		defer mu.Unlock()
		if fake[region] == nil {
			fake[region] = &failingDeployments{ecsAPI: real(region), updated: map[string]string{}, fail: map[string]bool{"web": true}}
		}
		return fake[region]
	}
	rep, err := apply(context.Background(), cl, p, o)
	if !errors.Is(err, ErrDeploymentFailed) {
		t.Fatalf("err = %v, want ErrDeploymentFailed\n%s", err, out.String())
	}
	var web *WaitReport
	for i := range rep.Waits {
		if rep.Waits[i].Service == "web" {
			web = &rep.Waits[i]
		}
	}
	if web == nil || !web.Failed || !web.RolledBack || !strings.Contains(web.Reason, "circuit breaker") {
		t.Fatalf("wait report of web = %+v (all: %+v)", web, rep.Waits)
	}
	for _, w := range rep.Waits {
		if w.Service == "api" && (!w.Stable || w.Failed || w.RolledBack) {
			t.Errorf("wait report of api = %+v, want stable", w)
		}
	}
	if len(rep.Waits) != 2 {
		t.Errorf("waited for %d services, want 2", len(rep.Waits))
	}
	if a := rep.Action("a2"); a.Status != StatusRolledBack {
		t.Errorf("a2 = %+v, want rolled back", a)
	}
	if s := e.service(t, "web"); aws.ToString(s.TaskDefinition) != e.webRevs[0] {
		t.Errorf("service web runs %s, want its previous %s", aws.ToString(s.TaskDefinition), e.webRevs[0])
	}
	// The journal records the failure and the rollback; a later rollback skips what is rolled back.
	journal := readFile(t, o.JournalPath)
	for _, want := range []string{`"type":"wait"`, `"type":"rollback-started"`, `"type":"rollback-done"`} {
		if !strings.Contains(journal, want) {
			t.Errorf("the journal has no %s record", want)
		}
	}
	if err := p.Approve("alice", "T-1", time.Now()); err != nil { // rollback's own approval
		t.Fatal(err)
	}
	rb, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if a := rb.Action("a2"); a.Status != StatusSkipped {
		t.Errorf("rollback of a2 = %+v, want skipped (rolled back already)", a)
	}
	if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "1.3.0" {
		t.Errorf("service api platform %s after rollback, want 1.3.0", aws.ToString(s.PlatformVersion))
	}
}
