package plan

// Tests of the ECS.19 fix: the remedy (which capacity providers it fixes, in which order, and why the
// others are not fixed), the update-auto-scaling-group and update-capacity-provider change kinds
// (validation, risk floor, diff) and their re-derivation at apply time from the state read, which
// refuses a plan edited to target another group or to set other values.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	cpArn   = "arn:aws:ecs:us-east-1:123456789012:capacity-provider/nodes"
	asgArn  = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0d1c:autoScalingGroupName/nodes-asg"
	asgArn2 = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:77ab:autoScalingGroupName/other-asg"
	// asgArnElsewhere is a group named as the provider's, in another account
	asgArnElsewhere = "arn:aws:autoscaling:us-east-1:999999999999:autoScalingGroup:ffff:autoScalingGroupName/nodes-asg"
)

// cpInventory is an inventory with one capacity provider on group nodes-asg (managed scaling as given,
// managed termination protection DISABLED) and, when group is set, that group.
func cpInventory(scaling ecstypes.ManagedScalingStatus, group *astypes.AutoScalingGroup, mods ...func(*ecstypes.CapacityProvider)) *detect.Inventory {
	cp := ecstypes.CapacityProvider{Name: aws.String("nodes"), CapacityProviderArn: aws.String(cpArn), Status: ecstypes.CapacityProviderStatusActive,
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(asgArn),
			ManagedTerminationProtection: ecstypes.ManagedTerminationProtectionDisabled}}
	if scaling != "" {
		cp.AutoScalingGroupProvider.ManagedScaling = &ecstypes.ManagedScaling{Status: scaling}
	}
	for _, m := range mods {
		m(&cp)
	}
	in := &detect.Inventory{CapacityProviders: []ecstypes.CapacityProvider{cp}}
	if group != nil {
		in.AutoScalingGroups = []astypes.AutoScalingGroup{*group}
	}
	return in
}

func asg(protected bool) *astypes.AutoScalingGroup {
	return &astypes.AutoScalingGroup{AutoScalingGroupName: aws.String("nodes-asg"), AutoScalingGroupARN: aws.String(asgArn),
		NewInstancesProtectedFromScaleIn: aws.Bool(protected)}
}

