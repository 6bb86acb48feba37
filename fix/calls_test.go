package fix

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/plan"
)

// sumCalls adds up the calls of every account-region.
func sumCalls(by map[plan.AccountRegion]plan.Calls) map[string]int {
	out := map[string]int{}
	for _, c := range by {
		for op, n := range c {
			out[op] += n
		}
	}
	return out
}

// sameCalls reports, operation by operation, where the calls counted differ from the table's.
func sameCalls(t *testing.T, what string, want, got map[string]int) {
	t.Helper()
	ops := map[string]bool{}
	for op := range want {
		ops[op] = true
	}
	for op := range got {
		ops[op] = true
	}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if want[op] != got[op] {
			t.Errorf("%s: %s: plan.ApplyCalls says %d, the apply made %d", what, op, want[op], got[op])
		}
	}
}

// TestApplyCallsAsPlanned applies the fixture plan (a registration, a service moved to it, a platform
// version, a cluster setting) on the emulator, counting every call through the SDK, and compares the
// count of each operation with what plan.ApplyCalls says the apply makes; a dry run with CheckCalls.
func TestApplyCallsAsPlanned(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)

	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun, o.JournalPath = true, ""
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	sameCalls(t, "dry run", sumCalls(p.CheckCalls()), rep.Calls)

	out.Reset()
	o = opts(t, &out)
	var finished []ActionReport
	o.Progress = func(a ActionReport) { finished = append(finished, a) }
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	// Progress heard of each action once, as it finished, with its outcome.
	if len(finished) != len(p.Actions) {
		t.Errorf("Progress was called %d times, want once for each of %d actions", len(finished), len(p.Actions))
	}
	for _, a := range finished {
		if r := rep.Action(a.ID); r == nil || r.Status != a.Status || a.Status != StatusDone {
			t.Errorf("Progress heard %s %s, the report says %+v", a.ID, a.Status, r)
		}
	}
	sameCalls(t, "apply", sumCalls(p.ApplyCalls()), rep.Calls)
	if rep.Calls["ecs:RegisterTaskDefinition"] != 1 || rep.Calls["ecs:UpdateService"] != 2 {
		t.Errorf("the apply made %v: want one registration and two service updates", rep.Calls)
	}
}

// unbounded are the services whose calls plan.ApplyCalls leaves out (nothing in a plan bounds them): the
// load balancers a security group fix reads again, the images a user or vulnerability fix reads again.
var unbounded = []string{"elbv2:", "ecr:", "inspector2:"}

func boundedCalls(calls map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls {
		if !slices.ContainsFunc(unbounded, func(s string) bool { return strings.HasPrefix(op, s) }) {
			out[op] = n
		}
	}
	return out
}

// TestApplyCallsAsPlannedEveryKind does the same for plans of the other change kinds: secrets, their
// grant, a log group, a registration using them, service moves, deregistration; a security group's
// ingress, a copy of a group; an Auto Scaling group and its capacity provider; an admin role's policies.
func TestApplyCallsAsPlannedEveryKind(t *testing.T) {
	t.Parallel()
	seen := map[plan.ActionType]bool{}
	var mu sync.Mutex
	cases := []struct {
		name string
		make func(t *testing.T) (aws.Config, *plan.Plan, Options)
	}{
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
			return cfg, p, opts(t, &bytes.Buffer{})
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
				rep, err := Apply(context.Background(), cfg, p, o)
				if err != nil {
					t.Fatalf("apply: %v\n%s", err, out.String())
				}
				sameCalls(t, tc.name, sumCalls(p.ApplyCalls()), boundedCalls(rep.Calls))
				mu.Lock()
				for _, a := range p.Actions {
					seen[a.Type] = true
				}
				mu.Unlock()
			})
		}
	})
	seen[plan.RegisterTaskDefinition], seen[plan.UpdateClusterSettings] = true, true // TestApplyCallsAsPlanned
	for _, k := range plan.ActionTypes() {
		if !seen[k] {
			t.Errorf("no plan here applies a %s action: its calls are not checked", k)
		}
	}
}

func highOpts(t *testing.T) Options {
	o := opts(t, &bytes.Buffer{})
	o.UnattendedRisk = plan.RiskHigh
	return o
}
