package plan

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// Options.ReleaseInventory (release.go): the plan is the same, byte for byte, with or without it; with
// it, the bodies of the inventory's revisions are emptied; without it, the inventory is as it was given.

// assertReleaseAgrees checks, for the inventory and results of a plan the tests build (buildPlan), that
// Build leaves the inventory untouched without Options.ReleaseInventory, and that with it, on a copy of
// the inventory, it makes the same plan file (Write) and content hash as want (the plan built without)
// and leaves no revision's body (but those of files) unreleased.
func assertReleaseAgrees(t testing.TB, in *detect.Inventory, results []detect.Result, o Options, want *Plan) {
	t.Helper()
	if o.ReleaseInventory {
		return
	}
	before := deepCopy(in)
	if _, err := Build(in, results, o); err != nil {
		t.Fatalf("Build: %v", err)
	}
	if after := deepCopy(in); !reflect.DeepEqual(before, after) {
		t.Fatalf("Build without ReleaseInventory changed the inventory")
	}
	given := deepCopy(in)
	o.ReleaseInventory = true
	got, err := Build(given, results, o)
	if err != nil {
		t.Fatalf("Build with ReleaseInventory: %v", err)
	}
	assertSamePlan(t, got, want)
	assertSameIdentities(t, given, in)
}

// identityOnly reports whether a revision holds its identity alone (KeepIdentity).
func identityOnly(td *detect.TaskDefinition) bool {
	want := detect.TaskDefinition{Trimmed: true, Source: td.Source}
	want.TaskDefinitionArn, want.Family, want.Revision, want.Status = td.TaskDefinitionArn, td.Family, td.Revision, td.Status
	return reflect.DeepEqual(*td, want)
}

// assertSameIdentities checks that the released inventory's revisions have the identities of the
// whole one's (the same ARN, family, revision, status, in the same order) and that its lookups answer
// as the whole one's.
func assertSameIdentities(t testing.TB, got, whole *detect.Inventory) {
	t.Helper()
	if len(got.TaskDefinitions) != len(whole.TaskDefinitions) {
		t.Fatalf("%d task definitions, %d before", len(got.TaskDefinitions), len(whole.TaskDefinitions))
	}
	for i := range got.TaskDefinitions {
		g, w := &got.TaskDefinitions[i], &whole.TaskDefinitions[i]
		if g.ARN() != w.ARN() || aws.ToString(g.Family) != aws.ToString(w.Family) || g.Revision != w.Revision || g.Status != w.Status {
			t.Fatalf("task definition %d: %s %s:%d %s, before %s %s:%d %s", i, g.ARN(), aws.ToString(g.Family), g.Revision, g.Status,
				w.ARN(), aws.ToString(w.Family), w.Revision, w.Status)
		}
		if w.FileOnly() {
			if !reflect.DeepEqual(*g, *w) {
				t.Errorf("%s, kept as a file, was released", w.ARN())
			}
		} else if !identityOnly(g) {
			t.Errorf("%s keeps more than its identity", g.ARN())
		}
		gl, gok := got.LatestActive(g.ARN())
		wl, wok := whole.LatestActive(w.ARN())
		if gok != wok || (gok && gl.ARN() != wl.ARN()) {
			t.Errorf("%s: the latest ACTIVE revision differs once released", g.ARN())
		}
		if _, ok := got.TaskDefinition(g.ARN()); !ok {
			t.Errorf("%s is not found once released", g.ARN())
		}
	}
}

// released reports whether a revision is trimmed, its body empty.
func released(td *detect.TaskDefinition) bool {
	d := &td.TaskDefinition
	return td.Trimmed && d.ContainerDefinitions == nil && d.Volumes == nil && d.PlacementConstraints == nil &&
		d.RequiresAttributes == nil && d.Compatibilities == nil && d.RequiresCompatibilities == nil &&
		d.InferenceAccelerators == nil && d.ProxyConfiguration == nil && d.RuntimePlatform == nil && d.EphemeralStorage == nil
}

// assertSamePlan checks that got's plan file, content hash and controls fixed in part are want's.
func assertSamePlan(t testing.TB, got, want *Plan) {
	t.Helper()
	var a, b bytes.Buffer
	errA, errB := Write(&a, got), Write(&b, want)
	if fmt.Sprint(errA) != fmt.Sprint(errB) {
		t.Fatalf("writing the plan built with ReleaseInventory: %v; without: %v", errA, errB)
	}
	if errA != nil && !reflect.DeepEqual(got, want) { // a plan Write refuses (a file's task definition without a family)
		t.Fatalf("the plan built with ReleaseInventory differs:\n%+v\n--- without:\n%+v", got, want)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("the plan built with ReleaseInventory differs:\n%s\n--- without:\n%s", a.String(), b.String())
	}
	if got.ContentHash() != want.ContentHash() {
		t.Errorf("content hash %s with ReleaseInventory, %s without", got.ContentHash(), want.ContentHash())
	}
	if !maps.Equal(got.partly, want.partly) {
		t.Errorf("fixed in part %v with ReleaseInventory, %v without", got.partly, want.partly)
	}
}

