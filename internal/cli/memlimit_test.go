package cli

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
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

// TestGCPercentFor: the pace lets the heap grow from what is live to the budget, counting the roots the
// runtime's goal counts, between minGCPercent and the default.
func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live, roots, budget uint64
		want                int
	}{
		{live: 100, budget: 1000, want: 100},         // room for more than the default: the default
		{live: 100, budget: 200, want: 100},          // exactly the default's growth
		{live: 100, budget: 150, want: 50},           // half
		{live: 90, roots: 10, budget: 150, want: 60}, // the roots count in the growth, not in the room
		{live: 100, budget: 105, want: minGCPercent}, // too little room: the slowest pace
		{live: 100, budget: 100, want: minGCPercent}, // none
		{live: 200, budget: 100, want: minGCPercent}, // over the budget already
		{live: 0, roots: 0, budget: 100, want: 100},  // nothing live
		{live: 1 << 30, budget: 3 << 29, want: 50},   // large numbers
	} {
		if got := gcPercentFor(c.live, c.roots, c.budget, defaultGCPercent); got != c.want {
			t.Errorf("gcPercentFor(live %d, roots %d, budget %d) = %d, want %d", c.live, c.roots, c.budget, got, c.want)
		}
	}
}

// gcPercent reads the collector's pace.
func gcPercent() int {
	v := debug.SetGCPercent(defaultGCPercent)
	debug.SetGCPercent(v)
	return v
}

// TestLoadedPacesTheHeapUntilReleased: once loaded, the pace follows what each collection leaves live
// against the budget (a budget smaller than the live heap gives the slowest pace after a collection);
// release stops it and restores the default; a GOGC chosen by the user is never paced.
func TestLoadedPacesTheHeapUntilReleased(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(defaultGCPercent))
	debug.SetMemoryLimit(math.MaxInt64)
	b := boundMemory(1 << 20)
	b.budget = 1 // far below what is live: the slowest pace
	b.loaded()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit once loaded = %d, want none", got)
	}
	if got := gcPercent(); got != minGCPercent {
		t.Errorf("GOGC once loaded = %d, want %d", got, minGCPercent)
	}
	// after a collection, the pace is set again from what it left live
	b.pace.mu.Lock()
	b.pace.budget = 1 << 62 // room for any growth: the default
	b.pace.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != defaultGCPercent && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := gcPercent(); got != defaultGCPercent {
		t.Errorf("GOGC after a collection with room = %d, want %d", got, defaultGCPercent)
	}
	b.pace.mu.Lock()
	b.pace.budget = 1
	b.pace.mu.Unlock()
	for gcPercent() != minGCPercent && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := gcPercent(); got != minGCPercent {
		t.Errorf("GOGC after a collection without room = %d, want %d", got, minGCPercent)
	}
	b.release()
	if got := gcPercent(); got != defaultGCPercent {
		t.Errorf("GOGC after release = %d, want %d", got, defaultGCPercent)
	}
	for range 3 { // the pacer's last watch, if any, changes nothing once stopped
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := gcPercent(); got != defaultGCPercent {
		t.Errorf("GOGC after release and collections = %d, want %d", got, defaultGCPercent)
	}

	// a pace chosen by GOGC is kept: not paced
	debug.SetGCPercent(50)
	b = boundMemory(1 << 20)
	b.budget = 1
	b.loaded()
	if got := gcPercent(); got != 50 {
		t.Errorf("GOGC once loaded with GOGC=50 = %d, want 50", got)
	}
	b.release()
	if got := gcPercent(); got != 50 {
		t.Errorf("GOGC after release = %d, want 50", got)
	}
}

// TestCommandsLeaveTheCollectorAsTheyFoundIt: a command that reads a snapshot bounds its memory and
// paces the collector; when it ends (run returns), both are as they were.
func TestCommandsLeaveTheCollectorAsTheyFoundIt(t *testing.T) {
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	pace, limit := gcPercent(), debug.SetMemoryLimit(-1)
	for _, verb := range []string{"scan", "plan"} {
		var out, errOut strings.Builder
		run(context.Background(), []string{verb, "--snapshot", "../../testdata/demo"}, &streams{Out: &out, ErrOut: &errOut})
		if out.Len() == 0 {
			t.Fatalf("ecsfix %s printed nothing: %s", verb, errOut.String())
		}
		for range 3 { // a pacer left running would change the pace after a collection
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
		if got := gcPercent(); got != pace {
			t.Errorf("GOGC after ecsfix %s = %d, want %d", verb, got, pace)
		}
		if got := debug.SetMemoryLimit(-1); got != limit {
			t.Errorf("memory limit after ecsfix %s = %d, want %d", verb, got, limit)
		}
	}
}
