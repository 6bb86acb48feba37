package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// The update-auto-scaling-group change kind: an Auto Scaling group's scale-in protection of new
// instances (NewInstancesProtectedFromScaleIn), turned on before its capacity provider's managed
// termination protection (ECS.19), which AWS refuses while the group leaves it off.

// UpdateAutoScalingGroup turns on the scale-in protection of an Auto Scaling group's new instances.
const UpdateAutoScalingGroup ActionType = "update-auto-scaling-group"

// FactScaleInProtection is the fingerprinted NewInstancesProtectedFromScaleIn of an Auto Scaling group
// ("true" or "false").
const FactScaleInProtection = "newInstancesProtectedFromScaleIn"

// UpdateAutoScalingGroupChange sets NewInstancesProtectedFromScaleIn of an Auto Scaling group, for the
// capacity provider that uses the group.
type UpdateAutoScalingGroupChange struct {
	// AutoScalingGroup is the group's ARN (the action's Resource); Name its name, which the API takes.
	AutoScalingGroup string `json:"autoScalingGroup"`
	Name             string `json:"name"`
	// CapacityProvider is the ARN of the capacity provider whose managed termination protection needs
	// the group's protection: its group must be this one.
	CapacityProvider string                   `json:"capacityProvider"`
	Before           AutoScalingGroupSettings `json:"before"`
	After            AutoScalingGroupSettings `json:"after"`
}

// AutoScalingGroupSettings are the settings of an Auto Scaling group the ECS.19 fix changes.
type AutoScalingGroupSettings struct {
	NewInstancesProtectedFromScaleIn bool `json:"newInstancesProtectedFromScaleIn"`
}

// AutoScalingGroupRead is an Auto Scaling group as read at apply time.
type AutoScalingGroupRead struct {
	Name                             string
	NewInstancesProtectedFromScaleIn bool
}

// Touches implements Change: the group and the capacity provider it is changed for.
func (c *UpdateAutoScalingGroupChange) Touches() []string {
	return uniqueStrings(c.AutoScalingGroup, c.CapacityProvider)
}

// Writes implements Change: the group.
func (c *UpdateAutoScalingGroupChange) Writes(a *Action) []string {
	return uniqueStrings(a.Resource, c.AutoScalingGroup)
}

// Facts implements Change: the group's protection, and the capacity provider's group, managed scaling
// and managed termination protection (the fix is planned for that provider only, and needed by it only
// while its protection is not ENABLED yet: see loneGroupUpdate).
func (c *UpdateAutoScalingGroupChange) Facts(a *Action) []FactCheck {
	return []FactCheck{
		{Resource: a.Resource, ResourceType: detect.TypeAutoScalingGroup, Facts: []string{FactScaleInProtection}},
		{Resource: c.CapacityProvider, ResourceType: detect.TypeCapacityProvider, Facts: []string{FactProviderGroup, FactManagedScaling, FactTerminationProtection}},
	}
}

// Rederivable implements Change: see Rebuild.
func (c *UpdateAutoScalingGroupChange) Rederivable() bool { return true }

var _ Rebuilder[AutoScalingGroupSettings, AutoScalingGroupSettings] = (*UpdateAutoScalingGroupChange)(nil)

// Rebuild is the group's settings after the change, from those read at apply time: new instances
// protected from scale-in.
func (c *UpdateAutoScalingGroupChange) Rebuild(before AutoScalingGroupSettings) (AutoScalingGroupSettings, error) {
	before.NewInstancesProtectedFromScaleIn = true
	return before, nil
}

func (c *UpdateAutoScalingGroupChange) implicitDependencies() []string { return nil }

func (c *UpdateAutoScalingGroupChange) validate(a *Action, _ map[string]*Action) []error {
	return providerGroupErrs("updateAutoScalingGroup", a, c.CapacityProvider, c.AutoScalingGroup, "autoScalingGroup", "group", c.AutoScalingGroup, c.Name, detect.AutoScalingGroupName)
}

