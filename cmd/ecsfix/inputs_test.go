// Tests of inputs that cannot hurt, through the CLI: a snapshot that leaves its folder or exceeds its
// limits is refused with exit 1 and a message naming the cause.

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSnapshotRefusedThroughCLI(t *testing.T) {
	demoFile := func(t *testing.T, dir string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(demo, "ecs", "services-storefront-prod.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "services.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a 500 MB file", func(t *testing.T) {
		dir := t.TempDir()
		demoFile(t, dir)
		f, err := os.Create(filepath.Join(dir, "big.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(500 << 20); err != nil { // sparse: nothing is written to disk
			t.Fatal(err)
		}
		f.Close()
		out, errOut, code := runCLI(t, "plan", "--snapshot", dir)
		if code != exitError || !strings.Contains(errOut, "big.json") || !strings.Contains(errOut, "snapshot.max_file_bytes") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("too many files", func(t *testing.T) {
		dir := t.TempDir()
		for i := range 300 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.json", i)), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("ECSFIX_SNAPSHOT_MAX_FILES", "100")
		out, errOut, code := runCLI(t, "plan", "--snapshot", dir)
		if code != exitError || !strings.Contains(errOut, "more than 100 files and folders (the limit snapshot.max_files)") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("a link leading outside", func(t *testing.T) {
		outside := t.TempDir()
		demoFile(t, outside)
		dir := t.TempDir()
		link := filepath.Join(dir, "services.json")
		if err := os.Symlink(filepath.Join(outside, "services.json"), link); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
		out, errOut, code := runCLI(t, "scan", "--snapshot", dir)
		if code != exitError || !strings.Contains(errOut, link) || !strings.Contains(errOut, "outside the snapshot folder") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})
}
