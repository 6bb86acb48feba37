package plan

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The ECS.19 fix: a capacity provider's managed termination protection turned on, after the scale-in
// protection of new instances of its Auto Scaling group — the precondition AWS enforces (UpdateCapacityProvider
// refuses managed termination protection on a group whose new instances are not protected from scale-in) —
// and only with managed scaling ENABLED, without which managed termination protection does not work
// (the ECS API reference, AutoScalingGroupProvider). Turning managed scaling on changes how the group
// scales: that is the operator's decision, so such a provider is listed under "Not fixed".
//
// Existing instances: NewInstancesProtectedFromScaleIn protects the instances the group launches from
// then on. With managed termination protection on, Amazon ECS itself turns on the scale-in protection
// of the group's instances it places tasks on, and turns it off once an instance runs no non-daemon task
// (developer guide, "Control the instances Amazon ECS terminates"): the fix so sets no instance's
// protection (no SetInstanceProtection), which ECS manages from then on.

// ecs19NoFix is ECS.19's Skipped reason for a finding on a resource that is not a capacity provider.
const ecs19NoFix = "enable managed termination protection on the capacity provider (its Auto Scaling group needs instance scale-in protection)"

// capacityPlan is the ECS.19 fix of one capacity provider: its group's protection (nil when the group
// protects new instances already) and its own.
type capacityPlan struct {
	provider *ecstypes.CapacityProvider
	group    *astypes.AutoScalingGroup
	asg      *UpdateAutoScalingGroupChange
	change   *UpdateCapacityProviderChange
	controls []string
}

// capacityProviderFinding routes a selected ECS.19 finding: a capacity-provider plan, or Skipped with
// why.
func (b *builder) capacityProviderFinding(r *detect.Result) {
	cp, ok := b.inv.CapacityProvider(r.ResourceArn)
	if !ok {
		return
	}
	if owner := b.owner(cp.Tags); owner != "" {
		b.skip(r.Control, r.ResourceArn, owner+": set the capacity provider's managedTerminationProtection to ENABLED in its source, after NewInstancesProtectedFromScaleIn on its Auto Scaling group")
		return
	}
	g, skip := b.capacityGroup(cp)
	if skip != "" {
		b.skip(r.Control, r.ResourceArn, skip)
		return
	}
	asg, ch := fixECS19(cp, g)
	if ch == nil {
		return
	}
	for _, p := range b.capacity {
		if p.change.CapacityProvider == ch.CapacityProvider {
			return
		}
	}
	b.capacity = append(b.capacity, &capacityPlan{provider: cp, group: g, asg: asg, change: ch, controls: []string{r.Control}})
}

// capacityGroup is the Auto Scaling group of a capacity provider the ECS.19 fix may change, or why the
// provider is not fixed.
func (b *builder) capacityGroup(cp *ecstypes.CapacityProvider) (*astypes.AutoScalingGroup, string) {
	p := cp.AutoScalingGroupProvider
	if p == nil {
		return nil, "the capacity provider has no Auto Scaling group"
	}
	if p.ManagedScaling == nil || p.ManagedScaling.Status != ecstypes.ManagedScalingStatusEnabled {
		status := "absent"
		if p.ManagedScaling != nil && p.ManagedScaling.Status != "" {
			status = string(p.ManagedScaling.Status)
		}
		return nil, "managed scaling is " + status + ": managed termination protection works only with managed scaling ENABLED, and turning managed scaling on changes how the Auto Scaling group scales (Amazon ECS then sets its desired capacity): decide it, then enable both"
	}
	ref := aws.ToString(p.AutoScalingGroupArn)
	g, ok := b.inv.AutoScalingGroup(ref, aws.ToString(cp.CapacityProviderArn))
	if !ok {
		return nil, "its Auto Scaling group " + ref + " was not read (autoscaling:DescribeAutoScalingGroups; in a snapshot, `aws autoscaling describe-auto-scaling-groups` output): whether it protects new instances from scale-in, which managed termination protection needs, is unknown"
	}
	if aws.ToString(g.AutoScalingGroupARN) == "" || aws.ToString(g.AutoScalingGroupName) == "" {
		return nil, "its Auto Scaling group " + ref + " was read without its ARN or name"
	}
	if owner := b.owner(asgTags(g)); owner != "" {
		return nil, "its Auto Scaling group is " + owner + ": set NewInstancesProtectedFromScaleIn on the group and managedTerminationProtection ENABLED on the capacity provider in its source"
	}
	return g, ""
}

