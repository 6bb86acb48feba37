package snapshot

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// The documents a snapshot may hold: the top-level shape of each AWS CLI command's JSON output.

type taskDefinitionDoc struct {
	TaskDefinition *ecstypes.TaskDefinition
	Tags           []ecstypes.Tag
}

type servicesDoc struct {
	Services []ecstypes.Service
	Failures []ecstypes.Failure
}

type clustersDoc struct {
	Clusters []ecstypes.Cluster
	Failures []ecstypes.Failure
}

type taskSetsDoc struct {
	TaskSets []ecstypes.TaskSet
	Failures []ecstypes.Failure
}

type capacityProvidersDoc struct {
	CapacityProviders []ecstypes.CapacityProvider
	Failures          []ecstypes.Failure
	NextToken         *string
}

type securityGroupsDoc struct {
	SecurityGroups []ec2types.SecurityGroup
	NextToken      *string
}

type subnetsDoc struct {
	Subnets   []ec2types.Subnet
	NextToken *string
}

type routeTablesDoc struct {
	RouteTables []ec2types.RouteTable
	NextToken   *string
}

type vpcEndpointsDoc struct {
	VpcEndpoints []ec2types.VpcEndpoint
	NextToken    *string
}

type networkInterfacesDoc struct {
	NetworkInterfaces []ec2types.NetworkInterface
	NextToken         *string
}

type loadBalancersDoc struct {
	LoadBalancers []elbtypes.LoadBalancer
	NextMarker    *string
}

type targetGroupsDoc struct {
	TargetGroups []elbtypes.TargetGroup
	NextMarker   *string
}

type roleDoc struct {
	Role *iamtypes.Role
}

type rolePolicyDoc struct {
	RoleName       *string
	PolicyName     *string
	PolicyDocument *string
}

type authorizationDetailsDoc struct {
	UserDetailList  []iamtypes.UserDetail
	GroupDetailList []iamtypes.GroupDetail
	RoleDetailList  []iamtypes.RoleDetail
	Policies        []iamtypes.ManagedPolicyDetail
	IsTruncated     *bool
	Marker          *string
}

// docKind is one recognised command output.
type docKind struct {
	command string   // the command that prints it
	keys    []string // top-level keys that identify it (lower case); any one suffices
	newDoc  func() any
	collect func(c *collector, doc any) error
}

var kinds = []docKind{
	{"aws ecs describe-task-definition", []string{"taskdefinition"}, func() any { return new(taskDefinitionDoc) }, (*collector).collectTaskDefinition},
	{"aws ecs describe-services", []string{"services"}, func() any { return new(servicesDoc) }, (*collector).collectServices},
	{"aws ecs describe-clusters", []string{"clusters"}, func() any { return new(clustersDoc) }, (*collector).collectClusters},
	{"aws ecs describe-task-sets", []string{"tasksets"}, func() any { return new(taskSetsDoc) }, (*collector).collectTaskSets},
	{"aws ecs describe-capacity-providers", []string{"capacityproviders"}, func() any { return new(capacityProvidersDoc) }, (*collector).collectCapacityProviders},
	{"aws ec2 describe-security-groups", []string{"securitygroups"}, func() any { return new(securityGroupsDoc) }, (*collector).collectSecurityGroups},
	{"aws ec2 describe-subnets", []string{"subnets"}, func() any { return new(subnetsDoc) }, (*collector).collectSubnets},
	{"aws ec2 describe-route-tables", []string{"routetables"}, func() any { return new(routeTablesDoc) }, (*collector).collectRouteTables},
	{"aws ec2 describe-vpc-endpoints", []string{"vpcendpoints"}, func() any { return new(vpcEndpointsDoc) }, (*collector).collectVpcEndpoints},
	{"aws ec2 describe-network-interfaces", []string{"networkinterfaces"}, func() any { return new(networkInterfacesDoc) }, (*collector).collectNetworkInterfaces},
	{"aws elbv2 describe-load-balancers", []string{"loadbalancers"}, func() any { return new(loadBalancersDoc) }, (*collector).collectLoadBalancers},
	{"aws elbv2 describe-target-groups", []string{"targetgroups"}, func() any { return new(targetGroupsDoc) }, (*collector).collectTargetGroups},
	{"aws iam get-role", []string{"role"}, func() any { return new(roleDoc) }, (*collector).collectRole},
	{"aws iam get-role-policy", []string{"policydocument"}, func() any { return new(rolePolicyDoc) }, (*collector).collectRolePolicy},
	{"aws iam get-account-authorization-details", []string{"roledetaillist", "policies", "userdetaillist", "groupdetaillist"}, func() any { return new(authorizationDetailsDoc) }, (*collector).collectAuthorizationDetails},
}

// Recognised lists the commands whose output a snapshot may hold.
func Recognised() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.command
	}
	return out
}

