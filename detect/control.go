package detect

import (
	"fmt"
	"sort"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/internal/ordered"
)

// Control is one Security Hub control (ECS.n) or exposure trait. Exactly one of the evaluation functions
// is set, matching ResourceType; it is a pure function of its resource, the inventory and the settings.
type Control struct {
	ID    string
	Title string
	// Aliases are older titles of the same trait (the seed's wording before Security Hub renamed it):
	// shown next to the title, and matched like it when findings are read.
	Aliases      []string
	Severity     Severity
	ResourceType string
	// Exposure marks the exposure traits of services (not Security Hub controls with an ECS.n id).
	Exposure bool

	// TaskDefinition evaluates the latest ACTIVE revision of a family. The driver makes every other
	// revision NOT_APPLICABLE without calling it.
	TaskDefinition func(td *TaskDefinition, s *Settings) Verdict
	// Service evaluates a service; exposure traits look up the revision it runs in the inventory.
	Service          func(svc *ecstypes.Service, in *Inventory, s *Settings) Verdict
	Cluster          func(c *ecstypes.Cluster, s *Settings) Verdict
	TaskSet          func(ts *ecstypes.TaskSet, s *Settings) Verdict
	CapacityProvider func(cp *ecstypes.CapacityProvider, s *Settings) Verdict
	// Enabled, when set, says whether the control applies under these settings at all (ECS.13/14/15 are
	// off when no required tag keys are configured).
	Enabled func(s *Settings) bool
}

// Settings are the inputs of evaluation that come from configuration.
type Settings struct {
	// RequiredTags lists the tag keys ECS.13 (services), ECS.14 (clusters) and ECS.15 (task definitions)
	// require, by resource type. No keys: the control is off.
	RequiredTags map[string][]string
	// Controls restricts evaluation to these ids; empty means every control.
	Controls []string
	// Exemptions suppress FAILED results.
	Exemptions []Exemption
	// Now decides whether an exemption has expired; zero means time.Now().
	Now time.Time
}

// Exemption suppresses the FAILED results of a control (or of every control, when Control is empty)
// for a resource chosen by ARN or by tag, until Expires (zero: forever).
type Exemption struct {
	Control  string
	Arn      string
	TagKey   string
	TagValue string // empty: any value of TagKey
	Reason   string
	Expires  time.Time
}

// ExpiryText renders an exemption's expiry as the configuration wrote it. A date (expires: 2027-12-31)
// applies through that day in UTC, so it expires at midnight UTC after it: an expiry at midnight UTC is
// shown as the day it ends, "through 2027-12-31 (UTC)"; any other time as "until 2027-06-30 18:00 UTC".
func ExpiryText(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return "through " + t.Add(-24*time.Hour).Format(time.DateOnly) + " (UTC)"
	}
	return "until " + t.Format("2006-01-02 15:04 MST")
}

func (e Exemption) describe() string {
	if e.Arn != "" {
		return "exemption for " + e.Arn
	}
	if e.TagValue != "" {
		return fmt.Sprintf("exemption for tag %s=%s", e.TagKey, e.TagValue)
	}
	return "exemption for tag " + e.TagKey
}

// Lookup returns the control with the given id.
func Lookup(id string) (Control, bool) {
	for _, c := range All() {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return Control{}, false
}

// IDs lists every control id in registry order.
func IDs() []string {
	all := All()
	ids := make([]string, len(all))
	for i, c := range all {
		ids[i] = c.ID
	}
	return ids
}

// Evaluate runs the controls over the inventory and returns one result per (control, evaluated resource),
// in registry order, then by resource ARN.
func Evaluate(in *Inventory, s *Settings) []Result {
	if s == nil {
		s = &Settings{}
	}
	want := map[string]bool{}
	for _, id := range s.Controls {
		want[strings.ToUpper(id)] = true
	}
	var controls []Control
	for _, c := range All() {
		if len(want) > 0 && !want[strings.ToUpper(c.ID)] {
			continue
		}
		if c.Enabled != nil && !c.Enabled(s) {
			continue
		}
		controls = append(controls, c)
	}
	var tds *revisionKeys
	for _, c := range controls {
		if c.TaskDefinition != nil {
			tds = keysOf(in)
			break
		}
	}
	// Controls are independent: they are evaluated in parallel, each into its own part of the results (a
	// control has one result per resource of its type), in registry order, so the results are the same
	// whatever the parallelism.
	parts := make([][]Result, len(controls))
	sizes := make([]int, len(controls))
	total := 0
	for i, c := range controls {
		sizes[i] = resourcesOf(c, in)
		total += sizes[i]
	}
	out := make([]Result, total)
	for i, off := 0, 0; i < len(parts); i++ {
		parts[i] = out[off : off : off+sizes[i]]
		off += sizes[i]
	}
	ordered.For(len(controls), func(i int) {
		rs := evaluateControl(controls[i], in, s, tds, parts[i])
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].ResourceArn < rs[j].ResourceArn })
		parts[i] = rs
	})
	for i, rs := range parts {
		if len(rs) != sizes[i] || (len(rs) > 0 && &rs[0] != &out[offset(sizes, i)]) {
			return joined(parts) // a control gave other than one result per resource: join the lists
		}
	}
	return out
}

