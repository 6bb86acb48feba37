// This file holds the soft memory limit under which a snapshot is loaded and evaluated (issue 13
// point 4: peak memory within twice the snapshot's size on disk).

package cli

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
)

// snapshotMemoryFactor is the memory a snapshot's load and evaluation may add to what the process uses
// when it starts, per byte of the snapshot's files: what a load holds at its largest (the revisions read
// so far, before those nothing reads are trimmed) is about 1.4 bytes per byte of AWS CLI output, and the
// collector runs as the heap nears the limit (boundMemory).
const snapshotMemoryFactor = 2

// memoryBound is a soft memory limit (runtime/debug.SetMemoryLimit) set for a snapshot's load and
// evaluation, with the collector's pacing by heap growth (GOGC) turned off under it, and the settings
// they replaced, restored by release.
type memoryBound struct {
	prev      int64
	gcPercent int
	set       bool
}

// boundMemory sets a soft memory limit of the memory the Go runtime uses now (less the heap's room that
// holds no object, which objects may take without the runtime asking for more) plus
// snapshotMemoryFactor times size bytes; it sets none when a limit is set already (GOMEMLIMIT, or an
// embedding program's). The limit is soft: past it the collector works harder (at most about half the
// processor time, the runtime's own cap), it never fails an allocation.
//
// Under the limit, the collector runs only as the heap nears it (GOGC off), unless GOGC sets a pace of
// its own: a load keeps most of what it decodes, and collecting each time the heap doubled (GOGC=100, the
// default) went through the growing inventory five or six times, a fifth of the load's processor time,
// to keep its peak under a bound that the limit keeps already.
func boundMemory(size int64) *memoryBound {
	b := &memoryBound{prev: debug.SetMemoryLimit(-1)}
	if size <= 0 || b.prev != math.MaxInt64 {
		return b
	}
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"}, // returned to the system
		{Name: "/memory/classes/heap/free:bytes"},     // free, not returned: objects take it first
		{Name: "/memory/classes/heap/unused:bytes"},   // room in the spans of objects
	}
	metrics.Read(s)
	inUse := int64(s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64() - s[3].Value.Uint64())
	debug.SetMemoryLimit(inUse + snapshotMemoryFactor*size)
	b.gcPercent = debug.SetGCPercent(-1)
	if b.gcPercent != defaultGCPercent { // GOGC (or an embedding program) chose a pace: kept
		debug.SetGCPercent(b.gcPercent)
	}
	b.set = true
	return b
}

// defaultGCPercent is the runtime's GOGC when none is set.
const defaultGCPercent = 100

// release restores the limit and the pace that boundMemory replaced.
func (b *memoryBound) release() {
	if b != nil && b.set {
		debug.SetGCPercent(b.gcPercent)
		debug.SetMemoryLimit(b.prev)
		b.set = false
	}
}
