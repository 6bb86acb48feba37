package live

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// recorder counts calls, the largest batch per operation, and the most calls in flight at once, and
// fails the calls a test chose.
type recorder struct {
	mu       sync.Mutex
	calls    map[string]int
	maxBatch map[string]int
	fail     map[string]error // "Op" or "Op key"
	delay    time.Duration

	inflight, maxInflight atomic.Int32
}

func newRecorder() *recorder {
	return &recorder{calls: map[string]int{}, maxBatch: map[string]int{}, fail: map[string]error{}}
}

// enter records a call of op on key with a batch of n and returns the error injected for it.
func (r *recorder) enter(op, key string, n int) (leave func(), err error) {
	cur := r.inflight.Add(1)
	for {
		m := r.maxInflight.Load()
		if cur <= m || r.maxInflight.CompareAndSwap(m, cur) {
			break
		}
	}
	r.mu.Lock()
	r.calls[op]++
	if n > r.maxBatch[op] {
		r.maxBatch[op] = n
	}
	err = r.fail[op]
	if e, ok := r.fail[op+" "+key]; ok {
		err = e
	}
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	return func() { r.inflight.Add(-1) }, err
}

func (r *recorder) count(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[op]
}

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: code + " (injected)"}
}

// page returns items[token:token+size] and the next token.
func page[T any](items []T, token *string, size int) ([]T, *string) {
	start := 0
	if token != nil {
		start, _ = strconv.Atoi(*token)
	}
	end := min(start+size, len(items))
	if end < len(items) {
		return items[start:end], aws.String(strconv.Itoa(end))
	}
	return items[start:end], nil
}

const acct = "111122223333"

func clusterArn(name string) string { return "arn:aws:ecs:us-east-1:" + acct + ":cluster/" + name }
func serviceArn(cluster, name string) string {
	return "arn:aws:ecs:us-east-1:" + acct + ":service/" + cluster + "/" + name
}
func tdArnOf(family string, rev int) string {
	return fmt.Sprintf("arn:aws:ecs:us-east-1:%s:task-definition/%s:%d", acct, family, rev)
}
func roleArn(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }

// fakeECS is an in-memory ECS with small pages.
type fakeECS struct {
	*recorder
	pageSize int
	clusters []string                              // names
	services map[string][]ecstypes.Service         // by cluster name
	revs     map[string][]*ecstypes.TaskDefinition // by family, in revision order
	// highestByFamily makes DescribeTaskDefinition(family) return the highest revision whatever its
	// status, as the emulator does.
	highestByFamily bool
}

func newFakeECS(r *recorder) *fakeECS {
	return &fakeECS{recorder: r, pageSize: 100, services: map[string][]ecstypes.Service{}, revs: map[string][]*ecstypes.TaskDefinition{}}
}

func (f *fakeECS) addFamily(family string, statuses ...ecstypes.TaskDefinitionStatus) {
	for i, st := range statuses {
		f.revs[family] = append(f.revs[family], &ecstypes.TaskDefinition{
			TaskDefinitionArn: aws.String(tdArnOf(family, i+1)), Family: aws.String(family), Revision: int32(i + 1), Status: st,
		})
	}
}

func (f *fakeECS) addService(cluster, name, taskDef string) *ecstypes.Service {
	f.services[cluster] = append(f.services[cluster], ecstypes.Service{
		ServiceArn: aws.String(serviceArn(cluster, name)), ServiceName: aws.String(name), ClusterArn: aws.String(clusterArn(cluster)),
		Status: aws.String("ACTIVE"), TaskDefinition: aws.String(taskDef),
	})
	s := f.services[cluster]
	return &s[len(s)-1]
}

func (f *fakeECS) ListClusters(_ context.Context, in *ecs.ListClustersInput, _ ...func(*ecs.Options)) (*ecs.ListClustersOutput, error) {
	leave, err := f.enter("ListClusters", "", 0)
	defer leave()
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, c := range f.clusters {
		arns = append(arns, clusterArn(c))
	}
	items, next := page(arns, in.NextToken, f.pageSize)
	return &ecs.ListClustersOutput{ClusterArns: items, NextToken: next}, nil
}

