// This file holds the benchmark of an apply at scale on the emulator behind the launcher's throttle and
// latency model (mototest.Modelled): its time against the floor of the token buckets and the planner's
// estimate, and the share of its requests throttled.

package fix

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"golang.org/x/sync/errgroup"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// scaledQuotas are the documented buckets with every rate multiplied by k (bursts kept): the same shape,
// k times faster, so that an apply of hundreds of revisions is measured in seconds, not minutes. The
// emulator's model enforces the table, the pacer paces by it and the floor is computed from it.
func scaledQuotas(k float64) []awsclient.Quota {
	qs := awsclient.DefaultQuotaTable().Quotas()
	for i := range qs {
		qs[i].Rate *= k
	}
	return qs
}

// BenchmarkApplyThrottled applies, behind the model's token buckets (the documented ones, 10× faster) and
// 30 ms of latency, a plan of 200 new revisions (ECS.5) and the 200 services that move to them: wall/floor
// is the apply's time over the least the buckets allow for the calls it made (QuotaTable.Estimate),
// wall/estimate its time over what the plan says beforehand (Plan.ExpectedApply), throttled the share of
// its requests the model answered with a throttling error.
func BenchmarkApplyThrottled(b *testing.B) {
	const services, speedup = 200, 10
	quotas := scaledQuotas(speedup)
	table, err := awsclient.NewQuotaTable(quotas)
	if err != nil {
		b.Fatal(err)
	}
	cfg := mototest.Modelled(b, mototest.Model{Quotas: mototest.BucketsOf(quotas), Latency: 30 * time.Millisecond})
	ctx := context.Background()
	seed := ecs.NewFromConfig(mototest.Bypass(cfg))
	if _, err := seed.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		b.Fatal(err)
	}
	// estate creates, in the model's bypass, `services` families of one revision, each run by a service;
	// round names them apart (every round of the benchmark plans and applies its own estate).
	estate := func(round int) {
		var g errgroup.Group
		g.SetLimit(8)
		for i := range services {
			g.Go(func() error {
				family := fmt.Sprintf("r%d-app%03d", round, i)
				td, err := seed.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
					Family: aws.String(family), NetworkMode: ecstypes.NetworkModeBridge,
					ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx:1.27"),
						Memory: aws.Int32(256), Essential: aws.Bool(true)}},
				})
				if err != nil {
					return err
				}
				_, err = seed.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String(family),
					TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
	}

	var wall, floor, estimate time.Duration // summed over the applies
	var requests, throttled, actions int
	round := 0
	for b.Loop() {
		b.StopTimer()
		round++
		estate(round)
		// The plan of the round's estate (the services of earlier rounds run fixed revisions already).
		inv, _, err := live.Scan(ctx, mototest.Bypass(cfg), live.Options{Pacer: awsclient.NewPacer(table, awsclient.PacerOptions{})})
		if err != nil || len(inv.Errors) > 0 {
			b.Fatalf("scan: %v %v", err, inv.Errors)
		}
		p, err := plan.Build(inv, detect.Evaluate(inv, &detect.Settings{Now: time.Now()}), plan.Options{ToolVersion: "test", Now: time.Now(),
			Fix: []string{detect.ECS5ID}, Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}}})
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Actions) != 2*services {
			b.Fatalf("%d actions planned, want %d (a registration and a service update each); skipped: %+v", len(p.Actions), 2*services, p.Skipped)
		}
		mototest.ResetModel(b, cfg) // the apply starts with full buckets, as the floor assumes
		var out bytes.Buffer
		o := Options{JournalPath: filepath.Join(b.TempDir(), "journal.jsonl"), Out: &out, Concurrency: 8, ToolVersion: "test",
			UnattendedRisk: plan.RiskMedium, Configured: &plan.ConfiguredValues{LogRetentionDays: 30},
			Pacer: awsclient.NewPacer(table, awsclient.PacerOptions{Adaptive: true})}
		b.StartTimer()

		start := time.Now()
		rep, err := Apply(ctx, cfg, p, o)
		w := time.Since(start)

		b.StopTimer()
		if err != nil {
			b.Fatalf("apply: %v\n%s", err, out.String())
		}
		tr := mototest.ModelStats(b, cfg)
		wall, floor, estimate = wall+w, floor+table.Estimate(rep.Calls), estimate+p.ExpectedApply(table).Duration
		requests, throttled, actions = requests+tr.Requests, throttled+tr.Throttled, actions+len(p.Actions)
		b.StartTimer()
	}
	b.ReportMetric(wall.Seconds()/floor.Seconds(), "wall/floor")
	b.ReportMetric(wall.Seconds()/estimate.Seconds(), "wall/estimate")
	b.ReportMetric(floor.Seconds()/float64(b.N), "floor-s")
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/apply")
	b.ReportMetric(100*float64(throttled)/float64(max(requests, 1)), "%throttled")
	b.ReportMetric(float64(requests)/float64(max(actions, 1)), "requests/action")
}
