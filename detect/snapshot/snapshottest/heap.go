package snapshottest

import (
	"runtime/metrics"
	"sync"
	"syscall"
	"time"
)

// heapObjects is the runtime metric of the heap's objects: live ones and those not yet collected.
const heapObjects = "/memory/classes/heap/objects:bytes"

// HeapNow is the bytes of the heap's objects now (live and not yet collected).
func HeapNow() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// Sampler records the largest heap (live and not yet collected objects, HeapNow) seen while it runs,
// sampling every millisecond.
type Sampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

// StartSampler starts sampling the heap.
func StartSampler() *Sampler {
	h := &Sampler{stop: make(chan struct{}), peak: HeapNow()}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := HeapNow(); v > h.peak {
				h.peak = v
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// End stops sampling and returns the largest heap seen.
func (h *Sampler) End() uint64 {
	close(h.stop)
	h.done.Wait()
	if v := HeapNow(); v > h.peak {
		h.peak = v
	}
	return h.peak
}

// CPUTime is the processor time (user and system) the process has used so far: a benchmark's ratio in
// processor time is steadier than in wall time on a machine that other work shares.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
