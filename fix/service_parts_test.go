package fix

// Tests of a plan with two updates of one service, each part of its fix with its own risk (the
// platform version, low; the move to a new revision, medium): an unattended subset applies the low part
// alone; the stale check, the re-derivation, resume after an interruption at any write, and rollback
// hold with both in one plan.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// servicePartsPlan plans, by hand as the planner does, for service api (Fargate, platform 1.3.0): b1
// registers a fixed revision of api (ECS.5, high: image api:1's writable paths are unknown), b2 sets the
// platform version LATEST (ECS.10, low), b3 moves the service to b1's revision (high). The tests that
// apply it all run unattended up to high. Each update's Before and After hold only its fields.
func (e *estate) servicePartsPlan(t *testing.T) *plan.Plan {
	t.Helper()
	src := e.taskDef(t, e.apiRev)
	api := e.service(t, "api")
	reg := registration(t, src)
	for i := range reg.Edits {
		reg.Edits[i].Path = strings.ReplaceAll(reg.Edits[i].Path, "[web]", "[api]")
	}
	region := mototest.Region
	act := func(id string, typ plan.ActionType, resource, control string, risk plan.Risk) plan.Action {
		return plan.Action{ID: id, Type: typ, Account: e.account, Region: region, Resource: resource,
			Controls: []string{control}, Risk: risk, Summary: id}
	}
	b1 := act("b1", plan.RegisterTaskDefinition, src.ARN(), "ECS.5", plan.RiskHigh)
	b1.RegisterTaskDefinition = reg
	b2 := act("b2", plan.UpdateService, e.fargate, "ECS.10", plan.RiskLow)
	b2.UpdateService = &plan.UpdateServiceChange{Cluster: "prod", Service: "api",
		Before: plan.ServiceSettings{PlatformVersion: "1.3.0"}, After: plan.ServiceSettings{PlatformVersion: "LATEST"}}
	b3 := act("b3", plan.UpdateService, e.fargate, "ECS.5", plan.RiskHigh)
	b3.DependsOn = []string{"b1"}
	b3.UpdateService = &plan.UpdateServiceChange{Cluster: "prod", Service: "api", TaskDefinitionFrom: "b1",
		Before: plan.ServiceSettings{TaskDefinition: e.apiRev},
		After:  plan.ServiceSettings{TaskDefinition: plan.NewRevisionPlaceholder("api", e.apiRev)}}
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Tool:          plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt:     time.Now().UTC().Truncate(time.Second),
		Source:        plan.Source{Kind: "live", Regions: []string{region}},
		Actions:       []plan.Action{b1, b2, b3},
		State: []plan.Fingerprint{
			{Resource: src.ARN(), ResourceType: detect.TypeTaskDefinition, Region: region, Facts: plan.TaskDefinitionFacts(src, e.apiRev)},
			{Resource: e.fargate, ResourceType: detect.TypeService, Region: region, Facts: plan.ServiceFacts(&api)},
		},
		Skipped: []plan.Skipped{},
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the plan is invalid: %v", err)
	}
	return p
}

func TestServicePartsUnattendedSubset(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.servicePartsPlan(t)
	kept, left := p.Subset(plan.RiskLow, nil)
	if len(kept.Actions) != 1 || kept.Actions[0].ID != "b2" || len(left) != 2 {
		t.Fatalf("the low-risk subset keeps %v, leaves %v; want b2 alone", kept.Actions, left)
	}
	var out bytes.Buffer
	o := opts(t, &out)
	o.UnattendedRisk = plan.RiskLow
	rep, err := Apply(context.Background(), e.cfg, kept, o)
	if err != nil {
		t.Fatalf("apply of the low-risk part: %v\n%s", err, out.String())
	}
	if w := writes(rep.Calls); w["ecs:UpdateService"] != 1 || w["ecs:RegisterTaskDefinition"] != 0 {
		t.Errorf("the low-risk part wrote %v, want one UpdateService", w)
	}
	s := e.service(t, "api")
	if aws.ToString(s.PlatformVersion) != "LATEST" || aws.ToString(s.TaskDefinition) != e.apiRev {
		t.Errorf("service api runs %s on %s, want %s on LATEST (the revision move left for approval)",
			aws.ToString(s.TaskDefinition), aws.ToString(s.PlatformVersion), e.apiRev)
	}
	// The whole plan now asks for a new plan: the service it fingerprinted changed.
	o2 := opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o2); !errors.Is(err, ErrStale) {
		t.Errorf("the whole plan after its low part was applied elsewhere: %v, want ErrStale", err)
	}
}

