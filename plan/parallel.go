package plan

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// eachParallel calls f(0) … f(n-1), up to GOMAXPROCS at a time, and returns when all have returned. Each
// f(i) must write only what belongs to i (its own element of a result slice): callers then read the
// results in index order, so the plan does not depend on the order the calls ran in.
func eachParallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
