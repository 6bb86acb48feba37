package live

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
)

// Batch sizes the ECS API accepts.
const (
	describeClustersBatch = 100
	describeServicesBatch = 10
)

// regionScan reads one region.
type regionScan struct {
	s *scanner
	lane
	region string
	// names narrows the region's read to what findings name (scope.go); nil reads it whole.
	names *Names
	c     regionClients

	mu        sync.Mutex
	described map[string]*detect.TaskDefinition // every revision described, by ARN
	keep      map[string]bool                   // revisions that go into the inventory
	// familyReads are the reads of the latest revision of each family started (each closes its channel
	// when done); familiesKnown is closed once every family the region reads has been started.
	familyReads   map[string][]chan struct{}
	familiesKnown chan struct{}
	knownOnce     sync.Once
	// listed and listedClusters are the services and clusters read; svcs are the services kept
	// (keepServices), whose revisions, task sets and network are read.
	listed         []ecstypes.Service
	listedClusters []ecstypes.Cluster
	svcs           []ecstypes.Service
	taskSets       []ecstypes.TaskSet
	lbSGs          []string
	cpNames        []string // capacity providers named by clusters
}

// run reads the region. The reads start as soon as what they need is read, not phase by phase: the
// families' latest revisions (the bulk of the calls, served after every other call waiting in the lane)
// run from the start to the end; the clusters and their services meanwhile; then, as soon as the
// services are known, their network, load balancers, task sets and, for each revision they run, its
// describe once its family's latest revision is read (it may be the same); the capacity providers and
// their Auto Scaling groups as soon as the clusters are read. The roles of the revisions kept are read as
// they are kept (scanner.readRole), the images once every revision is known. What is read, and how
// often, does not depend on the order.
func (r *regionScan) run(ctx context.Context) {
	r.familiesKnown = make(chan struct{})
	var families, rest sync.WaitGroup
	var servicesRead sync.WaitGroup
	n := r.scoped()
	if n == nil {
		families.Go(func() { r.families(ctx, &families) })
		servicesRead.Go(func() {
			r.clusters(ctx, nil, true)
			rest.Go(func() {
				r.capacityProviders(ctx)
				r.autoScalingGroups(ctx)
			})
		})
	} else {
		servicesRead.Go(func() {
			switch {
			case n.needsServices():
				r.clusters(ctx, nil, true)
			case len(n.Clusters) > 0:
				r.clusters(ctx, uniq(n.Clusters), false)
			}
		})
		if len(n.CapacityProviders) > 0 {
			rest.Go(func() {
				r.namedCapacityProviders(ctx, uniq(n.CapacityProviders))
				r.autoScalingGroups(ctx)
			})
		} else {
			rest.Go(func() { r.autoScalingGroups(ctx) })
		}
		for _, fam := range uniq(n.Families) {
			r.startFamily(ctx, &families, fam)
		}
	}
	servicesRead.Wait()

	// The services kept (all of them, or those the scope needs), their task sets, and, when scoped, the
	// latest ACTIVE revision of the families they run; then what the services use: the revisions they
	// run, their network and load balancers.
	r.keepServices(ctx, &families)
	if n != nil {
		r.allFamiliesStarted()
	}
	rest.Go(func() { r.runningRevisions(ctx) })
	rest.Go(func() {
		r.loadBalancers(ctx)
		r.securityGroups(ctx)
	})
	rest.Go(func() { r.subnetsAndRoutes(ctx) })
	rest.Go(func() { r.networkInterfaces(ctx) })
	rest.Wait()
	families.Wait()

	tds := make([]detect.TaskDefinition, 0, len(r.keep))
	for _, arn := range slices.Sorted(maps.Keys(r.keep)) {
		tds = append(tds, *r.described[arn])
	}
	r.images(ctx, tds)
	r.s.add(len(tds), func(in *detect.Inventory) { in.TaskDefinitions = append(in.TaskDefinitions, tds...) })
}

// startFamily starts the read of family's latest revision (family) in wg, noting it so that the
// revisions services run of that family wait for it (waitFamily).
func (r *regionScan) startFamily(ctx context.Context, wg *sync.WaitGroup, family string) {
	done := make(chan struct{})
	r.mu.Lock()
	r.familyReads[family] = append(r.familyReads[family], done)
	r.mu.Unlock()
	wg.Go(func() {
		defer close(done)
		r.family(ctx, family)
	})
}

// allFamiliesStarted notes that every family the region reads has been started.
func (r *regionScan) allFamiliesStarted() { r.knownOnce.Do(func() { close(r.familiesKnown) }) }