func TestServicePartsResumeAndRollback(t *testing.T) {
	t.Parallel()
	// Writes, one at a time: 1 RegisterTaskDefinition (b1), 2 UpdateService (b2), 3 UpdateService (b3).
	for _, mode := range []string{"before", "after", "cancel"} {
		for n := 2; n <= 3; n++ {
			t.Run(fmt.Sprintf("%s-%d", mode, n), func(t *testing.T) {
				t.Parallel()
				e := seed(t)
				p := e.servicePartsPlan(t)
				var out bytes.Buffer
				o := opts(t, &out)
				o.Concurrency, o.UnattendedRisk = 1, plan.RiskHigh
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				f := &fault{n: n, mode: mode, cancel: cancel}
				faulty := e.cfg.Copy()
				faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
				if _, err := Apply(ctx, faulty, p, o); err == nil {
					t.Fatalf("the interrupted apply succeeded:\n%s", out.String())
				}
				if mode == "before" && n == 2 {
					// The platform update failed; the revision move ran all the same (no dependency).
					if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "1.3.0" || aws.ToString(s.TaskDefinition) == e.apiRev {
						t.Errorf("after b2 failed: api runs %s on %s, want the new revision on 1.3.0", aws.ToString(s.TaskDefinition), aws.ToString(s.PlatformVersion))
					}
				}

				// Resume: the stale check expects what this plan changed, each update is re-derived
				// (from the plan's Before when it started), and what is left is applied.
				out.Reset()
				rep, err := Apply(context.Background(), e.cfg, p, o)
				if err != nil {
					t.Fatalf("resume: %v\n%s", err, out.String())
				}
				for _, a := range rep.Actions {
					if a.Status != StatusDone && a.Status != StatusSkipped {
						t.Errorf("resume: %s: %s %s", a.ID, a.Status, a.Error)
					}
				}
				newArn := rep.Action("b1").TaskDefinitionArn
				s := e.service(t, "api")
				if aws.ToString(s.PlatformVersion) != "LATEST" || aws.ToString(s.TaskDefinition) != newArn || newArn == "" {
					t.Fatalf("after resume api runs %s on %s, want %s on LATEST", aws.ToString(s.TaskDefinition), aws.ToString(s.PlatformVersion), newArn)
				}

				// Rollback undoes both, the move first: the platform back from LATEST is high risk.
				if err := p.Approve("alice", "T-1", time.Now()); err != nil {
					t.Fatal(err)
				}
				out.Reset()
				rb, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
				if err != nil {
					t.Fatalf("rollback: %v\n%s", err, out.String())
				}
				if a, b := rb.Action("b3"), rb.Action("b2"); a.Status != StatusRolledBack || b.Status != StatusRolledBack {
					t.Errorf("rollback: b3 %s (%s), b2 %s (%s)", a.Status, a.Error, b.Status, b.Error)
				}
				s = e.service(t, "api")
				if aws.ToString(s.PlatformVersion) != "1.3.0" || aws.ToString(s.TaskDefinition) != e.apiRev {
					t.Errorf("after rollback api runs %s on %s, want %s on 1.3.0", aws.ToString(s.TaskDefinition), aws.ToString(s.PlatformVersion), e.apiRev)
				}
			})
		}
	}
}

// The applier writes the updates of one service one after the other, in plan order, and each sends
// only its own fields.
func TestServicePartsOneAtATime(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.servicePartsPlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.Concurrency, o.UnattendedRisk = 4, plan.RiskHigh
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	recs, err := ReadJournal(o.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range recs {
		if (r.Action == "b2" || r.Action == "b3") && (r.Type == RecStarted || r.Type == RecDone) {
			order = append(order, string(r.Type)+" "+r.Action)
			if r.Type == RecStarted && r.Action == "b2" && strings.Contains(r.Request, "taskDefinition=") {
				t.Errorf("b2 sends a task definition: %s", r.Request)
			}
			if r.Type == RecStarted && r.Action == "b3" && strings.Contains(r.Request, "platformVersion=") {
				t.Errorf("b3 sends a platform version: %s", r.Request)
			}
		}
	}
	if got := strings.Join(order, ", "); got != "started b2, done b2, started b3, done b3" {
		t.Errorf("the updates of service api ran as %s, want b2 then b3", got)
	}
	if got := sameWrites(p.Actions); len(got[2]) != 1 || got[2][0] != 1 || len(got[1]) != 0 {
		t.Errorf("sameWrites = %v, want b3 after b2", got)
	}
}

// With --wait, a service updated by two actions is waited for once, for the revision it was moved to;
// when that deployment fails, --rollback-on-failure rolls back both updates, the last first.
func TestServicePartsWaitOnceRollBackBoth(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.servicePartsPlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.Wait, o.RollbackOnFailure, o.WaitTimeout, o.pollDelay = true, true, 5*time.Second, time.Millisecond
	o.UnattendedRisk = plan.RiskHigh
	o.Regions = []string{e.cfg.Region}
	cl := sdkClients(e.cfg, 3)
	real := cl.ecs
	fake := map[string]*failingDeployments{}
	var mu sync.Mutex
	cl.ecs = func(region string) ecsAPI {
		mu.Lock()
		defer mu.Unlock()
		if fake[region] == nil {
			fake[region] = &failingDeployments{ecsAPI: real(region), updated: map[string]string{}, fail: map[string]bool{"api": true}}
		}
		return fake[region]
	}
	rep, err := apply(context.Background(), cl, p, o)
	if !errors.Is(err, ErrDeploymentFailed) {
		t.Fatalf("err = %v, want ErrDeploymentFailed\n%s", err, out.String())
	}
	if len(rep.Waits) != 1 || rep.Waits[0].Service != "api" || rep.Waits[0].Action != "b3" || !rep.Waits[0].Failed || !rep.Waits[0].RolledBack {
		t.Fatalf("waits = %+v, want one failed and rolled back wait for api, after b3", rep.Waits)
	}
	for _, id := range []string{"b2", "b3"} {
		if a := rep.Action(id); a.Status != StatusRolledBack {
			t.Errorf("%s = %+v, want rolled back", id, a)
		}
	}
	s := e.service(t, "api")
	if aws.ToString(s.TaskDefinition) != e.apiRev || aws.ToString(s.PlatformVersion) != "1.3.0" {
		t.Errorf("service api runs %s on %s, want its previous %s on 1.3.0", aws.ToString(s.TaskDefinition), aws.ToString(s.PlatformVersion), e.apiRev)
	}
	if n := strings.Count(out.String(), "waiting for service api"); n != 1 {
		t.Errorf("waited %d times for service api, want once:\n%s", n, out.String())
	}
}
