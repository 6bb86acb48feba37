package plan

import (
	"strings"
	"testing"
)

// Every medium or high risk says why, from the same derivation that computes it.

func TestRiskOfSaysWhy(t *testing.T) {
	sgAction := func(p *Plan) {
		p.Actions[4] = Action{ID: "a5", Type: UpdateSecurityGroupIngress, Account: "123456789012", Region: "eu-west-1",
			Resource: "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123", Controls: []string{"EXPOSURE.open-security-group"}, Risk: RiskHigh,
			UpdateSecurityGroupIngress: &UpdateSecurityGroupIngressChange{GroupID: "sg-0123", VpcID: "vpc-1",
				Authorize: []IngressRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, SourceGroup: "sg-lb"}},
				Revoke: []IngressRule{{Protocol: "tcp", FromPort: 443, ToPort: 443, CidrIPv4: "0.0.0.0/0"},
					{Protocol: "tcp", FromPort: 22, ToPort: 22, CidrIPv4: "0.0.0.0/0"}}}}
	}
	tests := []struct {
		name      string
		edit      func(p *Plan)
		overrides map[string]Risk
		id        string
		want      Risk
		why       []string // each in some reason
		not       []string // in no reason
	}{
		{"ECS.5 edits are medium by default", nil, nil, "a1", RiskMedium,
			[]string{"2 edits of ECS.5: containerDefinitions[web].readonlyRootFilesystem, containerDefinitions[web].mountPoints (ECS.5: medium by default)"}, nil},
		{"one edit of a control is quoted", func(p *Plan) {
			p.Actions[0].RegisterTaskDefinition.Edits = p.Actions[0].RegisterTaskDefinition.Edits[:1]
		}, nil, "a1", RiskMedium,
			[]string{"containerDefinitions[web].readonlyRootFilesystem: absent → true (ECS.5: medium by default)"}, nil},
		{"an exposure answered by an edit of its remedy adds no reason of its own", func(p *Plan) {
			p.Actions[1].Controls = append(p.Actions[1].Controls, "EXPOSURE.privileged")
		}, nil, "a2", RiskHigh, []string{"privileged: true → absent (ECS.4: high by default)"}, []string{"EXPOSURE.privileged"}},
		{"each high edit is quoted", nil, nil, "a2", RiskHigh,
			[]string{"containerDefinitions[worker].privileged: true → absent (ECS.4: high by default)", "containerDefinitions[worker].user: absent → 1000:1000 (ECS.20: user from configuration (fix.linux_user)"}, nil},
		{"an edit riskier than its control quotes its Why", func(p *Plan) {
			e := &p.Actions[0].RegisterTaskDefinition.Edits[0]
			e.Risk, e.Why = RiskHigh, "image example/unknown: its writable paths cannot be known"
		}, nil, "a1", RiskHigh, []string{"containerDefinitions[web].readonlyRootFilesystem: absent → true (ECS.5: image example/unknown: its writable paths cannot be known)"},
			[]string{"medium by default"}},
		{"an edit's Risk without Why still says so", func(p *Plan) { p.Actions[0].RegisterTaskDefinition.Edits[1].Risk = RiskHigh }, nil, "a1", RiskHigh,
			[]string{"the edit is marked high"}, nil},
		{"a configuration override is named", nil, map[string]Risk{"ECS.5": RiskHigh}, "a1", RiskHigh, []string{"ECS.5: fix.risk sets it to high"}, nil},
		{"an override of the remedy covers its exposure", func(p *Plan) {
			p.Actions[1].Controls, p.Actions[1].Risk = []string{"EXPOSURE.privileged"}, RiskLow
			p.Actions[1].RegisterTaskDefinition.Edits = nil
		}, map[string]Risk{"ECS.4": RiskMedium}, "a2", RiskMedium, []string{"fix.risk sets ECS.4, whose fix it shares, to medium"}, nil},
		{"a control without automatic fix", func(p *Plan) {
			p.Actions[0].Controls, p.Actions[0].RegisterTaskDefinition.Edits = []string{"ECS.13"}, nil
		}, nil, "a1", RiskHigh, []string{"ECS.13 has no automatic fix"}, nil},
		{"a registration naming nothing", func(p *Plan) {
			p.Actions[0].Controls, p.Actions[0].RegisterTaskDefinition.Edits = nil, nil
		}, nil, "a1", RiskHigh, []string{"names no control and no edit"}, nil},
		{"a move takes its registration's reasons", nil, nil, "a3", RiskMedium,
			[]string{"it deploys the revision a1 registers: 2 edits of ECS.5: containerDefinitions[web].readonlyRootFilesystem"}, nil},
		{"a move names the registration of many reasons", func(p *Plan) {
			p.Actions[0].RegisterTaskDefinition.Edits = append(p.Actions[0].RegisterTaskDefinition.Edits,
				Edit{Control: "ECS.9", Path: "containerDefinitions[web].logConfiguration", Change: "add awslogs"},
				Edit{Control: "ECS.18", Path: "volumes[efs].efsVolumeConfiguration.transitEncryption", Change: "ENABLED"})
		}, nil, "a3", RiskMedium, []string{"it deploys the revision a1 registers: a1 is medium for the 3 reasons it gives"}, nil},
		{"a move to a revision the plan does not register", func(p *Plan) {
			p.Actions[2].UpdateService.TaskDefinitionFrom, p.Actions[2].DependsOn = "", nil
		}, nil, "a3", RiskHigh, []string{"a revision this plan does not register, and names no edits"}, nil},
		{"a move from a registration not in the plan", func(p *Plan) { p.Actions[2].UpdateService.TaskDefinitionFrom = "a9" }, nil, "a3", RiskHigh,
			[]string{"the revision of a9, which is no registration of this plan"}, nil},
		{"a move to an earlier plan's revision takes its edits' risks", func(p *Plan) {
			p.Actions[2].UpdateService.TaskDefinitionFrom, p.Actions[2].DependsOn = "", nil
			p.Actions[2].UpdateService.Edits = []Edit{{Control: "ECS.4", Path: "containerDefinitions[web].privileged", Change: "true → absent"}}
		}, nil, "a3", RiskHigh, []string{"registered earlier: containerDefinitions[web].privileged: true → absent (ECS.4: high by default)"}, nil},
		{"platform LATEST", nil, nil, "a4", RiskLow, []string{"platformVersion LATEST (ECS.10: low by default)"}, nil},
		{"another platform version", func(p *Plan) { p.Actions[3].UpdateService.After.PlatformVersion = "1.3.0" }, nil, "a4", RiskHigh,
			[]string{`platformVersion "1.3.0": ecsfix only ever sets LATEST`}, []string{"ECS.10"}},
		{"a network change names what changes", func(p *Plan) {
			p.Actions[3].UpdateService.Before.Network = &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "ENABLED"}
			p.Actions[3].UpdateService.After.Network = &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}
		}, nil, "a4", RiskHigh, []string{"assignPublicIp ENABLED → DISABLED: the tasks reach ECR, S3, CloudWatch Logs"}, []string{"subnets", "security groups"}},
		{"a network change that gives public IPs, and moves subnets", func(p *Plan) {
			p.Actions[3].UpdateService.Before.Network = &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}
			p.Actions[3].UpdateService.After.Network = &AwsVpcSettings{Subnets: []string{"subnet-2"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "ENABLED"}
		}, nil, "a4", RiskHigh, []string{"assignPublicIp DISABLED → ENABLED: the tasks get public IP addresses", "subnets subnet-1 → subnet-2"}, []string{"NAT", "security groups sg"}},
		{"a network configuration where there was none", func(p *Plan) {
			p.Actions[3].UpdateService.After.Network = &AwsVpcSettings{Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: "DISABLED"}
		}, nil, "a4", RiskHigh, []string{"it sets the network configuration: where the tasks run"}, []string{"ECS.10"}},
		{"container insights", nil, nil, "a5", RiskLow, []string{"containerInsights enabled (ECS.12: low by default)"}, nil},
		{"container insights disabled", func(p *Plan) { p.Actions[4].UpdateClusterSettings.After[0].Value = "disabled" }, nil, "a5", RiskHigh,
			[]string{`containerInsights "disabled": ecsfix only ever sets enabled or enhanced`}, nil},
		{"a security group's world-open rules, each with its replacement", sgAction, nil, "a5", RiskHigh, []string{
			"the world-open rule tcp 443 from 0.0.0.0/0 of sg-0123 is replaced by tcp 443 from sg-lb: clients outside the new source lose access",
			"the world-open rule tcp 22 from 0.0.0.0/0 of sg-0123 is revoked with no replacement"}, nil},
		{"a secret", nil, nil, "a6", RiskMedium, []string{"it creates the secret ecsfix/web/web from plaintext values of a task definition (ECS.8: medium by default)"}, nil},
		{"a secret labelled with a control it does not fix", func(p *Plan) { p.Actions[5].Controls = []string{"ECS.8", "ECS.5"} }, nil, "a6", RiskHigh,
			[]string{"a create-secret action labelled ECS.5, which it does not fix"}, nil},
		{"a log group", nil, nil, "a7", RiskMedium, []string{"it creates the log group /ecs/worker unless it exists (ECS.9: medium by default)"}, nil},
		{"a log group naming no control", func(p *Plan) { p.Actions[6].Controls = nil }, nil, "a7", RiskHigh, []string{"an ensure-log-group action that names no control"}, nil},
		{"the owned grant", nil, nil, "a8", RiskMedium, []string{"only what the plan's own secrets and log groups need"}, nil},
		{"a grant with another action", func(p *Plan) {
			p.Actions[7].PutRolePolicy.Statements[0].Actions = append(p.Actions[7].PutRolePolicy.Statements[0].Actions, "secretsmanager:ListSecrets")
		}, nil, "a8", RiskHigh, []string{"statement 1 (sid \"EcsfixReadSecrets\"): actions secretsmanager:GetSecretValue, secretsmanager:ListSecrets, not exactly secretsmanager:GetSecretValue"}, nil},
		{"a grant to another role", func(p *Plan) { p.Actions[7].PutRolePolicy.Role = "arn:aws:iam::123456789012:role/other" }, nil, "a8", RiskHigh,
			[]string{"the role arn:aws:iam::123456789012:role/other is the execution role of no registration of this plan"}, nil},
		{"a grant of a literal secret", func(p *Plan) {
			p.Actions[7].PutRolePolicy.Statements[0].Resources = []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"}
		}, nil, "a8", RiskHigh, []string{"names resources of its own"}, nil},
		{"a grant on a log group of another account", func(p *Plan) {
			for i, st := range p.Actions[7].PutRolePolicy.Statements {
				if st.Sid == SidWriteLogs {
					p.Actions[7].PutRolePolicy.Statements[i].Resources = []string{"arn:aws:logs:eu-west-1:999999999999:log-group:/ecs/worker:*"}
				}
			}
		}, nil, "a8", RiskHigh, []string{"outside the role's partition and account"}, nil},
		{"a deregistration", nil, nil, "a9", RiskHigh, []string{"it deregisters web:3: an INACTIVE revision starts no new task or service"}, nil},
		{"a detachment, whatever the overrides", nil, map[string]Risk{"EXPOSURE.admin-task-role": RiskLow}, "a10", RiskHigh,
			[]string{"it detaches arn:aws:iam::aws:policy/AdministratorAccess from the task role web-task"}, nil},
		{"an inline policy edit", nil, nil, "a11", RiskHigh, []string{"it removes the administrator statements Admin, #2 from the inline policy web-extra"}, nil},
		{"an unknown type", func(p *Plan) { p.Actions[4].Type = "delete-cluster" }, nil, "a5", RiskHigh, []string{`"delete-cluster" is not an action type ecsfix knows`}, nil},
		{"a missing payload", func(p *Plan) { p.Actions[4].UpdateClusterSettings = nil }, nil, "a5", RiskHigh, []string{"the action has no updateClusterSettings payload"}, nil},
		{"a label above what it does", func(p *Plan) { p.Actions[3].Risk = RiskHigh }, nil, "a4", RiskHigh,
			[]string{"the plan labels it high (what it does alone is low: platformVersion LATEST (ECS.10: low by default))"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if tt.edit != nil {
				tt.edit(p)
			}
			found := false
			for _, a := range p.Actions {
				if a.ID != tt.id {
					continue
				}
				found = true
				f := p.RiskOf(a, tt.overrides)
				if f.Risk != tt.want || p.EffectiveRisk(a, tt.overrides) != tt.want {
					t.Errorf("RiskOf(%s) = %s, EffectiveRisk = %s, want %s (%q)", a.ID, f.Risk, p.EffectiveRisk(a, tt.overrides), tt.want, f.Why)
				}
				all := strings.Join(f.Why, "\n")
				if len(f.Why) == 0 {
					t.Errorf("RiskOf(%s): no reason for %s", a.ID, f.Risk)
				}
				for _, w := range tt.why {
					if !strings.Contains(all, w) {
						t.Errorf("RiskOf(%s) reasons lack %q:\n%s", a.ID, w, all)
					}
				}
				for _, w := range tt.not {
					if strings.Contains(all, w) {
						t.Errorf("RiskOf(%s) reasons hold %q, which does not make it %s:\n%s", a.ID, w, f.Risk, all)
					}
				}
			}
			if !found {
				t.Fatalf("no action %s", tt.id)
			}
		})
	}
}

