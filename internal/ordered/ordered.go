// Package ordered renders items in parallel and writes them in order: for output made of many
// independent parts (a plan's actions, a report's resources), each rendered into a buffer of its own on
// GOMAXPROCS workers and written in item order, a bounded window of buffers keeping memory to a few
// items' worth whatever the number of items, never the whole output.
package ordered

import (
	"bytes"
	"io"
	"runtime"
	"sync"
)

// windowPerWorker is the number of buffers per worker: items rendered ahead of the one being written.
const windowPerWorker = 4

// Write calls render for items 0..n-1 (concurrently, each with an empty buffer of its own) and
// writes each buffer to w in item order. It stops at the first error in item order: a render error is
// returned after what render wrote into its buffer (as a renderer writing straight to w would have left
// it), a write error as it is; no render is running when it returns.
func Write(w io.Writer, n int, render func(i int, b *bytes.Buffer) error) error {
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
	window := windowPerWorker * workers
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

// For calls f for 0..n-1 on GOMAXPROCS workers and returns when all have returned. Each f(i) must write
// only what belongs to i (its own element of a result slice), so that what the caller then reads in
// index order does not depend on the order the calls ran in. Items are taken in chunks of up to 64 (cheap
// items cost no lock each), smaller when there are few, so that a few costly items still spread over
// the workers.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	chunk := max(1, min(64, n/(8*workers)))
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