func (f *fakeECS) DescribeClusters(_ context.Context, in *ecs.DescribeClustersInput, _ ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error) {
	leave, err := f.enter("DescribeClusters", strings.Join(in.Clusters, ","), len(in.Clusters))
	defer leave()
	if err != nil {
		return nil, err
	}
	out := &ecs.DescribeClustersOutput{}
	for _, arn := range in.Clusters {
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		out.Clusters = append(out.Clusters, ecstypes.Cluster{ClusterArn: aws.String(arn), ClusterName: aws.String(name)})
	}
	return out, nil
}

func (f *fakeECS) ListServices(_ context.Context, in *ecs.ListServicesInput, _ ...func(*ecs.Options)) (*ecs.ListServicesOutput, error) {
	leave, err := f.enter("ListServices", aws.ToString(in.Cluster), 0)
	defer leave()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.Cluster)
	name = name[strings.LastIndexByte(name, '/')+1:]
	var arns []string
	for _, s := range f.services[name] {
		arns = append(arns, aws.ToString(s.ServiceArn))
	}
	items, next := page(arns, in.NextToken, f.pageSize)
	return &ecs.ListServicesOutput{ServiceArns: items, NextToken: next}, nil
}

func (f *fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	leave, err := f.enter("DescribeServices", aws.ToString(in.Cluster), len(in.Services))
	defer leave()
	if err != nil {
		return nil, err
	}
	if len(in.Services) > 10 {
		return nil, apiErr("InvalidParameterException")
	}
	out := &ecs.DescribeServicesOutput{}
	for _, arn := range in.Services {
		for _, ss := range f.services {
			for _, s := range ss {
				if aws.ToString(s.ServiceArn) == arn {
					out.Services = append(out.Services, s)
				}
			}
		}
	}
	return out, nil
}

func (f *fakeECS) DescribeTaskSets(_ context.Context, in *ecs.DescribeTaskSetsInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskSetsOutput, error) {
	leave, err := f.enter("DescribeTaskSets", aws.ToString(in.Service), len(in.TaskSets))
	defer leave()
	if err != nil {
		return nil, err
	}
	out := &ecs.DescribeTaskSetsOutput{}
	for _, ss := range f.services {
		for _, s := range ss {
			if aws.ToString(s.ServiceArn) == aws.ToString(in.Service) {
				for _, ts := range s.TaskSets {
					ts.Tags = []ecstypes.Tag{{Key: aws.String("from"), Value: aws.String("DescribeTaskSets")}}
					out.TaskSets = append(out.TaskSets, ts)
				}
			}
		}
	}
	return out, nil
}

func (f *fakeECS) ListTaskDefinitionFamilies(_ context.Context, in *ecs.ListTaskDefinitionFamiliesInput, _ ...func(*ecs.Options)) (*ecs.ListTaskDefinitionFamiliesOutput, error) {
	leave, err := f.enter("ListTaskDefinitionFamilies", "", 0)
	defer leave()
	if err != nil {
		return nil, err
	}
	var fams []string
	for _, fam := range slices.Sorted(maps.Keys(f.revs)) {
		for _, td := range f.revs[fam] {
			if td.Status == ecstypes.TaskDefinitionStatusActive || in.Status != ecstypes.TaskDefinitionFamilyStatusActive {
				fams = append(fams, fam)
				break
			}
		}
	}
	items, next := page(fams, in.NextToken, f.pageSize)
	return &ecs.ListTaskDefinitionFamiliesOutput{Families: items, NextToken: next}, nil
}

func (f *fakeECS) ListTaskDefinitions(_ context.Context, in *ecs.ListTaskDefinitionsInput, _ ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error) {
	leave, err := f.enter("ListTaskDefinitions", aws.ToString(in.FamilyPrefix), 0)
	defer leave()
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, fam := range slices.Sorted(maps.Keys(f.revs)) {
		if !strings.HasPrefix(fam, aws.ToString(in.FamilyPrefix)) {
			continue
		}
		for _, td := range f.revs[fam] {
			if in.Status == "" || td.Status == in.Status {
				arns = append(arns, aws.ToString(td.TaskDefinitionArn))
			}
		}
	}
	items, next := page(arns, in.NextToken, f.pageSize)
	return &ecs.ListTaskDefinitionsOutput{TaskDefinitionArns: items, NextToken: next}, nil
}

