package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestBoundMemorySetsAndRestoresTheLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	debug.SetMemoryLimit(math.MaxInt64)
	b := boundMemory(100 << 20)
	got := debug.SetMemoryLimit(-1)
	if got == math.MaxInt64 || got < 2*(100<<20) {
		t.Errorf("limit while bound = %d, want at least twice the snapshot's size", got)
	}
	b.release()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit after release = %d, want none (%d)", got, int64(math.MaxInt64))
	}

	// a limit set already (GOMEMLIMIT, an embedding program) is left as it is
	debug.SetMemoryLimit(1 << 40)
	b = boundMemory(100 << 20)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("limit = %d, want the one set before (%d)", got, int64(1<<40))
	}
	b.release()
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("limit after release = %d, want the one set before", got)
	}
}