func recognisedList() string {
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k.command
	}
	return strings.Join(parts, ", ")
}

// part is what one document contributes, before merging.
type part struct {
	file              string
	taskDefinitions   []item[detect.TaskDefinition]
	services          []item[ecstypes.Service]
	clusters          []item[ecstypes.Cluster]
	taskSets          []item[ecstypes.TaskSet]
	capacityProviders []item[ecstypes.CapacityProvider]
	securityGroups    []item[ec2types.SecurityGroup]
	subnets           []item[ec2types.Subnet]
	routeTables       []item[ec2types.RouteTable]
	vpcEndpoints      []item[ec2types.VpcEndpoint]
	// endpointsDoc is set when the file is describe-vpc-endpoints output; endpointsComplete when it has
	// no next token (the whole list, not one page).
	endpointsDoc, endpointsComplete bool
	networkInterfaces               []item[ec2types.NetworkInterface]
	// interfacesDoc and interfacesComplete are the same for describe-network-interfaces output.
	interfacesDoc, interfacesComplete bool
	loadBalancers                     []item[elbtypes.LoadBalancer]
	targetGroups                      []item[elbtypes.TargetGroup]
	roles                             []item[roleRecord]
	inline                            []item[inlinePolicy]
	policies                          []item[managedPolicy]
	errors                            []detect.ReadError
	lines                             map[string]int // ECS resource ARN -> line in the file (see locate)
}

// item is one resource with its identity and where it was found.
type item[T any] struct {
	id    string
	where string // JSON path within the file
	v     T
}

type roleRecord struct {
	role detect.Role
	// complete is true when the role came from get-account-authorization-details.
	complete bool
}

type inlinePolicy struct {
	roleName string
	policy   detect.PolicyDocument
}

type managedPolicy struct {
	arn      string
	document string // default version's text, "" when not listed
}

// parseDocument parses one file's content into the resources it holds.
func parseDocument(file string, data []byte) (*part, error) {
	root, err := awsjson.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", file, err)
	}
	if root.Kind() != "object" {
		return nil, fmt.Errorf("%s: not a recognised AWS CLI document: the top level is %s, expected an object; a snapshot holds the JSON output (--output json) of: %s",
			file, root.Kind(), recognisedList())
	}
	var found []int
	for i, k := range kinds {
		if hasAnyKey(root, k.keys) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		keys := root.Keys()
		sort.Strings(keys)
		return nil, fmt.Errorf("%s: not a recognised AWS CLI document (top-level keys: %s); a snapshot holds the JSON output (--output json) of: %s",
			file, strings.Join(keys, ", "), recognisedList())
	case 1:
	default:
		names := make([]string, len(found))
		for i, f := range found {
			names[i] = kinds[f].command
		}
		return nil, fmt.Errorf("%s: mixes the outputs of several commands (%s); a snapshot file holds the output of one command",
			file, strings.Join(names, "; "))
	}
	k := kinds[found[0]]
	doc := k.newDoc()
	if err := root.Decode(file, doc, awsjson.PolicyField{Type: reflect.TypeFor[rolePolicyDoc](), Field: "PolicyDocument"}); err != nil {
		return nil, err
	}
	c := &collector{part: &part{file: file}}
	if err := k.collect(c, doc); err != nil {
		return nil, err
	}
	return c.part, nil
}

func hasAnyKey(n *awsjson.Document, keys []string) bool {
	for _, m := range n.Keys() {
		for _, k := range keys {
			if strings.EqualFold(m, k) {
				return true
			}
		}
	}
	return false
}

// collector turns a decoded document into a part, checking that every resource has its identity.
type collector struct {
	*part
}

func (c *collector) missing(where, field string) error {
	return fmt.Errorf("%s: %s: missing %s", c.file, where, field)
}