func (f *fakeECS) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	ref := aws.ToString(in.TaskDefinition)
	leave, err := f.enter("DescribeTaskDefinition", ref, 1)
	defer leave()
	if err != nil {
		return nil, err
	}
	name := ref[strings.LastIndexByte(ref, '/')+1:]
	family, rev, hasRev := strings.Cut(name, ":")
	revs := f.revs[family]
	var td *ecstypes.TaskDefinition
	switch {
	case hasRev:
		n, _ := strconv.Atoi(rev)
		if n >= 1 && n <= len(revs) {
			td = revs[n-1]
		}
	default:
		for i := len(revs) - 1; i >= 0; i-- {
			if f.highestByFamily || revs[i].Status == ecstypes.TaskDefinitionStatusActive {
				td = revs[i]
				break
			}
		}
	}
	if td == nil {
		return nil, apiErr("ClientException")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: td, Tags: []ecstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}, nil
}

func (f *fakeECS) DescribeCapacityProviders(_ context.Context, in *ecs.DescribeCapacityProvidersInput, _ ...func(*ecs.Options)) (*ecs.DescribeCapacityProvidersOutput, error) {
	leave, err := f.enter("DescribeCapacityProviders", "", len(in.CapacityProviders))
	defer leave()
	if err != nil {
		return nil, err
	}
	all := []ecstypes.CapacityProvider{
		{CapacityProviderArn: aws.String("arn:aws:ecs:us-east-1:" + acct + ":capacity-provider/a"), Name: aws.String("a")},
		{CapacityProviderArn: aws.String("arn:aws:ecs:us-east-1:" + acct + ":capacity-provider/b"), Name: aws.String("b")},
	}
	items, next := page(all, in.NextToken, 1)
	return &ecs.DescribeCapacityProvidersOutput{CapacityProviders: items, NextToken: next}, nil
}

// fakeIAM holds roles with inline and attached policies.
type fakeIAM struct {
	*recorder
	inline   map[string]map[string]string // role -> policy name -> document
	attached map[string][]string          // role -> policy ARNs
	policies map[string]string            // ARN -> document
}

func (f *fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	name := aws.ToString(in.RoleName)
	leave, err := f.enter("GetRole", name, 1)
	defer leave()
	if err != nil {
		return nil, err
	}
	if _, ok := f.inline[name]; !ok {
		return nil, apiErr("NoSuchEntity")
	}
	return &iam.GetRoleOutput{Role: &iamtypes.Role{Arn: aws.String(roleArn(name)), RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String("%7B%22Version%22%3A%222012-10-17%22%7D")}}, nil
}

func (f *fakeIAM) ListRolePolicies(_ context.Context, in *iam.ListRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	leave, err := f.enter("ListRolePolicies", aws.ToString(in.RoleName), 0)
	defer leave()
	if err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(f.inline[aws.ToString(in.RoleName)]))
	items, next := page(names, in.Marker, 1)
	return &iam.ListRolePoliciesOutput{PolicyNames: items, Marker: next, IsTruncated: next != nil}, nil
}

func (f *fakeIAM) GetRolePolicy(_ context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	leave, err := f.enter("GetRolePolicy", aws.ToString(in.RoleName)+"/"+aws.ToString(in.PolicyName), 1)
	defer leave()
	if err != nil {
		return nil, err
	}
	return &iam.GetRolePolicyOutput{PolicyDocument: aws.String(f.inline[aws.ToString(in.RoleName)][aws.ToString(in.PolicyName)])}, nil
}

func (f *fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	leave, err := f.enter("ListAttachedRolePolicies", aws.ToString(in.RoleName), 0)
	defer leave()
	if err != nil {
		return nil, err
	}
	var all []iamtypes.AttachedPolicy
	for _, arn := range f.attached[aws.ToString(in.RoleName)] {
		all = append(all, iamtypes.AttachedPolicy{PolicyArn: aws.String(arn), PolicyName: aws.String(arn[strings.LastIndexByte(arn, '/')+1:])})
	}
	items, next := page(all, in.Marker, 1)
	return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: items, Marker: next, IsTruncated: next != nil}, nil
}

