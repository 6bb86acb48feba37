package plan

import (
	"bytes"
	"errors"
	"fmt"
)

// Validate checks what a plan must hold to be applied: the current format version, the tool that made
// it and when, and actions that are each complete (an id unique in the plan, a known type with exactly
// the payload of that type, a known risk, dependencies on earlier actions only, masked values that are
// placeholders). It reports every problem found. The applier also requires CheckStateCoverage.
func (p *Plan) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if p.FormatVersion != FormatVersion {
		bad("formatVersion is %d, want %d", p.FormatVersion, FormatVersion)
	}
	if p.Tool.Name == "" || p.Tool.Version == "" {
		bad("tool: name and version are required")
	}
	if p.CreatedAt.IsZero() {
		bad("createdAt is required")
	}
	seen := map[string]*Action{}
	for i := range p.Actions {
		a := p.Actions[i]
		where := fmt.Sprintf("action %d", i+1)
		if a.ID != "" {
			where += fmt.Sprintf(" (%s)", a.ID)
		}
		for _, err := range validateAction(&a, seen) {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		if a.ID != "" {
			if _, dup := seen[a.ID]; dup {
				bad("%s: id %q is used by an earlier action", where, a.ID)
			} else {
				seen[a.ID] = &p.Actions[i]
			}
		}
	}
	errs = append(errs, p.checkGroupUpdates()...)
	for i, f := range p.State {
		if f.Resource == "" {
			bad("state %d: resource is required", i+1)
		}
	}
	for i, ap := range p.Approvals {
		if ap.By == "" || ap.PlanHash == "" || ap.At.IsZero() {
			bad("approval %d: by, at and planHash are required", i+1)
		}
	}
	return errors.Join(errs...)
}

// ValidateAction checks one action of p against the actions before it in p, as Validate checks each
// action: it reports every problem found, nil when there is none. a is an action of p (found by identity,
// else by id); an action that is not in p is checked against all of p's actions.
func ValidateAction(p *Plan, a *Action) error {
	at := -1
	for i := range p.Actions {
		if &p.Actions[i] == a {
			at = i
		}
	}
	for i := range p.Actions {
		if at < 0 && a.ID != "" && p.Actions[i].ID == a.ID {
			at = i
		}
	}
	if at < 0 {
		at = len(p.Actions)
	}
	earlier := map[string]*Action{}
	for i := range p.Actions[:at] {
		if id := p.Actions[i].ID; id != "" {
			if _, dup := earlier[id]; !dup {
				earlier[id] = &p.Actions[i]
			}
		}
	}
	errs := validateAction(a, earlier)
	if why := p.loneGroupUpdate(a, nil); why != "" {
		errs = append(errs, fmt.Errorf("updateAutoScalingGroup: %s", why))
	}
	if _, dup := earlier[a.ID]; dup {
		errs = append(errs, fmt.Errorf("id %q is used by an earlier action", a.ID))
	}
	return errors.Join(errs...)
}

// validateAction checks one action; earlier maps the ids of the actions before it to them. What its
// payload holds, and which controls it may carry, its change kind checks (Change.validate and
// Change.validateControls).
func validateAction(a *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.ID == "" {
		bad("id is required")
	}
	if a.Resource == "" {
		bad("resource is required")
	}
	switch a.Risk {
	case RiskLow, RiskMedium, RiskHigh:
	case "":
		bad("risk is required")
	default:
		bad("risk %q is not one of low, medium, high", a.Risk)
	}
	errs = append(errs, validateFindings(a.Findings)...)
	for _, d := range a.DependsOn {
		switch {
		case d == a.ID:
			bad("depends on itself")
		case earlier[d] == nil:
			bad("depends on %q, which is not an earlier action", d)
		}
	}

	if a.Type == "" {
		bad("type is required")
		return errs
	}
	if kindOf(a.Type) == nil {
		bad("type %q is unknown", a.Type)
		return errs
	}
	c := a.Change()
	if c != nil {
		errs = append(errs, c.validate(a, earlier)...)
	}
	switch {
	case c == nil:
		bad("type %s needs its %s payload", a.Type, payloadField(a.Type))
	case payloadCount(a) > 1:
		bad("type %s may carry only its %s payload", a.Type, payloadField(a.Type))
	default:
		if len(a.Controls) == 0 {
			bad("controls: an action fixes at least one control")
		}
		errs = append(errs, c.validateControls(a, earlier)...)
	}
	return errs
}

// decodeObject decodes a JSON object.
func decodeObject(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("missing")
	}
	v, err := decodeGenericJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// distinct checks, item by item, that the items of a list each have a key and none has the key of an
// earlier one.
type distinct map[string]bool

// check returns what is wrong with the key of one item (nil when nothing): where names the item
// ("createSecret: value 2"), field the key ("key") and item what the items are ("value").
func (d distinct) check(where, field, key, item string) error {
	defer func() { d[key] = true }()
	switch {
	case key == "":
		return fmt.Errorf("%s: %s is required", where, field)
	case d[key]:
		return fmt.Errorf("%s: %s %s is used by an earlier %s", where, field, key, item)
	}
	return nil
}

// CheckStateCoverage checks that the plan's state holds, for every action, a fingerprint of each resource
// the action reads or writes with each fact the applier must find as planned (Change.Facts), except the
// optional facts (optionalFact): the stale check compares only
// what state records, so a plan whose state was emptied or thinned would otherwise be applied unchecked.
// It reports every gap, nil when there is none.
func (p *Plan) CheckStateCoverage() error {
	byResource := map[string][]*Fingerprint{}
	for i := range p.State {
		f := &p.State[i]
		byResource[f.Resource] = append(byResource[f.Resource], f)
	}
	var errs []error
	for i := range p.Actions {
		a := &p.Actions[i]
		c := a.Change()
		if c == nil {
			continue // reported by validateAction
		}
		for _, fc := range c.Facts(a) {
			var need []string
			for _, fact := range fc.Facts {
				if !optionalFact[fact] {
					need = append(need, fact)
				}
			}
			if fc.Resource == "" || len(need) == 0 {
				continue
			}
			var f *Fingerprint
			for _, cand := range byResource[fc.Resource] {
				if fc.ResourceType == "" || cand.ResourceType == fc.ResourceType {
					f = cand
					break
				}
			}
			if f == nil {
				errs = append(errs, fmt.Errorf("action %s: state has no fingerprint of %s (%s), which the action relies on: the plan cannot be checked against the current state",
					a.ID, fc.Resource, fc.ResourceType))
				continue
			}
			for _, fact := range need {
				if _, ok := f.Facts[fact]; !ok {
					errs = append(errs, fmt.Errorf("action %s: state %s has no fact %q, which the action relies on", a.ID, fc.Resource, fact))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// optionalFact are facts a legitimate plan may lack: a service without deployments has no primary
// deployment, and the planner fingerprints an execution role's owned policy only when the inventory knew
// its policies (put-role-policy reads the policy at apply time and merges into it).
var optionalFact = map[string]bool{FactDeploymentID: true, FactDeploymentAt: true, FactOwnedPolicy: true}