// waitFamily waits until the read of the latest revision of the family of ref (a revision's ARN) is
// done, if the region reads that family, so that a revision read as its family's latest is not read
// twice. A reference that names no family waits for every family.
func (r *regionScan) waitFamily(ctx context.Context, ref string) {
	select {
	case <-r.familiesKnown:
	case <-ctx.Done():
		return
	}
	r.mu.Lock()
	var reads []chan struct{}
	if a, err := detect.ParseTaskDefinitionARN(ref); err == nil {
		reads = slices.Clone(r.familyReads[a.Family])
	} else {
		for _, fam := range r.familyReads {
			reads = append(reads, fam...)
		}
	}
	r.mu.Unlock()
	for _, done := range reads {
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}

// expect tells Options.Expect of n calls of op the region's scan is going to make.
func (r *regionScan) expect(op string, n int) {
	if r.s.opts.Expect != nil && n > 0 {
		r.s.opts.Expect(r.s.account, r.region, op, n)
	}
}

// scoped returns the names the region's read is narrowed to, nil when it is read whole.
func (r *regionScan) scoped() *Names {
	if r.names == nil || r.names.Whole {
		return nil
	}
	return r.names
}

// keepServices adds to the inventory the clusters and services listed (when scoped: those the scope
// keeps, see Names.keep) and reads the task sets of the services kept; when scoped, it also starts, in
// families, the read of the latest ACTIVE revision of each family the kept services run, as a whole read
// would have.
func (r *regionScan) keepServices(ctx context.Context, families *sync.WaitGroup) {
	r.mu.Lock()
	svcs, clusters := r.listed, r.listedClusters
	r.mu.Unlock()
	var kept []string
	if n := r.scoped(); n != nil {
		svcs, kept = n.keep(svcs)
		clusters = n.clustersOf(clusters, svcs)
	}
	r.svcs = svcs
	r.s.add(len(clusters), func(in *detect.Inventory) { in.Clusters = append(in.Clusters, clusters...) })
	r.s.add(len(svcs), func(in *detect.Inventory) { in.Services = append(in.Services, svcs...) })
	named := map[string]bool{}
	if n := r.scoped(); n != nil {
		for _, f := range n.Families {
			named[f] = true
		}
	}
	for _, fam := range kept {
		if !named[fam] {
			r.startFamily(ctx, families, fam)
		}
	}
	var wg sync.WaitGroup
	for _, svc := range svcs {
		if len(svc.TaskSets) > 0 {
			wg.Go(func() { r.serviceTaskSets(ctx, svc) })
		}
	}
	wg.Wait()
}

// clusters reads every cluster (ListClusters, DescribeClusters by 100), or only those named (named not
// nil), and, with withServices, the services of each. What is read is kept aside for keepServices.
func (r *regionScan) clusters(ctx context.Context, named []string, withServices bool) {
	arns := named
	if named == nil {
		p := ecs.NewListClustersPaginator(r.c.ecs, &ecs.ListClustersInput{})
		if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ecs.ListClustersOutput) {
			arns = append(arns, out.ClusterArns...)
		}); err != nil {
			r.s.fail(ctx, r.region, detect.TypeCluster, "*", "ListClusters", err)
			return
		}
	}
	var wg sync.WaitGroup
	batches := chunks(uniq(arns), describeClustersBatch)
	r.expect("ecs:DescribeClusters", len(batches))
	for _, batch := range batches {
		wg.Go(func() {
			var out *ecs.DescribeClustersOutput
			err := r.call(ctx, func(ctx context.Context) (err error) {
				out, err = r.c.ecs.DescribeClusters(ctx, &ecs.DescribeClustersInput{
					Clusters: batch,
					Include:  []ecstypes.ClusterField{ecstypes.ClusterFieldSettings, ecstypes.ClusterFieldTags, ecstypes.ClusterFieldConfigurations},
				})
				return err
			})
			if err != nil {
				for _, arn := range batch {
					r.s.fail(ctx, r.region, detect.TypeCluster, arn, "DescribeClusters", err)
				}
				return
			}
			r.failures(detect.TypeCluster, "DescribeClusters", out.Failures)
			var got []ecstypes.Cluster
			for _, c := range out.Clusters {
				// A cluster asked for by name is described even when deleted (INACTIVE); a listed one
				// never is.
				if named != nil && aws.ToString(c.Status) == "INACTIVE" {
					continue
				}
				got = append(got, c)
			}
			r.mu.Lock()
			r.listedClusters = append(r.listedClusters, got...)
			for _, c := range got {
				r.cpNames = append(r.cpNames, c.CapacityProviders...)
			}
			r.mu.Unlock()
			if !withServices {
				return
			}
			for _, c := range got {
				wg.Go(func() { r.services(ctx, aws.ToString(c.ClusterArn), aws.ToString(c.ClusterName)) })
			}
		})
	}
	wg.Wait()
}