// asgTags are a group's tags as ECS tags (keys and values), for the ownership check.
func asgTags(g *astypes.AutoScalingGroup) []ecstypes.Tag {
	out := make([]ecstypes.Tag, 0, len(g.Tags))
	for _, t := range g.Tags {
		out = append(out, ecstypes.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// fixECS19 is the fix of a capacity provider whose group g is known: the group's update when its new
// instances are not protected from scale-in (nil otherwise), and the provider's update (nil when its
// managed termination protection is ENABLED already).
func fixECS19(cp *ecstypes.CapacityProvider, g *astypes.AutoScalingGroup) (*UpdateAutoScalingGroupChange, *UpdateCapacityProviderChange) {
	p := cp.AutoScalingGroupProvider
	if p.ManagedTerminationProtection == ecstypes.ManagedTerminationProtectionEnabled {
		return nil, nil
	}
	arn := aws.ToString(cp.CapacityProviderArn)
	groupArn := aws.ToString(g.AutoScalingGroupARN)
	ch := &UpdateCapacityProviderChange{
		CapacityProvider: arn, Name: aws.ToString(cp.Name), AutoScalingGroup: groupArn,
		Before: CapacityProviderSettings{ManagedTerminationProtection: string(p.ManagedTerminationProtection)},
		After:  CapacityProviderSettings{ManagedTerminationProtection: string(ecstypes.ManagedTerminationProtectionEnabled)},
	}
	if aws.ToBool(g.NewInstancesProtectedFromScaleIn) {
		return nil, ch
	}
	return &UpdateAutoScalingGroupChange{
		AutoScalingGroup: groupArn, Name: aws.ToString(g.AutoScalingGroupName), CapacityProvider: arn,
		Before: AutoScalingGroupSettings{NewInstancesProtectedFromScaleIn: false},
		After:  AutoScalingGroupSettings{NewInstancesProtectedFromScaleIn: true},
	}, ch
}

// AutoScalingGroupFacts fingerprint an Auto Scaling group: whether it protects new instances from
// scale-in ("true" or "false") and its status ("" unless it is being deleted).
func AutoScalingGroupFacts(g *astypes.AutoScalingGroup) map[string]string {
	protected := "false"
	if aws.ToBool(g.NewInstancesProtectedFromScaleIn) {
		protected = "true"
	}
	return map[string]string{FactScaleInProtection: protected, FactStatus: aws.ToString(g.Status)}
}

// The notes of the ECS.19 fix's actions.
const (
	ecs19GroupNote = "only the instances the group launches from now on start protected from scale-in; its current instances are not changed " +
		"(no SetInstanceProtection): once the capacity provider's managed termination protection is ENABLED, Amazon ECS turns on the scale-in " +
		"protection of the instances it places tasks on and turns it off when an instance runs no more non-daemon task, so the group scales in only instances without tasks"
	ecs19ProviderNote = "with managed termination protection, a scale-in of the Auto Scaling group terminates only instances that run no non-daemon task: " +
		"the group may stay above its desired capacity until tasks move; do not detach instances from the group by hand while it is on"
)

// capacityActions are the actions of the ECS.19 fix, in apply order (each provider's group first), and
// the fingerprints of the providers and groups they change.
func (b *builder) capacityActions(newID func() string) ([]Action, []Fingerprint) {
	sort.Slice(b.capacity, func(i, j int) bool {
		return b.capacity[i].change.CapacityProvider < b.capacity[j].change.CapacityProvider
	})
	var acts []Action
	var state []Fingerprint
	groupAction := map[string]string{} // group ARN -> id of the action protecting it
	for _, cp := range b.capacity {
		risk := RiskLow
		for _, c := range cp.controls {
			risk = maxRisk(risk, b.risk(c))
		}
		groupArn := cp.change.AutoScalingGroup
		groupName := aws.ToString(cp.group.AutoScalingGroupName)
		protection := "false"
		if cp.asg == nil {
			protection = "true"
		}
		pre := []Precondition{
			{Check: "capacity provider managed scaling", Result: string(ecstypes.ManagedScalingStatusEnabled)},
			{Check: "Auto Scaling group " + groupName + " NewInstancesProtectedFromScaleIn", Result: protection},
		}
		var deps []string
		if cp.asg != nil {
			id, ok := groupAction[groupArn]
			if !ok {
				id = newID()
				groupAction[groupArn] = id
				acts = append(acts, Action{
					ID: id, Type: UpdateAutoScalingGroup, Account: detect.AccountOf(groupArn), Region: detect.RegionOf(groupArn),
					Resource: groupArn, Controls: cp.controls, Risk: risk,
					Summary:                "protect new instances of Auto Scaling group " + groupName + " from scale-in (for capacity provider " + cp.change.Name + ")",
					Notes:                  []string{ecs19GroupNote},
					Preconditions:          pre,
					UpdateAutoScalingGroup: cp.asg,
				})
			}
			deps = []string{id}
		}
		arn := cp.change.CapacityProvider
		acts = append(acts, Action{
			ID: newID(), Type: UpdateCapacityProvider, Account: detect.AccountOf(arn), Region: detect.RegionOf(arn),
			Resource: arn, Controls: cp.controls, Risk: risk,
			Summary:                "enable managed termination protection on capacity provider " + cp.change.Name,
			Notes:                  []string{ecs19ProviderNote},
			Preconditions:          pre,
			DependsOn:              deps,
			UpdateCapacityProvider: cp.change,
		})
		state = append(state,
			Fingerprint{Resource: arn, ResourceType: detect.TypeCapacityProvider, Region: detect.RegionOf(arn), Facts: CapacityProviderFacts(cp.provider)},
			Fingerprint{Resource: groupArn, ResourceType: detect.TypeAutoScalingGroup, Region: detect.RegionOf(groupArn), Facts: AutoScalingGroupFacts(cp.group)})
	}
	return acts, state
}
