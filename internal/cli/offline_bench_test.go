// This file holds the benchmark of scan and plan from a snapshot (issue 13 point 4): the commands
// themselves (`ecsfix scan --snapshot DIR`, `ecsfix plan --snapshot DIR`, their output rendered and
// discarded), and the steps before rendering (g.inventory, g.makePlanOf) to see where the time goes, on
// the 10k snapshot, reported as ratios to the decode floor (snapshottest.DecodeFloor) measured in the
// same run, with the peak heap against the snapshot's size.

package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// BenchmarkOffline10k runs the scan and plan commands, and their steps before rendering (ScanBuild: load
// + evaluate; PlanBuild: then plan), from a snapshot of 2,500 families × 4 revisions (10,000 task definitions, one file each) and 250 services, with the
// default configuration. Metrics: x-floor, the time against the decode floor (the faster of encoding/json
// and awsjson reading and decoding every file in parallel), measured before each run so that both see
// the same load on the machine; x-floor-cpu, the same in processor time (user and system), steadier
// on a shared machine; peak-B/B, the largest heap
// (runtime/metrics /memory/classes/heap/objects:bytes, sampled every millisecond: live objects and
// garbage not yet collected) less the heap before, per byte of the snapshot's files; input-MB, their size.
func BenchmarkOffline10k(b *testing.B) {
	const families, revisions = 2500, 4
	dir := b.TempDir()
	snapshottest.WriteLarge(b, dir, families, revisions)
	n, err := snapshottest.Size(dir)
	if err != nil {
		b.Fatal(err)
	}
	size := float64(n)
	g := benchGlobals(b)
	ctx := context.Background()
	src := source{snapshot: dir, accounts: &accountOptions{verb: "scan"}}
	command := func(args ...string) func() (any, error) {
		return func() (any, error) {
			var errOut strings.Builder
			if code := run(ctx, args, &streams{Out: io.Discard, ErrOut: &errOut}); code != exitOK {
				return nil, fmt.Errorf("ecsfix %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
			}
			return nil, nil
		}
	}
	steps := []struct {
		name string
		run  func() (any, error)
	}{
		// What a user runs, output included (a text report of 100,000 results; a plan of 10,000 diffs).
		{"Scan", command("scan", "--snapshot", dir)},
		{"Plan", command("plan", "--snapshot", dir)},
		// The same steps up to the report or the plan, not rendered.
		{"ScanBuild", func() (any, error) {
			defer g.memory.release() // as run does when a command ends
			rep, inv, err := g.inventory(ctx, src, nil)
			return []any{rep, inv}, err
		}},
		{"PlanBuild", func() (any, error) {
			defer g.memory.release()
			p, rep, inv, err := g.makePlanOf(ctx, src, nil)
			return []any{p, rep, inv}, err
		}},
	}
	for _, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			var peak, floor, floorCPU, cpu float64
			for b.Loop() {
				b.StopTimer()
				d, c, err := snapshottest.MeasureFloor(dir, 1)
				if err != nil {
					b.Fatal(err)
				}
				floor += float64(d.Nanoseconds())
				floorCPU += float64(c.Nanoseconds())
				runtime.GC()
				base := snapshottest.HeapNow()
				h := snapshottest.StartSampler()
				startCPU := snapshottest.CPUTime()
				b.StartTimer()
				out, err := s.run()
				b.StopTimer()
				cpu += float64((snapshottest.CPUTime() - startCPU).Nanoseconds())
				p := h.End()
				if err != nil {
					b.Fatal(err)
				}
				runtime.KeepAlive(out)
				peak += float64(p) - float64(base)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/floor, "x-floor")
			b.ReportMetric(cpu/floorCPU, "x-floor-cpu")
			b.ReportMetric(peak/float64(b.N)/size, "peak-B/B")
			b.ReportMetric(size/1e6, "input-MB")
		})
	}
}

// benchGlobals are the options a command gets from the default configuration (no file), with its output
// and logs discarded.
func benchGlobals(b *testing.B) *globalOptions {
	b.Helper()
	b.Setenv("ECSFIX_CONFIG", "")
	b.Setenv("XDG_CONFIG_HOME", b.TempDir())
	b.Chdir(b.TempDir())
	g := &globalOptions{io: &streams{Out: io.Discard, ErrOut: io.Discard}, viper: config.New()}
	cfg, _, err := config.LoadFrom(g.viper, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	g.cfg = cfg
	g.log = newLogger(g.io, cfg)
	g.started = true
	return g
}