// ecs19Plan builds the plan of an inventory, checking that ECS.19 failed on the provider.
func ecs19Plan(t *testing.T, in *detect.Inventory) *Plan {
	t.Helper()
	rs := detect.Evaluate(in, bSettings())
	failed := false
	for _, r := range rs {
		if r.Control == detect.ECS19ID && r.ResourceArn == cpArn && r.Status == detect.Failed {
			failed = true
		}
	}
	if !failed {
		t.Fatal("ECS.19 did not fail on the capacity provider")
	}
	p, err := Build(in, rs, bOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckStateCoverage(); err != nil {
		t.Fatal(err)
	}
	return p
}

// readOf is the state an applier reads of the inventory's provider and group.
func readOf(in *detect.Inventory) *ReadState {
	st := &ReadState{AutoScalingGroups: map[string]AutoScalingGroupRead{}, CapacityProviders: map[string]CapacityProviderRead{}, Started: map[string]bool{}}
	for _, g := range in.AutoScalingGroups {
		st.AutoScalingGroups[aws.ToString(g.AutoScalingGroupARN)] = AutoScalingGroupRead{Name: aws.ToString(g.AutoScalingGroupName),
			NewInstancesProtectedFromScaleIn: aws.ToBool(g.NewInstancesProtectedFromScaleIn)}
	}
	for _, cp := range in.CapacityProviders {
		p := cp.AutoScalingGroupProvider
		rd := CapacityProviderRead{Name: aws.ToString(cp.Name), AutoScalingGroup: aws.ToString(p.AutoScalingGroupArn),
			ManagedTerminationProtection: string(p.ManagedTerminationProtection)}
		if p.ManagedScaling != nil {
			rd.ManagedScaling = string(p.ManagedScaling.Status)
		}
		st.CapacityProviders[aws.ToString(cp.CapacityProviderArn)] = rd
	}
	return st
}

func skippedReason(p *Plan, control, resource string) string {
	for _, s := range p.Skipped {
		if s.Control == control && s.Resource == resource {
			return s.Reason
		}
	}
	return ""
}

func TestRemedyECS19(t *testing.T) {
	t.Run("unprotected group: the group first, then the provider", func(t *testing.T) {
		in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false))
		p := ecs19Plan(t, in)
		if len(p.Actions) != 2 || p.Actions[0].Type != UpdateAutoScalingGroup || p.Actions[1].Type != UpdateCapacityProvider {
			t.Fatalf("actions %+v", p.Actions)
		}
		g, c := p.Actions[0], p.Actions[1]
		if g.Resource != asgArn || g.Account != "123456789012" || g.Region != "us-east-1" || g.Risk != RiskMedium ||
			g.UpdateAutoScalingGroup.Name != "nodes-asg" || g.UpdateAutoScalingGroup.CapacityProvider != cpArn ||
			g.UpdateAutoScalingGroup.Before.NewInstancesProtectedFromScaleIn || !g.UpdateAutoScalingGroup.After.NewInstancesProtectedFromScaleIn {
			t.Errorf("group action %+v %+v", g, g.UpdateAutoScalingGroup)
		}
		if c.Resource != cpArn || c.Risk != RiskMedium || len(c.DependsOn) != 1 || c.DependsOn[0] != g.ID ||
			c.UpdateCapacityProvider.AutoScalingGroup != asgArn || c.UpdateCapacityProvider.Before.ManagedTerminationProtection != "DISABLED" ||
			c.UpdateCapacityProvider.After.ManagedTerminationProtection != "ENABLED" {
			t.Errorf("provider action %+v %+v", c, c.UpdateCapacityProvider)
		}
		if !strings.Contains(strings.Join(g.Notes, " "), "no SetInstanceProtection") {
			t.Errorf("the group action does not say what happens to existing instances: %v", g.Notes)
		}
		facts := map[string]map[string]string{}
		for _, f := range p.State {
			facts[f.Resource] = f.Facts
		}
		if facts[asgArn][FactScaleInProtection] != "false" || facts[cpArn][FactTerminationProtection] != "DISABLED" ||
			facts[cpArn][FactManagedScaling] != "ENABLED" || facts[cpArn][FactProviderGroup] != asgArn {
			t.Errorf("fingerprints %v", facts)
		}
		for i := range p.Actions {
			if err := p.Rederive(&p.Actions[i], readOf(in)); err != nil {
				t.Errorf("re-derive %s: %v", p.Actions[i].ID, err)
			}
		}
	})
	t.Run("protected group: only the provider", func(t *testing.T) {
		in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(true))
		p := ecs19Plan(t, in)
		if len(p.Actions) != 1 || p.Actions[0].Type != UpdateCapacityProvider || len(p.Actions[0].DependsOn) != 0 {
			t.Fatalf("actions %+v", p.Actions)
		}
		if err := p.Rederive(&p.Actions[0], readOf(in)); err != nil {
			t.Errorf("re-derive: %v", err)
		}
	})
	for _, tc := range []struct {
		name    string
		in      *detect.Inventory
		because string
	}{
		{"managed scaling DISABLED", cpInventory(ecstypes.ManagedScalingStatusDisabled, asg(true)), "managed scaling is DISABLED: managed termination protection works only with managed scaling ENABLED, and turning managed scaling on changes how the Auto Scaling group scales"},
		{"managed scaling absent", cpInventory("", asg(true)), "managed scaling is absent"},
		{"group not read", cpInventory(ecstypes.ManagedScalingStatusEnabled, nil), "its Auto Scaling group " + asgArn + " was not read (autoscaling:DescribeAutoScalingGroups; in a snapshot, `aws autoscaling describe-auto-scaling-groups` output)"},
		{"another group read", cpInventory(ecstypes.ManagedScalingStatusEnabled, &astypes.AutoScalingGroup{AutoScalingGroupName: aws.String("other-asg"), AutoScalingGroupARN: aws.String(asgArn2)}), "was not read"},
		{"group owned by CloudFormation", cpInventory(ecstypes.ManagedScalingStatusEnabled, func() *astypes.AutoScalingGroup {
			g := asg(false)
			g.Tags = []astypes.TagDescription{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("ecs")}}
			return g
		}()), "its Auto Scaling group is owned by CloudFormation stack ecs"},
		{"provider owned by CloudFormation", cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false), func(cp *ecstypes.CapacityProvider) {
			cp.Tags = []ecstypes.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("ecs")}}
		}), "owned by CloudFormation stack ecs (aws:cloudformation:stack-name): set the capacity provider's managedTerminationProtection to ENABLED in its source"},
	} {
		t.Run("not fixed: "+tc.name, func(t *testing.T) {
			p := ecs19Plan(t, tc.in)
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
			if why := skippedReason(p, detect.ECS19ID, cpArn); !strings.Contains(why, tc.because) {
				t.Errorf("Skipped reason %q, want it to contain %q", why, tc.because)
			}
		})
	}
	t.Run("a group named by name is found in the provider's region", func(t *testing.T) {
		in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false), func(cp *ecstypes.CapacityProvider) {
			cp.AutoScalingGroupProvider.AutoScalingGroupArn = aws.String("nodes-asg")
		})
		p := ecs19Plan(t, in)
		if len(p.Actions) != 2 || p.Actions[1].UpdateCapacityProvider.AutoScalingGroup != asgArn {
			t.Fatalf("actions %+v", p.Actions)
		}
		for i := range p.Actions {
			if err := p.Rederive(&p.Actions[i], readOf(in)); err != nil {
				t.Errorf("re-derive %s: %v", p.Actions[i].ID, err)
			}
		}
	})
}

