package awsread

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// TaskDefinitionAPI is the ECS operations that read task definitions.
type TaskDefinitionAPI interface {
	ecs.ListTaskDefinitionsAPIClient
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ServicesAPI is the ECS operation that describes services.
type ServicesAPI interface {
	ecs.DescribeServicesAPIClient
}

// ClustersAPI is the ECS operation that describes clusters.
type ClustersAPI interface {
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
}

// Operations named by Error.
const (
	OpDescribeTaskDefinition = "DescribeTaskDefinition"
	OpListTaskDefinitions    = "ListTaskDefinitions"
)

// Error is a failed read of a task definition: the operation, what it read (a revision or family
// reference, or the family listed) and the cause. Its text names all three; a caller recording the
// operation and the resource apart (the scanner) takes them from the fields and Err.
type Error struct {
	Op       string
	Resource string
	Err      error
}

func (e *Error) Error() string {
	if e.Op == OpListTaskDefinitions {
		return fmt.Sprintf("list task definitions of family %s: %v", e.Resource, e.Err)
	}
	return fmt.Sprintf("describe task definition %s: %v", e.Resource, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// errNoTaskDefinition is the cause when a DescribeTaskDefinition response holds no task definition.
var errNoTaskDefinition = errors.New("the response holds no task definition")

// DescribeTaskDefinition describes a revision (or a family's latest, as ECS picks it) with its tags: one
// DescribeTaskDefinition call. The response's raw JSON is read alongside the SDK's decoding (rawfields.go):
// the members this build's SDK does not know are the result's UnknownFields (their JSON paths in the
// response, e.g. "taskDefinition.containerDefinitions[0].newField"); an SDK client is needed for that, a
// fake that ignores the call's options reports none. A failure is an *Error.
func DescribeTaskDefinition(ctx context.Context, api TaskDefinitionAPI, ref string) (*detect.TaskDefinition, error) {
	var raw rawFields
	out, err := api.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(ref), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags},
	}, captureUnknownFields(&raw))
	if err != nil {
		return nil, &Error{Op: OpDescribeTaskDefinition, Resource: ref, Err: err}
	}
	if out.TaskDefinition == nil || out.TaskDefinition.TaskDefinitionArn == nil {
		return nil, &Error{Op: OpDescribeTaskDefinition, Resource: ref, Err: errNoTaskDefinition}
	}
	if raw.err != nil {
		return nil, &Error{Op: OpDescribeTaskDefinition, Resource: ref, Err: raw.err}
	}
	return &detect.TaskDefinition{TaskDefinition: *out.TaskDefinition, Tags: out.Tags, UnknownFields: raw.unknown}, nil
}

// Revision is one revision of a family, as listed.
type Revision struct {
	ARN      string
	Revision int
}

// ActiveRevisions lists the family's ACTIVE revisions (every page of ListTaskDefinitions), highest first.
// familyPrefix is a prefix: revisions of other families it lists ("web" lists "web-api") are left out. A
// failure is an *Error.
func ActiveRevisions(ctx context.Context, api TaskDefinitionAPI, family string) ([]Revision, error) {
	var revs []Revision
	p := ecs.NewListTaskDefinitionsPaginator(api, &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String(family), Status: ecstypes.TaskDefinitionStatusActive, Sort: ecstypes.SortOrderDesc,
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, &Error{Op: OpListTaskDefinitions, Resource: family, Err: err}
		}
		for _, arn := range out.TaskDefinitionArns {
			if a, err := detect.ParseTaskDefinitionARN(arn); err == nil && a.Family == family {
				revs = append(revs, Revision{arn, a.Revision})
			}
		}
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i].Revision > revs[j].Revision })
	return revs, nil
}

// DescribeFunc describes a revision or family reference, as DescribeTaskDefinition does (a caller may
// pass one that answers from what it read already, or that bounds the calls in flight).
type DescribeFunc func(ctx context.Context, ref string) (*detect.TaskDefinition, error)

// LatestOptions tune LatestActive.
type LatestOptions struct {
	// Describe describes a reference (nil: DescribeTaskDefinition on the api given).
	Describe DescribeFunc
	// FamilyErrorFails returns the error when describing the family fails. Without it the ACTIVE revisions
	// are listed, as when the describe returns a revision that is not ACTIVE (AWS answers a family without
	// an ACTIVE revision with an error).
	FamilyErrorFails bool
}

