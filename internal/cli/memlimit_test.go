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

// TestBoundMemoryTurnsPacingOff: under the limit, the collector's pace by heap growth is off (it runs as
// the heap nears the limit), unless GOGC chose one; release restores it. Without a limit of its own
// (GOMEMLIMIT set), the pace is left alone.
func TestBoundMemoryTurnsPacingOff(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(defaultGCPercent))
	debug.SetMemoryLimit(math.MaxInt64)
	b := boundMemory(100 << 20)
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GOGC while bound = %d, want off (-1)", got)
	}
	b.release()
	if got := debug.SetGCPercent(defaultGCPercent); got != defaultGCPercent {
		t.Errorf("GOGC after release = %d, want %d", got, defaultGCPercent)
	}

	// a pace chosen by GOGC is kept
	debug.SetGCPercent(50)
	b = boundMemory(100 << 20)
	if got := debug.SetGCPercent(50); got != 50 {
		t.Errorf("GOGC while bound = %d, want the one chosen (50)", got)
	}
	b.release()
	if got := debug.SetGCPercent(defaultGCPercent); got != 50 {
		t.Errorf("GOGC after release = %d, want 50", got)
	}

	// with a limit set already, nothing changes
	debug.SetMemoryLimit(1 << 40)
	b = boundMemory(100 << 20)
	if got := debug.SetGCPercent(defaultGCPercent); got != defaultGCPercent {
		t.Errorf("GOGC with GOMEMLIMIT set = %d, want %d", got, defaultGCPercent)
	}
	b.release()
}
