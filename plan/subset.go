package plan

// Subset returns the plan of the actions whose effective risk (EffectiveRisk, with the configuration's
// risk overrides) is at or below maxRisk, and the actions left out, in plan order. An action that depends
// on a left-out action is left out too (transitively), and the registrations of one family (same account,
// region and family) are kept or left out together: keeping the fix of an older revision without the
// registration of the family's latest would make the family's newest ACTIVE revision old code. The subset
// is a new plan: its State holds only the fingerprints of resources the kept actions touch, and it carries
// no approval. Kept actions share their payloads with p.
func (p *Plan) Subset(maxRisk Risk, overrides map[string]Risk) (kept *Plan, left []Action) {
	k := *p
	k.Actions = []Action{}
	k.Approvals = nil
	k.Skipped = append([]Skipped(nil), p.Skipped...)

	out := map[string]bool{} // ids left out
	for _, a := range p.Actions {
		if !withinRisk(p.EffectiveRisk(a, overrides), maxRisk) {
			out[a.ID] = true
		}
	}
	for changed := true; changed; {
		changed = false
		drop := func(id string) {
			if !out[id] {
				out[id], changed = true, true
			}
		}
		families := map[string]bool{} // families with a registration left out
		for _, a := range p.Actions {
			if f, ok := registrationFamily(&a); ok && out[a.ID] {
				families[f] = true
			}
		}
		for _, a := range p.Actions {
			if f, ok := registrationFamily(&a); ok && families[f] {
				drop(a.ID)
			}
			for _, d := range actionDependencies(&a) {
				if out[d] || !p.hasAction(d) {
					drop(a.ID)
				}
			}
		}
	}

	for _, a := range p.Actions {
		if out[a.ID] {
			left = append(left, a)
			continue
		}
		k.Actions = append(k.Actions, a)
	}
	k.State = p.stateOf(k.Actions)
	return &k, left
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