// TestControlRiskWhy: the reasons' derivation of a control's risk gives the risk controlRisk gives the
// planner's labels, for every control of the registry, with no override, one on the control and one on
// its remedy.
func TestControlRiskWhy(t *testing.T) {
	for _, rem := range remedies() {
		for _, c := range append([]string{rem.ID, "ECS.99"}, rem.Controls...) {
			for _, o := range []map[string]Risk{nil, {c: RiskLow}, {rem.ID: RiskMedium}, {strings.ToLower(c): RiskHigh}, {c: ""}} {
				r, why := controlRiskWhy(c, o)
				if want := controlRisk(c, o); r != want || why == "" {
					t.Errorf("controlRiskWhy(%s, %v) = %s %q, controlRisk = %s", c, o, r, why, want)
				}
			}
		}
	}
}

// TestRiskFloorKeepsTheHighestReasons: reasons of a lower risk give way to a higher one; equal ones add
// up, once each.
func TestRiskFloorKeepsTheHighestReasons(t *testing.T) {
	var f RiskFloor
	f.raise(RiskLow, "l")
	f.raise(RiskMedium, "m1")
	f.raise(RiskLow, "l2")
	f.raise(RiskMedium, "m2")
	f.raise(RiskMedium, "m1")
	if f.Risk != RiskMedium || strings.Join(f.Why, ",") != "m1,m2" {
		t.Errorf("floor = %s %q, want medium [m1 m2]", f.Risk, f.Why)
	}
	f.raise(RiskHigh, "h")
	if f.Risk != RiskHigh || strings.Join(f.Why, ",") != "h" {
		t.Errorf("floor = %s %q, want high [h]", f.Risk, f.Why)
	}
	f.raise("critical", "c") // not low, medium or high: above every level
	if f.Risk != "critical" || strings.Join(f.Why, ",") != "c" {
		t.Errorf("floor = %s %q, want critical [c]", f.Risk, f.Why)
	}
}

