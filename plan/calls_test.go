package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
)

func TestEveryKindHasCalls(t *testing.T) {
	for _, k := range ActionTypes() {
		if actionCalls[k] == nil {
			t.Errorf("%s: no entry in actionCalls: plan and apply cannot say how long it takes", k)
		}
	}
	if len(actionCalls) != len(changeKinds) {
		t.Errorf("actionCalls has %d kinds, changeKinds %d", len(actionCalls), len(changeKinds))
	}
}

// registrationPlan is a plan registering n families' fixed revisions in each region, each the latest of
// its family, moving a service to each.
func registrationPlan(n int, regions ...string) *Plan {
	p := &Plan{}
	for _, region := range regions {
		for i := range n {
			src := fmt.Sprintf("arn:aws:ecs:%s:111122223333:task-definition/fam%d:3", region, i)
			svc := fmt.Sprintf("arn:aws:ecs:%s:111122223333:service/prod/svc%d", region, i)
			id := fmt.Sprintf("%s-r%d", region, i)
			p.Actions = append(p.Actions,
				Action{ID: id, Type: RegisterTaskDefinition, Account: "111122223333", Region: region, Resource: src,
					RegisterTaskDefinition: &RegisterTaskDefinitionChange{SourceArn: src, Family: fmt.Sprintf("fam%d", i)}},
				Action{ID: id + "s", Type: UpdateService, Account: "111122223333", Region: region, Resource: svc, DependsOn: []string{id},
					UpdateService: &UpdateServiceChange{Cluster: "prod", Service: fmt.Sprintf("svc%d", i), TaskDefinitionFrom: id}})
			p.State = append(p.State,
				Fingerprint{Resource: src, ResourceType: detect.TypeTaskDefinition, Region: region, Facts: map[string]string{FactLatestActive: src}},
				Fingerprint{Resource: svc, ResourceType: detect.TypeService, Region: region})
		}
	}
	return p
}

func TestApplyCalls(t *testing.T) {
	p := registrationPlan(25, "us-east-1")
	// A registration whose service runs an older revision: the revisions between are described too.
	p.State[0].Facts[FactLatestActive] = strings.TrimSuffix(p.State[0].Resource, ":3") + ":7"
	got := p.ApplyCalls()
	k := AccountRegion{"111122223333", "us-east-1"}
	want := Calls{
		// The stale check: each revision and its family's latest, the services 10 a call.
		// Each registration: its family's latest, the list, the newer revisions, the registration.
		opDescribeTaskDefinition: 25 + 25 + 25 + 4,
		opListTaskDefinitions:    25,
		opRegisterTaskDefinition: 25,
		opDescribeServices:       3 + 25,
		opUpdateService:          25,
	}
	if fmt.Sprint(got[k]) != fmt.Sprint(want) {
		t.Errorf("ApplyCalls()[%v] =\n %v, want\n %v", k, got[k], want)
	}
	if c := got[AccountRegion{}]; c[opGetCallerIdentity] != 1 || len(got) != 2 {
		t.Errorf("ApplyCalls() = %v, want the caller identified once besides the region's calls", got)
	}
	// Each account besides the caller's is identified through its role.
	two := registrationPlan(1, "us-east-1")
	two.Actions[1].Account = "444455556666"
	two.State[1].Resource = strings.Replace(two.State[1].Resource, "111122223333", "444455556666", 1)
	if n := two.ApplyCalls()[AccountRegion{}][opGetCallerIdentity]; n != 2 {
		t.Errorf("a plan of two accounts: %d GetCallerIdentity, want 2", n)
	}
	checks := p.CheckCalls()[k]
	if checks[opRegisterTaskDefinition] != 0 || checks[opDescribeTaskDefinition] != 50 || checks[opDescribeServices] != 3 {
		t.Errorf("CheckCalls() = %v, want the stale check's reads only", checks)
	}
}

