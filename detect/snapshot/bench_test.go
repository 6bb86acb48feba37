package snapshot

import (
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// The 10k snapshot of issue 13: 2,500 families × 4 revisions, one describe-task-definition output per
// file, and 250 services.
const benchFamilies, benchRevisions = 2500, 4

// BenchmarkDecodeFloor is the floor offline loads are measured against: reading every file of the 10k
// snapshot and decoding it into the SDK types, in parallel over GOMAXPROCS files, keeping nothing; with
// encoding/json and with awsjson (this package's decoder, without its shape scan and checks).
func BenchmarkDecodeFloor(b *testing.B) {
	dir := b.TempDir()
	snapshottest.WriteLarge(b, dir, benchFamilies, benchRevisions)
	for _, dec := range []snapshottest.Decoder{snapshottest.EncodingJSON, snapshottest.AWSJSON} {
		b.Run(dec.String(), func(b *testing.B) {
			for b.Loop() {
				f, err := snapshottest.DecodeFloor(dir, dec)
				if err != nil {
					b.Fatal(err)
				}
				if f.TaskDefinitions != benchFamilies*benchRevisions {
					b.Fatalf("decoded %d task definitions", f.TaskDefinitions)
				}
				b.SetBytes(f.Bytes)
			}
		})
	}
}

// BenchmarkEvaluateSnapshot10k loads the 10k snapshot (Load), evaluates a loaded one (Evaluate), and does
// both (Scan). Load and Scan report x-floor, their time against the decode floor (the faster of
// encoding/json and awsjson) measured before each run, so that both see the same load on the machine,
// and x-floor-cpu, the same in processor time (steadier on a shared machine).
func BenchmarkEvaluateSnapshot10k(b *testing.B) {
	dir := b.TempDir()
	snapshottest.WriteLarge(b, dir, benchFamilies, benchRevisions)
	in, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	if len(in.TaskDefinitions) != benchFamilies*benchRevisions {
		b.Fatalf("loaded %d task definitions", len(in.TaskDefinitions))
	}
	in = nil
	againstFloor := func(b *testing.B, run func()) {
		floor, floorCPU, cpu := 0.0, 0.0, 0.0
		for b.Loop() {
			b.StopTimer()
			d, c, err := snapshottest.MeasureFloor(dir, 1)
			if err != nil {
				b.Fatal(err)
			}
			floor += float64(d.Nanoseconds())
			floorCPU += float64(c.Nanoseconds())
			startCPU := snapshottest.CPUTime()
			b.StartTimer()
			run()
			b.StopTimer()
			cpu += float64((snapshottest.CPUTime() - startCPU).Nanoseconds())
			b.StartTimer()
		}
		b.ReportMetric(float64(benchFamilies*benchRevisions*b.N)/b.Elapsed().Seconds(), "taskdefs/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/floor, "x-floor")
		b.ReportMetric(cpu/floorCPU, "x-floor-cpu")
	}
	b.Run("Load", func(b *testing.B) {
		againstFloor(b, func() {
			if _, err := Load(dir); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("Evaluate", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			fresh, err := Load(dir) // a fresh inventory each time: the lookup index is built once per inventory
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			detect.Evaluate(fresh, &detect.Settings{})
		}
		b.ReportMetric(float64(benchFamilies*benchRevisions*b.N)/b.Elapsed().Seconds(), "taskdefs/s")
	})
	b.Run("Scan", func(b *testing.B) {
		againstFloor(b, func() {
			in, err := Load(dir)
			if err != nil {
				b.Fatal(err)
			}
			detect.Evaluate(in, &detect.Settings{})
		})
	})
}

func TestLargeSnapshotLoads(t *testing.T) {
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 20, 4)
	in, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.TaskDefinitions) != 80 || len(in.Services) != 2 {
		t.Errorf("task definitions/services = %d/%d", len(in.TaskDefinitions), len(in.Services))
	}
}