// collectItems appends one item per element of list, found at name[i] and identified by the field that id
// returns (named idField in the error when it is missing or empty).
func collectItems[T any](c *collector, into *[]item[T], list []T, name, idField string, id func(*T) *string) error {
	for i := range list {
		where := fmt.Sprintf("%s[%d]", name, i)
		v := str(id(&list[i]))
		if v == "" {
			return c.missing(where, idField)
		}
		*into = append(*into, item[T]{id: v, where: where, v: list[i]})
	}
	return nil
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (c *collector) failures(fs []ecstypes.Failure, resourceType, operation string) {
	for _, f := range fs {
		reason := str(f.Reason)
		if reason == "MISSING" {
			continue // asked for something that does not exist: nothing to evaluate
		}
		msg := c.file + ": " + reason
		if f.Detail != nil {
			msg += ": " + *f.Detail
		}
		c.errors = append(c.errors, detect.ReadError{
			Region: detect.RegionOf(str(f.Arn)), ResourceType: resourceType, Resource: str(f.Arn),
			Operation: operation, Message: msg,
		})
	}
}

func (c *collector) collectTaskDefinition(v any) error {
	doc := v.(*taskDefinitionDoc)
	if doc.TaskDefinition == nil {
		return c.missing("taskDefinition", "value (it is null)")
	}
	td := detect.TaskDefinition{TaskDefinition: *doc.TaskDefinition, Tags: doc.Tags}
	arn := td.ARN()
	if arn == "" {
		return c.missing("taskDefinition", "taskDefinitionArn")
	}
	a, err := detect.ParseTaskDefinitionARN(arn)
	if err != nil {
		return fmt.Errorf("%s: taskDefinition.taskDefinitionArn: %v", c.file, err)
	}
	if td.Revision != 0 && int(td.Revision) != a.Revision {
		return fmt.Errorf("%s: taskDefinition.revision: %d does not match the ARN's revision %d", c.file, td.Revision, a.Revision)
	}
	if td.Family != nil && *td.Family != a.Family {
		return fmt.Errorf("%s: taskDefinition.family: %q does not match the ARN's family %q", c.file, *td.Family, a.Family)
	}
	c.taskDefinitions = append(c.taskDefinitions, item[detect.TaskDefinition]{id: arn, where: "taskDefinition", v: td})
	return nil
}

func (c *collector) collectServices(v any) error {
	doc := v.(*servicesDoc)
	for i, s := range doc.Services {
		where := fmt.Sprintf("services[%d]", i)
		if str(s.ServiceArn) == "" {
			return c.missing(where, "serviceArn")
		}
		c.services = append(c.services, item[ecstypes.Service]{id: *s.ServiceArn, where: where, v: s})
		if err := collectItems(c, &c.taskSets, s.TaskSets, where+".taskSets", "taskSetArn", func(ts *ecstypes.TaskSet) *string { return ts.TaskSetArn }); err != nil {
			return err
		}
	}
	c.failures(doc.Failures, detect.TypeService, "DescribeServices")
	return nil
}

func (c *collector) collectClusters(v any) error {
	doc := v.(*clustersDoc)
	if err := collectItems(c, &c.clusters, doc.Clusters, "clusters", "clusterArn", func(cl *ecstypes.Cluster) *string { return cl.ClusterArn }); err != nil {
		return err
	}
	c.failures(doc.Failures, detect.TypeCluster, "DescribeClusters")
	return nil
}

func (c *collector) collectTaskSets(v any) error {
	doc := v.(*taskSetsDoc)
	if err := collectItems(c, &c.taskSets, doc.TaskSets, "taskSets", "taskSetArn", func(ts *ecstypes.TaskSet) *string { return ts.TaskSetArn }); err != nil {
		return err
	}
	c.failures(doc.Failures, detect.TypeTaskSet, "DescribeTaskSets")
	return nil
}

func (c *collector) collectCapacityProviders(v any) error {
	doc := v.(*capacityProvidersDoc)
	if err := collectItems(c, &c.capacityProviders, doc.CapacityProviders, "capacityProviders", "capacityProviderArn", func(cp *ecstypes.CapacityProvider) *string { return cp.CapacityProviderArn }); err != nil {
		return err
	}
	c.failures(doc.Failures, detect.TypeCapacityProvider, "DescribeCapacityProviders")
	return nil
}

func (c *collector) collectSecurityGroups(v any) error {
	return collectItems(c, &c.securityGroups, v.(*securityGroupsDoc).SecurityGroups, "SecurityGroups", "GroupId", func(x *ec2types.SecurityGroup) *string { return x.GroupId })
}

func (c *collector) collectSubnets(v any) error {
	return collectItems(c, &c.subnets, v.(*subnetsDoc).Subnets, "Subnets", "SubnetId", func(x *ec2types.Subnet) *string { return x.SubnetId })
}

func (c *collector) collectRouteTables(v any) error {
	return collectItems(c, &c.routeTables, v.(*routeTablesDoc).RouteTables, "RouteTables", "RouteTableId", func(x *ec2types.RouteTable) *string { return x.RouteTableId })
}

func (c *collector) collectNetworkInterfaces(v any) error {
	doc := v.(*networkInterfacesDoc)
	if err := collectItems(c, &c.networkInterfaces, doc.NetworkInterfaces, "NetworkInterfaces", "NetworkInterfaceId", func(ni *ec2types.NetworkInterface) *string { return ni.NetworkInterfaceId }); err != nil {
		return err
	}
	c.interfacesDoc = true
	c.interfacesComplete = doc.NextToken == nil || *doc.NextToken == ""
	return nil
}

func (c *collector) collectVpcEndpoints(v any) error {
	doc := v.(*vpcEndpointsDoc)
	for i, ep := range doc.VpcEndpoints {
		where := fmt.Sprintf("VpcEndpoints[%d]", i)
		if str(ep.VpcEndpointId) == "" {
			return c.missing(where, "VpcEndpointId")
		}
		if str(ep.VpcId) == "" {
			return c.missing(where, "VpcId")
		}
		c.vpcEndpoints = append(c.vpcEndpoints, item[ec2types.VpcEndpoint]{id: *ep.VpcEndpointId, where: where, v: ep})
	}
	c.endpointsDoc = true
	c.endpointsComplete = doc.NextToken == nil || *doc.NextToken == ""
	return nil
}

func (c *collector) collectLoadBalancers(v any) error {
	return collectItems(c, &c.loadBalancers, v.(*loadBalancersDoc).LoadBalancers, "LoadBalancers", "LoadBalancerArn", func(x *elbtypes.LoadBalancer) *string { return x.LoadBalancerArn })
}

func (c *collector) collectTargetGroups(v any) error {
	return collectItems(c, &c.targetGroups, v.(*targetGroupsDoc).TargetGroups, "TargetGroups", "TargetGroupArn", func(x *elbtypes.TargetGroup) *string { return x.TargetGroupArn })
}

func iamTags(tags []iamtypes.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[str(t.Key)] = str(t.Value)
	}
	return m
}

