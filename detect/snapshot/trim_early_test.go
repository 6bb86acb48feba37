package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
	"github.com/ecsfix/ecsfix/plan"
)

// TestTrackerTrimsSupersededAsRead: files read oldest revision first (as their names sort), the tracker
// trims each revision as soon as a newer ACTIVE one of its family is read, unless a service read before
// runs it or an older one: once every file is parsed, the revisions held whole are exactly those that the
// load keeps whole in the end (one file at a time, so that the services, whose files sort first, are read
// first).
func TestTrackerTrimsSupersededAsRead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 30, 4)
	src, err := openSource(dir, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	parts, errs := parseFiles(src, &revisionTracker{latest: map[string]int32{}})
	whole := map[string]bool{}
	for i, p := range parts {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if p.pending != nil || !p.sealed {
			t.Errorf("%s: sealed %v, %d trims pending", p.file, p.sealed, len(p.pending))
		}
		for _, it := range p.taskDefinitions {
			if !it.v.Trimmed {
				whole[it.id] = true
			}
		}
	}
	snap, err := openSized(dir, DefaultLimits, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, td := range snap.Inventory.TaskDefinitions {
		if !td.Trimmed {
			want[td.ARN()] = true
		}
	}
	if len(want) >= 120 || len(want) < 30 {
		t.Fatalf("%d of 120 revisions kept whole by the load; the snapshot does not test the trimming", len(want))
	}
	for id := range whole {
		if !want[id] {
			t.Errorf("%s held whole once the files are parsed; the load trims it", id)
		}
	}
	for id := range want {
		if !whole[id] {
			t.Errorf("%s trimmed as read; the load keeps it whole (read again)", id)
		}
	}
}

// TestTrimKeepsResultsWithServicesReadLast: when the services are read after the revisions they run
// (their file sorts last), the revisions trimmed as read that a service turns out to run, or that are
// newer than one it runs, are read again: the results and plans are those of a load that keeps every
// revision whole, on one worker and on several.
func TestTrimKeepsResultsWithServicesReadLast(t *testing.T) {
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 40, 4)
	const p = "arn:aws:ecs:eu-west-1:123456789012:"
	doc := `{"services": [`
	for f := 1; f < 40; f += 4 {
		if f > 1 {
			doc += ","
		}
		doc += fmt.Sprintf(`{"serviceArn": "%sservice/prod/late%04d", "serviceName": "late%04d", "clusterArn": "%scluster/prod", "status": "ACTIVE",
  "launchType": "FARGATE", "taskDefinition": "%stask-definition/fam%04d:%d",
  "deployments": [{"id": "ecs-svc/%d", "status": "PRIMARY", "taskDefinition": "%stask-definition/fam%04d:%d"}]}`,
			p, f, f, p, p, f, 1+f%3, f, p, f, 1+f%2)
	}
	if err := os.WriteFile(filepath.Join(dir, "ecs", "zz-late-services.json"), []byte(doc+`], "failures": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	settings := &detect.Settings{Now: now}
	opts := plan.Options{Now: now, Settings: settings}
	whole, err := openSized(dir, DefaultLimits, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := evaluateAndPlan(t, whole.Inventory, settings, opts, true)
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		trimmed, err := openSized(dir, DefaultLimits, nil, true)
		runtime.GOMAXPROCS(old)
		if err != nil {
			t.Fatal(err)
		}
		if got := evaluateAndPlan(t, trimmed.Inventory, settings, opts, true); got != want {
			t.Errorf("%d workers: results or plan differ once trimmed", procs)
		}
	}
}
