package fix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// netEstate is an awsvpc FARGATE service "api" of cluster "prod", platform 1.4.0, with a public IP, in
// two default subnets with one security group.
type netEstate struct {
	cfg     aws.Config
	api     *ecs.Client
	account string
	svc     string   // ARN of service api
	subnets []string // the default VPC's subnets, sorted; the service runs in the first two
	sg      string
}

func seedNetwork(t *testing.T) *netEstate {
	t.Helper()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	ctx := context.Background()
	e := &netEstate{cfg: cfg, api: ecs.NewFromConfig(cfg), account: mototest.AccountID(cfg)}
	if _, err := e.api.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	td, err := e.api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("api:1"), Memory: aws.Int32(512)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ec := ec2.NewFromConfig(cfg)
	sn, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(sn.Subnets) < 4 {
		t.Fatalf("default subnets: %v (%d)", err, len(sn.Subnets))
	}
	for _, s := range sn.Subnets {
		e.subnets = append(e.subnets, aws.ToString(s.SubnetId))
	}
	sort.Strings(e.subnets)
	sg, err := ec.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("api"), Description: aws.String("api tasks"),
		VpcId: sn.Subnets[0].VpcId})
	if err != nil {
		t.Fatal(err)
	}
	e.sg = aws.ToString(sg.GroupId)
	svc, err := e.api.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("1.4.0"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: e.subnets[:2], SecurityGroups: []string{e.sg}, AssignPublicIp: ecstypes.AssignPublicIpEnabled,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = aws.ToString(svc.Service.ServiceArn)
	return e
}

func (e *netEstate) service(t *testing.T) ecstypes.Service {
	t.Helper()
	out, err := e.api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api"}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("describe service api: %v", err)
	}
	return out.Services[0]
}

// original is the service's network configuration as seeded.
func (e *netEstate) original() *plan.AwsVpcSettings {
	return &plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[:2]), SecurityGroups: []string{e.sg}, AssignPublicIp: "ENABLED"}
}

// setNetwork changes the service's network configuration as someone else would.
func (e *netEstate) setNetwork(t *testing.T, n *plan.AwsVpcSettings) {
	t.Helper()
	if _, err := e.api.UpdateService(context.Background(), updateServiceInput("prod", "api", "", "", n)); err != nil {
		t.Fatal(err)
	}
}

// makePlan plans, by hand, one update of service api to the network configuration after (and the
// platform version pv, when set), fingerprinting the current state, approved.
func (e *netEstate) makePlan(t *testing.T, after plan.AwsVpcSettings, pv string) *plan.Plan {
	t.Helper()
	svc := e.service(t)
	a := plan.Action{ID: "n1", Type: plan.UpdateService, Account: e.account, Region: mototest.Region, Resource: e.svc,
		Controls: []string{"ECS.2"}, Risk: plan.RiskHigh, Summary: "disable the public IP of service api",
		UpdateService: &plan.UpdateServiceChange{Cluster: "prod", Service: "api",
			Before: plan.ServiceSettings{Network: networkOf(svc.NetworkConfiguration)},
			After:  plan.ServiceSettings{Network: &after}}}
	if pv != "" {
		a.UpdateService.Before.PlatformVersion = aws.ToString(svc.PlatformVersion)
		a.UpdateService.After.PlatformVersion = pv
	}
	p := &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Tool:          plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Source:        plan.Source{Kind: "live", Regions: []string{mototest.Region}},
		Actions:       []plan.Action{a},
		State:         []plan.Fingerprint{{Resource: e.svc, ResourceType: detect.TypeService, Region: mototest.Region, Facts: plan.ServiceFacts(&svc)}},
		Skipped:       []plan.Skipped{},
	}
	if err := p.Approve("alice", "T-2", p.CreatedAt); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantNetwork fails unless the service's network configuration is n (subnets and groups in any order).