// A capacity provider naming its group by name (autoScalingGroupArn "nodes-asg") uses the group of
// that name in its own account and region: a group of the same name in another account (an inventory
// of several accounts) or region is not planned, and a plan edited to target it is refused.
func TestECS19GroupOfTheProvidersAccount(t *testing.T) {
	byName := func(cp *ecstypes.CapacityProvider) {
		cp.AutoScalingGroupProvider.AutoScalingGroupArn = aws.String("nodes-asg")
	}
	elsewhere := func(arn string) astypes.AutoScalingGroup {
		return astypes.AutoScalingGroup{AutoScalingGroupName: aws.String("nodes-asg"), AutoScalingGroupARN: aws.String(arn),
			NewInstancesProtectedFromScaleIn: aws.Bool(false)}
	}
	for _, other := range []string{asgArnElsewhere, "arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:eeee:autoScalingGroupName/nodes-asg"} {
		t.Run("only a same-name group elsewhere: not fixed "+detect.AccountOf(other)+" "+detect.RegionOf(other), func(t *testing.T) {
			in := cpInventory(ecstypes.ManagedScalingStatusEnabled, nil, byName)
			in.AutoScalingGroups = append(in.AutoScalingGroups, elsewhere(other))
			p := ecs19Plan(t, in)
			if len(p.Actions) != 0 {
				t.Fatalf("actions %+v", p.Actions)
			}
			if why := skippedReason(p, detect.ECS19ID, cpArn); !strings.Contains(why, "its Auto Scaling group nodes-asg was not read") {
				t.Errorf("Skipped reason %q", why)
			}
		})
	}
	t.Run("a group named by ARN in another account: not fixed", func(t *testing.T) {
		in := cpInventory(ecstypes.ManagedScalingStatusEnabled, nil, func(cp *ecstypes.CapacityProvider) {
			cp.AutoScalingGroupProvider.AutoScalingGroupArn = aws.String(asgArnElsewhere)
		})
		in.AutoScalingGroups = append(in.AutoScalingGroups, elsewhere(asgArnElsewhere))
		if p := ecs19Plan(t, in); len(p.Actions) != 0 {
			t.Fatalf("actions %+v", p.Actions)
		}
	})
	t.Run("both: the provider's own account's group", func(t *testing.T) {
		for _, first := range []bool{true, false} {
			in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false), byName)
			if first {
				in.AutoScalingGroups = append([]astypes.AutoScalingGroup{elsewhere(asgArnElsewhere)}, in.AutoScalingGroups...)
			} else {
				in.AutoScalingGroups = append(in.AutoScalingGroups, elsewhere(asgArnElsewhere))
			}
			p := ecs19Plan(t, in)
			if len(p.Actions) != 2 || p.Actions[0].Resource != asgArn || p.Actions[0].Account != "123456789012" ||
				p.Actions[1].UpdateCapacityProvider.AutoScalingGroup != asgArn {
				t.Fatalf("actions %+v", p.Actions)
			}
		}
	})
	t.Run("a plan edited to the other account's group is refused", func(t *testing.T) {
		in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false), byName)
		in.AutoScalingGroups = append(in.AutoScalingGroups, elsewhere(asgArnElsewhere))
		p := &Plan{Actions: []Action{groupAction(), providerAction("a1")}}
		g := &p.Actions[0]
		g.Account, g.Resource, g.UpdateAutoScalingGroup.AutoScalingGroup = "999999999999", asgArnElsewhere, asgArnElsewhere
		p.Actions[1].UpdateCapacityProvider.AutoScalingGroup = asgArnElsewhere
		st := readOf(in)
		if err := p.Rederive(&p.Actions[0], st); err == nil || !strings.Contains(err.Error(), "whose Auto Scaling group as read is nodes-asg, not "+asgArnElsewhere) {
			t.Errorf("re-derive of the group's update: %v", err)
		}
		if err := p.Rederive(&p.Actions[1], st); err == nil || !strings.Contains(err.Error(), "is "+asgArnElsewhere+": the capacity provider read uses nodes-asg") {
			t.Errorf("re-derive of the provider's update: %v", err)
		}
		for i, want := range []string{"updateAutoScalingGroup: group " + asgArnElsewhere + " is not in the account and region of capacity provider " + cpArn,
			"updateCapacityProvider: group " + asgArnElsewhere + " is not in the account and region of capacity provider " + cpArn} {
			if err := ValidateAction(p, &p.Actions[i]); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("validate %s: %v, want %q", p.Actions[i].ID, err, want)
			}
		}
	})
}