func (c *collector) collectRole(v any) error {
	r := v.(*roleDoc).Role
	if r == nil {
		return c.missing("Role", "value (it is null)")
	}
	if str(r.Arn) == "" {
		return c.missing("Role", "Arn")
	}
	if str(r.RoleName) == "" {
		return c.missing("Role", "RoleName")
	}
	c.roles = append(c.roles, item[roleRecord]{id: *r.Arn, where: "Role", v: roleRecord{role: detect.Role{
		Arn: *r.Arn, Name: *r.RoleName, AssumeRolePolicy: str(r.AssumeRolePolicyDocument), Tags: iamTags(r.Tags),
	}}})
	return nil
}

func (c *collector) collectRolePolicy(v any) error {
	doc := v.(*rolePolicyDoc)
	if str(doc.RoleName) == "" {
		return c.missing("RoleName", "value")
	}
	if str(doc.PolicyName) == "" {
		return c.missing("PolicyName", "value")
	}
	if doc.PolicyDocument == nil {
		return c.missing("PolicyDocument", "value")
	}
	c.inline = append(c.inline, item[inlinePolicy]{id: *doc.RoleName, where: "PolicyDocument", v: inlinePolicy{
		roleName: *doc.RoleName, policy: detect.PolicyDocument{Name: *doc.PolicyName, Document: *doc.PolicyDocument},
	}})
	return nil
}

func (c *collector) collectAuthorizationDetails(v any) error {
	doc := v.(*authorizationDetailsDoc)
	for i, r := range doc.RoleDetailList {
		where := fmt.Sprintf("RoleDetailList[%d]", i)
		if str(r.Arn) == "" {
			return c.missing(where, "Arn")
		}
		if str(r.RoleName) == "" {
			return c.missing(where, "RoleName")
		}
		role := detect.Role{
			Arn: *r.Arn, Name: *r.RoleName, AssumeRolePolicy: str(r.AssumeRolePolicyDocument),
			PoliciesKnown: true, Tags: iamTags(r.Tags),
		}
		for j, p := range r.RolePolicyList {
			if str(p.PolicyName) == "" {
				return c.missing(fmt.Sprintf("%s.RolePolicyList[%d]", where, j), "PolicyName")
			}
			role.Inline = append(role.Inline, detect.PolicyDocument{Name: *p.PolicyName, Document: str(p.PolicyDocument)})
		}
		for j, a := range r.AttachedManagedPolicies {
			if str(a.PolicyArn) == "" {
				return c.missing(fmt.Sprintf("%s.AttachedManagedPolicies[%d]", where, j), "PolicyArn")
			}
			role.Attached = append(role.Attached, detect.AttachedPolicy{Name: str(a.PolicyName), Arn: *a.PolicyArn})
		}
		c.roles = append(c.roles, item[roleRecord]{id: *r.Arn, where: where, v: roleRecord{role: role, complete: true}})
	}
	for i, p := range doc.Policies {
		where := fmt.Sprintf("Policies[%d]", i)
		if str(p.Arn) == "" {
			return c.missing(where, "Arn")
		}
		mp := managedPolicy{arn: *p.Arn}
		for _, pv := range p.PolicyVersionList {
			if pv.IsDefaultVersion || (p.DefaultVersionId != nil && str(pv.VersionId) == *p.DefaultVersionId) {
				mp.document = str(pv.Document)
				break
			}
		}
		c.policies = append(c.policies, item[managedPolicy]{id: *p.Arn, where: where, v: mp})
	}
	return nil
}
