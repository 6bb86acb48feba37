package live

import (
	"context"
	"errors"
	"testing"
	"time"
)

// holder runs a call through the lane that, once it holds a place, reports it on started and waits
// for release.
type holder struct {
	started chan string
	release chan struct{}
}

func (h holder) run(l lane, name string, bulk bool) {
	fn := func(context.Context) error {
		h.started <- name
		<-h.release
		return nil
	}
	if bulk {
		go l.bulk(context.Background(), fn)
	} else {
		go l.call(context.Background(), fn)
	}
}

func (h holder) next(t *testing.T) string {
	t.Helper()
	select {
	case n := <-h.started:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no call started")
		return ""
	}
}

func (h holder) none(t *testing.T) {
	t.Helper()
	select {
	case n := <-h.started:
		t.Fatalf("%s started, want none", n)
	case <-time.After(20 * time.Millisecond):
	}
}

// The bulk never holds the last place of a lane of two: a call of a chain runs beside it while more
// bulk waits.
func TestLaneKeepsAPlaceFromTheBulk(t *testing.T) {
	l := newLane(2)
	h := holder{started: make(chan string, 4), release: make(chan struct{})}
	h.run(l, "bulk-1", true)
	if got := h.next(t); got != "bulk-1" {
		t.Fatalf("started %s", got)
	}
	h.run(l, "bulk-2", true)
	h.none(t) // a place is free, but not for the bulk
	h.run(l, "chain", false)
	if got := h.next(t); got != "chain" {
		t.Fatalf("started %s, want chain", got)
	}
	h.release <- struct{}{} // one of the two ends: bulk-2 takes the bulk's place
	if got := h.next(t); got != "bulk-2" {
		t.Fatalf("started %s, want bulk-2", got)
	}
	close(h.release)
}

// A call waiting for a place is served before the bulk calls that waited longer; a lane of one runs the
// bulk too.
func TestLaneServesChainsFirst(t *testing.T) {
	l := newLane(1)
	h := holder{started: make(chan string, 4), release: make(chan struct{})}
	h.run(l, "first", false)
	if got := h.next(t); got != "first" {
		t.Fatalf("started %s", got)
	}
	h.run(l, "bulk", true)
	time.Sleep(10 * time.Millisecond) // the bulk call queues first
	h.run(l, "chain", false)
	h.none(t)
	h.release <- struct{}{}
	if got := h.next(t); got != "chain" {
		t.Fatalf("started %s, want chain before bulk", got)
	}
	h.release <- struct{}{}
	if got := h.next(t); got != "bulk" {
		t.Fatalf("started %s, want bulk", got)
	}
	close(h.release)
}

// A call whose context ends while it waits returns the cause and leaves its place to the next.
func TestLaneCancelledWhileWaiting(t *testing.T) {
	l := newLane(1)
	h := holder{started: make(chan string, 4), release: make(chan struct{})}
	h.run(l, "first", false)
	h.next(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error)
	go func() { done <- l.call(ctx, func(context.Context) error { return nil }) }()
	time.Sleep(10 * time.Millisecond)
	boom := errors.New("boom")
	cancel(boom)
	if err := <-done; !errors.Is(err, boom) {
		t.Fatalf("err %v, want the cause", err)
	}
	h.run(l, "after", true)
	h.release <- struct{}{}
	if got := h.next(t); got != "after" {
		t.Fatalf("started %s", got)
	}
	close(h.release)
}