// providerGroupErrs checks what both kinds of ECS.19's fix name: a capacity provider and its Auto Scaling
// group, in one account and region; the payload's own resource (field, the one named) is the action's
// resource, called noun, and name is its name (nameOf).
func providerGroupErrs(kind string, a *Action, provider, group, field, noun, resource, name string, nameOf func(string) string) []error {
	var errs []error
	for _, f := range []struct{ key, v string }{{"capacityProvider", provider}, {"autoScalingGroup", group}, {"name", name}} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("%s: %s is required", kind, f.key))
		}
	}
	if resource != "" && a.Resource != "" && a.Resource != resource {
		errs = append(errs, fmt.Errorf("%s: %s %s is not the action's resource %s", kind, field, resource, a.Resource))
	}
	if resource != "" && name != "" && nameOf(resource) != name {
		errs = append(errs, fmt.Errorf("%s: name %q is not the name of %s %s", kind, name, noun, resource))
	}
	if group != "" && provider != "" && !sameAccountRegion(group, provider) {
		errs = append(errs, fmt.Errorf("%s: group %s is not in the account and region of capacity provider %s", kind, group, provider))
	}
	return errs
}

// validateControls: the group's protection is the precondition of ECS.19's fix only.
func (c *UpdateAutoScalingGroupChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "an Auto Scaling group update", detect.ECS19ID)
}

// riskFloor: ECS.19's risk when it turns the protection of new instances on, high otherwise.
func (c *UpdateAutoScalingGroupChange) riskFloor(_ *Plan, _ *Action, overrides map[string]Risk) RiskFloor {
	if !c.After.NewInstancesProtectedFromScaleIn || c.Before.NewInstancesProtectedFromScaleIn {
		return highBecause("it does not only turn on the scale-in protection of group %s's new instances (ECS.19's fix does only that)", c.Name)
	}
	var f RiskFloor
	f.raiseControl(detect.ECS19ID, "it protects group "+c.Name+"'s new instances from scale-in", overrides)
	return f
}

func (c *UpdateAutoScalingGroupChange) details() changeDetails {
	return changeDetails{rows: [][2]string{{"group", c.Name}, {"provider", detect.ShortARN(c.CapacityProvider)}}}
}

// diff diffs the group's setting.
func (c *UpdateAutoScalingGroupChange) diff() (string, error) {
	name := "autoScalingGroup/" + c.Name
	line := func(s AutoScalingGroupSettings) string {
		return "NewInstancesProtectedFromScaleIn: " + strconv.FormatBool(s.NewInstancesProtectedFromScaleIn) + "\n"
	}
	return unifiedDiff(name+" (now)", name+" (after)", line(c.Before), line(c.After))
}

// rederive implements rederiver: the group read is the one the capacity provider read uses, the provider
// has managed scaling ENABLED, its managed termination protection is ENABLED as read or an action of this
// plan turning it on depends on this one, and the after-state is the group read with new instances protected.
func (c *UpdateAutoScalingGroupChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the Auto Scaling group's settings"
	g, ok := st.AutoScalingGroups[a.Resource]
	if !ok {
		return rederiveFail(a, what, "", "the Auto Scaling group %s was not read", a.Resource)
	}
	if g.Name != c.Name {
		return rederiveFail(a, what, "updateAutoScalingGroup.name", "is %q: the group read is named %q", c.Name, g.Name)
	}
	cp, ok := st.CapacityProviders[c.CapacityProvider]
	if !ok {
		return rederiveFail(a, what, "updateAutoScalingGroup.capacityProvider", "is %s, which was not read", c.CapacityProvider)
	}
	if !sameGroup(c.CapacityProvider, cp.AutoScalingGroup, a.Resource, c.Name) {
		return rederiveFail(a, what, "updateAutoScalingGroup.capacityProvider", "is %s, whose Auto Scaling group as read is %s, not %s", c.CapacityProvider, cp.AutoScalingGroup, a.Resource)
	}
	if cp.ManagedScaling != "ENABLED" {
		return rederiveFail(a, what, "updateAutoScalingGroup.capacityProvider", "is %s, whose managed scaling as read is %s: the ECS.19 fix needs it ENABLED", c.CapacityProvider, orAbsent(cp.ManagedScaling))
	}
	if cp.ManagedTerminationProtection != mtpEnabled && p.providerUpdateOf(a, nil) == nil {
		return rederiveFail(a, what, "updateAutoScalingGroup.capacityProvider", "is %s, whose managed termination protection as read is %s, and no update-capacity-provider action of this plan depending on this one turns it on: "+
			"alone, the group's protection would keep every new instance from scale-in with nothing to lift it", c.CapacityProvider, orAbsent(cp.ManagedTerminationProtection))
	}
	before := AutoScalingGroupSettings{NewInstancesProtectedFromScaleIn: g.NewInstancesProtectedFromScaleIn}
	if st.Started[a.ID] {
		before = c.Before
	}
	want, _ := c.Rebuild(before)
	if c.After != want {
		return rederiveFail(a, what, "updateAutoScalingGroup.after.newInstancesProtectedFromScaleIn", "is %t: the ECS.19 fix sets %t", c.After.NewInstancesProtectedFromScaleIn, want.NewInstancesProtectedFromScaleIn)
	}
	if c.Before != before {
		return rederiveFail(a, what, "updateAutoScalingGroup.before.newInstancesProtectedFromScaleIn", "is %t: the group read has %t", c.Before.NewInstancesProtectedFromScaleIn, before.NewInstancesProtectedFromScaleIn)
	}
	return nil
}

