package plan

import (
	"fmt"
	"strings"
)

// The change kinds. Every action carries one payload, of the kind its type names; each kind lives in its
// own file (change_*.go) with its payload type, its validation, the risk floor derived from what it does,
// the resources it touches, how it is rendered, and how its after-state is rebuilt from the state read at
// apply time. The core (Validate, EffectiveRisk, the renderers, Subset) goes through the Change interface;
// changeKinds below is the one place that maps an action type to its payload.

// Change is the payload of an action: one kind of change.
type Change interface {
	// Touches lists the resources whose fingerprints (Plan.State) the change relies on, besides the
	// action's Resource. The list errs on the side of keeping a fingerprint: an extra one only makes the
	// stale check stricter.
	Touches() []string
	// Writes lists the resources action a, whose payload this is, writes (its Resource among them): a
	// change the journal says was started on one of them is expected when the applier compares
	// fingerprints.
	Writes(a *Action) []string
	// Facts are the fingerprinted facts the applier must find as planned before action a writes.
	Facts(a *Action) []FactCheck
	// Rederivable reports whether the applier can rebuild the change's after-state from the state it
	// reads at apply time plus the plan's typed edits (the kind's Rebuild method; see Rebuilder).
	Rederivable() bool

	// validate checks the payload against its action and the actions before it (earlier, by id).
	validate(a *Action, earlier map[string]*Action) []error
	// validateControls checks that the action's controls are ones this kind of change fixes, as far as
	// its content backs them: a label that its content does not back would let an action pass for
	// another, lower-risk, one.
	validateControls(a *Action, earlier map[string]*Action) []error
	// riskFloor is the lowest risk the action can have, from what it does (see EffectiveRisk), and why:
	// the same code derives both, so the reasons shown cannot drift from the risk that decides.
	riskFloor(p *Plan, a *Action, overrides map[string]Risk) RiskFloor
	// details are what the renderers show of the change besides the action's common fields.
	details() changeDetails
	// diff is the unified diff of what the change does ("" when it shows none).
	diff() (string, error)
	// implicitDependencies are ids of actions the change needs applied before it, beyond DependsOn.
	implicitDependencies() []string
}

// Rebuilder is a change whose after-state the applier can rebuild from the before-state B it reads at
// apply time plus the plan's typed edits: Rebuild returns the after-state A to write (or to compare with
// what is there), or an error when the edits cannot be applied to that state.
type Rebuilder[B, A any] interface {
	Change
	Rebuild(before B) (A, error)
}

// FactCheck names fingerprinted facts (Fingerprint.Facts) of one resource that the applier must find as
// the plan recorded them before the change writes.
type FactCheck struct {
	Resource     string
	ResourceType string
	Facts        []string
}

// changeDetails are what the renderers show of a change besides the action's common fields.
type changeDetails struct {
	// rows are label/value lines (the text rendering's fields, the markdown "Details" list).
	rows [][2]string
	// edits, masked and secretRefs belong to a registration; source is its source revision's short name.
	edits      []Edit
	masked     []Masked
	secretRefs []SecretRef
	source     string
	// grants are label/value lines shown in the text rendering only, after rows.
	grants [][2]string
}

// changeKind is one row of the decode table: an action type, the JSON name of its payload field, the
// payload of an action (nil when that field is not set), and the nouns the summary line counts it by.
type changeKind struct {
	typ            ActionType
	field          string
	payload        func(a *Action) Change
	single, plural string
}

// changeKinds is the decode table, in the order the summary line counts the kinds.
var changeKinds = []changeKind{
	{RegisterTaskDefinition, "registerTaskDefinition", func(a *Action) Change { return orNil(a.RegisterTaskDefinition) }, "task definition", "task definitions"},
	{UpdateService, "updateService", func(a *Action) Change { return orNil(a.UpdateService) }, "service", "services"},
	{UpdateClusterSettings, "updateClusterSettings", func(a *Action) Change { return orNil(a.UpdateClusterSettings) }, "cluster", "clusters"},
	{CreateSecret, "createSecret", func(a *Action) Change { return orNil(a.CreateSecret) }, "secret", "secrets"},
	{EnsureLogGroup, "ensureLogGroup", func(a *Action) Change { return orNil(a.EnsureLogGroup) }, "log group", "log groups"},
	{PutRolePolicy, "putRolePolicy", func(a *Action) Change { return orNil(a.PutRolePolicy) }, "role policy", "role policies"},
	{DeregisterTaskDefinition, "deregisterTaskDefinition", func(a *Action) Change { return orNil(a.DeregisterTaskDefinition) }, "deregistration", "deregistrations"},
	{DetachRolePolicy, "detachRolePolicy", func(a *Action) Change { return orNil(a.DetachRolePolicy) }, "policy detachment", "policy detachments"},
	{RemovePolicyStatements, "removePolicyStatements", func(a *Action) Change { return orNil(a.RemovePolicyStatements) }, "inline policy edit", "inline policy edits"},
	{UpdateSecurityGroupIngress, "updateSecurityGroupIngress", func(a *Action) Change { return orNil(a.UpdateSecurityGroupIngress) }, "security group", "security groups"},
	{CreateSecurityGroup, "createSecurityGroup", func(a *Action) Change { return orNil(a.CreateSecurityGroup) }, "security group copy", "security group copies"},
	{UpdateAutoScalingGroup, "updateAutoScalingGroup", func(a *Action) Change { return orNil(a.UpdateAutoScalingGroup) }, "Auto Scaling group", "Auto Scaling groups"},
	{UpdateCapacityProvider, "updateCapacityProvider", func(a *Action) Change { return orNil(a.UpdateCapacityProvider) }, "capacity provider", "capacity providers"},
}

// orNil is c as a Change, or a nil Change when c is a nil pointer.
func orNil[T any, P interface {
	*T
	Change
}](c P) Change {
	if c == nil {
		return nil
	}
	return c
}

// kindOf is the decode-table row of an action type (nil for an unknown type).
func kindOf(t ActionType) *changeKind {
	for i := range changeKinds {
		if changeKinds[i].typ == t {
			return &changeKinds[i]
		}
	}
	return nil
}

// Change returns the payload the action's type names, or nil when the type is unknown or that payload
// is not set.
func (a *Action) Change() Change {
	if k := kindOf(a.Type); k != nil {
		return k.payload(a)
	}
	return nil
}

// payloadCount is the number of payload fields set on an action, of whatever type.
func payloadCount(a *Action) int {
	n := 0
	for _, k := range changeKinds {
		if k.payload(a) != nil {
			n++
		}
	}
	return n
}

// payloadField is the JSON name of the payload field of an action type (the type itself when unknown).
func payloadField(t ActionType) string {
	if k := kindOf(t); k != nil {
		return k.field
	}
	return string(t)
}

// controlsAmong checks that each control of a is one of allowed (case-insensitive); what names the kind
// of action in the message ("a create-secret action").
func controlsAmong(a *Action, what string, allowed ...string) []error {
	var errs []error
	for _, c := range a.Controls {
		if controlsWithin([]string{c}, allowed...) {
			continue
		}
		list := strings.Join(allowed, ", ")
		if len(allowed) == 1 {
			list = "only " + allowed[0]
		}
		errs = append(errs, fmt.Errorf("controls: %q is not a control that %s fixes (%s)", c, what, list))
	}
	return errs
}

// uniqueStrings is the non-empty strings of s, each once, in order.
func uniqueStrings(s ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
