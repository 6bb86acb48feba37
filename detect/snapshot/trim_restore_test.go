package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// writeRevision writes describe-task-definition output of fam:rev with one container.
func writeRevision(t *testing.T, dir, name string, rev int, status, image string) {
	t.Helper()
	doc := fmt.Sprintf(`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/fam:%d", "family": "fam", "revision": %d,
  "status": %q, "containerDefinitions": [{"name": "app", "image": %q}], "volumes": [{"name": "v"}]}, "tags": [{"key": "team", "value": "a"}]}`, rev, rev, status, image)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTrimRestores: read one file at a time, in name order, revisions 1 (run by a service) and 3 (run by
// a task set, INACTIVE) are trimmed as they are read (revision 2 was read before 1; 3 is INACTIVE), then
// read again whole; a revision two files hold is compared whole; the load is the one that trims nothing,
// but for the revisions nothing reads.
func TestTrimRestores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	dir := t.TempDir()
	writeRevision(t, dir, "a-2.json", 2, "ACTIVE", "app:2")
	writeRevision(t, dir, "b-1.json", 1, "ACTIVE", "app:1")
	writeRevision(t, dir, "c-3.json", 3, "INACTIVE", "app:3")
	writeRevision(t, dir, "d-4.json", 4, "INACTIVE", "app:4")
	writeRevision(t, dir, "e-4-again.json", 4, "INACTIVE", "app:4")
	svc := `{"services": [{"serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/c/s", "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/fam:1",
  "taskSets": [{"taskSetArn": "arn:aws:ecs:eu-west-1:123456789012:task-set/c/s/ts", "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/fam:3"}]}]}`
	if err := os.WriteFile(filepath.Join(dir, "z-services.json"), []byte(svc), 0o644); err != nil {
		t.Fatal(err)
	}
	whole, err := openSized(dir, DefaultLimits, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	trimmed, err := openSized(dir, DefaultLimits, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	wantTrimmed := map[string]bool{"fam:2": false, "fam:1": false, "fam:3": false, "fam:4": true}
	for i := range trimmed.Inventory.TaskDefinitions {
		got, want := trimmed.Inventory.TaskDefinitions[i], whole.Inventory.TaskDefinitions[i]
		name := got.ARN()[strings.LastIndexByte(got.ARN(), '/')+1:]
		if got.Trimmed != wantTrimmed[name] {
			t.Errorf("%s: trimmed %v, want %v", name, got.Trimmed, wantTrimmed[name])
		}
		if !got.Trimmed && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: not trimmed, yet not what a whole load reads:\n%+v\nwant\n%+v", name, got, want)
		}
		if got.Trimmed {
			want.Trim()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: trimmed, yet its identity differs from a whole load's:\n%+v\nwant\n%+v", name, got, want)
			}
		}
	}
	if !reflect.DeepEqual(trimmed.Origins, whole.Origins) || !reflect.DeepEqual(trimmed.Warnings, whole.Warnings) {
		t.Errorf("origins or warnings differ:\n%v %v\nwant\n%v %v", trimmed.Origins, trimmed.Warnings, whole.Origins, whole.Warnings)
	}

	// two files disagreeing about a revision trimmed as it is read are still an error
	writeRevision(t, dir, "e-4-again.json", 4, "INACTIVE", "app:5")
	if _, err := openSized(dir, DefaultLimits, nil, true); err == nil || !strings.Contains(err.Error(), "fam:4 differs between") {
		t.Errorf("error = %v, want the two files named", err)
	}
}

// TestTrimRereadChanged: a file changed between its two readings is an error naming it.
func TestTrimRereadChanged(t *testing.T) {
	dir := t.TempDir()
	writeRevision(t, dir, "a-1.json", 1, "INACTIVE", "app:1")
	src, err := openSource(dir, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	p, err := src.parse("a-1.json", &shared{revisions: &revisionTracker{latest: map[string]int32{}}})
	if err != nil {
		t.Fatal(err)
	}
	td := p.taskDefinitions[0].v
	if !td.Trimmed {
		t.Fatal("an INACTIVE revision is not trimmed as it is read")
	}
	if whole, err := src.reread(p, &td); err != nil || len(whole.ContainerDefinitions) != 1 {
		t.Fatalf("reread = %d containers, %v", len(whole.ContainerDefinitions), err)
	}
	writeRevision(t, dir, "a-1.json", 1, "ACTIVE", "app:1")
	if _, err := src.reread(p, &td); err == nil || !strings.Contains(err.Error(), "a-1.json: changed while the snapshot was read") {
		t.Errorf("error = %v, want the file named as changed", err)
	}
}
