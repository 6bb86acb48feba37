package plan

// The revision work of the planner as first written, kept as the reference the faster code must agree
// with: fixRevisionReference deep-copies the registration input for every remedy (revisionWork copies
// only when a remedy does not fix), registrationReference masks the before in a deep copy of the source
// (registrationJSON copies only what leads to its secret values). assertFastPathsAgree compares both on
// every revision of a plan; buildPlan calls it for every plan the package's tests build, and
// TestFastPathsAgree on the demo snapshot and generated ones with several configurations.

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// fixRevisionReference applies the remedies asked of one revision to a copy of it (rp.input), filling rp. It
// reads the builder and writes only rp: revisions are fixed concurrently.
func (b *builder) fixRevisionReference(arn string, rp *revisionPlan) fixedRevision {
	var partly []string
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
		if why := fileUnfixable(rp.source, fix.ID); why != "" {
			for c := range asked {
				skips = append(skips, [2]string{c, why})
			}
			continue
		}
		out, in := applyRemedyReference(fix, ctx, rp.input)
		if out.Skip != "" {
			for c := range asked {
				skips = append(skips, [2]string{c, out.Skip})
			}
			continue
		}
		if len(out.Edits) == 0 {
			continue
		}
		rp.input = in
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
	return fixedRevision{skips: skips, partly: partly}
}

// applyRemedyReference applies a remedy to a deep copy of the registration input and returns its outcome and the
// input to keep: the copy when the remedy made edits and did not skip, the input unchanged otherwise. A
// remedy that skips (or reports no edit) so never changes the new revision, whatever it touched before
// deciding.
func applyRemedyReference(fix remedy, ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) (fixOutcome, *ecs.RegisterTaskDefinitionInput) {
	work := deepCopy(in)
	out := fix.Apply(ctx, work)
	if out.Skip != "" || len(out.Edits) == 0 {
		return out, in
	}
	return out, work
}

// registrationReference is the before and after of a registration as registration made them: one deep
// copy of the source, masked for the before once the after was checked against it.
func registrationReference(in *ecs.RegisterTaskDefinitionInput, td *detect.TaskDefinition, moved map[string]string, plain map[string]bool) (before, after []byte, masked []Masked, err error) {
	src := RegisterInput(td)
	after, masked, err = maskedJSONOfReference(in, src, moved, plain, classifyFlagged, true)
	if err != nil {
		return nil, nil, nil, err
	}
	before, _, err = maskedJSONOfReference(src, nil, nil, nil, classifyFlagged, false)
	return before, after, masked, err
}

