package ordered

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	for _, n := range []int{0, 1, 2, 15, 16, 17, 1000} {
		var out bytes.Buffer
		var running atomic.Int32
		err := Write(&out, n, func(i int, b *bytes.Buffer) error {
			running.Add(1)
			defer running.Add(-1)
			if b.Len() != 0 {
				t.Errorf("item %d: a buffer holding %q", i, b.Bytes())
			}
			if i%7 == 0 {
				time.Sleep(time.Millisecond) // out of order
			}
			fmt.Fprintf(b, "%d,", i)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for i := range n {
			fmt.Fprintf(&want, "%d,", i)
		}
		if out.String() != want.String() {
			t.Errorf("n=%d: %q", n, out.String())
		}
		if running.Load() != 0 {
			t.Errorf("n=%d: renders still running", n)
		}
	}
	// the first error in item order, after what its item wrote; later items not written
	boom := errors.New("boom")
	var out bytes.Buffer
	var running atomic.Int32
	err := Write(&out, 200, func(i int, b *bytes.Buffer) error {
		running.Add(1)
		defer running.Add(-1)
		fmt.Fprintf(b, "%d,", i)
		if i == 50 || i == 60 || (i > 20 && i < 40 && i%2 == 1 && i > 45) {
			return fmt.Errorf("%w %d", boom, i)
		}
		return nil
	})
	if err == nil || err.Error() != "boom 50" {
		t.Errorf("error %v, want boom 50", err)
	}
	if !strings.HasSuffix(out.String(), ",49,50,") {
		t.Errorf("written %q", out.String())
	}
	if running.Load() != 0 {
		t.Error("renders still running after an error")
	}
	// a write error stops the rendering
	var rendered atomic.Int32
	err = Write(failAfter{err: boom}, 10000, func(i int, b *bytes.Buffer) error {
		rendered.Add(1)
		b.WriteString("x")
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("write error: %v", err)
	}
	if n := rendered.Load(); n > 100 {
		t.Errorf("%d items rendered after the first write failed: the window does not bound the work", n)
	}
}

type failAfter struct {
	err error
}

func (f failAfter) Write(b []byte) (int, error) { return 0, f.err }

func TestFor(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	for _, n := range []int{0, 1, 63, 64, 65, 1000} {
		seen := make([]atomic.Int32, n)
		For(n, func(i int) { seen[i].Add(1) })
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Errorf("n=%d: item %d called %d times", n, i, c)
			}
		}
	}
}