func wantNetwork(t *testing.T, what string, s ecstypes.Service, n *plan.AwsVpcSettings) {
	t.Helper()
	got := networkOf(s.NetworkConfiguration)
	if !sameNetwork(got, n) {
		t.Errorf("%s: the service's network is %s, want %s", what, networkString(got), networkString(n))
	}
}

func record(t *testing.T, path, typ, action string) *Record {
	t.Helper()
	recs, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if recs[i].Type == typ && recs[i].Action == action {
			return &recs[i]
		}
	}
	t.Fatalf("the journal has no %s record of %s", typ, action)
	return nil
}

func TestApplyNetwork(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		subnets func(e *netEstate) []string
		pv      string
	}{
		{name: "public IP disabled in the same subnets", subnets: func(e *netEstate) []string { return slices.Clone(e.subnets[:2]) }},
		{name: "moved to other subnets, with a platform version", subnets: func(e *netEstate) []string { return slices.Clone(e.subnets[2:4]) }, pv: "LATEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := seedNetwork(t)
			target := plan.AwsVpcSettings{Subnets: tt.subnets(e), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}
			p := e.makePlan(t, target, tt.pv)
			var out bytes.Buffer
			o := e.opts(t, &out)
			rep, err := Apply(context.Background(), e.cfg, p, o)
			if err != nil {
				t.Fatalf("apply: %v\n%s", err, out.String())
			}
			if a := rep.Action("n1"); a.Status != StatusDone || a.Detail != "updated" {
				t.Errorf("n1 = %+v, want done (updated)", a)
			}
			if w := writes(rep.Calls); w["ecs:UpdateService"] != 1 || len(w) != 1 {
				t.Errorf("apply wrote %v, want one UpdateService", w)
			}
			s := e.service(t)
			wantNetwork(t, "after apply", s, &target)
			if c := s.NetworkConfiguration.AwsvpcConfiguration; c.AssignPublicIp != ecstypes.AssignPublicIpDisabled {
				t.Errorf("assignPublicIp = %q, want DISABLED", c.AssignPublicIp)
			}
			wantPV := "1.4.0"
			if tt.pv != "" {
				wantPV = tt.pv
			}
			if got := aws.ToString(s.PlatformVersion); got != wantPV {
				t.Errorf("platform %s, want %s", got, wantPV)
			}

			// The journal: before is the live network (read, not the plan's), after the plan's, the
			// result the service's.
			st := record(t, o.JournalPath, RecStarted, "n1")
			if st.Before == nil || !reflect.DeepEqual(st.Before.Network, e.original()) || st.Before.PlatformVersion != "1.4.0" {
				t.Errorf("started before = %+v, want the original network %+v", st.Before, e.original())
			}
			if st.After == nil || !reflect.DeepEqual(st.After.Network, &target) || st.After.PlatformVersion != tt.pv {
				t.Errorf("started after = %+v, want network %+v", st.After, target)
			}
			if !strings.Contains(st.Request, "networkConfiguration.awsvpcConfiguration="+networkString(&target)) {
				t.Errorf("started request = %q", st.Request)
			}
			if d := record(t, o.JournalPath, RecDone, "n1"); d.Result == nil || !sameNetwork(d.Result.Network, &target) {
				t.Errorf("done result = %+v", d.Result)
			}

			// Applying again changes nothing.
			rep, err = Apply(context.Background(), e.cfg, p, o)
			if err != nil {
				t.Fatalf("apply again: %v\n%s", err, out.String())
			}
			if a := rep.Action("n1"); a.Status != StatusSkipped {
				t.Errorf("again: n1 = %+v, want skipped", a)
			}
			if w := writes(rep.Calls); len(w) != 0 {
				t.Errorf("applying again wrote %v", w)
			}

			// A rollback dry run prints the call with the whole previous network configuration.
			out.Reset()
			dry := o
			dry.DryRun = true
			if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, dry); err != nil {
				t.Fatalf("rollback dry run: %v", err)
			}
			if want := "networkConfiguration.awsvpcConfiguration=" + networkString(e.original()); !strings.Contains(out.String(), want) {
				t.Errorf("the rollback dry run does not print %s:\n%s", want, out.String())
			}
			wantNetwork(t, "after the rollback dry run", e.service(t), &target)

			// Rollback restores the network configuration as a whole, and the platform version.
			out.Reset()
			rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
			if err != nil {
				t.Fatalf("rollback: %v\n%s", err, out.String())
			}
			if a := rep.Action("n1"); a.Status != StatusRolledBack {
				t.Errorf("rollback n1 = %+v", a)
			}
			s = e.service(t)
			wantNetwork(t, "after rollback", s, e.original())
			if got := aws.ToString(s.PlatformVersion); got != "1.4.0" {
				t.Errorf("platform after rollback %s, want 1.4.0", got)
			}
			if rd := record(t, o.JournalPath, RecRollbackDone, "n1"); rd.Result == nil || !sameNetwork(rd.Result.Network, e.original()) {
				t.Errorf("rollback-done result = %+v", rd.Result)
			}
			// Again: a no-op.
			rep, err = Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
			if err != nil {
				t.Fatalf("rollback again: %v", err)
			}
			if w := writes(rep.Calls); len(w) != 0 {
				t.Errorf("rolling back again wrote %v", w)
			}
		})
	}
}