// TestLeftOutSaysWhy: apply --auto's list of what it leaves for approval says why for each action: its
// risk's reasons, or the action it goes with.
func TestLeftOutSaysWhy(t *testing.T) {
	p := renderFixture(t)
	kept, left := p.Subset(RiskLow, nil)
	why := p.LeftOut(RiskLow, nil)
	if len(why) != len(left) || len(kept.Actions)+len(left) != len(p.Actions) {
		t.Fatalf("LeftOut names %d actions, Subset left %d", len(why), len(left))
	}
	for _, a := range left {
		if why[a.ID] == "" {
			t.Errorf("%s left out without a reason", a.ID)
		}
	}
	for id, want := range map[string]string{
		"a2": "risk high: containerDefinitions[worker].privileged: true → absent (ECS.4: high by default)",
		"a1": "risk medium: 2 edits of ECS.5: containerDefinitions[web].readonlyRootFilesystem",
		"a9": "risk high: it deregisters web:3",
	} {
		if !strings.HasPrefix(why[id], want) {
			t.Errorf("LeftOut[%s] = %q, want it to start %q", id, why[id], want)
		}
	}
	// With medium unattended, a3 (medium, the move to a1's revision) stays; a registration of the same
	// family as a high one and an action depending on a left-out one go with it.
	p.Actions[1].RegisterTaskDefinition.Family = "web"
	why = p.LeftOut(RiskMedium, nil)
	if w := why["a1"]; w != "a2 registers family web too and is left out: a family's registrations apply together" {
		t.Errorf("LeftOut[a1] = %q", w)
	}
	if w := why["a3"]; w != "it depends on a1, left out" {
		t.Errorf("LeftOut[a3] = %q", w)
	}
}
