package plan

// Re-deriving what an earlier version of the plan took on trust: the source group of a replacement
// ingress rule (from the load balancers in front of the services the action names, as read at apply
// time) and a move to a revision an earlier plan registered (the revision the service runs with the
// action's edits, field by field).

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// wantRefused fails unless err is a *RederiveError of action id at path whose message says why.
func wantRefused(t *testing.T, err error, id, path, why string) {
	t.Helper()
	var re *RederiveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a refusal of %s at %s", err, id, path)
	}
	if re.Action != id || re.Path != path || !strings.Contains(err.Error(), why) {
		t.Errorf("refusal %q (action %s, path %s), want action %s, path %s, saying %q", err.Error(), re.Action, re.Path, id, path, why)
	}
}

func TestRederiveReplacementSources(t *testing.T) {
	tests := []struct {
		name        string
		make        func() (*Plan, *ReadState)
		path, why   string // "" when re-derived
		copyOfGroup bool
	}{
		{"the service's load balancer's group", func() (*Plan, *ReadState) { return withLBs(ingressPlan(fromGroup("sg-alb"))) }, "", "", false},
		{"the group of another load balancer of the VPC", func() (*Plan, *ReadState) { return withLBs(ingressPlan(fromGroup("sg-evil"))) },
			"updateSecurityGroupIngress.authorize[0]", "is from security group sg-evil, which is not the group of a load balancer in front of service prod/api", false},
		{"another service named, which does not use the group", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-evil")))
			other := "arn:aws:ecs:eu-west-1:123456789012:service/prod/evil"
			p.Actions[0].UpdateSecurityGroupIngress.Services = []ProtectedService{{Cluster: "prod", Service: other}}
			st.Services[other] = ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-9"}, AssignPublicIp: "DISABLED"}}
			st.ServiceTargetGroups[other] = []string{lbEvilTG}
			return p, st
		}, "updateSecurityGroupIngress.services[0]", "does not use security group sg-1", false},
		{"a CIDR rule with a service that does not use the group", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(from("10.0.0.0/8")))
			st.Config = configured()
			st.Services[lbService] = ServiceSettings{Network: &AwsVpcSettings{SecurityGroups: []string{"sg-2"}}}
			return p, st
		}, "updateSecurityGroupIngress.services[0]", "does not use security group sg-1", false},
		{"the service not read", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-alb")))
			delete(st.Services, lbService)
			return p, st
		}, "updateSecurityGroupIngress.services[0]", "which was not read", false},
		{"the service behind a Classic Load Balancer", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-alb")))
			st.ServiceTargetGroups[lbService] = []string{""}
			return p, st
		}, "updateSecurityGroupIngress.services[0]", "Classic Load Balancer", false},
		{"the service's target group gone", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-alb")))
			delete(st.TargetGroups, lbTG)
			return p, st
		}, "updateSecurityGroupIngress.services[0]", "target group " + lbTG + " was not found", false},
		{"the load balancer gone", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-alb")))
			delete(st.LoadBalancers, lbALB)
			return p, st
		}, "updateSecurityGroupIngress.services[0]", "load balancer " + lbALB + " (of target group " + lbTG + ") was not found", false},
		{"the service no longer behind the load balancer", func() (*Plan, *ReadState) {
			p, st := withLBs(ingressPlan(fromGroup("sg-alb")))
			st.ServiceTargetGroups[lbService] = []string{}
			return p, st
		}, "updateSecurityGroupIngress.authorize[0]", "(as read: none)", false},
		{"copy: the service's load balancer's group", func() (*Plan, *ReadState) { return withLBs(copyPlan(fromGroup("sg-alb"))) }, "", "", true},
		{"copy: another load balancer's group", func() (*Plan, *ReadState) { return withLBs(copyPlan(fromGroup("sg-evil"))) },
			"createSecurityGroup.ingress[0]", "not the group of a load balancer in front of service prod/api", true},
		{"copy: an old plan naming no service", func() (*Plan, *ReadState) {
			p, st := withLBs(copyPlan(fromGroup("sg-alb")))
			p.Actions[0].CreateSecurityGroup.Services = nil
			return p, st
		}, "createSecurityGroup.services", "a plan made before ecsfix named them", true},
		{"copy: resumed, the service already on the copy", func() (*Plan, *ReadState) {
			p, st := withLBs(copyPlan(fromGroup("sg-alb")))
			ph := SecurityGroupPlaceholder("a1")
			p.Actions = append(p.Actions, Action{ID: "a2", Type: UpdateService, Region: "eu-west-1", Resource: lbService,
				UpdateService: &UpdateServiceChange{Cluster: "prod", Service: lbService, SecurityGroupsFrom: map[string]string{ph: "a1"},
					Before: ServiceSettings{Network: copyNetwork(st.Services[lbService].Network)},
					After:  ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{ph}, AssignPublicIp: "DISABLED"}}}})
			st.Services[lbService] = ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-new"}, AssignPublicIp: "DISABLED"}}
			st.Started = map[string]bool{"a2": true}
			return p, st
		}, "", "", true},
		{"copy: the service moved to another group, not by this plan", func() (*Plan, *ReadState) {
			p, st := withLBs(copyPlan(fromGroup("sg-alb")))
			st.Services[lbService] = ServiceSettings{Network: &AwsVpcSettings{Subnets: []string{"subnet-a"}, SecurityGroups: []string{"sg-new"}, AssignPublicIp: "DISABLED"}}
			return p, st
		}, "createSecurityGroup.services[0]", "does not use security group sg-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, st := tt.make()
			err := p.Rederive(&p.Actions[0], st)
			if tt.path == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantRefused(t, err, "a1", tt.path, tt.why)
		})
	}
}

