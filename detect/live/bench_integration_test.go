package live

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"golang.org/x/sync/errgroup"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// BenchmarkLiveScan scans, on the emulator, 300 families of 3 revisions and 100 services over 4
// clusters (every third service pinned to an older revision), created once before the timer starts.
func BenchmarkLiveScan(b *testing.B) {
	const families, revisions, clusters, services = 300, 3, 4, 100
	cfg := mototest.Config(b)
	ctx := context.Background()
	client := ecs.NewFromConfig(cfg)
	var g errgroup.Group
	g.SetLimit(8)
	for c := range clusters {
		g.Go(func() error {
			_, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprint("bench", c))})
			return err
		})
	}
	for f := range families {
		g.Go(func() error {
			for range revisions {
				if _, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
					Family: aws.String(fmt.Sprintf("fam%03d", f)),
					ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(128),
						Environment: []ecstypes.KeyValuePair{{Name: aws.String("MODE"), Value: aws.String("bench")}}}},
				}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	for s := range services {
		g.Go(func() error {
			rev := revisions
			if s%3 == 0 {
				rev = 1
			}
			_, err := client.CreateService(ctx, &ecs.CreateServiceInput{
				Cluster: aws.String(fmt.Sprint("bench", s%clusters)), ServiceName: aws.String(fmt.Sprintf("svc%03d", s)),
				TaskDefinition: aws.String(fmt.Sprintf("fam%03d:%d", s, rev)), DesiredCount: aws.Int32(1),
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}

	var st Stats
	for b.Loop() {
		// Unpaced: this benchmark counts the calls and measures the emulator's speed; the token buckets'
		// part is BenchmarkLiveScanThrottled's.
		opts := motoOptions
		opts.Pacer = unpaced()
		inv, s, err := Scan(ctx, cfg, opts)
		if err != nil {
			b.Fatal(err)
		}
		// A complete scan, without read errors.
		if len(inv.TaskDefinitions) != families+services/3+1 || len(inv.Services) != services || len(inv.Errors) != 0 {
			b.Fatalf("revisions %d services %d errors %v", len(inv.TaskDefinitions), len(inv.Services), inv.Errors)
		}
		st = s
	}
	b.ReportMetric(float64(st.Calls), "calls/op")
	b.ReportMetric(float64(st.PerOperation["ecs:DescribeTaskDefinition"]+st.PerOperation["ecs:ListTaskDefinitions"])/families, "calls/family")
	b.ReportMetric(float64(st.Resources), "resources/op")
	b.Logf("calls per operation: %v", st.PerOperation)
}
