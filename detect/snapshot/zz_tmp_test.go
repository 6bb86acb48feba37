package snapshot

import (
	"runtime"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

func TestZZTmpMem(t *testing.T) {
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 2500, 4)
	n, _ := snapshottest.Size(dir)
	runtime.GC()
	base := snapshottest.HeapNow()
	h := snapshottest.StartSampler()
	in, _ := Load(dir)
	p1 := h.End()
	runtime.GC()
	k1 := snapshottest.HeapNow()
	h = snapshottest.StartSampler()
	rs := detect.Evaluate(in, &detect.Settings{})
	p2 := h.End()
	runtime.GC()
	k2 := snapshottest.HeapNow()
	f := float64(n)
	t.Logf("size %d; load peak %.2f kept %.2f; eval peak %.2f kept %.2f; results %d", n, float64(p1-base)/f, float64(k1-base)/f, float64(p2-base)/f, float64(k2-base)/f, len(rs))
	runtime.KeepAlive(in)
	runtime.KeepAlive(rs)
}