// failures records the failures a batch describe reports, except MISSING (deleted since it was listed).
func (r *regionScan) failures(resourceType, op string, fs []ecstypes.Failure) {
	for _, f := range fs {
		if aws.ToString(f.Reason) == "MISSING" {
			continue
		}
		msg := aws.ToString(f.Reason)
		if d := aws.ToString(f.Detail); d != "" {
			msg += ": " + d
		}
		r.s.failf(r.region, resourceType, aws.ToString(f.Arn), op, "%s", msg)
	}
}

// services reads the services of a cluster (ListServices, DescribeServices by 10), kept aside for
// keepServices.
func (r *regionScan) services(ctx context.Context, clusterArn, clusterName string) {
	var arns []string
	p := ecs.NewListServicesPaginator(r.c.ecs, &ecs.ListServicesInput{Cluster: aws.String(clusterArn)})
	if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ecs.ListServicesOutput) {
		for _, arn := range out.ServiceArns {
			// Long-format ARNs name their cluster: skip another cluster's services (the emulator lists
			// them) before spending a describe on them.
			if parts := strings.Split(arn, "/"); len(parts) == 3 && parts[1] != clusterName {
				continue
			}
			arns = append(arns, arn)
		}
	}); err != nil {
		r.s.fail(ctx, r.region, detect.TypeService, clusterArn+" (services)", "ListServices", err)
		return
	}
	var wg sync.WaitGroup
	batches := chunks(uniq(arns), describeServicesBatch)
	r.expect("ecs:DescribeServices", len(batches))
	for _, batch := range batches {
		wg.Go(func() {
			var out *ecs.DescribeServicesOutput
			err := r.call(ctx, func(ctx context.Context) (err error) {
				out, err = r.c.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{
					Cluster: aws.String(clusterArn), Services: batch,
					Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags},
				})
				return err
			})
			if err != nil {
				for _, arn := range batch {
					r.s.fail(ctx, r.region, detect.TypeService, arn, "DescribeServices", err)
				}
				return
			}
			r.failures(detect.TypeService, "DescribeServices", out.Failures)
			var kept []ecstypes.Service
			for _, svc := range out.Services {
				if aws.ToString(svc.ClusterArn) != clusterArn || aws.ToString(svc.Status) == "INACTIVE" {
					continue
				}
				kept = append(kept, svc)
			}
			r.mu.Lock()
			r.listed = append(r.listed, kept...)
			r.mu.Unlock()
		})
	}
	wg.Wait()
}

// serviceTaskSets takes a service's task sets from DescribeServices, which embeds them, and calls
// DescribeTaskSets only for their tags when the embedded copies carry none. If that call fails, the
// embedded task sets are kept (their network configuration is complete) and the error is recorded.
func (r *regionScan) serviceTaskSets(ctx context.Context, svc ecstypes.Service) {
	sets := svc.TaskSets
	needTags := false
	for _, ts := range sets {
		if ts.Tags == nil {
			needTags = true
		}
	}
	if needTags {
		ids := make([]string, 0, len(sets))
		for _, ts := range sets {
			ids = append(ids, aws.ToString(ts.TaskSetArn))
		}
		var out *ecs.DescribeTaskSetsOutput
		err := r.call(ctx, func(ctx context.Context) (err error) {
			out, err = r.c.ecs.DescribeTaskSets(ctx, &ecs.DescribeTaskSetsInput{
				Cluster: svc.ClusterArn, Service: svc.ServiceArn, TaskSets: ids,
				Include: []ecstypes.TaskSetField{ecstypes.TaskSetFieldTags},
			})
			return err
		})
		if err != nil {
			r.s.fail(ctx, r.region, detect.TypeTaskSet, aws.ToString(svc.ServiceArn)+" (task sets)", "DescribeTaskSets", err)
		} else {
			r.failures(detect.TypeTaskSet, "DescribeTaskSets", out.Failures)
			byArn := map[string]ecstypes.TaskSet{}
			for _, ts := range out.TaskSets {
				byArn[aws.ToString(ts.TaskSetArn)] = ts
			}
			merged := make([]ecstypes.TaskSet, 0, len(sets))
			for _, ts := range sets {
				if full, ok := byArn[aws.ToString(ts.TaskSetArn)]; ok {
					ts = full
				}
				merged = append(merged, ts)
			}
			sets = merged
		}
	}
	r.mu.Lock()
	r.taskSets = append(r.taskSets, sets...)
	r.mu.Unlock()
	r.s.add(len(sets), func(in *detect.Inventory) { in.TaskSets = append(in.TaskSets, sets...) })
}

