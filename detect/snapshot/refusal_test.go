// This file holds the tests that the limits refuse a huge file and a folder of too many files early:
// before anything is read, holding little memory while they do.

package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// refusalHeap is the most the heap may grow while a snapshot is refused: far less than what reading the
// refused input would take (the 500 MB file, or the list of the folder's files).
const refusalHeap = 4 << 20

// peakWhile runs f and returns the largest heap growth seen while it ran (live objects and garbage not
// yet collected).
func peakWhile(f func()) uint64 {
	runtime.GC()
	base := snapshottest.HeapNow()
	h := snapshottest.StartSampler()
	f()
	peak := h.End()
	if peak < base {
		return 0
	}
	return peak - base
}

// TestHugeFileRefusedFromStat: a 500 MB file (sparse: no disk used, all NUL bytes if read) is refused on
// the size stat gives, given alone or in a folder, naming the file and the key to raise, with the heap
// growing by a few kilobytes, not by the file.
func TestHugeFileRefusedFromStat(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "taskdef-huge.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(500 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var alone error
	var snap *Snapshot
	var inFolder error
	grew := peakWhile(func() {
		_, alone = Open(big)
		snap, inFolder = Open(dir)
	})
	want := fmt.Sprintf("%s is %d bytes, more than %d (the limit snapshot.max_file_bytes; raise it to read the file)", big, 500<<20, DefaultMaxFileBytes)
	if alone == nil || !strings.Contains(alone.Error(), want) {
		t.Errorf("Open(file) = %v, want %q", alone, want)
	}
	// In a folder, it is a read error of its own (the other files would be read), never read: read, its
	// NUL bytes would be a different error.
	if inFolder != nil {
		t.Fatalf("Open(folder) = %v", inFolder)
	}
	if errs := snap.Inventory.Errors; len(errs) != 1 || !strings.Contains(errs[0].Message, "snapshot.max_file_bytes") || errs[0].Resource != big {
		t.Errorf("read errors = %+v", errs)
	}
	if grew > refusalHeap {
		t.Errorf("the heap grew by %d bytes while refusing a 500 MB file; want at most %d", grew, refusalHeap)
	}
	t.Logf("the heap grew by %d bytes", grew)
}

// TestManyFilesRefusedDuringWalk: a folder with more entries than max_files (lowered here; the real
// million is TestMillionFiles) is refused as the walk passes the limit, naming the folder, the entry it
// was reached at and the key to raise, without listing the rest: the heap grows by what the entries up
// to the limit take, not by the folder's size, and no file is read (they are not AWS CLI documents: read,
// each would be a read error).
func TestManyFilesRefusedDuringWalk(t *testing.T) {
	dir := t.TempDir()
	const n, limit = 20_000, 500
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%06d.json", i)), []byte("not json"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	grew := peakWhile(func() { _, err = OpenWith(dir, Limits{MaxFiles: limit}) })
	want := fmt.Sprintf("snapshot %s: more than %d files and folders (the limit snapshot.max_files); reached at %s", dir, limit, dir) // then the entry, and "; raise snapshot.max_files to read more"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "; raise snapshot.max_files to read more") {
		t.Errorf("error = %v, want %q … raise snapshot.max_files", err, want)
	}
	// Listing 20,000 names alone would take more than a megabyte; refusing takes what 500 entries do.
	if grew > refusalHeap/4 {
		t.Errorf("the heap grew by %d bytes while refusing; want at most %d", grew, refusalHeap/4)
	}
	t.Logf("the heap grew by %d bytes", grew)
}

// TestMillionFiles is the real case of issue 13: a folder of a million small files is refused at the
// default max_files (100,000), early and in little memory. It writes a million files (about a minute and
// a million inodes), so it runs only when ECSFIX_MILLION_FILES=1.
func TestMillionFiles(t *testing.T) {
	if v, _ := strconv.ParseBool(os.Getenv("ECSFIX_MILLION_FILES")); !v {
		t.Skip("set ECSFIX_MILLION_FILES=1 to write a million files and check that they are refused")
	}
	dir := t.TempDir()
	const n = 1_000_000
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/10_000))
		if i%10_000 == 0 {
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%07d.json", i)), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	grew := peakWhile(func() { _, err = Open(dir) })
	want := fmt.Sprintf("more than %d files and folders (the limit snapshot.max_files)", DefaultMaxFiles)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want %q", err, want)
	}
	// Up to the limit, the walk keeps the names of 100,000 files (a few megabytes), never a million.
	if grew > 64<<20 {
		t.Errorf("the heap grew by %d bytes while refusing a million files", grew)
	}
	t.Logf("refused a million files; the heap grew by %.1f MB", float64(grew)/1e6)
}
