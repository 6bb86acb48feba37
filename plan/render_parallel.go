package plan

import (
	"bytes"
	"io"
	"runtime"
	"sync"
)

// Rendering a large plan (10,000 actions, 20 MB of text) is mostly independent work per action: its
// diff, its risk, its canonical JSON. writeOrdered renders the items on GOMAXPROCS workers, each into a
// buffer of its own, and writes the buffers in item order; a bounded window of buffers keeps memory to a
// few actions' worth whatever the plan's size, never the whole output.

// orderedWindow is the number of buffers per worker: items rendered ahead of the one being written.
const orderedWindow = 4

// writeOrdered calls render for items 0..n-1 (concurrently, each with an empty buffer of its own) and
// writes each buffer to w in item order. It stops at the first error in item order: a render error is
// returned after what render wrote into its buffer (as a renderer writing straight to w would have left
// it), a write error as it is; no render is running when it returns.
func writeOrdered(w io.Writer, n int, render func(i int, b *bytes.Buffer) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		var b bytes.Buffer
		for i := range n {
			b.Reset()
			err := render(i, &b)
			if _, werr := w.Write(b.Bytes()); werr != nil {
				return werr
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	window := orderedWindow * workers
	type job struct {
		i int
		b *bytes.Buffer
	}
	type result struct {
		b   *bytes.Buffer
		err error
	}
	// free holds the window's buffers: the feeder takes one for each item it hands out, the writer gives
	// it back once written, so at most window items are rendered ahead. Item i's result goes to slot
	// i%window, whose previous item (i-window) has been written before i could be handed out.
	free := make(chan *bytes.Buffer, window)
	for range window {
		free <- new(bytes.Buffer)
	}
	slots := make([]chan result, window)
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	jobs := make(chan job)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the feeder
		defer wg.Done()
		defer close(jobs)
		for i := range n {
			select {
			case b := <-free:
				select {
				case jobs <- job{i, b}:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				err := render(j.i, j.b)
				slots[j.i%window] <- result{j.b, err}
			}
		}()
	}
	stop := func(err error) error {
		close(done)
		wg.Wait()
		return err
	}
	for i := range n {
		r := <-slots[i%window]
		if _, err := w.Write(r.b.Bytes()); err != nil {
			return stop(err)
		}
		if r.err != nil {
			return stop(r.err)
		}
		r.b.Reset()
		free <- r.b
	}
	wg.Wait()
	return nil
}

// parallelFor calls f for 0..n-1 on GOMAXPROCS workers, in chunks, and returns when all have returned.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	const chunk = 64
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					f(i)
				}
			}
		}()
	}
	wg.Wait()
}
