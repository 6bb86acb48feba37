package live

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
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
	// listed and listedClusters are the services and clusters read in phase 1; svcs are the services
	// kept (keepServices), whose revisions, task sets and network are read.
	listed         []ecstypes.Service
	listedClusters []ecstypes.Cluster
	svcs           []ecstypes.Service
	taskSets       []ecstypes.TaskSet
	lbSGs          []string
	cpNames        []string // capacity providers named by clusters
}

func (r *regionScan) run(ctx context.Context) {
	// Phase 1: clusters and their services, task-definition families, capacity providers; narrowed to
	// what the findings name when the region is scoped (scope.go).
	var wg sync.WaitGroup
	if n := r.scoped(); n == nil {
		wg.Go(func() {
			r.clusters(ctx, nil, true)
			r.capacityProviders(ctx)
		})
		wg.Go(func() { r.families(ctx) })
	} else {
		wg.Go(func() {
			switch {
			case n.needsServices():
				r.clusters(ctx, nil, true)
			case len(n.Clusters) > 0:
				r.clusters(ctx, uniq(n.Clusters), false)
			}
		})
		if len(n.CapacityProviders) > 0 {
			wg.Go(func() { r.namedCapacityProviders(ctx, uniq(n.CapacityProviders)) })
		}
		for _, fam := range uniq(n.Families) {
			wg.Go(func() { r.family(ctx, fam) })
		}
	}
	wg.Wait()

	// Phase 1b: the services kept (all of them, or those the scope needs), their task sets, and, when
	// scoped, the latest ACTIVE revision of the families they run.
	r.keepServices(ctx)

	// Phase 2: what the services use: the revisions they run, their network and load balancers.
	wg.Go(func() { r.runningRevisions(ctx) })
	wg.Go(func() {
		r.loadBalancers(ctx)
		r.securityGroups(ctx)
	})
	wg.Go(func() { r.subnetsAndRoutes(ctx) })
	wg.Go(func() { r.networkInterfaces(ctx) })
	wg.Go(func() { r.autoScalingGroups(ctx) })
	wg.Wait()

	tds := make([]detect.TaskDefinition, 0, len(r.keep))
	for _, arn := range slices.Sorted(maps.Keys(r.keep)) {
		tds = append(tds, *r.described[arn])
	}
	r.images(ctx, tds)
	r.s.add(len(tds), func(in *detect.Inventory) { in.TaskDefinitions = append(in.TaskDefinitions, tds...) })
}

// scoped returns the names the region's read is narrowed to, nil when it is read whole.
func (r *regionScan) scoped() *Names {
	if r.names == nil || r.names.Whole {
		return nil
	}
	return r.names
}

// keepServices adds to the inventory the clusters and services listed (when scoped: those the scope
// keeps, see Names.keep) and reads the task sets of the services kept; when scoped, it also reads the
// latest ACTIVE revision of each family the kept services run, as a whole read would have.
func (r *regionScan) keepServices(ctx context.Context) {
	r.mu.Lock()
	svcs, clusters := r.listed, r.listedClusters
	r.mu.Unlock()
	var families []string
	if n := r.scoped(); n != nil {
		svcs, families = n.keep(svcs)
		clusters = n.clustersOf(clusters, svcs)
	}
	r.svcs = svcs
	r.s.add(len(clusters), func(in *detect.Inventory) { in.Clusters = append(in.Clusters, clusters...) })
	r.s.add(len(svcs), func(in *detect.Inventory) { in.Services = append(in.Services, svcs...) })
	var wg sync.WaitGroup
	for _, svc := range svcs {
		if len(svc.TaskSets) > 0 {
			wg.Go(func() { r.serviceTaskSets(ctx, svc) })
		}
	}
	named := map[string]bool{}
	if n := r.scoped(); n != nil {
		for _, f := range n.Families {
			named[f] = true
		}
	}
	for _, fam := range families {
		if !named[fam] {
			wg.Go(func() { r.family(ctx, fam) })
		}
	}
	wg.Wait()
}

// roles lists the task and execution roles of the revisions kept.
func (r *regionScan) roles() []string {
	var out []string
	for arn := range r.keep {
		td := r.described[arn]
		out = append(out, aws.ToString(td.TaskRoleArn), aws.ToString(td.ExecutionRoleArn))
	}
	sort.Strings(out)
	return uniq(out)
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
	for _, batch := range chunks(uniq(arns), describeClustersBatch) {
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
	for _, batch := range chunks(uniq(arns), describeServicesBatch) {
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

// families reads the latest ACTIVE revision of every family with one DescribeTaskDefinition each.
func (r *regionScan) families(ctx context.Context) {
	p := ecs.NewListTaskDefinitionFamiliesPaginator(r.c.ecs, &ecs.ListTaskDefinitionFamiliesInput{Status: ecstypes.TaskDefinitionFamilyStatusActive})
	var wg sync.WaitGroup
	defer wg.Wait()
	seen := map[string]bool{}
	if err := pages(ctx, r, p.HasMorePages, p.NextPage, func(out *ecs.ListTaskDefinitionFamiliesOutput) {
		for _, fam := range out.Families {
			if seen[fam] {
				continue
			}
			seen[fam] = true
			wg.Go(func() { r.family(ctx, fam) })
		}
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
	td, err := awsread.LatestActive(ctx, r.boundECS(), family, awsread.LatestOptions{
		FamilyErrorFails: true,
		Describe: func(ctx context.Context, ref string) (*detect.TaskDefinition, error) {
			if ref == family && first != nil {
				return first, nil
			}
			if got := r.cached(ref); got != nil {
				return got, nil
			}
			return r.describe(ctx, ref)
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

// describe calls DescribeTaskDefinition (with tags) and caches the revision by ARN. A failure is an
// *awsread.Error.
func (r *regionScan) describe(ctx context.Context, ref string) (*detect.TaskDefinition, error) {
	td, err := awsread.DescribeTaskDefinition(ctx, r.boundECS(), ref)
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

// boundECS is the region's ECS client for the shared reads, each call within the scan's bound.
func (r *regionScan) boundECS() awsread.TaskDefinitionAPI {
	return boundTaskDefinitions{s: r.lane, api: r.c.ecs}
}

// boundTaskDefinitions runs each task-definition read through the region's lane.
type boundTaskDefinitions struct {
	s   lane
	api ecsAPI
}

func (b boundTaskDefinitions) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (out *ecs.DescribeTaskDefinitionOutput, err error) {
	err = b.s.call(ctx, func(ctx context.Context) (err error) {
		out, err = b.api.DescribeTaskDefinition(ctx, in, opts...)
		return err
	})
	return out, err
}

func (b boundTaskDefinitions) ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, opts ...func(*ecs.Options)) (out *ecs.ListTaskDefinitionsOutput, err error) {
	err = b.s.call(ctx, func(ctx context.Context) (err error) {
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

func (r *regionScan) markKeep(arn string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keep[arn] = true
}

// runningRevisions reads the revisions services and task sets run that were not read as the latest of
// their family: each once.
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
		if td := r.cached(ref); td != nil {
			r.markKeep(ref)
			continue
		}
		wg.Go(func() {
			td, err := r.describe(ctx, ref)
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
