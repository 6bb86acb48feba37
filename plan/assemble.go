package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/ordered"
)

// Assembling the plan: every planned change becomes an action, numbered in apply order, with the state
// the applier checks before it writes.

// assemble numbers the actions in apply order and fills the plan.
func (b *builder) assemble() (*Plan, error) {
	p := &Plan{
		FormatVersion: FormatVersion,
		Tool:          Tool{Name: "ecsfix", Version: b.opts.ToolVersion},
		CreatedAt:     b.opts.Now,
		Source:        b.opts.Source,
		Actions:       []Action{},
		State:         []Fingerprint{},
		Skipped:       []Skipped{},
		partly:        b.partly,
	}
	state := map[string]Fingerprint{}
	next := 1
	newID := func() string {
		id := fmt.Sprintf("a%d", next)
		next++
		return id
	}

	// registrations: by family, older revisions first, the family's latest last; then by source ARN, so
	// that the order never depends on the map's (task definitions kept as files share a family key and
	// a revision: their ARNs, which name the file and line, tell them apart)
	regs := make([]*revisionPlan, 0, len(b.revs))
	for _, rp := range b.revs {
		if rp.existing == "" {
			regs = append(regs, rp)
		}
	}
	type keyed struct { // each family key parsed once, not per comparison
		rp          *revisionPlan
		family, arn string
	}
	byFamily := make([]keyed, len(regs))
	for i, rp := range regs {
		arn := rp.source.ARN()
		byFamily[i] = keyed{rp, detect.FamilyKey(arn), arn}
	}
	sort.Slice(byFamily, func(i, j int) bool {
		ri, rj := byFamily[i].rp, byFamily[j].rp
		if fi, fj := byFamily[i].family, byFamily[j].family; fi != fj {
			return fi < fj
		}
		li, lj := len(ri.dependsOn) > 0, len(rj.dependsOn) > 0
		if li != lj {
			return !li
		}
		if ri.source.Revision != rj.source.Revision {
			return ri.source.Revision < rj.source.Revision
		}
		return byFamily[i].arn < byFamily[j].arn
	})
	for i := range byFamily {
		regs[i] = byFamily[i].rp
	}
	sup := b.support(regs)
	// room for the actions most plans have (support, registrations, up to three per service, one per
	// cluster), so that the list is not grown again and again; held at its length at the end
	p.Actions = make([]Action, 0, sup.count()+len(regs)+3*len(b.services)+len(b.clusters))
	p.Actions = sup.actions(p.Actions, newID)
	for _, rp := range regs {
		rp.id = newID()
	}
	if err := sup.resolve(regs); err != nil {
		return nil, err
	}
	supState := sup.state() // recorded below, where it always was; the support plan goes now
	// each registration's before and after are built concurrently (registration only reads), into the
	// plan's list in apply order; the first error in that order is the one returned
	first := len(p.Actions)
	p.Actions = p.Actions[:first+len(regs)]
	regErrs := make([]error, len(regs))
	ordered.For(len(regs), func(i int) {
		rp := regs[i]
		p.Actions[first+i], regErrs[i] = b.registration(rp)
		// nothing reads these after: the action holds the JSON, the notes, preconditions, secret
		// references and dependencies
		rp.input, rp.form = nil, nil
		rp.moved, rp.plain, rp.notes, rp.preconditions, rp.secretRefs, rp.supportIDs = nil, nil, nil, nil, nil, nil
		b.releaseRegistered(rp)
	})
	for i, rp := range regs {
		if regErrs[i] != nil {
			return nil, regErrs[i]
		}
		latest := ""
		if l, ok := b.inv.LatestActive(rp.source.ARN()); ok && !rp.source.FileOnly() {
			latest = l.ARN()
		}
		state[rp.source.ARN()] = Fingerprint{
			Resource: rp.source.ARN(), ResourceType: detect.TypeTaskDefinition, Region: detect.RegionOf(rp.source.ARN()),
			Facts: TaskDefinitionFacts(rp.source, latest),
		}
	}

	// security groups: edited in place, or copied (the service updates below move services to copies)
	sgActs, sgState := b.sgActions(newID)
	p.Actions = append(p.Actions, sgActs...)
	for _, f := range sgState {
		state[f.Resource] = f
	}

	// service updates: up to three per service, each part with its own risk (services.go)
	moved := map[string]string{} // service ARN -> id of the update that moves it
	for _, arn := range slices.Sorted(maps.Keys(b.services)) {
		sp := b.services[arn]
		for _, a := range b.serviceActions(sp) {
			a.ID = newID()
			if a.UpdateService.After.TaskDefinition != "" {
				moved[arn] = a.ID
			}
			p.Actions = append(p.Actions, a)
			state[arn] = Fingerprint{Resource: arn, ResourceType: detect.TypeService, Region: detect.RegionOf(arn), Facts: ServiceFacts(sp.svc)}
			for _, f := range b.existingRevisionState(&a) {
				state[f.Resource] = f
			}
		}
	}

	// cluster settings
	sort.Slice(b.clusters, func(i, j int) bool {
		return aws.ToString(b.clusters[i].cluster.ClusterArn) < aws.ToString(b.clusters[j].cluster.ClusterArn)
	})
	for _, cp := range b.clusters {
		arn := aws.ToString(cp.cluster.ClusterArn)
		risk := RiskLow
		for _, c := range cp.controls {
			risk = maxRisk(risk, b.risk(c))
		}
		p.Actions = append(p.Actions, Action{
			ID: newID(), Type: UpdateClusterSettings, Account: detect.AccountOf(arn), Region: detect.RegionOf(arn),
			Resource: arn, Controls: cp.controls, Risk: risk,
			Summary:               "enable Container Insights on cluster " + aws.ToString(cp.cluster.ClusterName),
			Notes:                 cp.outcome.Notes,
			Preconditions:         cp.outcome.Preconditions,
			UpdateClusterSettings: cp.change,
		})
		state[arn] = Fingerprint{Resource: arn, ResourceType: detect.TypeCluster, Region: detect.RegionOf(arn), Facts: ClusterFacts(cp.cluster)}
	}

	// capacity providers' managed termination protection, each after its group's scale-in protection
	cpActs, cpState := b.capacityActions(newID)
	p.Actions = append(p.Actions, cpActs...)
	for _, f := range cpState {
		state[f.Resource] = f
	}

	// deregistration of the revisions that held moved plaintext (opt-in)
	if b.opts.Secrets.DeregisterOld {
		p.Actions = append(p.Actions, b.deregistrations(regs, moved, newID)...)
	}
	for _, f := range supState {
		state[f.Resource] = f
	}

	// admin task roles (opt-in): one fingerprint per role, merged with the owned policy's
	adminActs, adminState := b.adminActions(newID)
	p.Actions = append(p.Actions, adminActs...)
	for _, f := range adminState {
		cur, ok := state[f.Resource]
		if !ok {
			state[f.Resource] = f
			continue
		}
		facts := map[string]string{}
		for k, v := range cur.Facts {
			facts[k] = v
		}
		for k, v := range f.Facts {
			facts[k] = v
		}
		cur.Facts = facts
		state[f.Resource] = cur
	}

	p.State = make([]Fingerprint, 0, len(state))
	for _, k := range slices.Sorted(maps.Keys(state)) {
		p.State = append(p.State, state[k])
	}
	p.Skipped = make([]Skipped, 0, len(b.skipped))
	for s := range b.skipped {
		p.Skipped = append(p.Skipped, s)
	}
	sort.Slice(p.Skipped, func(i, j int) bool {
		a, c := p.Skipped[i], p.Skipped[j]
		if a.Resource != c.Resource {
			return a.Resource < c.Resource
		}
		if a.Control != c.Control {
			return a.Control < c.Control
		}
		return a.Reason < c.Reason
	})
	// every action carries at least the risk that its content implies (what apply judges it by),
	// derived concurrently from the actions as planned, then set: an update-service's floor reads its
	// registration's risk, which is its effective risk whether or not that is set yet
	if cap(p.Actions) > len(p.Actions) {
		p.Actions = append(make([]Action, 0, len(p.Actions)), p.Actions...)
	}
	risks := make([]Risk, len(p.Actions))
	ordered.For(len(p.Actions), func(i int) { risks[i] = p.effectiveRisk(&p.Actions[i], b.opts.Risk) })
	for i := range p.Actions {
		p.Actions[i].Risk = risks[i]
	}
	return p, nil
}
