package snapshot

// Attacks on the trimming of unread revisions: each test builds a snapshot and holds the load that trims
// (openSized(..., true)) to the load that keeps every revision whole (false).

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

const a13p = "arn:aws:ecs:eu-west-1:123456789012:"

// trimTD is describe-task-definition output of fam:rev; status "" leaves the status out; body is the
// members after "family" (containers and the rest), as JSON.
func trimTD(family string, rev int, status, body string) string {
	st := ""
	if status != "" {
		st = fmt.Sprintf(`"status": %q,`, status)
	}
	return fmt.Sprintf(`{"taskDefinition": {"taskDefinitionArn": "%stask-definition/%s:%d", "family": %q, "revision": %d, %s %s}}`,
		a13p, family, rev, family, rev, st, body)
}

// trimCompare loads dir whole and trimmed and fails when the results or plans differ; it returns the
// whole one's output.
func trimCompare(t *testing.T, dir string, settings *detect.Settings) string {
	t.Helper()
	whole, err := openSized(dir, DefaultLimits, nil, false)
	if err != nil {
		t.Fatalf("whole load: %v", err)
	}
	trimmed, err := openSized(dir, DefaultLimits, nil, true)
	if err != nil {
		t.Fatalf("trimmed load: %v (the whole load succeeded)", err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if settings == nil {
		settings = &detect.Settings{}
	}
	settings.Now = now
	opts := plan.Options{Now: now, Settings: settings}
	want := evaluateAndPlan(t, whole.Inventory, settings, opts, true)
	got := evaluateAndPlan(t, trimmed.Inventory, settings, opts, true)
	if got != want {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		from := max(0, i-300)
		t.Errorf("results or plan differ once trimmed, at byte %d:\n…%.900s\nwant\n…%.900s", i, got[from:], want[from:])
	}
	return want
}

// TestTrimKeepsNewerActiveOfUnknownStatus: a revision with an ARN but no status is scored (whatever its
// family's latest ACTIVE revision); its fix is compared with the newer ACTIVE revisions of its family
// (alreadyRegistered), to reuse one an earlier plan registered. fam:3 is that earlier fix; it is ACTIVE,
// superseded by fam:4, run by nothing, yet newer than a revision that is planned from: it is kept whole.
func TestTrimKeepsNewerActiveOfUnknownStatus(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a-2.json": trimTD("fam", 2, "", `"containerDefinitions": [{"name": "app", "image": "app:1", "privileged": true}]`),
		"b-3.json": trimTD("fam", 3, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:1"}]`),
		"c-4.json": trimTD("fam", 4, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:2"}]`),
	})
	want := trimCompare(t, dir, &detect.Settings{Controls: []string{"ECS.4"}})
	if !strings.Contains(want, "task-definition/fam:3") {
		t.Logf("note: the whole plan does not name fam:3:\n%s", want)
	}
}

// TestRereadRefusesChangedBytes: a file whose revision was trimmed as it was read, and whose containers
// change before it is read again, is refused (its bytes are not those read first), so that a revision is
// never made of the identity of one reading and the body of another; unchanged, it is read again whole.
func TestRereadRefusesChangedBytes(t *testing.T) {
	dir := t.TempDir()
	name := "a-1.json"
	write := func(body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(trimTD("fam", 1, "INACTIVE", body)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`"containerDefinitions": [{"name": "app", "image": "app:1"}]`)
	src, err := openSource(dir, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	p, err := src.parse(name, &shared{revisions: &revisionTracker{latest: map[string]int32{}}})
	if err != nil {
		t.Fatal(err)
	}
	td := p.taskDefinitions[0].v
	if !td.Trimmed {
		t.Fatal("an INACTIVE revision is not trimmed as it is read")
	}
	// unchanged, it is read again whole
	if whole, err := src.reread(p, &td); err != nil || len(whole.ContainerDefinitions) != 1 || *whole.ContainerDefinitions[0].Image != "app:1" {
		t.Fatalf("the unchanged file read again: %v, %+v", err, whole.ContainerDefinitions)
	}
	// same identity, another body: another image, privileged, a host-path volume
	write(`"containerDefinitions": [{"name": "app", "image": "evil:2", "privileged": true}], "volumes": [{"name": "h", "host": {"sourcePath": "/"}}]`)
	whole, err := src.reread(p, &td)
	if err == nil {
		t.Errorf("a file whose revision's body changed between its two readings is accepted: containers' image %s, volumes %d (first read: image app:1, no volume)",
			*whole.ContainerDefinitions[0].Image, len(whole.Volumes))
	} else if !strings.Contains(err.Error(), "changed while the snapshot was read") || !strings.Contains(err.Error(), name) {
		t.Errorf("error %q does not say that the file %s changed", err, name)
	}
}

// TestTrimWhateverTheReadingOrder: the same snapshot, its files named so that they are read in different orders (one
// worker), gives the whole load's results, plan, errors, origins and warnings.
func TestTrimWhateverTheReadingOrder(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	files := []struct{ name, doc string }{
		{"f1", trimTD("fam", 1, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:1", "privileged": true}]`)},
		{"f2", trimTD("fam", 2, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:2"}]`)},
		{"f3", trimTD("fam", 3, "INACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:3", "privileged": true}]`)},
		{"f4", trimTD("fam", 4, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:4", "readonlyRootFilesystem": true}]`)},
		{"f5", trimTD("fam", 5, "INACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:5"}]`)},
		{"f6", trimTD("other", 1, "INACTIVE", `"containerDefinitions": [{"name": "x", "image": "x:1", "privileged": true}]`)},
		{"f7", trimTD("other", 2, "INACTIVE", `"containerDefinitions": [{"name": "x", "image": "x:2"}]`)},
		{"f8", trimTD("fam", 2, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:2"}]`)}, // fam:2 again, the same
		{"f9", `{"services": [{"serviceArn": "` + a13p + `service/c/s", "clusterArn": "` + a13p + `cluster/c", "status": "ACTIVE", "launchType": "FARGATE",
  "taskDefinition": "` + a13p + `task-definition/fam:1",
  "deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": "` + a13p + `task-definition/fam:1"},
                  {"id": "ecs-svc/2", "status": "ACTIVE", "taskDefinition": "` + a13p + `task-definition/fam:3"}],
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}}},
  {"serviceArn": "arn:aws:ecs:us-east-1:210987654321:service/c/s", "clusterArn": "arn:aws:ecs:us-east-1:210987654321:cluster/c", "status": "ACTIVE",
  "taskDefinition": "arn:aws:ecs:us-east-1:210987654321:task-definition/other:1"}]}`},
		{"fa", `{"taskSets": [{"taskSetArn": "` + a13p + `task-set/c/s/ts", "taskDefinition": "` + a13p + `task-definition/other:2", "status": "ACTIVE"}]}`},
	}
	perms := [][]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
		{3, 4, 2, 1, 0, 8, 7, 6, 5, 9},
		{8, 9, 3, 0, 1, 7, 2, 6, 4, 5},
		{4, 3, 7, 9, 0, 2, 1, 5, 8, 6},
	}
	var first string
	for _, perm := range perms {
		m := map[string]string{}
		for pos, i := range perm {
			m[fmt.Sprintf("%02d-%s.json", pos, files[i].name)] = files[i].doc
		}
		dir := writeTree(t, m)
		got := trimCompare(t, dir, &detect.Settings{Exemptions: []detect.Exemption{{TagKey: "team"}}})
		trimSameLoad(t, dir)
		// the file names differ between orders (origins, FileIDs): only the results' count is compared
		if first == "" {
			first = got
		} else if len(got) != len(first) {
			t.Logf("order %v: output length %d, first order's %d", perm, len(got), len(first))
		}
	}
}

// trimSameLoad fails when the two loads disagree on errors, origins or warnings, or when a revision the
// trimmed load kept whole is not the whole load's, or one it trimmed is not the whole one trimmed.
func trimSameLoad(t *testing.T, dir string) {
	t.Helper()
	whole, err := openSized(dir, DefaultLimits, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	trimmed, err := openSized(dir, DefaultLimits, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(whole.Inventory.Errors) != fmt.Sprint(trimmed.Inventory.Errors) {
		t.Errorf("errors differ:\n%v\nwant\n%v", trimmed.Inventory.Errors, whole.Inventory.Errors)
	}
	if !reflect.DeepEqual(whole.Origins, trimmed.Origins) || !reflect.DeepEqual(whole.Warnings, trimmed.Warnings) {
		t.Errorf("origins or warnings differ")
	}
	if len(whole.Inventory.TaskDefinitions) != len(trimmed.Inventory.TaskDefinitions) {
		t.Fatalf("%d task definitions, want %d", len(trimmed.Inventory.TaskDefinitions), len(whole.Inventory.TaskDefinitions))
	}
	for i := range whole.Inventory.TaskDefinitions {
		w, g := whole.Inventory.TaskDefinitions[i], trimmed.Inventory.TaskDefinitions[i]
		if g.Trimmed {
			w.Trim()
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s differs from the whole load's (trimmed %v)", g.ARN(), g.Trimmed)
		}
	}
}

// TestTrimVariety: snapshots of the kinds the brief lists, each compared whole and trimmed.
func TestTrimVariety(t *testing.T) {
	svc := func(name, td string, deployments ...string) string {
		d := ""
		for i, x := range deployments {
			if i > 0 {
				d += ","
			}
			d += fmt.Sprintf(`{"id": "ecs-svc/%d", "status": "ACTIVE", "taskDefinition": "%s"}`, i, x)
		}
		return fmt.Sprintf(`{"serviceArn": "%sservice/c/%s", "serviceName": %q, "clusterArn": "%scluster/c", "status": "ACTIVE", "launchType": "FARGATE",
  "taskDefinition": "%s", "deployments": [%s],
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}}}`, a13p, name, name, a13p, td, d)
	}
	services := func(s ...string) string { return `{"services": [` + strings.Join(s, ",") + `]}` }
	priv := `"containerDefinitions": [{"name": "app", "image": "app:1", "privileged": true}]`
	fixed := `"containerDefinitions": [{"name": "app", "image": "app:1"}]`
	other := `"containerDefinitions": [{"name": "app", "image": "app:2"}]`
	tagged := func(doc string) string {
		return strings.TrimSuffix(doc, "}") + `, "tags": [{"key": "skip", "value": "yes"}]}`
	}
	cases := []struct {
		name     string
		files    map[string]string
		settings *detect.Settings
	}{
		{"service runs rev 2; rev 3 (ACTIVE, superseded) is its fix", map[string]string{
			"a.json": trimTD("fam", 2, "ACTIVE", priv), "b.json": trimTD("fam", 3, "ACTIVE", fixed), "c.json": trimTD("fam", 4, "ACTIVE", other),
			"s.json": services(svc("s", a13p+"task-definition/fam:2"))}, &detect.Settings{Controls: []string{"ECS.4"}}},
		{"rev 3 is the fix, read first; service in a deployment only", map[string]string{
			"0.json": trimTD("fam", 4, "ACTIVE", other), "1.json": trimTD("fam", 3, "ACTIVE", fixed), "2.json": trimTD("fam", 2, "ACTIVE", priv),
			"s.json": services(svc("s", a13p+"task-definition/fam:4", a13p+"task-definition/fam:2"))}, &detect.Settings{Controls: []string{"ECS.4"}}},
		{"INACTIVE revisions run by a service, family only INACTIVE", map[string]string{
			"a.json": trimTD("fam", 1, "INACTIVE", priv), "b.json": trimTD("fam", 2, "INACTIVE", fixed),
			"s.json": services(svc("s", a13p+"task-definition/fam:1"))}, nil},
		{"DELETE_IN_PROGRESS and lower-case statuses", map[string]string{
			"a.json": trimTD("fam", 1, "DELETE_IN_PROGRESS", priv), "b.json": trimTD("fam", 2, "active", priv), "c.json": trimTD("fam", 3, "ACTIVE", fixed),
			"s.json": services(svc("s", a13p+"task-definition/fam:2"))}, nil},
		{"revision field disagrees with the ARN", map[string]string{
			"a.json": strings.Replace(trimTD("fam", 1, "INACTIVE", priv), `"revision": 1`, `"revision": 7`, 1), "b.json": trimTD("fam", 8, "ACTIVE", fixed)}, nil},
		{"revision only in the ARN, with leading zeros; service names the other spelling", map[string]string{
			"a.json": strings.Replace(strings.Replace(trimTD("fam", 2, "ACTIVE", priv), `"revision": 2,`, ``, 1), "fam:2", "fam:02", 1),
			"b.json": trimTD("fam", 2, "ACTIVE", fixed), "c.json": trimTD("fam", 3, "ACTIVE", other),
			"s.json": services(svc("s", a13p+"task-definition/fam:02"))}, &detect.Settings{Controls: []string{"ECS.4"}}},
		{"exemption by tag on trimmed revisions", map[string]string{
			"a.json": tagged(trimTD("fam", 1, "ACTIVE", priv)), "b.json": tagged(trimTD("fam", 2, "INACTIVE", priv)), "c.json": tagged(trimTD("fam", 3, "ACTIVE", priv))},
			&detect.Settings{Exemptions: []detect.Exemption{{TagKey: "skip", TagValue: "yes"}}}},
		{"task definitions kept as files beside revisions", map[string]string{
			"a.json": `{"family": "fam", "containerDefinitions": [{"name": "app", "image": "app:1", "privileged": true}]}`,
			"b.json": trimTD("fam", 1, "INACTIVE", priv), "c.json": trimTD("fam", 2, "ACTIVE", fixed), "d.json": trimTD("fam", 3, "ACTIVE", other)}, nil},
		{"the same revision twice, identical, one run", map[string]string{
			"a.json": trimTD("fam", 1, "ACTIVE", priv), "b.json": trimTD("fam", 2, "ACTIVE", fixed), "z.json": trimTD("fam", 1, "ACTIVE", priv),
			"s.json": services(svc("s", a13p+"task-definition/fam:1"))}, nil},
		{"bare revision files (--query taskDefinition) with ARN and status", map[string]string{
			"a.json": `{"taskDefinitionArn": "` + a13p + `task-definition/fam:1", "family": "fam", "revision": 1, "status": "ACTIVE", ` + priv + `}`,
			"b.json": `{"taskDefinitionArn": "` + a13p + `task-definition/fam:2", "family": "fam", "revision": 2, "status": "ACTIVE", ` + fixed + `}`,
			"c.json": `{"taskDefinitionArn": "` + a13p + `task-definition/fam:3", "family": "fam", "revision": 3, "status": "ACTIVE", ` + other + `}`,
			"s.json": services(svc("s", a13p+"task-definition/fam:1"))}, &detect.Settings{Controls: []string{"ECS.4"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			dir := writeTree(t, c.files)
			if _, err := openSized(dir, DefaultLimits, nil, false); err != nil {
				if _, err2 := openSized(dir, DefaultLimits, nil, true); err2 == nil || err2.Error() != err.Error() {
					t.Errorf("whole load: %v; trimmed: %v", err, err2)
				}
				return
			}
			trimCompare(t, dir, c.settings)
			trimSameLoad(t, dir)
		})
	}
}

// TestTrimmedLoadIndexFollowsInventory: the trimmed load looks its revisions up (UnreadRevisions) and so builds
// the inventory's lookup index, which is never rebuilt; the whole load does not. A caller that adds to
// the inventory it was given (as detect/live adds accounts' parts) then finds what it added with a whole
// load, and not with a trimmed one.
func TestTrimmedLoadIndexFollowsInventory(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.json": trimTD("fam", 1, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:1"}]`)})
	for _, trim := range []bool{false, true} {
		snap, err := openSized(dir, DefaultLimits, nil, trim)
		if err != nil {
			t.Fatal(err)
		}
		in := snap.Inventory
		extra, err := Parse("extra.json", []byte(trimTD("extra", 1, "ACTIVE", `"containerDefinitions": [{"name": "x", "image": "x:1", "privileged": true}]`)))
		if err != nil {
			t.Fatal(err)
		}
		in.TaskDefinitions = append(in.TaskDefinitions, extra.TaskDefinitions...)
		_, found := in.TaskDefinition(a13p + "task-definition/extra:1")
		_, latest := in.LatestActive(a13p + "task-definition/extra:1")
		if !found || !latest {
			t.Errorf("trim %v: a revision added to the loaded inventory: found %v, latest ACTIVE %v", trim, found, latest)
		}
	}
}

// TestTrimKeepsNewerActiveOfUnknownStatusAllControls: the same, with every control (no --control).
func TestTrimKeepsNewerActiveOfUnknownStatusAllControls(t *testing.T) {
	c := `"name": "app", "image": "app:1", "readonlyRootFilesystem": true, "user": "1000",
  "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app"}}`
	body := func(extra string) string {
		return `"networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512", "containerDefinitions": [{` + c + extra + `}]`
	}
	dir := writeTree(t, map[string]string{
		"a-2.json": trimTD("fam", 2, "", body(`, "privileged": true`)),
		"b-3.json": trimTD("fam", 3, "ACTIVE", body(``)),
		"c-4.json": trimTD("fam", 4, "ACTIVE", body(`, "environment": [{"name": "V", "value": "4"}]`)),
	})
	want := trimCompare(t, dir, nil)
	_ = want
}

// TestTrimRereadsEncodingsAndLargeFiles: revisions trimmed as they are read and read again whole from a
// UTF-16 file, a file over wholeFile (read from the file, not a buffer) and one with a UTF-8 mark, with
// registeredAt at an offset of half an hour (a time zone of its own at each reading).
func TestTrimRereadsEncodingsAndLargeFiles(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	utf16le := func(s string) string {
		b := []byte{0xFF, 0xFE}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	env := `"environment": [`
	for i := 0; i < 6000; i++ {
		if i > 0 {
			env += ","
		}
		env += fmt.Sprintf(`{"name": "V%05d", "value": "%040d"}`, i, i)
	}
	env += `]`
	ts := `"registeredAt": "2024-05-21T10:29:51.907000+05:30", "deregisteredAt": "2024-06-21T10:29:51+02:00", `
	svcs := `{"services": [{"serviceArn": "` + a13p + `service/c/s", "clusterArn": "` + a13p + `cluster/c", "status": "ACTIVE",
  "taskDefinition": "` + a13p + `task-definition/fam:1", "deployments": [{"id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": "` + a13p + `task-definition/fam:2"},
  {"id": "ecs-svc/2", "status": "ACTIVE", "taskDefinition": "` + a13p + `task-definition/fam:3"}]}]}`
	dir := writeTree(t, map[string]string{
		"0.json": trimTD("fam", 9, "ACTIVE", `"containerDefinitions": [{"name": "app", "image": "app:9"}]`),
		"1.json": utf16le(trimTD("fam", 1, "INACTIVE", ts+`"containerDefinitions": [{"name": "app", "image": "app:1", "privileged": true}]`)),
		"2.json": trimTD("fam", 2, "INACTIVE", ts+`"containerDefinitions": [{"name": "app", "image": "app:2", "privileged": true, `+env+`}]`),
		"3.json": "\uFEFF" + trimTD("fam", 3, "ACTIVE", ts+`"containerDefinitions": [{"name": "app", "image": "app:3", "privileged": true}]`),
		"s.json": svcs,
	})
	if fi, err := os.Stat(filepath.Join(dir, "2.json")); err != nil || fi.Size() <= wholeFile {
		t.Fatalf("2.json: %v bytes, want over %d", fi.Size(), wholeFile)
	}
	trimCompare(t, dir, nil)
	trimSameLoad(t, dir)
}
