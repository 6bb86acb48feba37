package plan

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// Build makes a plan from an inventory and the detector's results on it. It is a pure function: it never
// calls AWS.
//
// From the FAILED, unsuppressed results it makes one new revision per source revision (combining every
// fix for it), an update-service action per service that runs a revision needing a fix (moving it to the
// fixed revision; ECS.10 combined into the same action) and an update-cluster-settings action per
// cluster failing ECS.12. Every other failed finding — suppressed, not selected by Options.Fix, owned by
// infrastructure as code, needing input, deployed by CodeDeploy or an external controller, or without an
// automatic fix — is listed in Skipped with the reason.
func Build(in *detect.Inventory, results []detect.Result, o Options) (*Plan, error) {
	b := &builder{
		inv:       in,
		opts:      o,
		evaluated: map[string]bool{},
		byKey:     map[string]*detect.Result{},
		revs:      map[string]*revisionPlan{},
		services:  map[string]*servicePlan{},
		skipped:   map[string]Skipped{},
	}
	for i := range results {
		r := &results[i]
		b.evaluated[r.Control] = true
		b.byKey[r.Control+"\x00"+r.ResourceArn] = r
	}
	for i := range results {
		b.route(&results[i])
	}
	b.runningRevisions()
	if err := b.buildRevisions(); err != nil {
		return nil, err
	}
	b.publicIPs()
	b.openSecurityGroups()
	b.orderFamilies()
	return b.assemble()
}

type builder struct {
	inv       *detect.Inventory
	opts      Options
	evaluated map[string]bool           // controls present in the results
	byKey     map[string]*detect.Result // control + "\x00" + resource ARN
	revs      map[string]*revisionPlan  // source revision ARN
	services  map[string]*servicePlan   // service ARN
	clusters  []*clusterPlan
	skipped   map[string]Skipped                  // control + resource + reason, for de-duplication
	families  map[string][]*detect.TaskDefinition // ACTIVE revisions by family key, built on first use
	admin     map[string]*adminRolePlan           // admin task roles to fix, by role ARN (fix_admin_role.go)
}

// revisionPlan is the new revision planned from one source revision.
type revisionPlan struct {
	source *detect.TaskDefinition
	// want maps a fix id to the result controls that asked for it.
	want     map[string]map[string]bool
	services []*ecstypes.Service // services moved to it
	// latestCopy marks the re-registration of the family's latest revision with no edits, made so that
	// it stays the family's newest ACTIVE revision after older revisions are fixed.
	latestCopy bool

	input         *ecs.RegisterTaskDefinitionInput
	edits         []Edit
	controls      map[string]bool
	notes         []string
	preconditions []Precondition
	risk          Risk
	id            string
	dependsOn     []*revisionPlan
	// existing is a newer ACTIVE revision of the family that already is this fix (an earlier plan,
	// applied in part): nothing is registered, services move to it.
	existing string

	// secrets and logs are what the new revision needs besides itself (ECS.8, ECS.9); moved and plain
	// tell masking where values moved and which values the planner set.
	secrets    []*secretNeed
	logs       []*logNeed
	moved      map[string]string
	plain      map[string]bool
	secretRefs []SecretRef
	supportIDs []string // create-secret, ensure-log-group and put-role-policy actions it depends on
	// networks are the awsvpc network configurations, by service ARN, of the services moved to the new
	// revision (the host-network fix moving it to awsvpc).
	networks map[string]*AwsVpcSettings
}

// target is how an update-service action names the revision: the existing fixed revision's ARN, or a
// placeholder for the one the registration creates.
func (rp *revisionPlan) target() string {
	if rp.existing != "" {
		return rp.existing
	}
	return fmt.Sprintf("(new revision of %s from %s)", aws.ToString(rp.source.Family), revName(rp.source.ARN()))
}

