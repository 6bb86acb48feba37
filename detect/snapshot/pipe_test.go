//go:build unix

// This file tests a snapshot read from a named pipe, which cannot be read twice.

package snapshot

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSnapshotFromPipe: a file given directly that cannot be read twice (a named pipe) is read once into
// memory, within max_file_bytes.
func TestSnapshotFromPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "services.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("named pipes: %v", err)
	}
	write := func(content string) {
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer f.Close()
			f.WriteString(content)
		}()
	}
	write(svcA)
	snap, err := Open(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Inventory.Services) != 1 || snap.Origins["arn:aws:ecs:eu-west-1:123456789012:service/prod/a"].Line != 1 {
		t.Errorf("services %d, origins %v", len(snap.Inventory.Services), snap.Origins)
	}
	write(svcA)
	_, err = OpenWith(fifo, Limits{MaxFileBytes: 20})
	if err == nil || err.Error() != "snapshot: "+fifo+" holds more than 20 bytes (the limit snapshot.max_file_bytes; raise it to read the file)" {
		t.Errorf("over the limit: %v", err)
	}
}