func TestExpectedApply(t *testing.T) {
	table := awsclient.DefaultQuotaTable()
	cases := []struct {
		name    string
		p       *Plan
		want    time.Duration
		group   string
		regions int
	}{
		// 500 registrations: first the checks, 1,000 task-definition reads (50 at once, then 20 a
		// second: 47.5 s); then the actions, whose registrations (20 at once, then 1 a second: 480 s)
		// take longer than their 1,000 task-definition reads (47.5 s) and 500 service updates (5 a
		// second: 90 s).
		{"500 registrations", registrationPlan(500, "us-east-1"), 527500 * time.Millisecond, "task-definition-modify", 1},
		// Two regions are paced apart: the time of one, not the sum.
		{"two regions", registrationPlan(500, "us-east-1", "eu-west-1"), 527500 * time.Millisecond, "task-definition-modify", 2},
		{"a few", registrationPlan(3, "us-east-1"), 0, "", 1},
		// 120 reads checked (3.5 s), then 60 registrations (40 s).
		{"60 service moves", registrationPlan(60, "us-east-1"), 43500 * time.Millisecond, "task-definition-modify", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.p.ExpectedApply(table)
			if e.Duration != tc.want {
				t.Errorf("Duration = %s, want %s", e.Duration, tc.want)
			}
			if e.AccountRegions != tc.regions {
				t.Errorf("AccountRegions = %d, want %d", e.AccountRegions, tc.regions)
			}
			if tc.group != "" && (e.Group.Group != tc.group || e.Operation != opRegisterTaskDefinition || e.GroupCalls != len(tc.p.Actions)/2/tc.regions) {
				t.Errorf("the group setting the time: %s (%s, %d calls), want %s with RegisterTaskDefinition", e.Group.Group, e.Operation, e.GroupCalls, tc.group)
			}
			if e.Calls != sumAll(tc.p.ApplyCalls()) {
				t.Errorf("Calls = %d, want %d", e.Calls, sumAll(tc.p.ApplyCalls()))
			}
		})
	}
	// The configured quotas count: a raised bucket makes it faster.
	raised, err := table.WithOverrides([]awsclient.Override{{Service: "ecs", Group: "task-definition-modify", Burst: 20, Rate: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if e := registrationPlan(500, "us-east-1").ExpectedApply(raised); e.Duration != 167500*time.Millisecond {
		t.Errorf("with 4 registrations a second: %s, want 2m47.5s (the checks' 47.5 s, then 120 s)", e.Duration)
	}
	if e := registrationPlan(500, "us-east-1").ExpectedApply(table); e.Checks != 47500*time.Millisecond {
		t.Errorf("Checks = %s, want 47.5s", e.Checks)
	}
	// The sentence names the bucket, and where when there are several.
	s := registrationPlan(500, "us-east-1", "eu-west-1").ExpectedApply(table).Sentence()
	for _, want := range []string{"at least 8m47s", "500 ecs task-definition-modify calls such as RegisterTaskDefinition", "20 at once, then 1 a second", "in 111122223333/eu-west-1"} {
		if !strings.Contains(s, want) {
			t.Errorf("Sentence() = %q, want %q in it", s, want)
		}
	}
}

func sumAll(by map[AccountRegion]Calls) int {
	n := 0
	for _, c := range by {
		n += c.Total()
	}
	return n
}

func TestRemainingApply(t *testing.T) {
	table := awsclient.DefaultQuotaTable()
	p := registrationPlan(500, "us-east-1")
	doneBefore := func(n int) func(*Action) bool {
		return func(a *Action) bool {
			var i int
			fmt.Sscanf(strings.TrimPrefix(a.ID, "us-east-1-r"), "%d", &i)
			return i < n
		}
	}
	made := func(n int) map[AccountRegion]Calls {
		m := p.CheckCalls()
		for k, c := range p.ActionCalls(doneBefore(n)) {
			for op, v := range c {
				at(m, k).add(op, v)
			}
		}
		return m
	}
	left := func(n int) map[AccountRegion]Calls {
		keep := doneBefore(n)
		return p.ActionCalls(func(a *Action) bool { return !keep(a) })
	}
	cases := []struct {
		name    string
		done    int
		elapsed time.Duration
		want    time.Duration
	}{
		{"at the start: the whole estimate", 0, 0, 480 * time.Second},
		{"100 done at the floor's pace: 400 left at 1 a second", 100, 80 * time.Second, 400 * time.Second},
		{"100 done slower: the bucket refilled to its burst", 100, 200 * time.Second, 380 * time.Second},
		{"all done", 500, 500 * time.Second, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := RemainingApply(table, left(tc.done), made(tc.done), tc.elapsed); got != tc.want {
				t.Errorf("RemainingApply = %s, want %s", got, tc.want)
			}
		})
	}
	per := 0
	for _, c := range p.CallsPerAction() {
		per += sumAll(c)
	}
	if per != sumAll(p.ActionCalls(nil)) {
		t.Errorf("CallsPerAction adds up to %d, ActionCalls to %d", per, sumAll(p.ActionCalls(nil)))
	}
	if n := sumAll(p.ActionCalls(nil)) + sumAll(p.CheckCalls()); n != sumAll(p.ApplyCalls()) {
		t.Errorf("the actions' calls and the checks' add up to %d, ApplyCalls to %d", n, sumAll(p.ApplyCalls()))
	}
}

// BenchmarkExpectedApply: estimating a plan of 10,000 registrations and service moves (what plan's
// summary and apply's announcement do once, and its progress bar's CallsPerAction once).
func BenchmarkExpectedApply(b *testing.B) {
	p := registrationPlan(5000, "us-east-1", "eu-west-1")
	table := awsclient.DefaultQuotaTable()
	b.ResetTimer()
	for range b.N {
		if e := p.ExpectedApply(table); e.Duration != 4980*time.Second {
			b.Fatalf("ExpectedApply = %s", e.Duration)
		}
	}
}
