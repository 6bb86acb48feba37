// This file holds the scope of a scan narrowed to what Security Hub findings name (--findings): which
// account-regions are read, and within each, which resources, with what their evaluation and their fixes
// need around them.

package live

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/detect"
)

// AccountRegion is one account in one region: where AWS's API limits apply, and what findings are
// grouped by.
type AccountRegion struct {
	Account string
	Region  string
}

// Scope narrows a scan to the account-regions it names, each to the resources its Names list. A nil
// Scope reads every account-region of the scan whole. Scan (one account) looks its regions up under the
// account "".
type Scope map[AccountRegion]*Names

// names returns what to read in an account-region: ok false when the scope reads nothing there, a nil
// *Names when it reads it whole.
func (s Scope) names(account, region string) (*Names, bool) {
	if s == nil {
		return nil, true
	}
	n, ok := s[AccountRegion{Account: account, Region: region}]
	return n, ok
}

// Names are the resources of one account-region a scoped scan reads, with what their evaluation and
// their fixes need around them:
//
//   - a task-definition family: its latest ACTIVE revision (the one Security Hub scores; one
//     DescribeTaskDefinition by family name instead of ListTaskDefinitionFamilies and one per family),
//     and every service (and task set) that runs a revision of it, because a fix registers a new
//     revision and moves those services to it and may deregister the old one only when none runs it.
//     Finding them takes listing every cluster and describing every service of the region: ECS cannot
//     list the services of a task definition. The services not kept are dropped before anything else of
//     theirs (revisions, network, load balancers, roles) is read;
//   - a service: the service, its task sets, the revisions it runs and their families as above, its
//     network (security groups, subnets, route tables, VPC endpoints, network interfaces), its load
//     balancers and the IAM roles of its revisions;
//   - a cluster: the cluster alone (DescribeClusters by name) unless services are read anyway;
//   - a capacity provider: it alone (DescribeCapacityProviders by name).
//
// Whole reads the account-region as an unscoped scan does. The caller sets it when a finding needs more
// than the above: an exposure finding (the admin-task-role fix must know every revision and service that
// uses the role, the open-security-group fix everything that shares the group) or an ECS.2 finding (the
// public-IP fix is one network update with the open-security-group fix).
type Names struct {
	Whole bool
	// Families are task-definition family names.
	Families []string
	// Services are service ARNs in the long format (…:service/CLUSTER/NAME).
	Services []string
	// Clusters are cluster ARNs or names.
	Clusters []string
	// CapacityProviders are capacity-provider names.
	CapacityProviders []string
}

// needsServices reports whether the region's services must be listed: a family or a service is named.
func (n *Names) needsServices() bool { return len(n.Families) > 0 || len(n.Services) > 0 }

// keep returns the services the scope needs among those listed: the services named, and every service
// running (itself, in a deployment or in a task set) a revision of a family named or run by a service
// named; and those families, sorted.
func (n *Names) keep(listed []ecstypes.Service) ([]ecstypes.Service, []string) {
	named := map[string]bool{}
	for _, s := range n.Services {
		named[s] = true
	}
	fams := map[string]bool{}
	for _, f := range n.Families {
		fams[f] = true
	}
	for i := range listed {
		if named[aws.ToString(listed[i].ServiceArn)] {
			for _, f := range runsFamilies(&listed[i]) {
				fams[f] = true
			}
		}
	}
	var out []ecstypes.Service
	for i := range listed {
		svc := &listed[i]
		keep := named[aws.ToString(svc.ServiceArn)]
		for _, f := range runsFamilies(svc) {
			keep = keep || fams[f]
		}
		if keep {
			out = append(out, *svc)
		}
	}
	return out, sortedKeys(fams)
}

// runsFamilies lists the families of the revisions a service runs: its own, its deployments', its task
// sets'.
func runsFamilies(svc *ecstypes.Service) []string {
	refs := []string{aws.ToString(svc.TaskDefinition)}
	for _, d := range svc.Deployments {
		refs = append(refs, aws.ToString(d.TaskDefinition))
	}
	for _, ts := range svc.TaskSets {
		refs = append(refs, aws.ToString(ts.TaskDefinition))
	}
	var out []string
	for _, ref := range refs {
		if a, err := detect.ParseTaskDefinitionARN(ref); err == nil {
			out = append(out, a.Family)
		}
	}
	return uniq(out)
}

// clustersOf returns the clusters the scope needs among those read: those named and those of the
// services kept.
func (n *Names) clustersOf(read []ecstypes.Cluster, kept []ecstypes.Service) []ecstypes.Cluster {
	want := map[string]bool{}
	for _, c := range n.Clusters {
		want[c] = true
	}
	for i := range kept {
		want[aws.ToString(kept[i].ClusterArn)] = true
	}
	var out []ecstypes.Cluster
	for _, c := range read {
		if want[aws.ToString(c.ClusterArn)] || want[aws.ToString(c.ClusterName)] {
			out = append(out, c)
		}
	}
	return out
}

// namedCapacityProviders describes the capacity providers named, 100 a call; one that does not exist is
// absent.
func (r *regionScan) namedCapacityProviders(ctx context.Context, names []string) {
	include := []ecstypes.CapacityProviderField{ecstypes.CapacityProviderFieldTags}
	for _, batch := range chunks(names, 100) {
		got, err := r.describeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: batch, Include: include})
		if err != nil {
			r.s.fail(ctx, r.region, detect.TypeCapacityProvider, strings.Join(batch, ","), "DescribeCapacityProviders", err)
			continue
		}
		r.s.add(len(got), func(inv *detect.Inventory) { inv.CapacityProviders = append(inv.CapacityProviders, got...) })
	}
}

// namedFamily reads the latest ACTIVE revision of a family a scope names, which may no longer exist (a
// finding on a deleted family is stale): a family ECS does not know (ClientException) is absent, as it
// would be absent from ListTaskDefinitionFamilies. Any other failure is recorded as family records it.
func (r *regionScan) namedFamily(ctx context.Context, family string) {
	first, err := r.describe(ctx, family, true)
	if err != nil {
		var ae smithy.APIError
		if errors.As(cause(err), &ae) && ae.ErrorCode() == "ClientException" {
			return
		}
		r.failFamily(ctx, family, err)
		return
	}
	r.latestOf(ctx, family, first)
}
