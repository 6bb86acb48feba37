package report

import (
	"io"
	"sync"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

var largeReports struct {
	sync.Mutex
	m map[int]*Report
}

// largeReport is the report of a scan of a snapshottest.WriteLarge snapshot of families × 4 revisions
// (2,500: BenchmarkOffline10k's 10,000 task definitions, about 100,000 results), with every resource
// located in its file as the cli locates them.
func largeReport(tb testing.TB, families int) *Report {
	tb.Helper()
	largeReports.Lock()
	defer largeReports.Unlock()
	if r, ok := largeReports.m[families]; ok {
		return r
	}
	dir := tb.TempDir()
	snapshottest.WriteLarge(tb, dir, families, 4)
	snap, err := snapshot.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	in := snap.Inventory
	r := &Report{ToolVersion: "test", Source: Source{Kind: "snapshot", Path: dir}, Resources: len(in.TaskDefinitions) + len(in.Services),
		Results: detect.Evaluate(in, &detect.Settings{}), Origins: map[string]Origin{}}
	for arn, at := range snap.Origins {
		r.Origins[arn] = Origin{File: at.File, Line: at.Line}
	}
	if largeReports.m == nil {
		largeReports.m = map[int]*Report{}
	}
	largeReports.m[families] = r
	return r
}

func benchRender(b *testing.B, render func(w io.Writer, r *Report) error) {
	r := largeReport(b, 2500)
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if err := render(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((snapshottest.CPUTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkText renders the text report of about 100,000 results (BenchmarkOffline10k's scan).
func BenchmarkText(b *testing.B) {
	benchRender(b, func(w io.Writer, r *Report) error { return Text(w, r, TextOptions{}) })
}

// BenchmarkTextAll renders it with every verdict.
func BenchmarkTextAll(b *testing.B) {
	benchRender(b, func(w io.Writer, r *Report) error { return Text(w, r, TextOptions{All: true}) })
}

// BenchmarkJSON renders the JSON document of the same scan.
func BenchmarkJSON(b *testing.B) { benchRender(b, JSON) }

// BenchmarkSARIF renders its SARIF log.
func BenchmarkSARIF(b *testing.B) { benchRender(b, SARIF) }

// BenchmarkTextReference, BenchmarkTextAllReference and BenchmarkJSONReference are the same with the
// code they replace.
func BenchmarkTextReference(b *testing.B) {
	benchRender(b, func(w io.Writer, r *Report) error { return refText(w, r, TextOptions{}) })
}

func BenchmarkTextAllReference(b *testing.B) {
	benchRender(b, func(w io.Writer, r *Report) error { return refText(w, r, TextOptions{All: true}) })
}

func BenchmarkJSONReference(b *testing.B) { benchRender(b, refJSON) }

func BenchmarkSARIFReference(b *testing.B) { benchRender(b, refSARIF) }