type servicePlan struct {
	svc      *ecstypes.Service
	rev      *revisionPlan // the registration it moves to, nil when none
	platform bool          // ECS.10
	controls map[string]bool
	// publicIP are the public-IP controls (ECS.2, EXPOSURE.public-ip) asking for the network fix;
	// network is the change decided for them (fix_ecs2_public_ip.go).
	publicIP map[string]bool
	network  *networkPlan
	// openSG is set when the service asked for the open-security-group fix; sg is the fix decided
	// (fix_open_security_group.go).
	openSG bool
	sg     *sgPlan
}

type clusterPlan struct {
	cluster  *ecstypes.Cluster
	change   *UpdateClusterSettingsChange
	outcome  fixOutcome
	controls []string
}

func (b *builder) skip(control, resource, reason string) {
	k := control + "\x00" + resource + "\x00" + reason
	b.skipped[k] = Skipped{Control: control, Resource: resource, Reason: reason}
}

// selected reports whether Options.Fix lets a control be fixed (by its own id or its fix's id).
func (b *builder) selected(control, fixID string) bool {
	if len(b.opts.Fix) == 0 {
		return true
	}
	for _, f := range b.opts.Fix {
		if strings.EqualFold(f, control) || strings.EqualFold(f, fixID) {
			return true
		}
	}
	return false
}

func (b *builder) risk(control string) Risk { return controlRisk(control, b.opts.Risk) }

// settings are the evaluation settings for revisions the planner evaluates itself (the older revisions
// services run): Options.Settings, with the plan's time when it has none.
func (b *builder) settings() *detect.Settings {
	s := detect.Settings{}
	if b.opts.Settings != nil {
		s = *b.opts.Settings
	}
	if s.Now.IsZero() {
		s.Now = b.opts.Now
	}
	return &s
}

func (b *builder) rev(td *detect.TaskDefinition) *revisionPlan {
	rp, ok := b.revs[td.ARN()]
	if !ok {
		rp = &revisionPlan{source: td, want: map[string]map[string]bool{}}
		b.revs[td.ARN()] = rp
	}
	return rp
}

func (rp *revisionPlan) ask(fixID, control string) {
	if rp.want[fixID] == nil {
		rp.want[fixID] = map[string]bool{}
	}
	rp.want[fixID][control] = true
}

func (b *builder) service(svc *ecstypes.Service) *servicePlan {
	arn := aws.ToString(svc.ServiceArn)
	sp, ok := b.services[arn]
	if !ok {
		sp = &servicePlan{svc: svc, controls: map[string]bool{}}
		b.services[arn] = sp
	}
	return sp
}

// runningRevisions adds, for each service that ecsfix may move, the task-definition findings of the
// revision it RUNS (the detector scores only each family's latest ACTIVE revision). The revision is
// evaluated with Options.Settings: a FAILED result that an exemption suppresses is skipped as exempted,
// like a suppressed result on a latest revision.
func (b *builder) runningRevisions() {
	settings := b.settings()
	var tdControls []detect.Control
	for _, c := range detect.All() {
		if c.TaskDefinition == nil || !b.evaluated[c.ID] {
			continue
		}
		if _, ok := fixFor(c.ID); ok {
			tdControls = append(tdControls, c)
		}
	}
	for i := range b.inv.Services {
		svc := &b.inv.Services[i]
		td, ok := b.inv.TaskDefinition(aws.ToString(svc.TaskDefinition))
		if !ok {
			continue
		}
		latest, hasLatest := b.inv.LatestActive(td.ARN())
		isLatest := hasLatest && latest.ARN() == td.ARN()
		for _, c := range tdControls {
			fix, _ := fixFor(c.ID)
			if isLatest {
				continue // the results cover the latest revision
			}
			r := detect.EvaluateRevision(c, td, settings)
			if r.Status != detect.Failed {
				continue
			}
			if r.Suppressed != nil {
				b.skip(c.ID, td.ARN(), suppressedReason(r.Suppressed))
				continue
			}
			if hasLatest {
				if lr := b.byKey[c.ID+"\x00"+latest.ARN()]; lr != nil && lr.Suppressed != nil {
					b.skip(c.ID, td.ARN(), "suppressed on the family's latest revision by "+lr.Suppressed.By)
					continue
				}
			}
			if !b.selected(c.ID, fix.ID) {
				b.skip(c.ID, td.ARN(), notSelected)
				continue
			}
			b.service(svc).controls[c.ID] = true
			if reason := b.serviceBlocked(svc); reason != "" && !isDeployedElsewhere(svc) {
				continue
			}
			b.rev(td).ask(fix.ID, c.ID)
		}
	}
	// every service whose running revision is being fixed moves to it
	for i := range b.inv.Services {
		svc := &b.inv.Services[i]
		rp, ok := b.revs[aws.ToString(svc.TaskDefinition)]
		if !ok || len(rp.want) == 0 {
			continue
		}
		rp.services = append(rp.services, svc)
		b.service(svc)
	}
}