// families starts, in wg, the read of the latest ACTIVE revision of every family (one
// DescribeTaskDefinition each) as the listing's pages arrive.
func (r *regionScan) families(ctx context.Context, wg *sync.WaitGroup) {
	defer r.allFamiliesStarted()
	p := ecs.NewListTaskDefinitionFamiliesPaginator(r.c.ecs, &ecs.ListTaskDefinitionFamiliesInput{Status: ecstypes.TaskDefinitionFamilyStatusActive})
	seen := map[string]bool{}
	if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ecs.ListTaskDefinitionFamiliesOutput) {
		fresh := 0
		for _, fam := range out.Families {
			if seen[fam] {
				continue
			}
			seen[fam] = true
			fresh++
			r.startFamily(ctx, wg, fam)
		}
		r.expect("ecs:DescribeTaskDefinition", fresh)
	}); err != nil {
		r.s.fail(ctx, r.region, detect.TypeTaskDefinition, "*", "ListTaskDefinitionFamilies", err)
	}
}

// family reads the latest ACTIVE revision of a family (awsread.LatestActive: one DescribeTaskDefinition
// by family name on AWS; the emulator's fallback lists the ACTIVE revisions and describes them from the
// highest down, answering from the revisions described already). A family without an ACTIVE revision is
// skipped; a failure is recorded against the call and the reference that failed.
//
// When the region is scoped, the family is one a finding names and may not exist: see namedFamily.
func (r *regionScan) family(ctx context.Context, family string) {
	if r.scoped() != nil {
		r.namedFamily(ctx, family)
		return
	}
	r.latestOf(ctx, family, nil)
}

// failFamily records a failed read of family's revisions against the call and the reference that failed
// (an awsread.Error names them), else against DescribeTaskDefinition of the family.
func (r *regionScan) failFamily(ctx context.Context, family string, err error) {
	op, resource := awsread.OpDescribeTaskDefinition, family
	var re *awsread.Error
	if errors.As(err, &re) {
		op, resource = re.Op, re.Resource
	}
	r.s.fail(ctx, r.region, detect.TypeTaskDefinition, resource, op, cause(err))
}

// latestOf is family's read; first, when set, is DescribeTaskDefinition's answer for the family name,
// read already.
func (r *regionScan) latestOf(ctx context.Context, family string, first *detect.TaskDefinition) {
	td, err := awsread.LatestActive(ctx, r.boundECS(true), family, awsread.LatestOptions{
		FamilyErrorFails: true,
		Describe: func(ctx context.Context, ref string) (*detect.TaskDefinition, error) {
			if ref == family && first != nil {
				return first, nil
			}
			if got := r.cached(ref); got != nil {
				return got, nil
			}
			return r.describe(ctx, ref, true)
		},
	})
	if err != nil {
		r.failFamily(ctx, family, err)
		return
	}
	if td != nil {
		r.markKeep(td.ARN())
	}
}

// describe calls DescribeTaskDefinition (with tags), as a bulk call of the lane when bulk, and caches the
// revision by ARN. A failure is an *awsread.Error.
func (r *regionScan) describe(ctx context.Context, ref string, bulk bool) (*detect.TaskDefinition, error) {
	td, err := awsread.DescribeTaskDefinition(ctx, r.boundECS(bulk), ref)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.described[td.ARN()]; ok {
		return prev, nil
	}
	r.described[td.ARN()] = td
	return td, nil
}

// boundECS is the region's ECS client for the shared reads, each call within the scan's bound (a bulk
// call of the lane when bulk: the families' latest revisions).
func (r *regionScan) boundECS(bulk bool) awsread.TaskDefinitionAPI {
	return boundTaskDefinitions{s: r.lane, api: r.c.ecs, bulk: bulk}
}

// boundTaskDefinitions runs each task-definition read through the region's lane.
type boundTaskDefinitions struct {
	s    lane
	api  ecsAPI
	bulk bool
}