// The plan fingerprints the services a security-group action names, and names only services of its
// account and region.
func TestProtectedServicesCoverageAndValidation(t *testing.T) {
	p, _ := withLBs(ingressPlan(fromGroup("sg-alb")))
	a := &p.Actions[0]
	a.Account = "123456789012"
	p.State = []Fingerprint{{Resource: "sg-1", ResourceType: detect.TypeSecurityGroup, Facts: map[string]string{FactIngress: "", FactEgress: ""}}}
	if err := p.CheckStateCoverage(); err == nil || !strings.Contains(err.Error(), "no fingerprint of "+lbService) {
		t.Errorf("coverage without the service's fingerprint: %v", err)
	}
	p.State = append(p.State, Fingerprint{Resource: lbService, ResourceType: detect.TypeService, Facts: map[string]string{FactStatus: "ACTIVE", FactNetwork: "x"}})
	if err := p.CheckStateCoverage(); err != nil {
		t.Errorf("coverage with it: %v", err)
	}
	if errs := validateProtected(a, "updateSecurityGroupIngress", a.UpdateSecurityGroupIngress.Services); len(errs) != 0 {
		t.Errorf("validate: %v", errs)
	}
	for name, s := range map[string]ProtectedService{
		"another account": {Cluster: "prod", Service: "arn:aws:ecs:eu-west-1:999999999999:service/prod/api"},
		"another region":  {Cluster: "prod", Service: "arn:aws:ecs:us-east-1:123456789012:service/prod/api"},
		"not a service":   {Cluster: "prod", Service: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"},
		"no cluster":      {Service: lbService},
	} {
		if errs := validateProtected(a, "updateSecurityGroupIngress", []ProtectedService{s}); len(errs) == 0 {
			t.Errorf("%s: %+v accepted", name, s)
		}
	}
}

// existingMove plans, after an earlier plan registered web:2 (the ECS.3 fix of web:1: pidMode host
// removed) and the service went back to web:1, the move of the service to web:2; it returns the plan,
// the inventory, and the state the applier reads.
func existingMove(t *testing.T) (*Plan, *detect.Inventory, *ReadState) {
	t.Helper()
	in := bInventory([]detect.TaskDefinition{
		bTD("web", 1, func(td *detect.TaskDefinition) { td.PidMode = ecstypes.PidModeHost }),
	}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	o := bOptions()
	first := buildPlan(t, in, o)
	applied := applyPlan(t, in, first)
	applied.Services[0].TaskDefinition = aws.String(bTDArn("web", 1))
	p := buildPlan(t, applied, o)
	if len(p.Actions) != 1 || p.Actions[0].Type != UpdateService || p.Actions[0].UpdateService.After.TaskDefinition != bTDArn("web", 2) {
		t.Fatalf("re-plan: %+v", p.Actions)
	}
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{}, Services: map[string]ServiceSettings{
		bSvcArn("web"): {TaskDefinition: bTDArn("web", 1), PlatformVersion: "LATEST", Network: &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}},
	}}
	for _, f := range p.State {
		if f.ResourceType == detect.TypeTaskDefinition {
			td, ok := applied.TaskDefinition(f.Resource)
			if !ok {
				t.Fatalf("state %s not in the inventory", f.Resource)
			}
			st.TaskDefinitions[f.Resource] = td
		}
	}
	return p, applied, st
}