func groupAction() Action {
	return Action{ID: "a1", Type: UpdateAutoScalingGroup, Account: "123456789012", Region: "us-east-1", Resource: asgArn, Controls: []string{"ECS.19"}, Risk: RiskMedium,
		UpdateAutoScalingGroup: &UpdateAutoScalingGroupChange{AutoScalingGroup: asgArn, Name: "nodes-asg", CapacityProvider: cpArn,
			After: AutoScalingGroupSettings{NewInstancesProtectedFromScaleIn: true}}}
}

func providerAction(deps ...string) Action {
	return Action{ID: "a2", Type: UpdateCapacityProvider, Account: "123456789012", Region: "us-east-1", Resource: cpArn, Controls: []string{"ECS.19"}, Risk: RiskMedium,
		DependsOn: deps,
		UpdateCapacityProvider: &UpdateCapacityProviderChange{CapacityProvider: cpArn, Name: "nodes", AutoScalingGroup: asgArn,
			Before: CapacityProviderSettings{ManagedTerminationProtection: "DISABLED"}, After: CapacityProviderSettings{ManagedTerminationProtection: "ENABLED"}}}
}

func TestCapacityProviderKinds(t *testing.T) {
	edit := func(a Action, f func(a *Action)) Action { f(&a); return a }
	checkValidate(t, []vcase{
		{"group: alone", nil, groupAction(), "updateAutoScalingGroup: no update-capacity-provider action depending on it turns on the managed termination protection of capacity provider " + cpArn},
		{"group: no name", nil, edit(groupAction(), func(a *Action) { a.UpdateAutoScalingGroup.Name = "" }), "updateAutoScalingGroup: name is required"},
		{"group: name of another group", nil, edit(groupAction(), func(a *Action) { a.UpdateAutoScalingGroup.Name = "other-asg" }), `name "other-asg" is not the name of group`},
		{"group: payload names another group", nil, edit(groupAction(), func(a *Action) { a.UpdateAutoScalingGroup.AutoScalingGroup = asgArn2 }), "is not the action's resource"},
		{"group: no provider", nil, edit(groupAction(), func(a *Action) { a.UpdateAutoScalingGroup.CapacityProvider = "" }), "updateAutoScalingGroup: capacityProvider is required"},
		{"group: another control", nil, edit(groupAction(), func(a *Action) { a.Controls = []string{"ECS.12"} }), `"ECS.12" is not a control that an Auto Scaling group update fixes (only ECS.19)`},
		{"provider: valid after the group", []Action{groupAction()}, providerAction("a1"), ""},
		{"provider: valid alone", nil, providerAction(), ""},
		{"provider: does not depend on the group's update", []Action{groupAction()}, providerAction(), "action a1 turns on the scale-in protection of group " + asgArn + ", which the provider's managed termination protection needs: dependsOn must name it"},
		{"provider: name of another provider", nil, edit(providerAction(), func(a *Action) { a.UpdateCapacityProvider.Name = "spare" }), `name "spare" is not the name of capacity provider`},
		{"provider: no group", nil, edit(providerAction(), func(a *Action) { a.UpdateCapacityProvider.AutoScalingGroup = "" }), "updateCapacityProvider: autoScalingGroup is required"},
		{"provider: another control", nil, edit(providerAction(), func(a *Action) { a.Controls = []string{"ECS.19", "ECS.10"} }), `"ECS.10" is not a control that a capacity provider update fixes (only ECS.19)`},
	})
	checkRisk(t, []rcase{
		{"group: protection on", nil, groupAction(), nil, RiskMedium},
		{"group: protection on, overridden", nil, groupAction(), map[string]Risk{"ECS.19": RiskLow}, RiskLow},
		{"group: protection off", nil, edit(groupAction(), func(a *Action) { a.UpdateAutoScalingGroup.After.NewInstancesProtectedFromScaleIn = false }), nil, RiskHigh},
		{"provider: ENABLED", nil, providerAction(), nil, RiskMedium},
		{"provider: DISABLED", nil, edit(providerAction(), func(a *Action) { a.UpdateCapacityProvider.After.ManagedTerminationProtection = "DISABLED" }), nil, RiskHigh},
	})
	d, err := providerAction().UpdateCapacityProvider.diff()
	if want := "--- capacityProvider/nodes (now)\n+++ capacityProvider/nodes (after)\n@@ -1 +1 @@\n-managedTerminationProtection: DISABLED\n+managedTerminationProtection: ENABLED\n"; err != nil || d != want {
		t.Errorf("diff = %q, %v; want %q", d, err, want)
	}
	d, err = groupAction().UpdateAutoScalingGroup.diff()
	if want := "--- autoScalingGroup/nodes-asg (now)\n+++ autoScalingGroup/nodes-asg (after)\n@@ -1 +1 @@\n-NewInstancesProtectedFromScaleIn: false\n+NewInstancesProtectedFromScaleIn: true\n"; err != nil || d != want {
		t.Errorf("diff = %q, %v; want %q", d, err, want)
	}
}