func (b boundTaskDefinitions) call(ctx context.Context, fn func(context.Context) error) error {
	if b.bulk {
		return b.s.bulk(ctx, fn)
	}
	return b.s.call(ctx, fn)
}

func (b boundTaskDefinitions) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (out *ecs.DescribeTaskDefinitionOutput, err error) {
	err = b.call(ctx, func(ctx context.Context) (err error) {
		out, err = b.api.DescribeTaskDefinition(ctx, in, opts...)
		return err
	})
	return out, err
}

func (b boundTaskDefinitions) ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, opts ...func(*ecs.Options)) (out *ecs.ListTaskDefinitionsOutput, err error) {
	err = b.call(ctx, func(ctx context.Context) (err error) {
		out, err = b.api.ListTaskDefinitions(ctx, in, opts...)
		return err
	})
	return out, err
}

func (r *regionScan) cached(arn string) *detect.TaskDefinition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.described[arn]
}

// markKeep keeps a revision described, and starts the reads of its roles.
func (r *regionScan) markKeep(arn string) {
	r.mu.Lock()
	r.keep[arn] = true
	td := r.described[arn]
	r.mu.Unlock()
	if td != nil {
		r.s.readRole(aws.ToString(td.TaskRoleArn))
		r.s.readRole(aws.ToString(td.ExecutionRoleArn))
	}
}

// runningRevisions reads the revisions services and task sets run that were not read as the latest of
// their family: each once, as soon as its family's latest revision is read.
func (r *regionScan) runningRevisions(ctx context.Context) {
	var refs []string
	for _, svc := range r.svcs {
		refs = append(refs, aws.ToString(svc.TaskDefinition))
		for _, d := range svc.Deployments {
			refs = append(refs, aws.ToString(d.TaskDefinition))
		}
	}
	for _, ts := range r.taskSets {
		refs = append(refs, aws.ToString(ts.TaskDefinition))
	}
	var wg sync.WaitGroup
	for _, ref := range uniq(refs) {
		wg.Go(func() {
			r.waitFamily(ctx, ref)
			if td := r.cached(ref); td != nil {
				r.markKeep(ref)
				return
			}
			td, err := r.describe(ctx, ref, false)
			if err != nil {
				r.s.fail(ctx, r.region, detect.TypeTaskDefinition, ref, "DescribeTaskDefinition", cause(err))
				return
			}
			r.markKeep(td.ARN())
		})
	}
	wg.Wait()
}

// capacityProviders reads every capacity provider (DescribeCapacityProviders without names, by pages,
// with tags). If that fails, the providers the clusters name are described by name (the emulator
// requires names) and the failure stays recorded: providers attached to no cluster may be missing.
func (r *regionScan) capacityProviders(ctx context.Context) {
	include := []ecstypes.CapacityProviderField{ecstypes.CapacityProviderFieldTags}
	got, err := r.describeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{Include: include})
	if err != nil {
		r.s.fail(ctx, r.region, detect.TypeCapacityProvider, "*", "DescribeCapacityProviders", err)
		got = nil
		for _, batch := range chunks(uniq(r.cpNames), 100) {
			more, err := r.describeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: batch, Include: include})
			if err != nil {
				r.s.fail(ctx, r.region, detect.TypeCapacityProvider, strings.Join(batch, ","), "DescribeCapacityProviders", err)
				continue
			}
			got = append(got, more...)
		}
	}
	r.s.add(len(got), func(inv *detect.Inventory) { inv.CapacityProviders = append(inv.CapacityProviders, got...) })
}

func (r *regionScan) describeCapacityProviders(ctx context.Context, in *ecs.DescribeCapacityProvidersInput) ([]ecstypes.CapacityProvider, error) {
	var got []ecstypes.CapacityProvider
	for {
		var out *ecs.DescribeCapacityProvidersOutput
		err := r.call(ctx, func(ctx context.Context) (err error) {
			out, err = r.c.ecs.DescribeCapacityProviders(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		r.failures(detect.TypeCapacityProvider, "DescribeCapacityProviders", out.Failures)
		got = append(got, out.CapacityProviders...)
		if aws.ToString(out.NextToken) == "" || aws.ToString(out.NextToken) == aws.ToString(in.NextToken) {
			return got, nil
		}
		next := *in
		next.NextToken = out.NextToken
		in = &next
	}
}

// cause is the error of a failed shared read without the operation and reference the scanner records
// apart.
func cause(err error) error {
	var re *awsread.Error
	if errors.As(err, &re) {
		return re.Err
	}
	return err
}
