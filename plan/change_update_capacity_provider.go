package plan

import (
	"fmt"
	"slices"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The update-capacity-provider change kind: a capacity provider's managed termination protection turned
// on (ECS.19), once its Auto Scaling group protects new instances from scale-in (the plan's
// update-auto-scaling-group action it depends on, or the group as it is) and with its managed scaling
// ENABLED, the preconditions AWS sets.

// UpdateCapacityProvider turns on a capacity provider's managed termination protection.
const UpdateCapacityProvider ActionType = "update-capacity-provider"

// Fact names of a capacity provider.
const (
	FactTerminationProtection = "managedTerminationProtection"
	FactManagedScaling        = "managedScaling"
	FactProviderGroup         = "autoScalingGroup"
)

// UpdateCapacityProviderChange sets a capacity provider's managed termination protection.
type UpdateCapacityProviderChange struct {
	// CapacityProvider is the provider's ARN (the action's Resource); Name its name, which the API takes.
	CapacityProvider string `json:"capacityProvider"`
	Name             string `json:"name"`
	// AutoScalingGroup is the ARN of the provider's Auto Scaling group.
	AutoScalingGroup string                   `json:"autoScalingGroup"`
	Before           CapacityProviderSettings `json:"before"`
	After            CapacityProviderSettings `json:"after"`
}

// CapacityProviderSettings are the settings of a capacity provider the ECS.19 fix changes.
type CapacityProviderSettings struct {
	ManagedTerminationProtection string `json:"managedTerminationProtection"`
}

// CapacityProviderRead is a capacity provider as read at apply time.
type CapacityProviderRead struct {
	Name string
	// AutoScalingGroup is the provider's autoScalingGroupArn (the group's ARN, or its name).
	AutoScalingGroup             string
	ManagedTerminationProtection string
	ManagedScaling               string
}

// CapacityProviderFacts fingerprint a capacity provider: its status, its Auto Scaling group, its managed
// termination protection and its managed scaling's status.
func CapacityProviderFacts(cp *ecstypes.CapacityProvider) map[string]string {
	f := map[string]string{FactStatus: string(cp.Status), FactProviderGroup: "", FactTerminationProtection: "", FactManagedScaling: ""}
	if g := cp.AutoScalingGroupProvider; g != nil {
		f[FactProviderGroup] = deref(g.AutoScalingGroupArn)
		f[FactTerminationProtection] = string(g.ManagedTerminationProtection)
		if g.ManagedScaling != nil {
			f[FactManagedScaling] = string(g.ManagedScaling.Status)
		}
	}
	return f
}

// Touches implements Change: the provider and its group.
func (c *UpdateCapacityProviderChange) Touches() []string {
	return uniqueStrings(c.CapacityProvider, c.AutoScalingGroup)
}

// Writes implements Change: the provider.
func (c *UpdateCapacityProviderChange) Writes(a *Action) []string {
	return uniqueStrings(a.Resource, c.CapacityProvider)
}

// Facts implements Change: the provider's group, protection and managed scaling, and its group's
// scale-in protection of new instances.
func (c *UpdateCapacityProviderChange) Facts(a *Action) []FactCheck {
	return []FactCheck{
		{Resource: a.Resource, ResourceType: detect.TypeCapacityProvider, Facts: []string{FactStatus, FactProviderGroup, FactTerminationProtection, FactManagedScaling}},
		{Resource: c.AutoScalingGroup, ResourceType: detect.TypeAutoScalingGroup, Facts: []string{FactScaleInProtection}},
	}
}

// Rederivable implements Change: see Rebuild.
func (c *UpdateCapacityProviderChange) Rederivable() bool { return true }

var _ Rebuilder[CapacityProviderSettings, CapacityProviderSettings] = (*UpdateCapacityProviderChange)(nil)

// Rebuild is the provider's settings after the change, from those read at apply time: managed
// termination protection ENABLED.
func (c *UpdateCapacityProviderChange) Rebuild(before CapacityProviderSettings) (CapacityProviderSettings, error) {
	before.ManagedTerminationProtection = string(ecstypes.ManagedTerminationProtectionEnabled)
	return before, nil
}

func (c *UpdateCapacityProviderChange) implicitDependencies() []string { return nil }

// validate: the payload names the provider and its group; an earlier action of the plan that updates
// that group is one the provider's update depends on (AWS refuses the protection before the group's).
func (c *UpdateCapacityProviderChange) validate(a *Action, earlier map[string]*Action) []error {
	errs := providerGroupErrs("updateCapacityProvider", a, c.CapacityProvider, c.AutoScalingGroup, "capacityProvider", "capacity provider", c.CapacityProvider, c.Name, detect.ShortARN)
	for id, e := range earlier {
		if g := e.UpdateAutoScalingGroup; e.Type == UpdateAutoScalingGroup && g != nil && g.AutoScalingGroup == c.AutoScalingGroup && !slices.Contains(a.DependsOn, id) {
			errs = append(errs, fmt.Errorf("updateCapacityProvider: action %s turns on the scale-in protection of group %s, which the provider's managed termination protection needs: dependsOn must name it", id, c.AutoScalingGroup))
		}
	}
	return errs
}

// validateControls: a capacity provider update fixes ECS.19 only.
func (c *UpdateCapacityProviderChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a capacity provider update", detect.ECS19ID)
}

// riskFloor: ECS.19's risk when it turns managed termination protection on, high otherwise.
func (c *UpdateCapacityProviderChange) riskFloor(_ *Plan, _ *Action, overrides map[string]Risk) RiskFloor {
	if c.After.ManagedTerminationProtection != string(ecstypes.ManagedTerminationProtectionEnabled) ||
		c.Before.ManagedTerminationProtection == string(ecstypes.ManagedTerminationProtectionEnabled) {
		return highBecause("it does not only turn managed termination protection on for capacity provider %s (ECS.19's fix does only that)", c.Name)
	}
	var f RiskFloor
	f.raiseControl(detect.ECS19ID, "it turns managed termination protection on for capacity provider "+c.Name, overrides)
	return f
}

func (c *UpdateCapacityProviderChange) details() changeDetails {
	return changeDetails{rows: [][2]string{{"provider", c.Name}, {"group", detect.AutoScalingGroupName(c.AutoScalingGroup)}}}
}

// diff diffs the provider's setting.
func (c *UpdateCapacityProviderChange) diff() (string, error) {
	name := "capacityProvider/" + c.Name
	line := func(s CapacityProviderSettings) string {
		return "managedTerminationProtection: " + orAbsent(s.ManagedTerminationProtection) + "\n"
	}
	return unifiedDiff(name+" (now)", name+" (after)", line(c.Before), line(c.After))
}

// rederive implements rederiver: the provider read uses the group the payload names, has managed
// scaling ENABLED, and its group protects new instances from scale-in as read, or an earlier action of
// this plan it depends on turns that on; the after-state is the provider read with managed termination
// protection ENABLED.
func (c *UpdateCapacityProviderChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the capacity provider's settings"
	cp, ok := st.CapacityProviders[a.Resource]
	if !ok {
		return rederiveFail(a, what, "", "the capacity provider %s was not read", a.Resource)
	}
	if cp.Name != c.Name {
		return rederiveFail(a, what, "updateCapacityProvider.name", "is %q: the capacity provider read is named %q", c.Name, cp.Name)
	}
	g, ok := st.AutoScalingGroups[c.AutoScalingGroup]
	if !ok {
		return rederiveFail(a, what, "updateCapacityProvider.autoScalingGroup", "is %s, which was not read", c.AutoScalingGroup)
	}
	if !sameGroup(a.Resource, cp.AutoScalingGroup, c.AutoScalingGroup, g.Name) {
		return rederiveFail(a, what, "updateCapacityProvider.autoScalingGroup", "is %s: the capacity provider read uses %s", c.AutoScalingGroup, cp.AutoScalingGroup)
	}
	if cp.ManagedScaling != "ENABLED" {
		return rederiveFail(a, what, "", "the capacity provider's managed scaling as read is %s: managed termination protection needs it ENABLED", orAbsent(cp.ManagedScaling))
	}
	if !g.NewInstancesProtectedFromScaleIn && !p.protectsGroup(a, c.AutoScalingGroup) {
		return rederiveFail(a, what, "dependsOn", "names no action of this plan turning on the scale-in protection of group %s, which as read leaves it off: AWS refuses managed termination protection without it", c.AutoScalingGroup)
	}
	before := CapacityProviderSettings{ManagedTerminationProtection: cp.ManagedTerminationProtection}
	if st.Started[a.ID] {
		before = c.Before
	}
	want, _ := c.Rebuild(before)
	if c.After != want {
		return rederiveFail(a, what, "updateCapacityProvider.after.managedTerminationProtection", "is %q: the ECS.19 fix sets %q", c.After.ManagedTerminationProtection, want.ManagedTerminationProtection)
	}
	if c.Before != before {
		return rederiveFail(a, what, "updateCapacityProvider.before.managedTerminationProtection", "is %q: the capacity provider read has %q", c.Before.ManagedTerminationProtection, before.ManagedTerminationProtection)
	}
	return nil
}

// protectsGroup reports whether an action a depends on turns on the scale-in protection of group.
func (p *Plan) protectsGroup(a *Action, group string) bool {
	for _, id := range a.DependsOn {
		d := p.actionByID(id)
		if d != nil && d.Type == UpdateAutoScalingGroup && d.UpdateAutoScalingGroup != nil &&
			d.UpdateAutoScalingGroup.AutoScalingGroup == group && d.UpdateAutoScalingGroup.After.NewInstancesProtectedFromScaleIn {
			return true
		}
	}
	return false
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
