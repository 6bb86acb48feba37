package fix

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/plan"
)

// rollbackCallsOf sums RollbackCalls' checks and steps by operation.
func rollbackCallsOf(t *testing.T, p *plan.Plan, journal string) map[string]int {
	t.Helper()
	recs, err := ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	checks, steps := RollbackCalls(p, recs)
	out := sumCalls(checks)
	for _, by := range steps {
		for op, n := range sumCalls(by) {
			out[op] += n
		}
	}
	return out
}

// sameRollbackCalls reports, operation by operation, where the calls a rollback made differ from those
// RollbackCalls counted.
func sameRollbackCalls(t *testing.T, what string, want, got map[string]int) {
	t.Helper()
	ops := maps.Clone(want)
	maps.Copy(ops, got)
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if want[op] != got[op] {
			t.Errorf("%s: %s: RollbackCalls counts %d, the rollback made %d", what, op, want[op], got[op])
		}
	}
}

// TestRollbackCallsAsCounted applies plans of every change kind on the emulator, then rolls each back,
// counting every call through the SDK, and compares the count of each operation with what RollbackCalls
// says the rollback makes, from the journal; a rollback run again (every step settled) makes the checks'
// calls only, as RollbackCalls says. A kind whose undo makes calls that are not counted fails here.
func TestRollbackCallsAsCounted(t *testing.T) {
	t.Parallel()
	seen := map[plan.ActionType]bool{}
	var mu sync.Mutex
	cases := []struct {
		name string
		make func(t *testing.T) (aws.Config, *plan.Plan, Options)
	}{
		{"registration, services, cluster settings", func(t *testing.T) (aws.Config, *plan.Plan, Options) {
			e := seed(t)
			return e.cfg, e.makePlan(t), highOpts(t)
		}},
		{"secrets, log group, grant, deregistration", func(t *testing.T) (aws.Config, *plan.Plan, Options) {
			e := seedSecrets(t, "")
			return e.cfg, e.makeSecretsPlan(t, true), secretsOpts(t, &bytes.Buffer{})
		}},
		{"security group ingress", func(t *testing.T) (aws.Config, *plan.Plan, Options) {
			e := seedSG(t)
			return e.cfg, e.ingressPlan(t, e.defaultIngress()), highOpts(t)
		}},
		{"security group copy", func(t *testing.T) (aws.Config, *plan.Plan, Options) {
			e := seedSG(t)
			return e.cfg, e.copyPlan(t, []plan.IngressRule{e.fromALB()}), highOpts(t)
		}},
		{"capacity provider", func(t *testing.T) (aws.Config, *plan.Plan, Options) {
			cfg, p := capacityEstate(t)
			return cfg, p, highOpts(t)
		}},
		{"admin role", func(t *testing.T) (aws.Config, *plan.Plan, Options) {
			e := seedAdminRole(t, mixedPolicy)
			return e.cfg, e.makePlan(t, readPolicy), highOpts(t)
		}},
	}
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				cfg, p, o := tc.make(t)
				var out bytes.Buffer
				o.Out = &out
				if _, err := Apply(context.Background(), cfg, p, o); err != nil {
					t.Fatalf("apply: %v\n%s", err, out.String())
				}
				want := rollbackCallsOf(t, p, o.JournalPath)
				out.Reset()
				rep, err := Rollback(context.Background(), cfg, p, o.JournalPath, o)
				if err != nil {
					t.Fatalf("rollback: %v\n%s", err, out.String())
				}
				rolledBack := 0
				for _, a := range rep.Actions {
					if a.Status == StatusRolledBack {
						rolledBack++
					}
				}
				if rolledBack == 0 && tc.name != "secrets, log group, grant, deregistration" {
					t.Errorf("nothing was rolled back: %+v", rep.Actions)
				}
				sameRollbackCalls(t, tc.name+": rollback", want, boundedCalls(rep.Calls))

				// Run again: every step that wrote is settled by the journal, so only the checks call AWS.
				want = rollbackCallsOf(t, p, o.JournalPath)
				out.Reset()
				if rep, err = Rollback(context.Background(), cfg, p, o.JournalPath, o); err != nil {
					t.Fatalf("second rollback: %v\n%s", err, out.String())
				}
				sameRollbackCalls(t, tc.name+": second rollback", want, boundedCalls(rep.Calls))
				if len(want) != 1 || want[opCallerIdentity] != 1 {
					t.Errorf("%s: a settled rollback is counted %v, want the caller's identity only", tc.name, want)
				}
				mu.Lock()
				for _, a := range p.Actions {
					seen[a.Type] = true
				}
				mu.Unlock()
			})
		}
	})
	for _, k := range plan.ActionTypes() {
		if !seen[k] {
			t.Errorf("no plan here rolls back a %s action: its rollback's calls are not checked", k)
		}
	}
}

// Every change kind whose rollback restores something (plannedBefore holds its check) has its calls
// counted, and only those do.
func TestEveryRollbackThatWritesIsCounted(t *testing.T) {
	for _, k := range plan.ActionTypes() {
		_, writes := plannedBefore[k]
		if _, counted := rollbackCalls[k]; writes != counted {
			t.Errorf("%s: its rollback writes: %t, its calls are counted: %t", k, writes, counted)
		}
	}
}

// RollbackCalls reads any plan and journal without failing: an action without its payload (a plan
// Rollback refuses whole) or a step the plan does not hold counts no call.
func TestRollbackCallsOfAPlanNotValid(t *testing.T) {
	arn := "arn:aws:ecs:us-east-1:111122223333:cluster/c"
	p := &plan.Plan{Actions: []plan.Action{{ID: "a1", Type: plan.UpdateClusterSettings, Account: "111122223333", Region: "us-east-1", Resource: arn}}}
	on := []plan.ClusterSetting{{Name: "containerInsights", Value: "enabled"}}
	recs := []Record{
		{Type: RecStarted, Action: "a1", ActionType: plan.UpdateClusterSettings, Region: "us-east-1", Resource: arn,
			Before: &StateRecord{Cluster: arn}, After: &StateRecord{Cluster: arn, Settings: on}},
		{Type: RecStarted, Action: "a2", ActionType: plan.UpdateService, Region: "us-east-1", Resource: arn},
	}
	checks, steps := RollbackCalls(p, recs)
	if sumCalls(checks)[opCallerIdentity] != 1 || len(steps["a1"]) != 0 || len(steps["a2"]) != 0 {
		t.Errorf("checks %v, steps %v: want the caller's identity only", checks, steps)
	}
}