// isDeployedElsewhere reports a service whose deployments ecsfix does not drive (CodeDeploy blue/green,
// an external controller).
func isDeployedElsewhere(svc *ecstypes.Service) bool {
	if svc.DeploymentController == nil {
		return false
	}
	t := svc.DeploymentController.Type
	return t == ecstypes.DeploymentControllerTypeCodeDeploy || t == ecstypes.DeploymentControllerTypeExternal
}

// serviceBlocked says why a service is not updated live ("" when it may be).
func (b *builder) serviceBlocked(svc *ecstypes.Service) string {
	if owner := b.owner(svc.Tags); owner != "" {
		return owner
	}
	if isDeployedElsewhere(svc) {
		return "deployed by the " + string(svc.DeploymentController.Type) + " deployment controller, which ecsfix does not drive"
	}
	return ""
}

// ownerNames describe the usual owner tag keys.
var ownerNames = map[string]string{
	"aws:cloudformation:stack-name": "CloudFormation stack",
	"copilot-application":           "Copilot application",
	"copilot-service":               "Copilot service",
	"terraform":                     "Terraform",
	"managed-by":                    "",
	"aws:cdk:path":                  "CDK construct",
}

// owner names the infrastructure-as-code owner of a resource from its tags ("" when not owned, or when
// Options.PatchOwned).
func (b *builder) owner(tags []ecstypes.Tag) string {
	if b.opts.PatchOwned {
		return ""
	}
	for _, k := range b.opts.OwnerTagKeys {
		for _, t := range tags {
			if aws.ToString(t.Key) != k {
				continue
			}
			v := aws.ToString(t.Value)
			if name := ownerNames[k]; name != "" {
				return fmt.Sprintf("owned by %s %s (%s)", name, v, k)
			}
			return fmt.Sprintf("owned by infrastructure as code (tag %s=%s)", k, v)
		}
	}
	return ""
}

