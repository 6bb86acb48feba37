// This file holds the benchmarks of a live scan on the emulator behind the launcher's throttle and
// latency model (mototest.Modelled): the overlap of its calls under latency, its time against the floor
// of AWS's token buckets, and the cost of a persistent server error.

package live

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

// benchEstate is the size of an estate seedModelEstate creates.
type benchEstate struct {
	families, revisions, clusters, services, roles int
}

// revisionsKept is the number of revisions a complete scan of the estate keeps: the latest of each
// family, and the older one every third service is pinned to.
func (e benchEstate) revisionsKept() int {
	return e.families + (e.services+2)/3
}

// seedModelEstate creates the estate through cfg's model bypass, concurrently: e.families families of
// e.revisions awsvpc revisions, each with one of e.roles task roles (an AWS managed policy attached),
// e.services services over e.clusters clusters, each in the default VPC's subnets with one of four
// security groups, every third pinned to the family's first revision.
func seedModelEstate(b *testing.B, cfg aws.Config, e benchEstate) {
	b.Helper()
	ctx := context.Background()
	seed := mototest.Bypass(cfg)
	ecsc, ec2c, iamc := ecs.NewFromConfig(seed), ec2.NewFromConfig(seed), iam.NewFromConfig(seed)

	vpcs, err := ec2c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("isDefault"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) == 0 {
		b.Fatalf("default VPC: %v", err)
	}
	vpc := aws.ToString(vpcs.Vpcs[0].VpcId)
	subnets, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		b.Fatalf("subnets: %v", err)
	}
	subnetIDs := []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}

	var g errgroup.Group
	g.SetLimit(8)
	groups := make([]string, 4)
	for i := range groups {
		g.Go(func() error {
			sg, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(fmt.Sprint("bench-sg", i)),
				Description: aws.String("bench"), VpcId: aws.String(vpc)})
			if err == nil {
				groups[i] = aws.ToString(sg.GroupId)
			}
			return err
		})
	}
	roleArns := make([]string, e.roles)
	for i := range roleArns {
		g.Go(func() error {
			role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprint("bench-task", i)), AssumeRolePolicyDocument: aws.String(trustECSTasks)})
			if err != nil {
				return err
			}
			roleArns[i] = aws.ToString(role.Role.Arn)
			_, err = iamc.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: role.Role.RoleName,
				PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")})
			return err
		})
	}
	for c := range e.clusters {
		g.Go(func() error {
			_, err := ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprint("bench", c))})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	for f := range e.families {
		g.Go(func() error {
			for range e.revisions {
				if _, err := ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
					Family: aws.String(fmt.Sprintf("fam%03d", f)), NetworkMode: ecstypes.NetworkModeAwsvpc,
					TaskRoleArn: aws.String(roleArns[f%e.roles]),
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
	for s := range e.services {
		g.Go(func() error {
			rev := e.revisions
			if s%3 == 0 {
				rev = 1
			}
			_, err := ecsc.CreateService(ctx, &ecs.CreateServiceInput{
				Cluster: aws.String(fmt.Sprint("bench", s%e.clusters)), ServiceName: aws.String(fmt.Sprintf("svc%03d", s)),
				TaskDefinition: aws.String(fmt.Sprintf("fam%03d:%d", s%e.families, rev)), DesiredCount: aws.Int32(1),
				NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
					Subnets: subnetIDs, SecurityGroups: []string{groups[s%len(groups)]}}},
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// inFlight measures, from a middleware around each attempt's round trip, the sum of the attempts'
// durations: divided by the wall time of a scan, the mean number of calls in flight (the overlap). It
// also keeps, by operation, when its first attempt started and its last ended (the scan's timeline).
type inFlight struct {
	total atomic.Int64

	mu    sync.Mutex
	start time.Time
	spans map[string][2]time.Duration
}

func (f *inFlight) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total.Store(0)
	f.start, f.spans = time.Now(), map[string][2]time.Duration{}
}

func (f *inFlight) add(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("benchInFlight",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleDeserialize(ctx, in)
			end := time.Now()
			f.total.Add(int64(end.Sub(start)))
			op := awsmiddleware.GetServiceID(ctx) + ":" + awsmiddleware.GetOperationName(ctx)
			f.mu.Lock()
			sp, ok := f.spans[op]
			if !ok {
				sp[0] = start.Sub(f.start)
			}
			sp[1] = end.Sub(f.start)
			f.spans[op] = sp
			f.mu.Unlock()
			return out, md, err
		}), middleware.After)
}

// timeline lists the operations by first start, each as "op first-start..last-end" in milliseconds.
func (f *inFlight) timeline() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ops := slices.SortedFunc(maps.Keys(f.spans), func(a, b string) int { return cmp.Compare(f.spans[a][0], f.spans[b][0]) })
	var sb strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&sb, "\n  %-45s %5d..%5d ms", op, f.spans[op][0].Milliseconds(), f.spans[op][1].Milliseconds())
	}
	return sb.String()
}

// unpaced is a pacer whose buckets never run dry: the scan as fast as latency and concurrency let it go.
func unpaced() *awsclient.Pacer {
	qs := awsclient.DefaultQuotaTable().Quotas()
	for i := range qs {
		qs[i].Burst, qs[i].Rate = 1e9, 1e9
	}
	t, err := awsclient.NewQuotaTable(qs)
	if err != nil {
		panic(err)
	}
	return awsclient.NewPacer(t, awsclient.PacerOptions{})
}

// scanComplete scans cfg's account and fails b unless the scan read the whole estate without errors.
func scanComplete(b *testing.B, cfg aws.Config, e benchEstate, opts Options) (Stats, time.Duration) {
	b.Helper()
	start := time.Now()
	inv, st, err := Scan(context.Background(), cfg, opts)
	wall := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if len(inv.TaskDefinitions) != e.revisionsKept() || len(inv.Services) != e.services || len(inv.Roles) != e.roles || len(inv.Errors) != 0 {
		b.Fatalf("revisions %d (want %d), services %d, roles %d, errors %v", len(inv.TaskDefinitions), e.revisionsKept(),
			len(inv.Services), len(inv.Roles), inv.Errors)
	}
	return st, wall
}

// BenchmarkLiveScanOverlap scans 300 families × 4 revisions and 100 awsvpc services (their network and
// task roles) behind 25 ms of latency and no token buckets, neither the emulator's nor the pacer's:
// overlap is the mean number of calls in flight (the attempts' summed durations over the scan's wall
// time), calls×latency/wall its lower bound.
func BenchmarkLiveScanOverlap(b *testing.B) {
	const latency = 25 * time.Millisecond
	e := benchEstate{families: 300, revisions: 4, clusters: 4, services: 100, roles: 5}
	cfg := mototest.Modelled(b, mototest.Model{Latency: latency})
	seedModelEstate(b, cfg, e)
	var flight inFlight
	cfg.APIOptions = append(cfg.APIOptions, flight.add)

	var st Stats
	var wall, busy time.Duration // summed over the scans
	calls := 0
	for b.Loop() {
		flight.reset()
		s, w := scanComplete(b, cfg, e, Options{Pacer: unpaced()})
		st, wall, busy, calls = s, wall+w, busy+time.Duration(flight.total.Load()), calls+s.Calls
	}
	b.ReportMetric(busy.Seconds()/wall.Seconds(), "overlap")
	b.ReportMetric(float64(calls)*latency.Seconds()/wall.Seconds(), "calls×latency/wall")
	b.ReportMetric(float64(st.Calls), "calls/op")
	b.ReportMetric(float64(st.Calls)/float64(st.Resources), "calls/resource")
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/scan")
	b.Logf("calls per operation: %v\ntimeline:%s", st.PerOperation, flight.timeline())
}

// BenchmarkLiveScanThrottled scans the same estate behind AWS's documented token buckets
// (awsclient.DefaultQuotas, enforced by the emulator's model) and 30 ms of latency: wall/floor is the
// scan's time over the least the buckets allow for its calls (QuotaTable.Estimate), throttled the share
// of the requests the model answered with a throttling error.
func BenchmarkLiveScanThrottled(b *testing.B) {
	e := benchEstate{families: 300, revisions: 4, clusters: 4, services: 100, roles: 5}
	cfg := mototest.Modelled(b, mototest.Model{Quotas: mototest.BucketsOf(awsclient.DefaultQuotas), Latency: 30 * time.Millisecond})
	seedModelEstate(b, cfg, e)

	var st Stats
	var wall, floor time.Duration // summed over the scans
	var requests, throttled int
	var tr mototest.Traffic
	for b.Loop() {
		mototest.ResetModel(b, cfg) // every scan starts with full buckets, as the floor assumes
		s, w := scanComplete(b, cfg, e, Options{})
		tr = mototest.ModelStats(b, cfg)
		st, wall, floor = s, wall+w, floor+awsclient.DefaultQuotaTable().Estimate(s.PerOperation)
		requests, throttled = requests+tr.Requests, throttled+tr.Throttled
	}
	if floor > 0 {
		b.ReportMetric(wall.Seconds()/floor.Seconds(), "wall/floor")
	}
	b.ReportMetric(floor.Seconds()/float64(b.N), "floor-s")
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/scan")
	b.ReportMetric(100*float64(throttled)/float64(max(requests, 1)), "%throttled")
	b.ReportMetric(float64(st.Calls), "calls/op")
	b.ReportMetric(float64(st.Calls)/float64(st.Resources), "calls/resource")
	b.ReportMetric(float64(st.Retries), "retries/op")
	b.Logf("calls per operation: %v; throttled per operation (server): %v", st.PerOperation, tr.ThrottledPerOperation)
}

// BenchmarkLiveScanServerError scans a small estate on which one operation (DescribeCapacityProviders,
// one call a scan) answers 500 at every attempt: s/scan is what the persistent error costs (the rest of
// the scan takes well under a second); the read error is reported, the scan otherwise complete.
func BenchmarkLiveScanServerError(b *testing.B) {
	e := benchEstate{families: 10, revisions: 2, clusters: 2, services: 6, roles: 2}
	cfg := mototest.Modelled(b, mototest.Model{Fail: []string{"ecs:DescribeCapacityProviders"}})
	seedModelEstate(b, cfg, e)

	var wall time.Duration
	var tr mototest.Traffic
	for b.Loop() {
		mototest.ResetModel(b, cfg)
		start := time.Now()
		inv, _, err := Scan(context.Background(), cfg, Options{})
		wall = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Errors) != 1 || inv.Errors[0].Operation != "DescribeCapacityProviders" || len(inv.TaskDefinitions) != e.revisionsKept() {
			b.Fatalf("errors %v, revisions %d", inv.Errors, len(inv.TaskDefinitions))
		}
		tr = mototest.ModelStats(b, cfg)
	}
	b.ReportMetric(wall.Seconds(), "s/scan")
	b.ReportMetric(float64(tr.Failed), "failed-attempts/op")
}