func TestRederiveMoveToEarlierPlansRevision(t *testing.T) {
	p, _, st := existingMove(t)
	a := &p.Actions[0]
	if err := p.Rederive(a, st); err != nil {
		t.Fatalf("the legitimate move: %v", err)
	}
	// Both revisions are fingerprinted (what re-derivation reads), and the risk is the edits' (ECS.3).
	if len(st.TaskDefinitions) != 2 {
		t.Errorf("the plan fingerprints %d revisions, want the one the service runs and the one it moves to", len(st.TaskDefinitions))
	}
	if got, want := p.EffectiveRisk(*a, nil), controlRisk(detect.ECS3ID, nil); got != want || got == RiskHigh {
		t.Errorf("risk %s, want the ECS.3 fix's %s", got, want)
	}

	// A revision planted after the first plan: web:2 with another image, as web:3.
	planted := *st.TaskDefinitions[bTDArn("web", 2)]
	planted.TaskDefinitionArn, planted.Revision = aws.String(bTDArn("web", 3)), 3
	planted.ContainerDefinitions = append([]ecstypes.ContainerDefinition(nil), planted.ContainerDefinitions...)
	planted.ContainerDefinitions[0].Image = aws.String("attacker.example/backdoor")

	tests := []struct {
		name      string
		edit      func(u *UpdateServiceChange, st *ReadState)
		path, why string
	}{
		{"a planted revision of another image", func(u *UpdateServiceChange, st *ReadState) {
			u.After.TaskDefinition = bTDArn("web", 3)
			st.TaskDefinitions[bTDArn("web", 3)] = &planted
		}, "updateService.after.taskDefinition", "its field containerDefinitions[0].image"},
		{"a planted revision, in the host's PID namespace again", func(u *UpdateServiceChange, st *ReadState) {
			td := *st.TaskDefinitions[bTDArn("web", 1)]
			td.TaskDefinitionArn, td.Revision = aws.String(bTDArn("web", 3)), 3
			u.After.TaskDefinition = bTDArn("web", 3)
			st.TaskDefinitions[bTDArn("web", 3)] = &td
		}, "updateService.after.taskDefinition", "its field pidMode"},
		{"edits relabelled (the ECS.3 fix called ECS.5)", func(u *UpdateServiceChange, _ *ReadState) {
			for i := range u.Edits {
				u.Edits[i].Control = detect.ECS5ID
			}
		}, "updateService.after.taskDefinition", "is not the revision the service runs"},
		{"an old plan without edits", func(u *UpdateServiceChange, _ *ReadState) { u.Edits = nil },
			"updateService.edits", "a plan made before ecsfix recorded them"},
		{"an older revision", func(u *UpdateServiceChange, st *ReadState) {
			u.Before.TaskDefinition = bTDArn("web", 2)
			u.After.TaskDefinition = bTDArn("web", 1)
			st.Services[bSvcArn("web")] = ServiceSettings{TaskDefinition: bTDArn("web", 2), PlatformVersion: "LATEST", Network: st.Services[bSvcArn("web")].Network}
		}, "updateService.after.taskDefinition", "not a newer revision of the family the service runs"},
		{"another family", func(u *UpdateServiceChange, _ *ReadState) { u.After.TaskDefinition = bTDArn("api", 7) },
			"updateService.after.taskDefinition", "not a newer revision of the family"},
		{"another account", func(u *UpdateServiceChange, _ *ReadState) {
			u.After.TaskDefinition = strings.Replace(bTDArn("web", 2), bAccount, "999999999999", 1)
		}, "updateService.after.taskDefinition", "in its account and region"},
		{"the target not read", func(u *UpdateServiceChange, st *ReadState) { delete(st.TaskDefinitions, bTDArn("web", 2)) },
			"updateService.after.taskDefinition", "which was not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, st := existingMove(t)
			a := &p.Actions[0]
			tt.edit(a.UpdateService, st)
			wantRefused(t, p.Rederive(a, st), a.ID, tt.path, tt.why)
		})
	}

	// Without edits, the move is high risk (nothing says what the revision may differ in), and a plan
	// without the revisions' fingerprints does not cover what the action reads.
	p2, _, _ := existingMove(t)
	p2.Actions[0].UpdateService.Edits = nil
	if r := p2.EffectiveRisk(p2.Actions[0], nil); r != RiskHigh {
		t.Errorf("risk without edits %s, want high", r)
	}
	p3, _, _ := existingMove(t)
	var kept []Fingerprint
	for _, f := range p3.State {
		if f.Resource != bTDArn("web", 2) {
			kept = append(kept, f)
		}
	}
	p3.State = kept
	if err := p3.CheckStateCoverage(); err == nil || !strings.Contains(err.Error(), bTDArn("web", 2)) {
		t.Errorf("coverage without the target's fingerprint: %v", err)
	}
}