// buildRevisions applies the requested fixes to a copy of each source revision.
func (b *builder) buildRevisions() error {
	for _, arn := range sortedKeys(b.revs) {
		rp := b.revs[arn]
		if len(rp.want) == 0 {
			delete(b.revs, arn)
			continue
		}
		ctx := &revisionContext{inv: b.inv, source: rp.source, services: rp.services, opts: b.opts}
		rp.input = RegisterInput(rp.source)
		rp.controls = map[string]bool{}
		var skips [][2]string
		for _, fix := range remedies() {
			asked := rp.want[fix.ID]
			if fix.Edits != editsRevision {
				continue
			}
			if len(asked) == 0 {
				continue
			}
			out := fix.Apply(ctx, rp.input)
			if out.Skip != "" {
				for c := range asked {
					skips = append(skips, [2]string{c, out.Skip})
				}
				continue
			}
			if len(out.Edits) == 0 {
				continue
			}
			rp.edits = append(rp.edits, out.Edits...)
			rp.notes = append(rp.notes, out.Notes...)
			for _, n := range out.Secrets {
				n.controls = asked
				rp.secrets = append(rp.secrets, n)
			}
			for _, n := range out.LogGroups {
				n.controls = asked
				rp.logs = append(rp.logs, n)
			}
			for k, v := range out.Moved {
				if rp.moved == nil {
					rp.moved = map[string]string{}
				}
				rp.moved[k] = v
			}
			for k, v := range out.Networks {
				if rp.networks == nil {
					rp.networks = map[string]*AwsVpcSettings{}
				}
				rp.networks[k] = v
			}
			for _, p := range out.Plain {
				if rp.plain == nil {
					rp.plain = map[string]bool{}
				}
				rp.plain[p] = true
			}
			rp.preconditions = append(rp.preconditions, out.Preconditions...)
			for c := range asked {
				rp.controls[c] = true
			}
			for _, e := range out.Edits {
				rp.risk = maxRisk(rp.risk, b.risk(e.Control))
			}
			for c := range asked {
				rp.risk = maxRisk(rp.risk, b.risk(c))
			}
		}
		for _, s := range skips {
			b.skip(s[0], arn, s[1])
		}
		if len(rp.edits) == 0 {
			delete(b.revs, arn)
			continue
		}
		changes := make([]string, len(rp.edits))
		for i, e := range rp.edits {
			changes[i] = e.Path + ": " + e.Change
		}
		if owner := b.owner(rp.source.Tags); owner != "" {
			for _, c := range sortedKeys(rp.controls) {
				b.skip(c, arn, owner+": make the change in its source ("+strings.Join(changes, "; ")+")")
			}
			delete(b.revs, arn)
			continue
		}
		// An older revision of a family whose latest is owned: its fix would become the family's newest
		// ACTIVE revision, and the latest (owned) is not re-registered after it.
		if latest, ok := b.inv.LatestActive(arn); ok && latest.ARN() != arn {
			if owner := b.owner(latest.Tags); owner != "" {
				for _, c := range sortedKeys(rp.controls) {
					b.skip(c, arn, fmt.Sprintf("the family's latest ACTIVE revision %s is %s: a fixed copy of %s would become the family's newest revision; "+
						"make the change in the source of the service's task definition (%s)", revName(latest.ARN()), owner, revName(arn), strings.Join(changes, "; ")))
				}
				delete(b.revs, arn)
				continue
			}
		}
		if tags := reservedTags(rp.source.Tags); len(tags) > 0 {
			rp.notes = append(rp.notes, "reserved tags "+strings.Join(tags, ", ")+" are not carried to the new revision: only AWS may set aws: tags")
		}
		existing, err := b.alreadyRegistered(rp)
		if err != nil {
			return err
		}
		rp.existing = existing
	}
	// services: those whose revision is not registered (owned, nothing to edit) are not moved
	for _, sp := range b.services {
		if rp, ok := b.revs[aws.ToString(sp.svc.TaskDefinition)]; ok {
			sp.rev = rp
		}
	}
	return nil
}

// alreadyRegistered finds a newer ACTIVE revision of the source's family whose registrable form is
// exactly the fixed input: re-planning after a partly applied plan (revision registered, service not
// moved), or after a rollback (service moved back), then moves the service instead of registering a
// duplicate. The comparison ignores ecsfix's own tags (TagPrefix: the provenance the applier adds to what
// it registers), which RegisterInput leaves out, and no tags equals an empty tag list.
func (b *builder) alreadyRegistered(rp *revisionPlan) (string, error) {
	want, err := comparableInput(rp.input)
	if err != nil {
		return "", fmt.Errorf("plan %s: %w", rp.source.ARN(), err)
	}
	if b.families == nil {
		b.families = map[string][]*detect.TaskDefinition{}
		for i := range b.inv.TaskDefinitions {
			td := &b.inv.TaskDefinitions[i]
			if td.Status == ecstypes.TaskDefinitionStatusActive {
				k := detect.FamilyKey(td.ARN())
				b.families[k] = append(b.families[k], td)
			}
		}
	}
	best := ""
	var bestRev int32
	for _, td := range b.families[detect.FamilyKey(rp.source.ARN())] {
		if td.Revision <= rp.source.Revision {
			continue
		}
		got, err := comparableInput(RegisterInput(td))
		if err != nil {
			return "", fmt.Errorf("plan %s: %w", td.ARN(), err)
		}
		if bytes.Equal(got, want) && td.Revision > bestRev {
			best, bestRev = td.ARN(), td.Revision
		}
	}
	return best, nil
}

