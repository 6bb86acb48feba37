package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestOverlappingCommandsLeaveTheCollectorAsTheyFoundIt: two commands that read snapshots at once in one
// process (cli.Run called from two goroutines by an embedding program, or tests run in parallel): the
// second bounds its memory while the first is pacing the collector. Once both are released, GOGC and the
// memory limit must be what they were before either started.
func TestOverlappingCommandsLeaveTheCollectorAsTheyFoundIt(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer debug.SetGCPercent(debug.SetGCPercent(defaultGCPercent))

	first := boundMemory(1 << 20)
	first.loaded() // the first is now pacing: GOGC below 100 if the budget is tight
	// a small budget so that the pacer slows the collector down
	first.pace.stop()
	first.pace = paceHeap(1, defaultGCPercent) // live >= budget: minGCPercent
	if got := gcPercent(); got != minGCPercent {
		t.Fatalf("pace while the first command is paced = %d, want %d", got, minGCPercent)
	}
	second := boundMemory(1 << 20) // the second starts its load meanwhile
	first.release()                // the first command ends
	second.loaded()
	second.release() // the second ends
	for range 3 {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := gcPercent(); got != defaultGCPercent {
		t.Errorf("GOGC after both commands ended = %d, want %d (as before either started)", got, defaultGCPercent)
	}
}