func (f *fakeIAM) GetPolicy(_ context.Context, in *iam.GetPolicyInput, _ ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	leave, err := f.enter("GetPolicy", aws.ToString(in.PolicyArn), 1)
	defer leave()
	if err != nil {
		return nil, err
	}
	return &iam.GetPolicyOutput{Policy: &iamtypes.Policy{Arn: in.PolicyArn, DefaultVersionId: aws.String("v3")}}, nil
}

func (f *fakeIAM) GetPolicyVersion(_ context.Context, in *iam.GetPolicyVersionInput, _ ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	leave, err := f.enter("GetPolicyVersion", aws.ToString(in.PolicyArn), 1)
	defer leave()
	if err != nil {
		return nil, err
	}
	if aws.ToString(in.VersionId) != "v3" {
		return nil, apiErr("NoSuchEntity")
	}
	return &iam.GetPolicyVersionOutput{PolicyVersion: &iamtypes.PolicyVersion{Document: aws.String(f.policies[aws.ToString(in.PolicyArn)])}}, nil
}

// fakeEC2 and fakeELB answer with what they are asked for.
type fakeEC2 struct{ *recorder }

func filterValues(fs []ec2types.Filter) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Values...)
	}
	return out
}

func (f fakeEC2) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	leave, err := f.enter("DescribeSecurityGroups", "", len(filterValues(in.Filters)))
	defer leave()
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSecurityGroupsOutput{}
	for _, id := range filterValues(in.Filters) {
		out.SecurityGroups = append(out.SecurityGroups, ec2types.SecurityGroup{GroupId: aws.String(id)})
	}
	return out, nil
}

func (f fakeEC2) DescribeSubnets(_ context.Context, in *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	leave, err := f.enter("DescribeSubnets", "", len(filterValues(in.Filters)))
	defer leave()
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSubnetsOutput{}
	for _, id := range filterValues(in.Filters) {
		out.Subnets = append(out.Subnets, ec2types.Subnet{SubnetId: aws.String(id), VpcId: aws.String(fakeVPCOf(id))})
	}
	return out, nil
}

// fakeVPCOf is the VPC of a fake subnet: subnet-vpc-X is in vpc-X, any other in vpc-1.
func fakeVPCOf(subnet string) string {
	if v, ok := strings.CutPrefix(subnet, "subnet-vpc-"); ok {
		return "vpc-" + v
	}
	return "vpc-1"
}

// DescribeVpcEndpoints answers one endpoint per VPC of the vpc-id filter, 100 a page.
func (f fakeEC2) DescribeVpcEndpoints(_ context.Context, in *ec2.DescribeVpcEndpointsInput, _ ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error) {
	vpcs := filterValues(in.Filters)
	leave, err := f.enter("DescribeVpcEndpoints", strings.Join(vpcs, ","), len(vpcs))
	defer leave()
	if err != nil {
		return nil, err
	}
	if len(in.Filters) != 1 || aws.ToString(in.Filters[0].Name) != "vpc-id" || len(vpcs) > 200 {
		return nil, apiErr("InvalidParameterValue")
	}
	var all []ec2types.VpcEndpoint
	for _, v := range vpcs {
		all = append(all, ec2types.VpcEndpoint{VpcEndpointId: aws.String("vpce-" + v), VpcId: aws.String(v),
			ServiceName: aws.String("com.amazonaws.us-east-1.s3"), VpcEndpointType: ec2types.VpcEndpointTypeGateway, State: ec2types.State("available")})
	}
	got, next := page(all, in.NextToken, 100)
	return &ec2.DescribeVpcEndpointsOutput{VpcEndpoints: got, NextToken: next}, nil
}