// offset is where the part of control i starts in the results.
func offset(sizes []int, i int) int {
	off := 0
	for _, n := range sizes[:i] {
		off += n
	}
	return off
}

// joined is the parts one after the other.
func joined(parts [][]Result) []Result {
	var out []Result
	for _, rs := range parts {
		out = append(out, rs...)
	}
	return out
}

// resourcesOf is the number of resources a control evaluates: those of its type in the inventory.
func resourcesOf(c Control, in *Inventory) int {
	switch {
	case c.TaskDefinition != nil:
		return len(in.TaskDefinitions)
	case c.Service != nil:
		return len(in.Services)
	case c.Cluster != nil:
		return len(in.Clusters)
	case c.TaskSet != nil:
		return len(in.TaskSets)
	case c.CapacityProvider != nil:
		return len(in.CapacityProviders)
	}
	return 0
}

// evaluateControl appends the results of control c to out (one per resource of its type) and returns it.
// Every result shares the control's ControlInfo, and its ARN and region with the inventory's strings.
func evaluateControl(c Control, in *Inventory, s *Settings, tds *revisionKeys, out []Result) []Result {
	info := c.Info()
	emit := func(arn, region string, tags []ecstypes.Tag, v Verdict) {
		r := Result{ControlInfo: info, ResourceArn: arn, Region: region, Status: v.Status, Reason: v.Reason, Offenders: v.Offenders}
		if r.Status == Failed {
			r.Suppressed = s.exempt(c.ID, arn, ecsTags(tags))
		}
		out = append(out, r)
	}
	emitARN := func(arn string, tags []ecstypes.Tag, v Verdict) { emit(arn, RegionOf(arn), tags, v) }
	switch {
	case c.TaskDefinition != nil:
		for i := range in.TaskDefinitions {
			if g := tds.gates[i]; g != nil {
				// not scored: the verdict decided once for every control, NOT_APPLICABLE (never suppressed)
				out = append(out, Result{ControlInfo: info, ResourceArn: tds.arns[i], Region: tds.regions[i], Status: g.Status, Reason: g.Reason, Offenders: g.Offenders})
				continue
			}
			td := &in.TaskDefinitions[i]
			emit(tds.arns[i], tds.regions[i], td.Tags, scoreRevision(c, td, s)) // not gated: scored
		}
	case c.Service != nil:
		for i := range in.Services {
			svc := &in.Services[i]
			emitARN(deref(svc.ServiceArn), svc.Tags, c.Service(svc, in, s))
		}
	case c.Cluster != nil:
		for i := range in.Clusters {
			cl := &in.Clusters[i]
			emitARN(deref(cl.ClusterArn), cl.Tags, c.Cluster(cl, s))
		}
	case c.TaskSet != nil:
		for i := range in.TaskSets {
			ts := &in.TaskSets[i]
			emitARN(deref(ts.TaskSetArn), ts.Tags, c.TaskSet(ts, s))
		}
	case c.CapacityProvider != nil:
		for i := range in.CapacityProviders {
			cp := &in.CapacityProviders[i]
			emitARN(deref(cp.CapacityProviderArn), cp.Tags, c.CapacityProvider(cp, s))
		}
	}
	return out
}

// revisionKeys are, for each task definition of the inventory, what every task-definition control's
// result on it shares: its ARN (or FileID), its region, and its gate (revisionGates).
type revisionKeys struct {
	arns, regions []string
	gates         []*Verdict
}

// keysOf computes the revisionKeys of the inventory's task definitions, once for all the controls.
func keysOf(in *Inventory) *revisionKeys {
	k := &revisionKeys{arns: make([]string, len(in.TaskDefinitions)), regions: make([]string, len(in.TaskDefinitions)), gates: revisionGates(in)}
	for i := range in.TaskDefinitions {
		k.arns[i] = in.TaskDefinitions[i].ARN()
		k.regions[i] = RegionOf(k.arns[i])
	}
	return k
}

// Only the latest ACTIVE revision of a family is scored, as Security Hub does; a task definition kept as
// a file without an ARN is always scored. A revision whose status is unknown (a file with an ARN but no
// status) is scored too, its reason saying so: a missing status never hides findings.

