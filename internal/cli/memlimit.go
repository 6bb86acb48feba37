// This file holds the soft memory limit under which a snapshot is loaded and evaluated (issue 13
// point 4: peak memory within twice the snapshot's size on disk).

package cli

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
)

// snapshotMemoryFactor is the memory a snapshot's load and evaluation may add to what the process uses
// when it starts, per byte of the snapshot's files: the inventory and the results they keep take about
// 1.8 bytes per byte of AWS CLI output, and Go's collector, left to itself (GOGC=100), lets the heap
// reach about twice the live size before collecting; under the limit it collects earlier instead.
const snapshotMemoryFactor = 2

// memoryBound is a soft memory limit (runtime/debug.SetMemoryLimit) set for a snapshot's load and
// evaluation, and the limit it replaced, restored by release.
type memoryBound struct {
	prev int64
	set  bool
}

// boundMemory sets a soft memory limit of the memory the Go runtime holds now plus snapshotMemoryFactor
// times size bytes; it sets none when a limit is set already (GOMEMLIMIT, or an embedding program's).
// The limit is soft: past it the collector works harder (at most about half the processor time, the
// runtime's own cap), it never fails an allocation.
func boundMemory(size int64) *memoryBound {
	b := &memoryBound{prev: debug.SetMemoryLimit(-1)}
	if size <= 0 || b.prev != math.MaxInt64 {
		return b
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	inUse := int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	debug.SetMemoryLimit(inUse + snapshotMemoryFactor*size)
	b.set = true
	return b
}

// release restores the limit that boundMemory replaced.
func (b *memoryBound) release() {
	if b != nil && b.set {
		debug.SetMemoryLimit(b.prev)
		b.set = false
	}
}