const mtpEnabled = "ENABLED"

// providerUpdateOf is the update-capacity-provider action of p that depends on the group update a and
// turns on the managed termination protection of a's capacity provider, on a's group; nil when there is
// none. With kept set, only the actions it keeps count (Subset).
func (p *Plan) providerUpdateOf(a *Action, kept func(id string) bool) *Action {
	g := a.UpdateAutoScalingGroup
	if p == nil || g == nil {
		return nil
	}
	for i := range p.Actions {
		d := &p.Actions[i]
		c := d.UpdateCapacityProvider
		if d.Type != UpdateCapacityProvider || c == nil || (kept != nil && !kept(d.ID)) || !slices.Contains(d.DependsOn, a.ID) {
			continue
		}
		if d.Resource == g.CapacityProvider && c.CapacityProvider == g.CapacityProvider && c.AutoScalingGroup == a.Resource &&
			c.After.ManagedTerminationProtection == mtpEnabled {
			return d
		}
	}
	return nil
}

// plannedProtection is the managed termination protection p's state records for capacity provider arn
// ("" when p fingerprints no such provider).
func (p *Plan) plannedProtection(arn string) string {
	for _, f := range p.State {
		if f.Resource == arn && f.ResourceType == detect.TypeCapacityProvider {
			return f.Facts[FactTerminationProtection]
		}
	}
	return ""
}

// loneGroupUpdate is why the group update a may not be applied without its provider's (ECS.19): no
// update-capacity-provider action (of those kept, when kept is set) depends on it to turn on its
// provider's managed termination protection, and p's state does not record that protection ENABLED
// already. Alone, the group's protection keeps every new instance from scale-in, and nothing lifts it
// (Amazon ECS does only under managed termination protection). "" when a may be applied.
func (p *Plan) loneGroupUpdate(a *Action, kept func(id string) bool) string {
	g := a.UpdateAutoScalingGroup
	if a.Type != UpdateAutoScalingGroup || g == nil || p.providerUpdateOf(a, kept) != nil || p.plannedProtection(g.CapacityProvider) == mtpEnabled {
		return ""
	}
	return fmt.Sprintf("no update-capacity-provider action depending on it turns on the managed termination protection of capacity provider %s, "+
		"which the plan's state does not record ENABLED: alone, the protection of group %s would keep every new instance from scale-in with nothing to lift it", g.CapacityProvider, g.Name)
}

// checkGroupUpdates is Validate's check of the plan's group updates: none may be applied alone
// (loneGroupUpdate).
func (p *Plan) checkGroupUpdates() []error {
	var errs []error
	for i := range p.Actions {
		if why := p.loneGroupUpdate(&p.Actions[i], nil); why != "" {
			errs = append(errs, fmt.Errorf("action %d (%s): updateAutoScalingGroup: %s", i+1, p.Actions[i].ID, why))
		}
	}
	return errs
}

// sameGroup reports whether ref, the autoScalingGroupArn of the capacity provider of ARN provider (the
// group's ARN or name), names the group arn of that name. The group must be in the provider's account
// and region: a name is looked up there, so a group of that name elsewhere is another group.
func sameGroup(provider, ref, arn, name string) bool {
	account, region := detect.AccountOf(provider), detect.RegionOf(provider)
	if account == "" || region == "" || detect.AccountOf(arn) != account || detect.RegionOf(arn) != region {
		return false
	}
	if strings.HasPrefix(ref, "arn:") {
		return ref == arn
	}
	return ref != "" && ref == name
}

// sameAccountRegion reports whether two ARNs name the same account and region (both set).
func sameAccountRegion(a, b string) bool {
	return detect.AccountOf(a) != "" && detect.RegionOf(a) != "" &&
		detect.AccountOf(a) == detect.AccountOf(b) && detect.RegionOf(a) == detect.RegionOf(b)
}

// orAbsent is s, or "absent" when empty.
func orAbsent(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}
