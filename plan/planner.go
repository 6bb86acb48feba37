package plan

import (
	"maps"
	"slices"
	"strings"
	"sync"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The planner: Build and the builder that holds, while it plans, what each remedy asked for (by revision,
// service, cluster and task role) and what is Skipped. The steps are in route.go, revisions.go,
// services.go and assemble.go.

// Build makes a plan from an inventory and the detector's results on it. It is a pure function: it never
// calls AWS.
//
// From the FAILED, unsuppressed results it makes one new revision per source revision (combining every
// fix for it), update-service actions for each service that runs a revision needing a fix or fails a
// service control (one per part with its own risk: the platform version for ECS.10; the move to the fixed
// revision; the network configuration) and an update-cluster-settings action per
// cluster failing ECS.12. Every other failed finding — suppressed, not selected by Options.Fix, owned by
// infrastructure as code, needing input, deployed by CodeDeploy or an external controller, or without an
// automatic fix — is listed in Skipped with the reason.
func Build(in *detect.Inventory, results []detect.Result, o Options) (*Plan, error) {
	b := newBuilder(in, results, o)
	if err := b.buildRevisions(); err != nil {
		return nil, err
	}
	b.publicIPs()
	b.dropInputs()
	b.openSecurityGroups()
	b.orderFamilies()
	b.releaseBeforeAssemble()
	p, err := b.assemble()
	if err == nil {
		b.releaseAll()
	}
	return p, err
}

// ForPlanning narrows a scan's results to what Build reads of them: the FAILED ones, in their order, and
// the controls evaluated (each control with a result, whatever its status), to give as Options.Evaluated.
// Build(in, failed, o with Evaluated) plans what Build(in, results, o) plans; a caller with no other use
// for the rest of the results lets them go before the plan is built (a large snapshot's passing and
// not-applicable results are most of them).
func ForPlanning(results []detect.Result) (failed []detect.Result, evaluated []string) {
	seen := map[string]bool{}
	n := 0
	for i := range results {
		if c := results[i].Control; !seen[c] {
			seen[c] = true
			evaluated = append(evaluated, c)
		}
		if results[i].Status == detect.Failed {
			n++
		}
	}
	failed = make([]detect.Result, 0, n)
	for _, r := range results {
		if r.Status == detect.Failed {
			failed = append(failed, r)
		}
	}
	return failed, evaluated
}

// newBuilder is the builder of a plan with every result routed: what each remedy asked for, of each
// revision, service and cluster, before the revisions are fixed.
func newBuilder(in *detect.Inventory, results []detect.Result, o Options) *builder {
	b := &builder{
		inv:        in,
		opts:       o,
		evaluated:  map[string]bool{},
		suppressed: map[resultKey]*detect.Suppressed{},
		revs:       map[string]*revisionPlan{},
		services:   map[string]*servicePlan{},
		skipped:    map[Skipped]bool{},
	}
	for _, c := range o.Evaluated {
		b.evaluated[c] = true
	}
	for i := range results {
		r := &results[i]
		b.evaluated[r.Control] = true
		// the last result of a control on a resource decides (a map of every result would cost more); the
		// suppression is kept, not the result, so that the results are not held once routed
		if k := (resultKey{r.Control, r.ResourceArn}); r.Suppressed != nil {
			b.suppressed[k] = r.Suppressed
		} else if b.suppressed[k] != nil {
			delete(b.suppressed, k)
		}
	}
	for i := range results {
		b.route(&results[i])
	}
	b.runningRevisions()
	b.holdBackUnknownFields()
	return b
}

type builder struct {
	inv       *detect.Inventory
	opts      Options
	evaluated map[string]bool // controls present in the results
	// suppressed are the control and resource of each result an exemption suppresses (the last
	// result of the pair, when the results hold it twice)
	suppressed map[resultKey]*detect.Suppressed
	revs       map[string]*revisionPlan // source revision ARN
	services   map[string]*servicePlan  // service ARN
	clusters   []*clusterPlan
	skipped    map[Skipped]bool                    // each once
	families   map[string][]*detect.TaskDefinition // ACTIVE revisions by family key, built on first use
	admin      map[string]*adminRolePlan           // admin task roles to fix, by role ARN (fix_admin_role.go)
	capacity   []*capacityPlan                     // capacity providers to fix (fix_ecs19_capacity_provider.go)
	// partly are the controls a remedy fixed only in part on a revision (control + "\x00" + revision
	// ARN): the revision it registers still fails them (Plan.partly).
	partly map[string]bool
	// texts holds one copy of each text the registrations repeat (interned)
	texts interner
	// controlSets holds one copy of each set of controls the secrets' and logs' needs name
	controlSets setInterner
}

// setInterner gives one copy of equal sets of controls, never written once given: the needs of
// thousands of revisions name the same few sets. Safe for concurrent use.
type setInterner struct {
	mu sync.Mutex
	m  map[string]map[string]bool
}

// of returns the set the interner holds equal to s, holding a copy of s when it holds none.
func (t *setInterner) of(s map[string]bool) map[string]bool {
	k := strings.Join(slices.Sorted(maps.Keys(s)), "\x00")
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.m[k]; ok {
		return c
	}
	if t.m == nil {
		t.m = map[string]map[string]bool{}
	}
	c := maps.Clone(s)
	t.m[k] = c
	return c
}

// interner gives one copy of equal strings: the edits and masked values of thousands of registrations
// repeat a few paths and reasons, each made afresh by its remedy. Safe for concurrent use.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

// intern returns the copy of s the interner holds, holding s when it holds none.
func (t *interner) intern(s string) string {
	if s == "" {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.m[s]; ok {
		return c
	}
	if t.m == nil {
		t.m = map[string]string{}
	}
	t.m[s] = s
	return s
}

// resultKey is a result's control and resource ARN.
type resultKey struct{ control, resource string }

type clusterPlan struct {
	cluster  *ecstypes.Cluster
	change   *UpdateClusterSettingsChange
	outcome  fixOutcome
	controls []string
}

func (b *builder) skip(control, resource, reason string) {
	b.skipped[Skipped{Control: control, Resource: resource, Reason: reason}] = true
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
