// This file holds the soft memory limit under which a snapshot is loaded and evaluated, and the pace of
// the collector for what a command does after that (issue 13 point 4: peak memory within twice the
// snapshot's size on disk).

package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// memoryOwned is set while one command's memoryBound holds the process's memory limit and collector pace
// (from boundMemory to release): the settings are the process's, so a command whose read overlaps
// another's (cli.Run from two goroutines) leaves them alone rather than saving and restoring values the
// other has changed meanwhile (which left GOGC at the other's paced value).
var memoryOwned atomic.Bool

// snapshotMemoryFactor is the memory a snapshot's load and evaluation may add to what the process uses
// when it starts, per byte of the snapshot's files: what a load holds at its largest (the revisions read
// so far, before those nothing reads are trimmed) is about 1.4 bytes per byte of AWS CLI output, and the
// collector runs as the heap nears the limit (boundMemory).
const snapshotMemoryFactor = 2

// memoryBound is a soft memory limit (runtime/debug.SetMemoryLimit) set for a snapshot's load and
// evaluation, with the collector's pacing by heap growth (GOGC) turned off under it; then, once loaded,
// the collector's pace for the rest of the command (heapPacer); and the settings they replaced, restored
// by release.
type memoryBound struct {
	prev      int64
	gcPercent int
	set       bool
	// budget is the heap (live and not yet collected objects) the command aims to stay within: the heap
	// when the bound was set plus snapshotMemoryFactor times the snapshot's size, less a margin
	// (paceMargin); pace keeps to it once the snapshot is loaded (loaded).
	budget uint64
	pace   *heapPacer
	owner  bool // it holds memoryOwned
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
	if size <= 0 || !memoryOwned.CompareAndSwap(false, true) {
		return &memoryBound{}
	}
	b := &memoryBound{prev: debug.SetMemoryLimit(-1), owner: true}
	if b.prev != math.MaxInt64 {
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
	b.budget = heapObjects() + max(uint64(float64(size)*snapshotMemoryFactor*paceMargin), minPaceRoom)
	b.gcPercent = debug.SetGCPercent(-1)
	if b.gcPercent != defaultGCPercent { // GOGC (or an embedding program) chose a pace: kept
		debug.SetGCPercent(b.gcPercent)
	}
	b.set = true
	return b
}

// paceMargin is the part of the bound that heapPacer aims at: the heap overshoots the goal the pace sets
// while a collection runs (the program allocates meanwhile), and the base the budget starts from is
// itself an estimate (the heap when the bound was set, garbage included).
const paceMargin = 0.88

// minPaceRoom is the least growth heapPacer's budget allows over the heap the bound started from: below
// it, the runtime's own heap (its tables, the SDK's models) outweighs the snapshot, and pacing a small
// snapshot's plan to a few times its size would only have the collector run for nothing.
const minPaceRoom = 32 << 20

// defaultGCPercent is the runtime's GOGC when none is set.
const defaultGCPercent = 100

// loaded ends the load's regime, once the snapshot is read and evaluated: the limit and the pace that
// boundMemory replaced are restored, and, unless GOGC chose a pace of its own, the collector is paced
// for the rest of the command (a plan built from the inventory, the output) so that the heap stays
// within the same budget (heapPacer). A soft limit would not do there: the load leaves its spans
// partly empty (the trimmed revisions), and the limit, which counts that room, would have the collector
// run again and again while the objects are far from the bound.
func (b *memoryBound) loaded() {
	if b == nil || !b.set {
		return
	}
	debug.SetGCPercent(b.gcPercent)
	debug.SetMemoryLimit(b.prev)
	b.set = false
	if b.gcPercent == defaultGCPercent {
		b.pace = paceHeap(b.budget, defaultGCPercent)
	}
}

// release restores the limit and the pace that boundMemory replaced, and stops pacing the collector.
func (b *memoryBound) release() {
	if b == nil {
		return
	}
	if b.set {
		debug.SetGCPercent(b.gcPercent)
		debug.SetMemoryLimit(b.prev)
		b.set = false
	}
	b.pace.stop()
	b.pace = nil
	if b.owner {
		b.owner = false
		memoryOwned.Store(false)
	}
}

// heapObjects is the heap's size: live objects and those not yet collected.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// heapPacer sets the collector's pace (GOGC) after each collection so that the heap's goal, what the
// collection left live plus the growth GOGC allows, stays within a budget: the runtime lets the heap grow
// by GOGC percent of what is live (and of the stacks and globals it scans) before it collects again, so
// that a plan that keeps 1.5 bytes per byte of the snapshot live would reach three times the snapshot
// at the default pace. The pace never exceeds the default (a small heap is collected as usual) and
// never falls below minGCPercent: a heap whose live objects alone fill the budget is collected at that
// pace rather than all the time, and exceeds the budget.
type heapPacer struct {
	mu      sync.Mutex
	budget  uint64
	max     int
	current int
	stopped bool
}

// minGCPercent is the slowest pace heapPacer sets: a collection each time the heap grew by a tenth.
const minGCPercent = 10

// paceHeap starts pacing the collector to budget, at most at pace most; stop ends it and restores most.
func paceHeap(budget uint64, most int) *heapPacer {
	p := &heapPacer{budget: budget, max: most, current: most}
	p.adjust()
	p.watch()
	return p
}

// watch has adjust run after the next collection, and watch again: a cleanup of an object nothing
// references runs once a collection has found it unreachable.
func (p *heapPacer) watch() {
	runtime.AddCleanup(new(gcSentinel), func(p *heapPacer) {
		if p.adjust() {
			p.watch()
		}
	}, p)
}

// gcSentinel is the object whose collection tells heapPacer that a collection ran: large enough not to
// share a block of the runtime's tiny allocator with other objects, whose cleanup would then wait on
// theirs.
type gcSentinel struct{ _ [32]byte }

// adjust sets the pace from what the last collection left live; it reports false once stopped.
func (p *heapPacer) adjust() bool {
	s := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}
	metrics.Read(s)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	if pct := gcPercentFor(s[0].Value.Uint64(), s[1].Value.Uint64()+s[2].Value.Uint64(), p.budget, p.max); pct != p.current {
		debug.SetGCPercent(pct)
		p.current = pct
	}
	return true
}

// gcPercentFor is the pace that lets a heap with live bytes of live objects (and roots bytes of stacks
// and globals, which the runtime's pacing counts too) grow to budget before the next collection, between
// minGCPercent and max.
func gcPercentFor(live, roots, budget uint64, most int) int {
	if live >= budget {
		return minGCPercent
	}
	pct := (budget - live) * 100 / max(live+roots, 1)
	return int(min(max(pct, minGCPercent), uint64(most)))
}

// stop ends the pacing and restores the pace it started from.
func (p *heapPacer) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.stopped = true
		debug.SetGCPercent(p.max)
	}
}