// revisionGates are, for each task definition of the inventory, the verdict of every control on it when
// it is not scored (an INACTIVE or superseded revision), nil when it is (scoreRevision): decided once for
// all the controls.
func revisionGates(in *Inventory) []*Verdict {
	gates := make([]*Verdict, len(in.TaskDefinitions))
	for i := range in.TaskDefinitions {
		if v, gated := revisionGate(in, &in.TaskDefinitions[i]); gated {
			gates[i] = &v
		}
	}
	return gates
}

// revisionGate is the verdict on a revision that is not scored; gated is false when it is.
func revisionGate(in *Inventory, td *TaskDefinition) (v Verdict, gated bool) {
	if td.FileOnly() || td.Status == "" {
		return Verdict{}, false
	}
	rev := revisionNumber(td)
	if td.Status != ecstypes.TaskDefinitionStatusActive {
		return NA(fmt.Sprintf("revision %d is %s; only the latest ACTIVE revision of a family is evaluated", rev, td.Status)), true
	}
	if latest, ok := in.LatestActive(td.ARN()); ok && latest.ARN() != td.ARN() {
		return NA(fmt.Sprintf("revision %d is superseded by revision %d; only the latest ACTIVE revision of a family is evaluated", rev, revisionNumber(latest))), true
	}
	return Verdict{}, false
}

// isGated is revisionGate's gated, without its verdict.
func isGated(in *Inventory, td *TaskDefinition) bool {
	if td.FileOnly() || td.Status == "" {
		return false
	}
	if td.Status != ecstypes.TaskDefinitionStatusActive {
		return true
	}
	latest, ok := in.LatestActive(td.ARN())
	return ok && latest.ARN() != td.ARN()
}

// scoreRevision applies a task-definition control to a revision that is scored (see revisionGates).
func scoreRevision(c Control, td *TaskDefinition, s *Settings) Verdict {
	if td.Status == "" && !td.FileOnly() {
		v := c.TaskDefinition(td, s)
		v.Reason = strings.TrimSuffix(v.Reason, ".") + " (" + unknownStatusNote + ")"
		return v
	}
	return c.TaskDefinition(td, s)
}

// unknownStatusNote ends the reason of a revision scored without a status.
const unknownStatusNote = "the revision's status is unknown (it names none), so it is evaluated whether or not it is its family's latest ACTIVE revision"

// revisionNumber is a revision's number: its revision field, else the one its ARN names (0 when neither).
func revisionNumber(td *TaskDefinition) int {
	if td.Revision != 0 {
		return int(td.Revision)
	}
	if a, err := ParseTaskDefinitionARN(td.ARN()); err == nil {
		return a.Revision
	}
	return 0
}

// EvaluateRevision applies a task-definition control to one revision, whether or not it is its family's
// latest ACTIVE revision (the planner uses it on the older revisions services run), with the settings'
// exemptions applied to a FAILED result as Evaluate applies them (by ARN or tag, until they expire). A
// control without a TaskDefinition function, or one off under these settings, gives NOT_APPLICABLE. A nil
// s is empty settings.
func EvaluateRevision(c Control, td *TaskDefinition, s *Settings) Result {
	if s == nil {
		s = &Settings{}
	}
	arn := td.ARN()
	r := Result{ControlInfo: c.Info(), ResourceArn: arn, Region: RegionOf(arn)}
	var v Verdict
	switch {
	case c.TaskDefinition == nil:
		v = NA(c.ID + " does not evaluate task definitions")
	case c.Enabled != nil && !c.Enabled(s):
		v = NA(c.ID + " is off under these settings")
	case td.Trimmed:
		v = Unknown("the revision's body was not kept (it is not scored and nothing runs it); not evaluated")
	default:
		v = c.TaskDefinition(td, s)
	}
	r.Status, r.Reason, r.Offenders = v.Status, v.Reason, v.Offenders
	if r.Status == Failed {
		r.Suppressed = s.exempt(c.ID, arn, ecsTags(td.Tags))
	}
	return r
}

func (s *Settings) exempt(control, arn string, tags map[string]string) *Suppressed {
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	for _, e := range s.Exemptions {
		if e.Control != "" && !strings.EqualFold(e.Control, control) {
			continue
		}
		if !e.Expires.IsZero() && !now.Before(e.Expires) {
			continue
		}
		match := e.Arn != "" && e.Arn == arn
		if e.TagKey != "" {
			if v, ok := tags[e.TagKey]; ok && (e.TagValue == "" || e.TagValue == v) {
				match = true
			}
		}
		if !match {
			continue
		}
		sup := &Suppressed{By: e.describe(), Reason: e.Reason}
		if !e.Expires.IsZero() {
			exp := e.Expires
			sup.Expires = &exp
		}
		return sup
	}
	return nil
}

func ecsTags(tags []ecstypes.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[deref(t.Key)] = deref(t.Value)
	}
	return m
}