// TestApplyNetworkStale refuses a plan whose service's network configuration changed after planning.
func TestApplyNetworkStale(t *testing.T) {
	t.Parallel()
	e := seedNetwork(t)
	p := e.makePlan(t, plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[:2]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}, "")
	moved := &plan.AwsVpcSettings{Subnets: []string{e.subnets[0]}, SecurityGroups: []string{e.sg}, AssignPublicIp: "ENABLED"}
	e.setNetwork(t, moved)
	var out bytes.Buffer
	o := e.opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("err = %v, want ErrStale", err)
	}
	// The network change named with its new value (as on AWS, it also started a new deployment, whose
	// facts changed too).
	var se *StaleError
	if !errors.As(err, &se) || !slices.ContainsFunc(se.Changes, func(c StaleChange) bool {
		return c.Fact == plan.FactNetwork && strings.Contains(c.Current, "subnets="+e.subnets[0]+";")
	}) {
		t.Errorf("the stale error does not name the network fact: %v", err)
	}
	if !strings.Contains(err.Error(), plan.FactNetwork) {
		t.Errorf("the message does not name the network fact: %v", err)
	}
	if rep != nil {
		if w := writes(rep.Calls); len(w) != 0 {
			t.Errorf("a stale plan wrote %v", w)
		}
	}
	if readJournalExists(o.JournalPath) {
		t.Errorf("a stale plan wrote a journal")
	}
	wantNetwork(t, "after the refusal", e.service(t), moved)
}

// TestApplyNetworkResume fails the UpdateService call (before it is sent, or after AWS made the change
// and the response was lost), then resumes: the service is updated once, and the resumed run accepts the
// network change this plan made (not stale).
func TestApplyNetworkResume(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"before", "after"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := seedNetwork(t)
			target := plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[2:4]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}
			p := e.makePlan(t, target, "")
			var out bytes.Buffer
			o := e.opts(t, &out)
			f := &fault{n: 1, mode: mode, ops: []string{"UpdateService"}}
			faulty := e.cfg.Copy()
			faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
			if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
				t.Fatalf("the failed apply: %v, want ErrIncomplete\n%s", err, out.String())
			}
			if mode == "after" {
				wantNetwork(t, "after the lost response", e.service(t), &target)
			} else {
				wantNetwork(t, "after the failure", e.service(t), e.original())
			}

			out.Reset()
			rep, err := Apply(context.Background(), e.cfg, p, o)
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, out.String())
			}
			a := rep.Action("n1")
			if a.Status != StatusDone {
				t.Errorf("resume: n1 = %+v", a)
			}
			w := writes(rep.Calls)
			switch mode {
			case "before":
				if w["ecs:UpdateService"] != 1 {
					t.Errorf("resume wrote %v, want one UpdateService", w)
				}
			case "after":
				if len(w) != 0 || a.Detail != "already in place" {
					t.Errorf("resume wrote %v (%s), want nothing: the service is in the intended state", w, a.Detail)
				}
			}
			wantNetwork(t, "after the resume", e.service(t), &target)
			// One started record (the original state), whatever the number of runs.
			recs, err := ReadJournal(o.JournalPath)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range recs {
				if r.Type == RecStarted {
					n++
					if !reflect.DeepEqual(r.Before.Network, e.original()) {
						t.Errorf("started before = %+v", r.Before.Network)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d started records, want 1", n)
			}
			// And the rollback returns the original network.
			if _, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			wantNetwork(t, "after rollback", e.service(t), e.original())
		})
	}
}