// assertFastPathsAgree fixes every revision a plan of in would register both ways (revisionWork and
// fixRevisionReference, each on a builder of its own) and compares what they leave in the revision plan;
// then the registration's JSON both ways (registrationJSON, registrationReference), that the inventory's
// revision is left as it was, and findSecrets against findSecretsReference. It returns how many
// revisions it compared.
func assertFastPathsAgree(t testing.TB, in *detect.Inventory, results []detect.Result, o Options) int {
	t.Helper()
	fast, ref := newBuilder(in, results, o), newBuilder(in, results, o)
	n := 0
	for _, arn := range slices.Sorted(maps.Keys(fast.revs)) {
		rp, rr := fast.revs[arn], ref.revs[arn]
		if len(rp.want) == 0 {
			continue
		}
		n++
		got, want := fast.fixRevision(arn, rp), ref.fixRevisionReference(arn, rr)
		if got.err != nil {
			t.Fatalf("%s: %v", arn, got.err)
		}
		sortSkips := func(s [][2]string) [][2]string {
			s = slices.Clone(s)
			slices.SortFunc(s, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
			return s
		}
		if !reflect.DeepEqual(sortSkips(got.skips), sortSkips(want.skips)) || !reflect.DeepEqual(slices.Sorted(slices.Values(got.partly)), slices.Sorted(slices.Values(want.partly))) {
			t.Errorf("%s: skips %v partly %v, the reference %v %v", arn, got.skips, got.partly, want.skips, want.partly)
		}
		for _, f := range []struct {
			name      string
			got, want any
		}{
			{"input", rp.input, rr.input}, {"edits", rp.edits, rr.edits}, {"notes", rp.notes, rr.notes},
			{"secrets", rp.secrets, rr.secrets}, {"logs", rp.logs, rr.logs}, {"moved", rp.moved, rr.moved},
			{"plain", rp.plain, rr.plain}, {"networks", rp.networks, rr.networks},
			{"preconditions", rp.preconditions, rr.preconditions}, {"controls", rp.controls, rr.controls}, {"risk", rp.risk, rr.risk},
		} {
			if !reflect.DeepEqual(f.got, f.want) {
				t.Errorf("%s: %s differs from the reference's:\n%+v\n%+v", arn, f.name, f.got, f.want)
			}
		}
		assertRefusesAgree(t, arn, &revisionContext{inv: in, source: rr.source, services: rr.services, opts: o})
		assertSecretsAgree(t, arn+" (new revision)", rp.input)
		assertSecretsAgree(t, arn+" (source)", RegisterInput(rp.source))
		kept := deepCopy(*rp.source)
		b1, a1, m1, err1 := registrationJSON(rp.input, rp.source, rp.moved, rp.plain, classifyFlagged)
		b2, a2, m2, err2 := registrationReference(rr.input, rr.source, rr.moved, rr.plain)
		if fmt.Sprint(err1) != fmt.Sprint(err2) || !bytes.Equal(b1, b2) || !bytes.Equal(a1, a2) || !reflect.DeepEqual(m1, m2) {
			t.Errorf("%s: registrationJSON differs from the reference:\nbefore %s\n%s\nafter %s\n%s\nmasked %v %v\nerr %v %v", arn, b1, b2, a1, a2, m1, m2, err1, err2)
		}
		if len(b1) != cap(b1) || len(a1) != cap(a1) {
			t.Errorf("%s: before (%d of %d) or after (%d of %d) not held at its length", arn, len(b1), cap(b1), len(a1), cap(a1))
		}
		if !reflect.DeepEqual(kept, *rp.source) {
			t.Errorf("%s: registrationJSON changed the inventory's revision", arn)
		}
		if !reflect.DeepEqual(rp.input, rr.input) {
			t.Errorf("%s: the input is not as it was after masking", arn)
		}
	}
	return n
}

// assertRefusesAgree: every remedy's Refuses leaves the input as it was and, when it decides, says what
// Apply says (the same Skip, no edit, the input unchanged); applied to the source revision and to the
// input each remedy before it leaves (as the plan applies them).
func assertRefusesAgree(t testing.TB, arn string, ctx *revisionContext) {
	t.Helper()
	in := RegisterInput(ctx.source)
	for _, r := range remedies() {
		if r.Edits != editsRevision {
			continue
		}
		if r.Refuses != nil {
			before := deepCopy(in)
			skip, decided := r.Refuses(ctx, in)
			if !reflect.DeepEqual(in, before) {
				t.Fatalf("%s: %s's Refuses changed the input", arn, r.ID)
			}
			work := deepCopy(in)
			out := r.Apply(ctx, work)
			if decided && (out.Skip != skip || len(out.Edits) > 0 || !reflect.DeepEqual(work, before)) {
				t.Errorf("%s: %s's Refuses decided %q, Apply skips %q with %d edits", arn, r.ID, skip, out.Skip, len(out.Edits))
			}
			if !decided && out.Skip != "" && !reflect.DeepEqual(work, before) {
				t.Logf("%s: %s's Apply changed the input before skipping (%s): Refuses did not decide it", arn, r.ID, out.Skip)
			}
		}
		work := deepCopy(in)
		if out := r.Apply(ctx, work); out.Skip == "" && len(out.Edits) > 0 {
			in = work
		}
	}
}

// assertRisksAgree: the planner's effectiveRisk of each action is EffectiveRisk, for the action as
// planned and with its Risk field lowered to low (so that the floor decides).
func assertRisksAgree(t testing.TB, p *Plan, overrides map[string]Risk) {
	t.Helper()
	for i := range p.Actions {
		a := p.Actions[i]
		for _, label := range []Risk{a.Risk, RiskLow, ""} {
			a.Risk = label
			if got, want := p.effectiveRisk(&a, overrides), p.EffectiveRisk(a, overrides); got != want {
				t.Errorf("%s labelled %q: effectiveRisk %q, EffectiveRisk %q", a.ID, label, got, want)
			}
		}
	}
}

// assertSecretsAgree: findSecrets lists what findSecretsReference lists; a value it marks exact is the
// one setPath sets through its path.
func assertSecretsAgree(t testing.TB, what string, in *ecs.RegisterTaskDefinitionInput) {
	t.Helper()
	got, want := findSecrets(in, classifyFlagged), findSecretsReference(in, classifyFlagged)
	if len(got) != len(want) {
		t.Fatalf("%s: findSecrets found %d values, the reference %d", what, len(got), len(want))
	}
	root := reflect.ValueOf(in).Elem()
	for i := range got {
		if got[i].path != want[i].path || got[i].value != want[i].value {
			t.Errorf("%s: value %d at %s, the reference's at %s", what, i, got[i].path, want[i].path)
			continue
		}
		if !got[i].exact {
			continue
		}
		got[i].set("(sentinel)")
		v, err := getPathReference(root, got[i].path)
		got[i].set(got[i].value)
		if err != nil || v != "(sentinel)" {
			t.Errorf("%s: %s is marked exact, but its path leads elsewhere (%q, %v)", what, got[i].path, v, err)
		}
	}
}

// TestFastPathsAgree compares the fast and the reference revision work on the demo snapshot and on
// generated snapshots, with configurations that make every revision remedy fix, skip, or fix in part.
func TestFastPathsAgree(t *testing.T) {
	demo, err := snapshot.Load(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 24, 4)
	large, err := snapshot.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	configs := map[string]func(*Options){
		"defaults": func(*Options) {},
		"no user":  func(o *Options) { o.LinuxUser, o.WindowsUser = "", "" },
		"secrets per var": func(o *Options) {
			o.Secrets.PerVariable = true
			o.Secrets.ExecutionRole = "arn:aws:iam::123456789012:role/exec"
		},
		"secrets with kms": func(o *Options) {
			o.Secrets.KmsKeyID = "arn:aws:kms:eu-west-1:123456789012:key/k1"
			o.Secrets.DeregisterOld = true
		},
		"remove host path":  func(o *Options) { o.HostPath = HostPathRemove; o.Logs.GroupTemplate = "/ecs/{family}/{container}" },
		"only ECS.5, ECS.8": func(o *Options) { o.Fix = []string{"ECS.5", "ECS.8"} },
		"writable paths":    func(o *Options) { o.WritablePaths = []string{"/tmp", "/var/run"}; o.PatchOwned = true },
	}
	for name, in := range map[string]*detect.Inventory{"demo": demo, "large": large} {
		results := detect.Evaluate(in, bSettings())
		for cname, mod := range configs {
			t.Run(name+"/"+cname, func(t *testing.T) {
				o := bOptions(mod)
				if n := assertFastPathsAgree(t, in, results, o); n == 0 {
					t.Fatal("no revision to compare")
				}
				assertSettledAgrees(t, in, results, o)
				// and the plans are what they were: every registration's before is its source's, masked
				p, err := Build(in, results, o)
				if err != nil {
					t.Fatal(err)
				}
				assertRisksAgree(t, p, o.Risk)
				for _, a := range p.Actions {
					if a.Type != RegisterTaskDefinition {
						continue
					}
					td, _ := in.TaskDefinition(a.RegisterTaskDefinition.SourceArn)
					want, _, err := maskedJSONOfReference(RegisterInput(td), nil, nil, nil, classifyFlagged, false)
					if err != nil || !bytes.Equal(want, a.RegisterTaskDefinition.Before) {
						t.Errorf("%s: before differs from the reference's (%v)", a.ID, err)
					}
				}
			})
		}
	}
}
