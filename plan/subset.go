package plan

// Subset returns the plan of the actions at or below maxRisk whose dependencies are all kept (an action
// that depends on a dropped action is dropped too), and the actions left out, in plan order. The subset is
// a new plan: its State holds only the fingerprints of resources the kept actions touch, and it carries no
// approval. Kept actions share their payloads with p.
func (p *Plan) Subset(maxRisk Risk) (kept *Plan, left []Action) {
	k := *p
	k.Actions = []Action{}
	k.Approvals = nil
	k.Skipped = append([]Skipped(nil), p.Skipped...)
	keptIDs := map[string]bool{}
	touched := map[string]bool{}
	for _, a := range p.Actions {
		ok := withinRisk(a.Risk, maxRisk)
		for _, d := range actionDependencies(&a) {
			ok = ok && keptIDs[d]
		}
		if !ok {
			left = append(left, a)
			continue
		}
		keptIDs[a.ID] = true
		k.Actions = append(k.Actions, a)
		for _, r := range touchedResources(&a) {
			touched[r] = true
		}
	}
	k.State = []Fingerprint{}
	for _, f := range p.State {
		if touched[f.Resource] {
			k.State = append(k.State, f)
		}
	}
	return &k, left
}

// actionDependencies are the ids an action needs applied before it: DependsOn and, for a service update,
// the registration whose revision it deploys.
func actionDependencies(a *Action) []string {
	deps := a.DependsOn
	if u := a.UpdateService; u != nil && u.TaskDefinitionFrom != "" {
		deps = append(append([]string(nil), deps...), u.TaskDefinitionFrom)
	}
	return deps
}

// touchedResources are the resources whose fingerprints an action relies on. The list errs on the side
// of keeping a fingerprint: an extra one only makes the stale check stricter.
func touchedResources(a *Action) []string {
	r := []string{a.Resource}
	if c := a.RegisterTaskDefinition; c != nil {
		r = append(r, c.SourceArn)
	}
	if c := a.UpdateService; c != nil {
		r = append(r, c.Cluster, c.Service, c.Before.TaskDefinition)
	}
	if c := a.UpdateClusterSettings; c != nil {
		r = append(r, c.Cluster)
	}
	return r
}