// TestApplyNetworkResumeStale: between an interrupted apply and its resume, someone else changed the
// service's network to one this plan does not set: the resume is refused.
func TestApplyNetworkResumeStale(t *testing.T) {
	t.Parallel()
	e := seedNetwork(t)
	p := e.makePlan(t, plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[:2]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}, "")
	var out bytes.Buffer
	o := e.opts(t, &out)
	f := &fault{n: 1, mode: "before", ops: []string{"UpdateService"}}
	faulty := e.cfg.Copy()
	faulty.APIOptions = append(append([]func(*smithymw.Stack) error{}, faulty.APIOptions...), f.add)
	if _, err := Apply(context.Background(), faulty, p, o); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("the failed apply: %v", err)
	}
	other := &plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[3:5]), SecurityGroups: []string{e.sg}, AssignPublicIp: "ENABLED"}
	e.setNetwork(t, other)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	var se *StaleError
	if !errors.As(err, &se) || len(se.Changes) != 1 || se.Changes[0].Fact != plan.FactNetwork {
		t.Fatalf("resume: %v, want a stale network", err)
	}
	if rep != nil {
		if w := writes(rep.Calls); len(w) != 0 {
			t.Errorf("a stale resume wrote %v", w)
		}
	}
	wantNetwork(t, "after the refused resume", e.service(t), other)
}

// TestRollbackNetworkChangedService leaves alone a service whose network someone changed since the apply.
func TestRollbackNetworkChangedService(t *testing.T) {
	t.Parallel()
	e := seedNetwork(t)
	p := e.makePlan(t, plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[:2]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}, "")
	var out bytes.Buffer
	o := e.opts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p, o); err != nil {
		t.Fatalf("apply: %v", err)
	}
	other := &plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[2:4]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}
	e.setNetwork(t, other)
	rep, err := Rollback(context.Background(), e.cfg, p, o.JournalPath, o)
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	if a := rep.Action("n1"); a.Status != StatusFailed || !strings.Contains(a.Error, "changed since the apply") || !strings.Contains(a.Error, networkString(other)) {
		t.Errorf("n1 = %+v", a)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("the rollback wrote %v", w)
	}
	wantNetwork(t, "after the refused rollback", e.service(t), other)
}

func TestApplyNetworkDryRun(t *testing.T) {
	t.Parallel()
	e := seedNetwork(t)
	target := plan.AwsVpcSettings{Subnets: slices.Clone(e.subnets[2:4]), SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"}
	p := e.makePlan(t, target, "")
	var out bytes.Buffer
	o := e.opts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("a dry run wrote %v", w)
	}
	if readJournalExists(o.JournalPath) {
		t.Errorf("a dry run wrote a journal")
	}
	b, _ := json.Marshal(map[string]any{"cluster": "prod", "service": "api", "networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{
		"subnets": target.Subnets, "securityGroups": target.SecurityGroups, "assignPublicIp": "DISABLED"}}})
	if want := "n1: would call ecs:UpdateService " + string(b); !strings.Contains(out.String(), want) {
		t.Errorf("the dry run does not print %s:\n%s", want, out.String())
	}
	if a := rep.Action("n1"); a.Status != StatusWouldDo {
		t.Errorf("n1 = %+v", a)
	}
	wantNetwork(t, "after a dry run", e.service(t), e.original())
}