// A plan edited after it was made — to target another Auto Scaling group, to set other values, to drop
// the group's update or to enable a provider whose managed scaling is off — is refused by the
// re-derivation at apply time, from the state read.
func TestCapacityProviderRederiveTamper(t *testing.T) {
	in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false))
	other := &astypes.AutoScalingGroup{AutoScalingGroupName: aws.String("other-asg"), AutoScalingGroupARN: aws.String(asgArn2), NewInstancesProtectedFromScaleIn: aws.Bool(false)}
	in.AutoScalingGroups = append(in.AutoScalingGroups, *other)
	fresh := func() *Plan { return &Plan{Actions: []Action{groupAction(), providerAction("a1")}} }
	for _, tc := range []struct {
		name   string
		edit   func(p *Plan)
		st     func(st *ReadState)
		action int
		want   string
	}{
		{"as planned: the group", nil, nil, 0, ""},
		{"as planned: the provider", nil, nil, 1, ""},
		{"the group's update targets another group", func(p *Plan) {
			g := p.Actions[0].UpdateAutoScalingGroup
			p.Actions[0].Resource, g.AutoScalingGroup, g.Name = asgArn2, asgArn2, "other-asg"
		}, nil, 0, "whose Auto Scaling group as read is " + asgArn + ", not " + asgArn2},
		{"the provider's update names another group", func(p *Plan) {
			p.Actions[1].UpdateCapacityProvider.AutoScalingGroup = asgArn2
		}, nil, 1, "is " + asgArn2 + ": the capacity provider read uses " + asgArn},
		{"the group's update turns protection off", func(p *Plan) {
			p.Actions[0].UpdateAutoScalingGroup.After.NewInstancesProtectedFromScaleIn = false
		}, nil, 0, "updateAutoScalingGroup.after.newInstancesProtectedFromScaleIn is false: the ECS.19 fix sets true"},
		{"the provider's update sets DISABLED", func(p *Plan) {
			p.Actions[1].UpdateCapacityProvider.After.ManagedTerminationProtection = "DISABLED"
		}, nil, 1, `updateCapacityProvider.after.managedTerminationProtection is "DISABLED": the ECS.19 fix sets "ENABLED"`},
		{"the provider's update no longer depends on the group's", func(p *Plan) {
			p.Actions[1].DependsOn = nil
		}, nil, 1, "names no action of this plan turning on the scale-in protection of group"},
		{"managed scaling turned off since", nil, func(st *ReadState) {
			cp := st.CapacityProviders[cpArn]
			cp.ManagedScaling = "DISABLED"
			st.CapacityProviders[cpArn] = cp
		}, 1, "managed scaling as read is DISABLED"},
		{"the group was not read", nil, func(st *ReadState) { delete(st.AutoScalingGroups, asgArn) }, 0, "was not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fresh()
			if tc.edit != nil {
				tc.edit(p)
			}
			st := readOf(in)
			if tc.st != nil {
				tc.st(st)
			}
			err := p.Rederive(&p.Actions[tc.action], st)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("re-derive: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("re-derive: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// The group's update of the ECS.19 fix is never applied alone: without the capacity provider's update
// that depends on it, the group would protect every new instance from scale-in and nothing would lift the
// protection (Amazon ECS does only under managed termination protection). A plan keeping only the
// group's update is refused by Validate and by the re-derivation, and Subset leaves the group's update
// out with the provider's — unless the provider's managed termination protection is ENABLED already.
func TestECS19GroupUpdateNotAlone(t *testing.T) {
	in := cpInventory(ecstypes.ManagedScalingStatusEnabled, asg(false))
	const lone = "no update-capacity-provider action depending on it turns on the managed termination protection of capacity provider " + cpArn
	t.Run("the provider's update dropped", func(t *testing.T) {
		p := ecs19Plan(t, in)
		p.Actions = p.Actions[:1]
		if p.Actions[0].Type != UpdateAutoScalingGroup {
			t.Fatalf("actions %+v", p.Actions)
		}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), lone) {
			t.Errorf("Validate: %v, want %q", err, lone)
		}
		if err := p.Rederive(&p.Actions[0], readOf(in)); err == nil || !strings.Contains(err.Error(), "whose managed termination protection as read is DISABLED, and no update-capacity-provider action of this plan depending on this one turns it on") {
			t.Errorf("re-derive: %v", err)
		}
		if k, _ := p.Subset(RiskHigh, nil); len(k.Actions) != 0 {
			t.Errorf("Subset keeps %+v", k.Actions)
		}
	})
	t.Run("the provider's update no longer depends on it", func(t *testing.T) {
		p := ecs19Plan(t, in)
		p.Actions[1].DependsOn = nil
		if err := p.Rederive(&p.Actions[0], readOf(in)); err == nil || !strings.Contains(err.Error(), "no update-capacity-provider action of this plan depending on this one") {
			t.Errorf("re-derive: %v", err)
		}
		if err := ValidateAction(p, &p.Actions[0]); err == nil || !strings.Contains(err.Error(), lone) {
			t.Errorf("ValidateAction: %v", err)
		}
	})
	t.Run("Subset leaves out the provider's update: the group's goes too", func(t *testing.T) {
		p := ecs19Plan(t, in)
		p.Actions[1].Risk = RiskHigh
		k, left := p.Subset(RiskMedium, nil)
		if len(k.Actions) != 0 || len(left) != 2 {
			t.Fatalf("Subset keeps %+v, leaves %+v", k.Actions, left)
		}
		if why := p.LeftOut(RiskMedium, nil)[p.Actions[0].ID]; !strings.Contains(why, lone) {
			t.Errorf("LeftOut says %q", why)
		}
		if k, _ := p.Subset(RiskHigh, nil); len(k.Actions) != 2 {
			t.Errorf("Subset(high) keeps %+v", k.Actions)
		}
	})
	t.Run("the provider's protection ENABLED already: the group's update alone is valid", func(t *testing.T) {
		p := ecs19Plan(t, in)
		p.Actions = p.Actions[:1]
		for i := range p.State {
			if p.State[i].Resource == cpArn {
				p.State[i].Facts[FactTerminationProtection] = "ENABLED"
			}
		}
		st := readOf(in)
		cp := st.CapacityProviders[cpArn]
		cp.ManagedTerminationProtection = "ENABLED"
		st.CapacityProviders[cpArn] = cp
		if err := p.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
		if err := p.Rederive(&p.Actions[0], st); err != nil {
			t.Errorf("re-derive: %v", err)
		}
		if k, _ := p.Subset(RiskMedium, nil); len(k.Actions) != 1 {
			t.Errorf("Subset keeps %+v", k.Actions)
		}
	})
}
