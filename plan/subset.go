package plan

import (
	"fmt"
	"strings"
)

// Subset returns the plan of the actions whose effective risk (EffectiveRisk, with the configuration's
// risk overrides) is at or below maxRisk, and the actions left out, in plan order. An action that depends
// on a left-out action is left out too (transitively), and the registrations of one family (same account,
// region and family) are kept or left out together: keeping the fix of an older revision without the
// registration of the family's latest would make the family's newest ACTIVE revision old code; an Auto
// Scaling group's update is kept only with the capacity provider update that depends on it
// (loneGroupUpdate). The subset
// is a new plan: its State holds only the fingerprints of resources the kept actions touch, and it carries
// no approval. Kept actions share their payloads with p.
func (p *Plan) Subset(maxRisk Risk, overrides map[string]Risk) (kept *Plan, left []Action) {
	kept, left, _ = p.subset(maxRisk, overrides)
	return kept, left
}

// LeftOut says, by action id, why Subset(maxRisk, overrides) leaves each action out: "risk high: …" with
// the reasons of its effective risk (RiskOf) for one above maxRisk; "depends on a2, left out" or "its
// family web is registered by a3 too, left out" for one it leaves out with another. An Auto Scaling
// group's update (ECS.19) is left out with the capacity provider update that needs it.
func (p *Plan) LeftOut(maxRisk Risk, overrides map[string]Risk) map[string]string {
	_, _, why := p.subset(maxRisk, overrides)
	return why
}

// subset is Subset, with why each action is left out (LeftOut).
func (p *Plan) subset(maxRisk Risk, overrides map[string]Risk) (kept *Plan, left []Action, why map[string]string) {
	k := *p
	k.Actions = []Action{}
	k.Approvals = nil
	k.Skipped = append([]Skipped(nil), p.Skipped...)

	why = map[string]string{} // ids left out, and why
	for _, a := range p.Actions {
		if f := p.RiskOf(a, overrides); !withinRisk(f.Risk, maxRisk) {
			why[a.ID] = "risk " + string(f.Risk) + ": " + strings.Join(f.Why, "; ")
		}
	}
	for changed := true; changed; {
		changed = false
		drop := func(id, because string) {
			if _, out := why[id]; !out {
				why[id], changed = because, true
			}
		}
		families := map[string]string{} // families with a registration left out: the first such one
		for _, a := range p.Actions {
			if f, ok := registrationFamily(&a); ok && why[a.ID] != "" && families[f] == "" {
				families[f] = a.ID
			}
		}
		for _, a := range p.Actions {
			if f, ok := registrationFamily(&a); ok && families[f] != "" && families[f] != a.ID {
				drop(a.ID, fmt.Sprintf("%s registers family %s too and is left out: a family's registrations apply together", families[f], a.RegisterTaskDefinition.Family))
			}
			if _, out := why[a.ID]; !out {
				kept := func(id string) bool { _, out := why[id]; return !out }
				if lone := p.loneGroupUpdate(&a, kept); lone != "" {
					drop(a.ID, lone)
				}
			}
			for _, d := range actionDependencies(&a) {
				if _, out := why[d]; out {
					drop(a.ID, fmt.Sprintf("it depends on %s, left out", d))
				} else if !p.hasAction(d) {
					drop(a.ID, fmt.Sprintf("it depends on %s, which is not in the plan", d))
				}
			}
		}
	}

	for _, a := range p.Actions {
		if _, out := why[a.ID]; out {
			left = append(left, a)
			continue
		}
		k.Actions = append(k.Actions, a)
	}
	k.State = p.stateOf(k.Actions)
	return &k, left, why
}

// stateOf are the fingerprints of p's state that actions read or write.
func (p *Plan) stateOf(actions []Action) []Fingerprint {
	touched := map[string]bool{}
	for i := range actions {
		for _, r := range touchedResources(&actions[i]) {
			touched[r] = true
		}
	}
	state := []Fingerprint{}
	for _, f := range p.State {
		if touched[f.Resource] {
			state = append(state, f)
		}
	}
	return state
}

func (p *Plan) hasAction(id string) bool {
	for i := range p.Actions {
		if p.Actions[i].ID == id {
			return true
		}
	}
	return false
}

// actionDependencies are the ids an action needs applied before it: DependsOn and those its change
// implies (for a service update, the registration whose revision it deploys).
func actionDependencies(a *Action) []string {
	deps := a.DependsOn
	if c := a.Change(); c != nil {
		if more := c.implicitDependencies(); len(more) > 0 {
			deps = append(append([]string(nil), deps...), more...)
		}
	}
	return deps
}

// touchedResources are the resources whose fingerprints an action relies on: its resource and those
// its change touches. The list errs on the side of keeping a fingerprint: an extra one only makes the
// stale check stricter.
func touchedResources(a *Action) []string {
	r := []string{a.Resource}
	if c := a.Change(); c != nil {
		r = append(r, c.Touches()...)
	}
	return r
}