// TestApplyNetworkInvalid refuses, before reading or changing anything, a network configuration that
// UpdateService would take with another meaning than the plan's.
func TestApplyNetworkInvalid(t *testing.T) {
	t.Parallel()
	e := seedNetwork(t)
	for name, n := range map[string]plan.AwsVpcSettings{
		"no security group": {Subnets: slices.Clone(e.subnets[:2]), AssignPublicIp: "DISABLED"},
		"no subnet":         {SecurityGroups: []string{e.sg}, AssignPublicIp: "DISABLED"},
		"no assignPublicIp": {Subnets: slices.Clone(e.subnets[:2]), SecurityGroups: []string{e.sg}},
	} {
		p := e.makePlan(t, n, "")
		var out bytes.Buffer
		o := e.opts(t, &out)
		rep, err := Apply(context.Background(), e.cfg, p, o)
		if !errors.Is(err, ErrInvalidPlan) {
			t.Errorf("%s: err = %v, want ErrInvalidPlan", name, err)
		}
		if rep != nil {
			if w := writes(rep.Calls); len(w) != 0 {
				t.Errorf("%s: wrote %v", name, w)
			}
		}
		if readJournalExists(o.JournalPath) {
			t.Errorf("%s: wrote a journal", name)
		}
	}
	wantNetwork(t, "after the refusals", e.service(t), e.original())
}

func TestSameNetwork(t *testing.T) {
	t.Parallel()
	n := func(subnets, groups []string, ip string) *plan.AwsVpcSettings {
		return &plan.AwsVpcSettings{Subnets: subnets, SecurityGroups: groups, AssignPublicIp: ip}
	}
	tests := []struct {
		name string
		a, b *plan.AwsVpcSettings
		want bool
	}{
		{"same", n([]string{"a", "b"}, []string{"g"}, "DISABLED"), n([]string{"a", "b"}, []string{"g"}, "DISABLED"), true},
		{"order does not count", n([]string{"b", "a"}, []string{"h", "g"}, "ENABLED"), n([]string{"a", "b"}, []string{"g", "h"}, "ENABLED"), true},
		{"unset is DISABLED", n([]string{"a"}, []string{"g"}, ""), n([]string{"a"}, []string{"g"}, "DISABLED"), true},
		{"public IP", n([]string{"a"}, []string{"g"}, "ENABLED"), n([]string{"a"}, []string{"g"}, "DISABLED"), false},
		{"subnets", n([]string{"a"}, []string{"g"}, "DISABLED"), n([]string{"a", "b"}, []string{"g"}, "DISABLED"), false},
		{"groups", n([]string{"a"}, []string{"g"}, "DISABLED"), n([]string{"a"}, []string{"h"}, "DISABLED"), false},
		{"none and none", nil, nil, true},
		{"none and one", nil, n([]string{"a"}, []string{"g"}, "DISABLED"), false},
	}
	for _, tt := range tests {
		if got := sameNetwork(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: sameNetwork = %v, want %v", tt.name, got, tt.want)
		}
	}
	// The applier's form is the fingerprint's (plan.NetworkFact), so that the stale check and the applier
	// agree on "changed".
	a := n([]string{"b", "a"}, []string{"g"}, "DISABLED")
	if got, want := networkFact(a), plan.NetworkFact(toSDKNetwork(a)); got != want {
		t.Errorf("networkFact = %q, plan.NetworkFact = %q", got, want)
	}
}

// opts are the fixture's Options with the configuration's replacement subnets: every subnet of the
// default VPC (the tests move the service to some of them).
func (e *netEstate) opts(t *testing.T, buf *bytes.Buffer) Options {
	o := opts(t, buf)
	o.Configured = &plan.ConfiguredValues{ReplacementSubnets: map[string][]string{"vpc-default": slices.Clone(e.subnets)}}
	return o
}