// LatestActive returns the family's latest ACTIVE revision (nil when it has none). DescribeTaskDefinition
// by family returns it on AWS: one call. The emulator returns the highest revision whatever its status;
// when the one returned is not ACTIVE (or not of the family), the ACTIVE revisions are listed and
// described from the highest down until one is ACTIVE. A failure is an *Error naming the call and the
// reference that failed.
func LatestActive(ctx context.Context, api TaskDefinitionAPI, family string, o LatestOptions) (*detect.TaskDefinition, error) {
	describe := o.Describe
	if describe == nil {
		describe = func(ctx context.Context, ref string) (*detect.TaskDefinition, error) {
			return DescribeTaskDefinition(ctx, api, ref)
		}
	}
	td, err := describe(ctx, family)
	if err != nil && o.FamilyErrorFails {
		return nil, err
	}
	if err == nil && td.Status == ecstypes.TaskDefinitionStatusActive && aws.ToString(td.Family) == family {
		return td, nil
	}
	revs, err := ActiveRevisions(ctx, api, family)
	if err != nil {
		return nil, err
	}
	for _, rv := range revs {
		got, err := describe(ctx, rv.ARN)
		if err != nil {
			return nil, err
		}
		if got.Status == ecstypes.TaskDefinitionStatusActive {
			return got, nil
		}
	}
	return nil, nil
}

// DescribeServices describes services of one cluster (at most 10), by ARN or name, in one call; the result
// is keyed by each name asked for. Services that are INACTIVE or missing are absent.
func DescribeServices(ctx context.Context, api ServicesAPI, cluster string, names []string) (map[string]*ecstypes.Service, error) {
	out, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: names})
	if err != nil {
		return nil, fmt.Errorf("describe services of cluster %s: %w", cluster, err)
	}
	return byName(names, out.Services, func(s *ecstypes.Service) (status, arn, name string) {
		return aws.ToString(s.Status), aws.ToString(s.ServiceArn), aws.ToString(s.ServiceName)
	}), nil
}

// DescribeService describes one service; a missing or INACTIVE service is an error.
func DescribeService(ctx context.Context, api ServicesAPI, cluster, service string) (*ecstypes.Service, error) {
	got, err := DescribeServices(ctx, api, cluster, []string{service})
	if err != nil {
		return nil, err
	}
	if got[service] == nil {
		return nil, fmt.Errorf("service %s of cluster %s is missing or inactive", service, cluster)
	}
	return got[service], nil
}

// DescribeClusters describes clusters with their settings in one call, keyed by each name asked for; a
// missing or INACTIVE cluster is absent.
func DescribeClusters(ctx context.Context, api ClustersAPI, names []string) (map[string]*ecstypes.Cluster, error) {
	out, err := api.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: names, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings}})
	if err != nil {
		return nil, fmt.Errorf("describe clusters: %w", err)
	}
	return byName(names, out.Clusters, func(c *ecstypes.Cluster) (status, arn, name string) {
		return aws.ToString(c.Status), aws.ToString(c.ClusterArn), aws.ToString(c.ClusterName)
	}), nil
}

// DescribeCluster describes one cluster with its settings; a missing or INACTIVE cluster is an error.
func DescribeCluster(ctx context.Context, api ClustersAPI, cluster string) (*ecstypes.Cluster, error) {
	got, err := DescribeClusters(ctx, api, []string{cluster})
	if err != nil {
		return nil, err
	}
	if got[cluster] == nil {
		return nil, fmt.Errorf("cluster %s is missing or inactive", cluster)
	}
	return got[cluster], nil
}

// byName keys what a describe call returned by each name asked for (the first item that name names),
// leaving out the INACTIVE ones; id gives an item's status, ARN and name.
func byName[T any](names []string, items []T, id func(*T) (status, arn, name string)) map[string]*T {
	got := map[string]*T{}
	for _, name := range names {
		for i := range items {
			status, arn, resourceName := id(&items[i])
			if status == "INACTIVE" {
				continue
			}
			if named(name, arn, resourceName) {
				got[name] = &items[i]
				break
			}
		}
	}
	return got
}

// named tells whether name (an ARN or a name, as asked for) names the resource of arn and resourceName.
func named(name, arn, resourceName string) bool {
	return arn == name || resourceName == name || resourceName == detect.ARNName(name) && strings.HasPrefix(name, "arn:")
}