// A fix whose re-derivation needs the plan's own support actions (secrets, logs) or the services'
// networks (host network) is registered again rather than reused: a move to an earlier plan's revision
// is re-derived from the two revisions alone.
func TestReusableFixes(t *testing.T) {
	for _, tt := range []struct {
		control string
		want    bool
	}{{detect.ECS3ID, true}, {detect.ECS5ID, true}, {detect.ECS4ID, true}, {detect.ECS8ID, false}, {detect.ECS9ID, false}, {detect.ECS17ID, false}} {
		rp := &revisionPlan{edits: []Edit{{Control: tt.control, Path: "x", Change: "y"}}}
		if got := reusable(rp); got != tt.want {
			t.Errorf("reusable with an edit of %s = %v, want %v", tt.control, got, tt.want)
		}
	}
	if reusable(&revisionPlan{edits: []Edit{{Control: detect.ECS3ID}}, logs: []*logNeed{{}}}) {
		t.Errorf("a fix that needs a log group is reusable")
	}
}

// show lists the edits a move to an earlier plan's revision re-derives it with.
func TestRenderMoveEdits(t *testing.T) {
	p, _, _ := existingMove(t)
	var b strings.Builder
	if err := RenderText(&b, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Actions[0].UpdateService.Edits {
		if !strings.Contains(b.String(), e.Control+"  "+e.Path+": "+e.Change) {
			t.Errorf("the text rendering does not show edit %s %s:\n%s", e.Control, e.Path, b.String())
		}
	}
}

// A move whose edits name the logging fix (a fix the planner does not reuse) is re-derived like its
// registration: the log group must be one an ensure-log-group action of the plan makes.
func TestRederiveMoveWithLoggingEdits(t *testing.T) {
	noLogs := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = nil })
	src := bTD("web", 1, noLogs)
	target := bTD("web", 2, noLogs, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs,
			Options: map[string]string{"awslogs-group": "/elsewhere", "awslogs-region": bRegion, "awslogs-stream-prefix": "app"}}
	}))
	svc := bSvcArn("web")
	p := &Plan{Actions: []Action{{ID: "a1", Type: UpdateService, Account: bAccount, Region: bRegion, Resource: svc, Controls: []string{detect.ECS9ID},
		UpdateService: &UpdateServiceChange{Cluster: bCluster, Service: svc, Before: ServiceSettings{TaskDefinition: src.ARN()}, After: ServiceSettings{TaskDefinition: target.ARN()},
			Edits: []Edit{{Control: detect.ECS9ID, Path: "containerDefinitions[app].logConfiguration", Change: "log to /elsewhere"}}}}}}
	st := &ReadState{Services: map[string]ServiceSettings{svc: {TaskDefinition: src.ARN()}},
		TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): &src, target.ARN(): &target}, Config: &ConfiguredValues{}}
	wantRefused(t, p.Rederive(&p.Actions[0], st), "a1", "updateService.after.taskDefinition", "containerDefinitions[0].logConfiguration.options.awslogs-group")
}

// With an ensure-log-group action for it, the group must still be the configuration's template's.
func TestRederiveMoveLogGroupFromTemplate(t *testing.T) {
	noLogs := ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = nil })
	src := bTD("web", 1, noLogs)
	target := bTD("web", 2, noLogs, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs,
			Options: map[string]string{"awslogs-group": "/elsewhere", "awslogs-region": bRegion, "awslogs-stream-prefix": "app"}}
	}))
	svc := bSvcArn("web")
	p := &Plan{Actions: []Action{
		{ID: "a1", Type: EnsureLogGroup, Account: bAccount, Region: bRegion, Resource: "/elsewhere", EnsureLogGroup: &EnsureLogGroupChange{Name: "/elsewhere", RetentionDays: 30}},
		{ID: "a2", Type: UpdateService, Account: bAccount, Region: bRegion, Resource: svc, Controls: []string{detect.ECS9ID},
			UpdateService: &UpdateServiceChange{Cluster: bCluster, Service: svc, Before: ServiceSettings{TaskDefinition: src.ARN()}, After: ServiceSettings{TaskDefinition: target.ARN()},
				Edits: []Edit{{Control: detect.ECS9ID, Path: "containerDefinitions[app].logConfiguration", Change: "log to /elsewhere"}}}}}}
	st := &ReadState{Services: map[string]ServiceSettings{svc: {TaskDefinition: src.ARN()}},
		TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): &src, target.ARN(): &target}, Config: &ConfiguredValues{}}
	wantRefused(t, p.Rederive(&p.Actions[1], st), "a2", "containerDefinitions[0].logConfiguration.options.awslogs-group", "fix.logs.group_template")
}