// DescribeNetworkInterfaces answers, for each group of the group-id filter, one ECS task interface
// carrying it (eni-GROUP), 100 a page.
func (f fakeEC2) DescribeNetworkInterfaces(_ context.Context, in *ec2.DescribeNetworkInterfacesInput, _ ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	groups := filterValues(in.Filters)
	leave, err := f.enter("DescribeNetworkInterfaces", strings.Join(groups, ","), len(groups))
	defer leave()
	if err != nil {
		return nil, err
	}
	if len(in.Filters) != 1 || aws.ToString(in.Filters[0].Name) != "group-id" || len(groups) > 200 {
		return nil, apiErr("InvalidParameterValue")
	}
	var all []ec2types.NetworkInterface
	for _, g := range groups {
		all = append(all, ec2types.NetworkInterface{NetworkInterfaceId: aws.String("eni-" + g), InterfaceType: ec2types.NetworkInterfaceTypeInterface,
			Description: aws.String("arn:aws:ecs:us-east-1:123456789012:attachment/" + g), Groups: []ec2types.GroupIdentifier{{GroupId: aws.String(g)}}})
	}
	got, next := page(all, in.NextToken, 100)
	return &ec2.DescribeNetworkInterfacesOutput{NetworkInterfaces: got, NextToken: next}, nil
}

func (f fakeEC2) DescribeRouteTables(_ context.Context, in *ec2.DescribeRouteTablesInput, _ ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error) {
	leave, err := f.enter("DescribeRouteTables", "", len(in.Filters[0].Values))
	defer leave()
	if err != nil {
		return nil, err
	}
	return &ec2.DescribeRouteTablesOutput{RouteTables: []ec2types.RouteTable{{RouteTableId: aws.String("rtb-main"), VpcId: aws.String("vpc-1")}}}, nil
}

type fakeELB struct{ *recorder }

func (f fakeELB) DescribeTargetGroups(_ context.Context, in *elb.DescribeTargetGroupsInput, _ ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error) {
	leave, err := f.enter("DescribeTargetGroups", strings.Join(in.TargetGroupArns, ","), len(in.TargetGroupArns))
	defer leave()
	if err != nil {
		return nil, err
	}
	out := &elb.DescribeTargetGroupsOutput{}
	for _, arn := range in.TargetGroupArns {
		out.TargetGroups = append(out.TargetGroups, elbtypes.TargetGroup{TargetGroupArn: aws.String(arn), LoadBalancerArns: []string{arn + "-lb"}})
	}
	return out, nil
}

func (f fakeELB) DescribeLoadBalancers(_ context.Context, in *elb.DescribeLoadBalancersInput, _ ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error) {
	leave, err := f.enter("DescribeLoadBalancers", strings.Join(in.LoadBalancerArns, ","), len(in.LoadBalancerArns))
	defer leave()
	if err != nil {
		return nil, err
	}
	if len(in.LoadBalancerArns) > 20 {
		return nil, apiErr("ValidationError")
	}
	out := &elb.DescribeLoadBalancersOutput{}
	for _, arn := range in.LoadBalancerArns {
		out.LoadBalancers = append(out.LoadBalancers, elbtypes.LoadBalancer{LoadBalancerArn: aws.String(arn), SecurityGroups: []string{"sg-lb"}})
	}
	return out, nil
}

// fakes bundles the fakes of one region (and IAM) into a clientFactory.
type fakes struct {
	rec *recorder
	ecs *fakeECS
	iam *fakeIAM
}

func newFakes() *fakes {
	r := newRecorder()
	return &fakes{rec: r, ecs: newFakeECS(r), iam: &fakeIAM{recorder: r, inline: map[string]map[string]string{}, attached: map[string][]string{}, policies: map[string]string{}}}
}

func (f *fakes) factory() clientFactory {
	return clientFactory{
		region: func(string) regionClients { return regionClients{ecs: f.ecs, ec2: fakeEC2{f.rec}, elb: fakeELB{f.rec}} },
		iam:    func() iamAPI { return f.iam },
	}
}

var (
	_ ecsAPI = (*fakeECS)(nil)
	_ iamAPI = (*fakeIAM)(nil)
	_ ec2API = fakeEC2{}
	_ elbAPI = fakeELB{}
)
