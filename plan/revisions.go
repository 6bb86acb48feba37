package plan

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/internal/ordered"
)

// The revision plan: the new task-definition revisions, one per source revision that needs fixing (every
// revision remedy asked for it combined), the revisions services run, already registered fixes, and the
// order of registration within a family.

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

	// form is the registration's before and after, made as soon as the revision is fixed when nothing
	// written later goes into them (settle), so that input, a whole copy of the revision, is dropped
	// then; nil: registration makes them from input.
	form *registrationForm
	// existingErr is alreadyRegistered's error, found by settle, returned where alreadyRegistered's
	// would be.
	existingErr error
}

// registrationForm is what registrationJSON gives of a revision plan: its before, after and masked
// values, or the error.
type registrationForm struct {
	before, after []byte
	masked        []Masked
	err           error
}

// target is how an update-service action names the revision: the existing fixed revision's ARN, or a
// placeholder for the one the registration creates.
func (rp *revisionPlan) target() string {
	if rp.existing != "" {
		return rp.existing
	}
	return fmt.Sprintf("(new revision of %s from %s)", aws.ToString(rp.source.Family), detect.ShortARN(rp.source.ARN()))
}

// rev is the revision plan of a source revision, made on first use.
func (b *builder) rev(td *detect.TaskDefinition) *revisionPlan {
	rp, ok := b.revs[td.ARN()]
	if !ok {
		rp = &revisionPlan{source: td, want: map[string]map[string]bool{}}
		b.revs[td.ARN()] = rp
	}
	return rp
}

// ask records that a control asked for a remedy (by its id) on the revision.
func (rp *revisionPlan) ask(fixID, control string) {
	if rp.want[fixID] == nil {
		rp.want[fixID] = map[string]bool{}
	}
	rp.want[fixID][control] = true
}