// comparableInput is the JSON form of a registration input for comparing two revisions' content.
func comparableInput(in *ecs.RegisterTaskDefinitionInput) ([]byte, error) {
	c := *in
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	return awsjson.Marshal(&c)
}

// orderFamilies registers, within each family, the fixes of older revisions first and the fix of the
// family's latest ACTIVE revision last (depending on the others), so that the family's newest revision
// is always the fix of its latest code. When the latest revision needs no fix, it is re-registered
// unchanged after the others.
func (b *builder) orderFamilies() {
	byFamily := map[string][]*revisionPlan{}
	for _, rp := range b.revs {
		if rp.existing != "" {
			continue
		}
		k := detect.FamilyKey(rp.source.ARN())
		byFamily[k] = append(byFamily[k], rp)
	}
	for _, rps := range byFamily {
		latest, ok := b.inv.LatestActive(rps[0].source.ARN())
		if !ok {
			continue
		}
		var older []*revisionPlan
		var last *revisionPlan
		for _, rp := range rps {
			if rp.source.ARN() == latest.ARN() {
				last = rp
			} else {
				older = append(older, rp)
			}
		}
		if len(older) == 0 {
			continue
		}
		if last == nil {
			if b.owner(latest.Tags) != "" {
				continue
			}
			last = &revisionPlan{source: latest, latestCopy: true, input: RegisterInput(latest), controls: map[string]bool{}}
			last.notes = append(last.notes, fmt.Sprintf("%s needs no fix; it is registered again, unchanged, after the fixed older revisions so that the family's newest ACTIVE revision stays its latest code", revName(latest.ARN())))
			if tags := reservedTags(latest.Tags); len(tags) > 0 {
				last.notes = append(last.notes, "reserved tags "+strings.Join(tags, ", ")+" are not carried to the new revision: only AWS may set aws: tags")
			}
			b.revs[latest.ARN()] = last
		}
		sort.Slice(older, func(i, j int) bool { return older[i].source.Revision < older[j].source.Revision })
		last.dependsOn = older
		if last.latestCopy {
			for _, o := range older {
				last.risk = maxRisk(last.risk, o.risk)
				for c := range o.controls {
					last.controls[c] = true
				}
			}
		}
	}
}

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
	}
	state := map[string]Fingerprint{}
	next := 1
	newID := func() string {
		id := fmt.Sprintf("a%d", next)
		next++
		return id
	}

	// registrations: by family, older revisions first, the family's latest last
	regs := make([]*revisionPlan, 0, len(b.revs))
	for _, rp := range b.revs {
		if rp.existing == "" {
			regs = append(regs, rp)
		}
	}
	sort.Slice(regs, func(i, j int) bool {
		fi, fj := detect.FamilyKey(regs[i].source.ARN()), detect.FamilyKey(regs[j].source.ARN())
		if fi != fj {
			return fi < fj
		}
		li, lj := len(regs[i].dependsOn) > 0, len(regs[j].dependsOn) > 0
		if li != lj {
			return !li
		}
		return regs[i].source.Revision < regs[j].source.Revision
	})
	sup := b.support(regs)
	for _, a := range sup.actions(newID) {
		p.Actions = append(p.Actions, a)
	}
	for _, rp := range regs {
		rp.id = newID()
	}
	if err := sup.resolve(regs); err != nil {
		return nil, err
	}
	for _, rp := range regs {
		a, err := b.registration(rp)
		if err != nil {
			return nil, err
		}
		p.Actions = append(p.Actions, a)
		latest := ""
		if l, ok := b.inv.LatestActive(rp.source.ARN()); ok {
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

	// service updates
	moved := map[string]string{} // service ARN -> id of the update that moves it
	for _, arn := range sortedKeys(b.services) {
		sp := b.services[arn]
		a, ok := b.serviceAction(sp)
		if !ok {
			continue
		}
		a.ID = newID()
		if a.UpdateService.After.TaskDefinition != "" {
			moved[arn] = a.ID
		}
		p.Actions = append(p.Actions, a)
		state[arn] = Fingerprint{Resource: arn, ResourceType: detect.TypeService, Region: detect.RegionOf(arn), Facts: ServiceFacts(sp.svc)}
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

	// deregistration of the revisions that held moved plaintext (opt-in)
	if b.opts.Secrets.DeregisterOld {
		p.Actions = append(p.Actions, b.deregistrations(regs, moved, newID)...)
	}
	for _, f := range sup.state() {
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

	for _, k := range sortedKeys(state) {
		p.State = append(p.State, state[k])
	}
	for _, s := range b.skipped {
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
	// every action carries at least the risk that its content implies (what apply judges it by)
	for i := range p.Actions {
		p.Actions[i].Risk = p.EffectiveRisk(p.Actions[i], b.opts.Risk)
	}
	return p, nil
}

// registration is the register-task-definition action for a revision plan.
func (b *builder) registration(rp *revisionPlan) (Action, error) {
	arn := rp.source.ARN()
	before, _, err := maskedJSON(RegisterInput(rp.source), nil, nil, nil)
	if err != nil {
		return Action{}, fmt.Errorf("plan %s: %w", arn, err)
	}
	after, masked, err := maskedJSON(rp.input, RegisterInput(rp.source), rp.moved, rp.plain)
	if err != nil {
		return Action{}, fmt.Errorf("plan %s: %w", arn, err)
	}
	family := aws.ToString(rp.source.Family)
	a := Action{
		Type: RegisterTaskDefinition, Account: detect.AccountOf(arn), Region: detect.RegionOf(arn),
		ID: rp.id, Resource: arn, Controls: sortedKeys(rp.controls), Risk: rp.risk,
		Notes: dedup(rp.notes),
		Preconditions: append([]Precondition{
			{Check: "source revision status", Result: string(rp.source.Status)},
		}, rp.preconditions...),
		RegisterTaskDefinition: &RegisterTaskDefinitionChange{
			SourceArn: arn, Family: family, Before: before, After: after, Edits: rp.edits, Masked: masked,
			SecretRefs: rp.secretRefs,
		},
	}
	if a.Risk == "" {
		a.Risk = RiskLow
	}
	if a.RegisterTaskDefinition.Edits == nil {
		a.RegisterTaskDefinition.Edits = []Edit{}
	}
	if l, ok := b.inv.LatestActive(arn); ok {
		a.Preconditions = append(a.Preconditions, Precondition{Check: "family's latest ACTIVE revision", Result: l.ARN()})
	}
	a.DependsOn = append(a.DependsOn, rp.supportIDs...)
	for _, d := range rp.dependsOn {
		a.DependsOn = append(a.DependsOn, d.id)
	}
	switch {
	case rp.latestCopy:
		a.Summary = fmt.Sprintf("register %s again, unchanged, as the newest revision of %s", revName(arn), family)
	default:
		a.Summary = fmt.Sprintf("register a new revision of %s from %s (%s)", family, revName(arn), strings.Join(a.Controls, ", "))
	}
	if len(rp.dependsOn) > 0 && !rp.latestCopy {
		a.Notes = append(a.Notes, fmt.Sprintf("%s is the family's latest ACTIVE revision: its new revision is registered after those of the older revisions services run, so it stays the family's newest", revName(arn)))
	}
	return a, nil
}

// serviceAction is the update-service action for a service, if any.
func (b *builder) serviceAction(sp *servicePlan) (Action, bool) {
	svc := sp.svc
	arn := aws.ToString(svc.ServiceArn)
	var before, after ServiceSettings
	var notes []string
	var pre []Precondition
	controls := map[string]bool{}
	risk := Risk("")
	from := ""
	var sgDeps []string
	blocked := b.serviceBlocked(svc)

	if rp := sp.rev; rp != nil {
		newRev := rp.target()
		what := "the new revision registered by action " + rp.id + " " + newRev
		if rp.existing != "" {
			what = "the fixed revision " + revName(rp.existing) + ", already registered,"
		}
		if blocked != "" {
			for _, c := range sortedKeys(rp.controls) {
				how := "deploy " + what + " yourself"
				if b.owner(svc.Tags) != "" {
					how = "point its task definition at " + what + " in its source"
				} else if svc.DeploymentController != nil && svc.DeploymentController.Type == ecstypes.DeploymentControllerTypeCodeDeploy {
					how = "deploy " + what + " through a CodeDeploy deployment (AppSpec TaskDefinition)"
				} else if svc.DeploymentController != nil && svc.DeploymentController.Type == ecstypes.DeploymentControllerTypeExternal {
					how = "create a task set with " + what + " through the external controller"
				}
				b.skip(c, arn, blocked+": "+how)
			}
		} else {
			before.TaskDefinition, after.TaskDefinition = aws.ToString(svc.TaskDefinition), newRev
			if rp.existing == "" {
				from = rp.id
			} else {
				notes = append(notes, "the fixed revision "+revName(rp.existing)+" of "+revName(rp.source.ARN())+" is already registered (by an earlier plan): the service moves to it",
					"the service moves to a revision that this plan does not register, so applying cannot derive its content from the plan: the action is high risk")
			}
			for c := range rp.controls {
				controls[c] = true
			}
			risk = maxRisk(risk, rp.risk)
			notes = append(notes, "moving the service to the new revision starts a deployment: its tasks are replaced")
			if latest, ok := b.inv.LatestActive(rp.source.ARN()); ok && latest.ARN() != rp.source.ARN() {
				also := "the family's latest is fixed too, and registered last"
				if lp := b.revs[latest.ARN()]; lp == nil {
					also = "the family's latest needs no change"
				} else if lp.latestCopy {
					also = revName(latest.ARN()) + " needs no fix and is registered again, unchanged, last, so that it stays the family's newest"
				}
				notes = append(notes, fmt.Sprintf("the service runs %s while the family's latest ACTIVE revision is %s: the service moves to the fix of the revision it runs; %s",
					revName(rp.source.ARN()), revName(latest.ARN()), also))
			}
			pre = append(pre, Precondition{Check: "service taskDefinition", Result: aws.ToString(svc.TaskDefinition)})
			for _, rem := range remedies() {
				if rem.onMove != nil && rp.want[rem.ID] != nil {
					p, n := rem.onMove(svc)
					pre = append(pre, p...)
					notes = append(notes, n...)
				}
			}
		}
	} else if blocked != "" && !isDeployedElsewhere(svc) {
		// owned services with findings on their revision: the change goes to their source
		for _, c := range sortedKeys(sp.controls) {
			if c == "ECS.10" {
				continue
			}
			b.skip(c, arn, blocked+": fix the task definition it deploys in its source ("+aws.ToString(svc.TaskDefinition)+")")
		}
	}
	if sp.platform && blocked == "" {
		pb, pa, out := fixECS10(svc, b.opts)
		if len(out.Edits) > 0 {
			before.PlatformVersion, after.PlatformVersion = pb.PlatformVersion, pa.PlatformVersion
			controls["ECS.10"] = true
			risk = maxRisk(risk, b.risk("ECS.10"))
			notes = append(notes, out.Notes...)
			pre = append(pre, out.Preconditions...)
		}
	}
	if np := sp.network; np != nil && blocked == "" {
		before.Network, after.Network = np.before, np.after
		for c := range sp.publicIP {
			controls[c] = true
			risk = maxRisk(risk, b.risk(c))
		}
		if after.TaskDefinition == "" && after.PlatformVersion == "" {
			notes = append(notes, "changing the network configuration starts a deployment: the service's tasks are replaced")
		}
		notes = append(notes, np.notes...)
		pre = append(pre, np.pre...)
	}
	hostNet := false
	if rp := sp.rev; rp != nil && blocked == "" && after.Network == nil {
		if n := rp.networks[arn]; n != nil {
			// the host-network fix moves the revision to awsvpc: the service gets a network configuration
			hostNet = true
			before.Network = currentNetwork(svc)
			after.Network = &AwsVpcSettings{Subnets: append([]string(nil), n.Subnets...),
				SecurityGroups: append([]string(nil), n.SecurityGroups...), AssignPublicIp: n.AssignPublicIp}
			pre = append(pre, Precondition{Check: "service networkConfiguration", Result: networkText(before.Network)})
			notes = append(notes, "the service gets the awsvpc network configuration of fix.host_network.awsvpc for cluster "+clusterNameOf(svc)+
				", deployed together with the awsvpc revision")
			notes = append(notes, hostRollbackNote)
			pre = append(pre, Precondition{Check: "rollback to host network mode", Result: hostRollbackNote})
		}
	}
	var sgFrom map[string]string
	if sp.sg != nil && blocked == "" {
		current := after.Network
		if current == nil {
			current = currentNetwork(svc)
		}
		if n, from := sp.sgNetwork(current); n != nil {
			if before.Network == nil {
				before.Network = currentNetwork(svc)
			}
			after.Network = n
			sgFrom = from
			controls[exposureOpenSG] = true
			risk = maxRisk(risk, b.risk(exposureOpenSG))
			var deps []string
			for _, g := range sortedKeys(sp.sg.moves) {
				deps = append(deps, sp.sg.moves[g])
				notes = append(notes, "the service moves from security group "+g+" to the copy that action "+sp.sg.moves[g]+" creates")
			}
			if after.TaskDefinition == "" && after.PlatformVersion == "" && sp.network == nil {
				notes = append(notes, "changing the network configuration starts a deployment: the service's tasks are replaced")
			}
			pre = append(pre, Precondition{Check: "service security groups", Result: strings.Join(currentNetwork(svc).SecurityGroups, ", ")})
			sgDeps = deps
		}
	}
	if after == (ServiceSettings{}) {
		return Action{}, false
	}
	if svc.DeploymentController != nil {
		pre = append(pre, Precondition{Check: "service deploymentController", Result: string(svc.DeploymentController.Type)})
	} else {
		pre = append(pre, Precondition{Check: "service deploymentController", Result: "ECS (default)"})
	}
	var what []string
	if after.TaskDefinition != "" {
		what = append(what, "move to "+after.TaskDefinition)
	}
	if after.PlatformVersion != "" {
		what = append(what, "platform version LATEST")
	}
	if n := after.Network; n != nil {
		if before.Network != nil && !sameStrings(before.Network.Subnets, n.Subnets) {
			what = append(what, "move to subnets "+strings.Join(n.Subnets, ", "))
		}
		if before.Network != nil && n.AssignPublicIp != before.Network.AssignPublicIp {
			what = append(what, "assignPublicIp "+n.AssignPublicIp)
		} else if sp.network != nil {
			what = append(what, "assignPublicIp "+n.AssignPublicIp)
		}
		if len(sgFrom) > 0 {
			what = append(what, "move to security groups "+strings.Join(n.SecurityGroups, ", "))
		}
		if hostNet && len(sgFrom) == 0 {
			what = append(what, "awsvpc network (subnets "+strings.Join(n.Subnets, ", ")+"; security groups "+strings.Join(n.SecurityGroups, ", ")+
				"; assignPublicIp "+n.AssignPublicIp+")")
		}
	}
	return Action{
		Type: UpdateService, Account: detect.AccountOf(arn), Region: detect.RegionOf(arn), Resource: arn,
		Controls: sortedKeys(controls), Risk: risk,
		Summary:       "update service " + aws.ToString(svc.ServiceName) + ": " + strings.Join(what, ", "),
		Notes:         dedup(notes),
		Preconditions: pre,
		DependsOn:     append(sgDeps, nonEmptyList(from)...),
		UpdateService: &UpdateServiceChange{
			Cluster: aws.ToString(svc.ClusterArn), Service: aws.ToString(svc.ServiceName),
			Before: before, After: after, TaskDefinitionFrom: from, SecurityGroupsFrom: sgFrom,
		},
	}, true
}

func maxRisk(a, b Risk) Risk {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// shortName is family:revision for a task-definition ARN (the ARN itself when it does not parse).
func revName(arn string) string {
	a, err := detect.ParseTaskDefinitionARN(arn)
	if err != nil {
		return arn
	}
	return fmt.Sprintf("%s:%d", a.Family, a.Revision)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedup(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func nonEmptyList(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