// releaseSnapshots are snapshot folders to plan with and without ReleaseInventory: the demo estate, the
// task definitions kept as files, and generated large estates (several revisions a family, services
// running older revisions, an INACTIVE revision in one family of five).
func releaseSnapshots(t *testing.T) map[string]string {
	t.Helper()
	dirs := map[string]string{
		"demo":      filepath.Join("..", "testdata", "demo"),
		"repofiles": filepath.Join("..", "detect", "snapshot", "testdata", "repofiles"),
	}
	for _, n := range []struct{ families, revisions int }{{40, 4}, {25, 1}, {30, 7}} {
		dir := t.TempDir()
		snapshottest.WriteLarge(t, dir, n.families, n.revisions)
		dirs["large-"+filepath.Base(dir)] = dir
	}
	return dirs
}

// TestReleaseInventorySamePlans plans each snapshot twice, each time from its own load, with and without
// ReleaseInventory, under several options, and requires the same plan file and hash.
func TestReleaseInventorySamePlans(t *testing.T) {
	options := map[string]Options{
		"default": bOptions(),
		"secrets": bOptions(func(o *Options) {
			o.Secrets.ExecutionRole = "arn:aws:iam::123456789012:role/exec"
			o.Secrets.DeregisterOld = true
			o.Logs.RetentionDays = 30
		}),
		"per-variable": bOptions(func(o *Options) {
			o.Secrets.ExecutionRole = "arn:aws:iam::123456789012:role/exec"
			o.Secrets.PerVariable = true
		}),
		"patch-owned": bOptions(func(o *Options) { o.PatchOwned = true; o.DetachAdmin = true }),
	}
	for name, dir := range releaseSnapshots(t) {
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for oname, o := range options {
			t.Run(name+"/"+oname, func(t *testing.T) {
				load := func() *detect.Inventory {
					in, err := snapshot.Load(dir)
					if err != nil {
						t.Fatal(err)
					}
					return in
				}
				in := load()
				results := detect.Evaluate(in, bSettings())
				want, err := Build(in, results, o)
				if err != nil {
					t.Fatal(err)
				}
				given := load()
				ro := o
				ro.ReleaseInventory = true
				got, err := Build(given, detect.Evaluate(given, bSettings()), ro)
				if err != nil {
					t.Fatal(err)
				}
				assertSamePlan(t, got, want)
				assertSameIdentities(t, given, in)
				n := 0
				for i := range given.TaskDefinitions {
					td := &given.TaskDefinitions[i]
					if td.FileOnly() {
						continue
					}
					if !released(td) {
						t.Errorf("%s: its body is not released", td.ARN())
					}
					if !in.TaskDefinitions[i].Trimmed {
						n++ // released by Build, not by the load
					}
				}
				if n == 0 && len(want.Actions) > 0 {
					t.Errorf("Build released no revision the load kept whole")
				}
				assertReleaseAgrees(t, in, results, o, want)
			})
		}
	}
}

// TestReleaseInventoryAsRevisionsSettle: the bodies of the revisions planned go as their family's
// revisions are settled, before the plan is assembled: not those that services run (publicIPs and
// openSecurityGroups read them after), nor those whose registration is made only in assemble (secrets'
// placeholders), nor any revision not planned; without the option, none.
func TestReleaseInventoryAsRevisionsSettle(t *testing.T) {
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 30, 4)
	for _, release := range []bool{true, false} {
		in, err := snapshot.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		whole := map[string]bool{}
		for i := range in.TaskDefinitions {
			whole[in.TaskDefinitions[i].ARN()] = !in.TaskDefinitions[i].Trimmed
		}
		o := bOptions(func(o *Options) { o.ReleaseInventory = release })
		b := newBuilder(in, detect.Evaluate(in, bSettings()), o)
		if err := b.buildRevisions(); err != nil {
			t.Fatal(err)
		}
		run := map[string]bool{}
		for i := range in.Services {
			run[aws.ToString(in.Services[i].TaskDefinition)] = true
		}
		var gone, kept int
		for i := range in.TaskDefinitions {
			td := &in.TaskDefinitions[i]
			arn := td.ARN()
			if !whole[arn] {
				continue
			}
			rp, planned := b.revs[arn]
			wantGone := release && planned && rp.form != nil && !run[arn]
			if released(td) != wantGone {
				t.Errorf("release %v: %s (planned %v, run %v): released %v, want %v", release, arn, planned, run[arn], released(td), wantGone)
			}
			if wantGone {
				gone++
			} else {
				kept++
			}
		}
		if release && (gone == 0 || kept == 0) {
			t.Errorf("released %d revisions while they settled, kept %d: the snapshot does not test both", gone, kept)
		}
		if !release && gone != 0 {
			t.Errorf("released %d revisions without the option", gone)
		}
	}
}