// runningRevisions adds, for each service that ecsfix may move, the task-definition findings of the
// revision it RUNS (the detector scores only each family's latest ACTIVE revision). The revision is
// evaluated with Options.Settings: a FAILED result that an exemption suppresses is skipped as exempted,
// like a suppressed result on a latest revision.
func (b *builder) runningRevisions() {
	var ids []string
	for _, id := range slices.Sorted(maps.Keys(b.evaluated)) {
		if _, ok := fixFor(id); ok {
			ids = append(ids, id)
		}
	}
	for _, rr := range detect.EvaluateRunning(b.inv, b.settings(), ids...) {
		r, svc, td := &rr.Result, rr.Service, rr.Revision
		if r.Status != detect.Failed {
			continue
		}
		if r.Suppressed != nil {
			b.skip(r.Control, td.ARN(), suppressedReason(r.Suppressed))
			continue
		}
		if latest, ok := b.inv.LatestActive(td.ARN()); ok {
			if lr := b.suppressed[resultKey{r.Control, latest.ARN()}]; lr != nil {
				b.skip(r.Control, td.ARN(), "suppressed on the family's latest revision by "+lr.By)
				continue
			}
		}
		fix, _ := fixFor(r.Control)
		if !b.selected(r.Control, fix.ID) {
			b.skip(r.Control, td.ARN(), notSelected)
			continue
		}
		b.service(svc).controls[r.Control] = true
		if reason := b.serviceBlocked(svc); reason != "" && !isDeployedElsewhere(svc) {
			continue
		}
		b.rev(td).ask(fix.ID, r.Control)
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

// buildRevisions applies the requested fixes to a copy of each source revision: the revisions'
// remedies concurrently (fixRevision touches only its revision), then, in ARN order, what the plan
// records of each.
func (b *builder) buildRevisions() error {
	var arns []string
	for _, arn := range slices.Sorted(maps.Keys(b.revs)) {
		if len(b.revs[arn].want) == 0 {
			delete(b.revs, arn)
			continue
		}
		arns = append(arns, arn)
	}
	b.indexFamilies() // read by settle, concurrently
	rel := b.newRelease(arns)
	fixed := make([]fixedRevision, len(arns))
	ordered.For(len(arns), func(i int) {
		rp := b.revs[arns[i]]
		fixed[i] = b.fixRevision(arns[i], rp)
		ok := fixed[i].err == nil && len(rp.edits) > 0
		if ok {
			b.settle(rp)
		}
		rel.settled(arns[i], rp, ok)
	})
	b.families = nil // read by settle alone
	for i, arn := range arns {
		if fixed[i].err != nil {
			return fixed[i].err
		}
		rp := b.revs[arn]
		for _, k := range fixed[i].partly {
			if b.partly == nil {
				b.partly = map[string]bool{}
			}
			b.partly[k] = true
		}
		for _, s := range fixed[i].skips {
			b.skip(s[0], arn, s[1])
		}
		if len(rp.edits) == 0 {
			delete(b.revs, arn)
			continue
		}
		changes := func() string { // what to change, for a skip: made only for one
			c := make([]string, len(rp.edits))
			for i, e := range rp.edits {
				c[i] = e.Path + ": " + e.Change
			}
			return strings.Join(c, "; ")
		}
		if owner := b.owner(rp.source.Tags); owner != "" {
			for _, c := range slices.Sorted(maps.Keys(rp.controls)) {
				b.skip(c, arn, owner+": make the change in its source ("+changes()+")")
			}
			delete(b.revs, arn)
			continue
		}
		// An older revision of a family whose latest is owned: its fix would become the family's newest
		// ACTIVE revision, and the latest (owned) is not re-registered after it.
		if latest, ok := b.inv.LatestActive(arn); ok && latest.ARN() != arn {
			if owner := b.owner(latest.Tags); owner != "" {
				for _, c := range slices.Sorted(maps.Keys(rp.controls)) {
					b.skip(c, arn, fmt.Sprintf("the family's latest ACTIVE revision %s is %s: a fixed copy of %s would become the family's newest revision; "+
						"make the change in the source of the service's task definition (%s)", detect.ShortARN(latest.ARN()), owner, detect.ShortARN(arn), changes()))
				}
				delete(b.revs, arn)
				continue
			}
		}
		if tags := reservedTags(rp.source.Tags); len(tags) > 0 {
			rp.notes = append(rp.notes, "reserved tags "+strings.Join(tags, ", ")+" are not carried to the new revision: only AWS may set aws: tags")
		}
		if rp.existingErr != nil {
			return rp.existingErr
		}
		if rp.existing != "" {
			rp.form = nil // not registered
		}
	}
	// services: those whose revision is not registered (owned, nothing to edit) are not moved
	for _, sp := range b.services {
		if rp, ok := b.revs[aws.ToString(sp.svc.TaskDefinition)]; ok {
			sp.rev = rp
		}
	}
	return nil
}

// settle finds, as soon as a revision is fixed, the registered revision that already is its fix
// (alreadyRegistered: rp.existing, or rp.existingErr) and, when none is and nothing the plan writes
// later goes into the new revision (no secret's placeholder, which supportPlan.resolve writes once the
// create-secret actions are numbered), its registration's before and after (rp.form); then the fixed
// copy (rp.input) goes, unless the public-IP fix reads it still (a revision services run: publicIPs;
// dropInputs drops it after). So the copies of the revisions are not all held at once. What was asked
// (rp.want) goes too, unless services run the revision. The texts of its edits are interned. It reads the builder (b.families, built before)
// and writes only rp: revisions are settled concurrently. The revisions that buildRevisions then drops
// (owned, or their family's latest owned) were settled for nothing: what settle made of them is not used
// (nor its errors returned).
func (b *builder) settle(rp *revisionPlan) {
	if len(rp.services) == 0 {
		// what was asked is read again only by the moves of the services that run it (moveToRevision);
		// the needs that fixRevision recorded keep their own controls
		rp.want = nil
	}
	b.internEdits(rp.edits)
	if cap(rp.edits) > len(rp.edits) { // grown remedy by remedy: held at its length (the action holds it)
		rp.edits = append([]Edit(nil), rp.edits...)
	}
	for i, n := range rp.notes {
		rp.notes[i] = b.texts.intern(n)
	}
	rp.existing, rp.existingErr = b.alreadyRegistered(rp)
	if rp.existingErr != nil || rp.existing != "" || len(rp.secrets) > 0 {
		return
	}
	f := &registrationForm{}
	f.before, f.after, f.masked, f.err = registrationJSON(rp.input, rp.source, rp.moved, rp.plain, classifyFlagged)
	b.internMasked(f.masked)
	rp.form = f
	rp.moved, rp.plain = nil, nil // read only to make the form
	if len(rp.services) == 0 {
		rp.input = nil // else publicIPs reads it still: dropInputs drops it after
	}
}

// dropInputs drops the fixed copies (rp.input) that publicIPs read and nothing reads after: those of
// the revision plans whose registration is made (rp.form; not those whose secrets' placeholders
// supportPlan.resolve writes into the copy).
func (b *builder) dropInputs() {
	for _, rp := range b.revs {
		if rp.form != nil {
			rp.input = nil
		}
	}
}

// internEdits and internMasked make the texts of edits and masked values the interned copies
// (builder.texts): equal strings, one copy.
func (b *builder) internEdits(edits []Edit) {
	for i := range edits {
		e := &edits[i]
		e.Control, e.Path, e.Change, e.Why = b.texts.intern(e.Control), b.texts.intern(e.Path), b.texts.intern(e.Change), b.texts.intern(e.Why)
	}
}

func (b *builder) internMasked(masked []Masked) {
	for i := range masked {
		m := &masked[i]
		m.Path, m.SourcePath = b.texts.intern(m.Path), b.texts.intern(m.SourcePath)
	}
}

// fixedRevision is what fixRevision leaves for the plan to record: the findings not fixed (control,
// reason), the keys of those fixed only in part, and an error when a remedy applied again gave other edits
// (revisionWork).
type fixedRevision struct {
	skips  [][2]string
	partly []string
	err    error
}

// fixRevision applies the remedies asked of one revision to a copy of it (rp.input), filling rp. It
// reads the builder and writes only rp: revisions are fixed concurrently.
func (b *builder) fixRevision(arn string, rp *revisionPlan) fixedRevision {
	var partly []string
	ctx := &revisionContext{inv: b.inv, source: rp.source, services: rp.services, opts: b.opts}
	w := &revisionWork{ctx: ctx}
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
		if why := fileUnfixable(rp.source, fix.ID); why != "" {
			for c := range asked {
				skips = append(skips, [2]string{c, why})
			}
			continue
		}
		out, err := w.apply(fix)
		if err != nil {
			return fixedRevision{err: fmt.Errorf("plan %s: %w", arn, err)}
		}
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
		needs := asked // one map for the needs of every revision asked for the same controls: read only
		if len(out.Secrets)+len(out.LogGroups) > 0 {
			needs = b.controlSets.of(asked)
		}
		for _, n := range out.Secrets {
			n.controls = needs
			rp.secrets = append(rp.secrets, n)
		}
		for _, n := range out.LogGroups {
			n.controls = needs
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
		for _, why := range out.NotFixed {
			for c := range asked {
				skips = append(skips, [2]string{c, why})
				partly = append(partly, strings.ToUpper(c)+"\x00"+arn)
			}
		}
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
	in, err := w.input()
	if err != nil {
		return fixedRevision{err: fmt.Errorf("plan %s: %w", arn, err)}
	}
	rp.input = in
	return fixedRevision{skips: skips, partly: partly}
}

// revisionWork applies a revision's remedies, in registry order, to one copy of its registration input
// (RegisterInput of the source), edited in place. A remedy that skips, or reports no edit, may have
// changed the copy before deciding: the copy is then dropped, and made again when next needed, from the
// source, with the remedies kept so far applied to it again. A remedy is a function of the revision's
// context and the input alone, so applied again to the same input it makes the same edits; that it
// does is checked (the edits compared), and an error otherwise. So a remedy that does not fix leaves no
// trace in the new revision, at the cost of one copy per remedy that does not fix rather than one per
// remedy; none when the remedy's Refuses decides it, without a change, before Apply.
type revisionWork struct {
	ctx *revisionContext
	in  *ecs.RegisterTaskDefinitionInput // the copy with the kept remedies applied; nil: to be made again
	// kept are the remedies that made edits, in order, and edits what each made.
	kept  []remedy
	edits [][]Edit
}

// apply applies a remedy to the input, keeping its edits when it made some and did not skip.
func (w *revisionWork) apply(fix remedy) (fixOutcome, error) {
	in, err := w.input()
	if err != nil {
		return fixOutcome{}, err
	}
	if fix.Refuses != nil {
		if skip, decided := fix.Refuses(w.ctx, in); decided {
			return fixOutcome{Skip: skip}, nil // decided without a change: the input stays
		}
	}
	out := fix.Apply(w.ctx, in)
	if out.Skip != "" || len(out.Edits) == 0 {
		w.in = nil // it may have changed something before deciding
		return out, nil
	}
	w.kept = append(w.kept, fix)
	w.edits = append(w.edits, out.Edits)
	return out, nil
}

// input is the registration input with the kept remedies' edits, made again from the source when a
// remedy that did not fix dropped it.
func (w *revisionWork) input() (*ecs.RegisterTaskDefinitionInput, error) {
	if w.in != nil {
		return w.in, nil
	}
	in := RegisterInput(w.ctx.source)
	for i, fix := range w.kept {
		out := fix.Apply(w.ctx, in)
		if out.Skip != "" || !reflect.DeepEqual(out.Edits, w.edits[i]) {
			return nil, fmt.Errorf("remedy %s, applied again to the same input, did not make the same edits", fix.ID)
		}
	}
	w.in = in
	return in, nil
}

// fileUnfixable is why a remedy is not planned for a task definition kept as a file (no ARN), "" when it
// is: the secrets and logging fixes (ECS.8, ECS.9) write into the task definition the ARN of a secret, a
// log group's region, an execution role granted in AWS, which a file names in no account or region.
func fileUnfixable(td *detect.TaskDefinition, fixID string) string {
	if !td.FileOnly() {
		return ""
	}
	switch fixID {
	case detect.ECS8ID:
		return "a task definition kept as a file: moving a value into Secrets Manager needs the secret created in AWS first; " +
			"create it, then replace the environment entry with a secrets entry naming its ARN (and grant the execution role secretsmanager:GetSecretValue on it)"
	case detect.ECS9ID:
		return "a task definition kept as a file names no account or region for the log group: " +
			"add a logConfiguration (awslogs, with awslogs-group, awslogs-region and awslogs-stream-prefix) to each container, and create the log group"
	}
	return ""
}

// alreadyRegistered finds a newer ACTIVE revision of the source's family whose registrable form is
// exactly the fixed input: re-planning after a partly applied plan (revision registered, service not
// moved), or after a rollback (service moved back), then moves the service instead of registering a
// duplicate. The comparison ignores ecsfix's own tags (TagPrefix: the provenance the applier adds to what
// it registers), which RegisterInput leaves out, and no tags equals an empty tag list. Only a fix the
// applier can re-derive from the two revisions alone is reused (reusable); any other is registered again.
func (b *builder) alreadyRegistered(rp *revisionPlan) (string, error) {
	if !reusable(rp) || rp.source.FileOnly() {
		return "", nil
	}
	want, err := comparableInput(rp.input)
	if err != nil {
		return "", fmt.Errorf("plan %s: %w", rp.source.ARN(), err)
	}
	b.indexFamilies()
	best := ""
	var bestRev int32
	for _, td := range b.families[detect.FamilyKey(rp.source.ARN())] {
		if td.Revision <= rp.source.Revision {
			continue
		}
		got, err := comparableInput(registerView(td)) // only marshalled: no copy
		if err != nil {
			return "", fmt.Errorf("plan %s: %w", td.ARN(), err)
		}
		if bytes.Equal(got, want) && td.Revision > bestRev {
			best, bestRev = td.ARN(), td.Revision
		}
	}
	return best, nil
}

// indexFamilies fills b.families (the ACTIVE revisions by family key), once.
func (b *builder) indexFamilies() {
	if b.families != nil {
		return
	}
	b.families = map[string][]*detect.TaskDefinition{}
	for i := range b.inv.TaskDefinitions {
		td := &b.inv.TaskDefinitions[i]
		if td.Status == ecstypes.TaskDefinitionStatusActive {
			k := detect.FamilyKey(td.ARN())
			b.families[k] = append(b.families[k], td)
		}
	}
}

// reusable reports whether an existing revision may stand for rp's fix: the applier re-derives it from
// the revision the service runs and the move's edits alone (UpdateServiceChange.rederiveExisting). The
// secrets, logging and host-network fixes (ECS.8, ECS.9, ECS.17) are re-derived against the plan's own
// create-secret, ensure-log-group, put-role-policy actions and the services' networks, which a move to a
// revision an earlier plan registered does not carry: their fix is registered again instead.
func reusable(rp *revisionPlan) bool {
	if len(rp.secrets) > 0 || len(rp.logs) > 0 || len(rp.networks) > 0 {
		return false
	}
	for _, e := range rp.edits {
		f, ok := fixFor(e.Control)
		if !ok {
			return false
		}
		switch f.ID {
		case detect.ECS8ID, detect.ECS9ID, detect.ECS17ID:
			return false
		}
	}
	return true
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
		if rp.existing != "" || rp.source.FileOnly() {
			continue // a file's task definition has no family in AWS to keep in order
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
			last.notes = append(last.notes, fmt.Sprintf("%s needs no fix; it is registered again, unchanged, after the fixed older revisions so that the family's newest ACTIVE revision stays its latest code", detect.ShortARN(latest.ARN())))
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

// registration is the register-task-definition action for a revision plan.
func (b *builder) registration(rp *revisionPlan) (Action, error) {
	arn := rp.source.ARN()
	// The after is masked in rp.input itself (its values put back once marshalled: the service updates
	// read it later), checked against the source's values; the before is the source's registrable form,
	// masked without a copy of the whole revision (registrationJSON).
	var before, after []byte
	var masked []Masked
	var err error
	if f := rp.form; f != nil {
		before, after, masked, err = f.before, f.after, f.masked, f.err
	} else {
		before, after, masked, err = registrationJSON(rp.input, rp.source, rp.moved, rp.plain, classifyFlagged)
		b.internMasked(masked)
		b.internEdits(rp.edits) // their texts as resolve left them
	}
	if err != nil {
		return Action{}, fmt.Errorf("plan %s: %w", arn, err)
	}
	family := aws.ToString(rp.source.Family)
	a := Action{
		Type: RegisterTaskDefinition, Account: detect.AccountOf(arn), Region: detect.RegionOf(arn),
		ID: rp.id, Resource: arn, Controls: slices.Sorted(maps.Keys(rp.controls)), Risk: rp.risk,
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
	if l, ok := b.inv.LatestActive(arn); ok && !rp.source.FileOnly() {
		a.Preconditions = append(a.Preconditions, Precondition{Check: "family's latest ACTIVE revision", Result: l.ARN()})
	}
	a.DependsOn = append(a.DependsOn, rp.supportIDs...)
	for _, d := range rp.dependsOn {
		a.DependsOn = append(a.DependsOn, d.id)
	}
	switch {
	case rp.source.FileOnly():
		a.Summary = fmt.Sprintf("fix task definition %s in file %s (line %d) (%s): ecsfix plan --format patch writes it into the file", family, rp.source.Source.File, rp.source.Source.Line, strings.Join(a.Controls, ", "))
		a.Preconditions = a.Preconditions[1:] // a file's task definition has no status in AWS
	case rp.latestCopy:
		a.Summary = fmt.Sprintf("register %s again, unchanged, as the newest revision of %s", detect.ShortARN(arn), family)
	default:
		a.Summary = fmt.Sprintf("register a new revision of %s from %s (%s)", family, detect.ShortARN(arn), strings.Join(a.Controls, ", "))
	}
	if len(rp.dependsOn) > 0 && !rp.latestCopy {
		a.Notes = append(a.Notes, fmt.Sprintf("%s is the family's latest ACTIVE revision: its new revision is registered after those of the older revisions services run, so it stays the family's newest", detect.ShortARN(arn)))
	}
	return a, nil
}
