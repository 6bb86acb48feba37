package snapshot

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// TestParallelLoadMatchesSerial: a snapshot loaded and evaluated with one processor and with several
// gives the same snapshot (inventory, origins, warnings, read errors) and the same results, in the same
// order: files are parsed in parallel and controls evaluated in parallel, and neither shows.
func TestParallelLoadMatchesSerial(t *testing.T) {
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 60, 4)
	// the demo estate beside it (its files in a folder of their own), and a file that cannot be read
	copyTree(t, filepath.Join("..", "..", "testdata", "demo"), filepath.Join(dir, "demo"))
	if err := os.WriteFile(filepath.Join(dir, "ecs", "broken.json"), []byte(`{"services": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(procs int) (*Snapshot, []detect.Result) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		snap, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return snap, detect.Evaluate(snap.Inventory, &detect.Settings{})
	}
	serial, serialResults := load(1)
	if len(serial.Inventory.TaskDefinitions) < 240 || len(serial.Inventory.Errors) == 0 || len(serialResults) == 0 {
		t.Fatalf("the snapshot is not what the test needs: %d task definitions, %d read errors, %d results",
			len(serial.Inventory.TaskDefinitions), len(serial.Inventory.Errors), len(serialResults))
	}
	for _, procs := range []int{2, 4, 8} {
		snap, results := load(procs)
		if !reflect.DeepEqual(snap, serial) {
			t.Errorf("GOMAXPROCS=%d: the snapshot differs from the one loaded with one processor", procs)
		}
		if !reflect.DeepEqual(results, serialResults) {
			t.Errorf("GOMAXPROCS=%d: the results differ from those evaluated with one processor", procs)
		}
	}
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
