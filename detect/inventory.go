package detect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Resource types, spelled as AWS Config and Security Hub spell them.
const (
	TypeTaskDefinition   = "AWS::ECS::TaskDefinition"
	TypeService          = "AWS::ECS::Service"
	TypeCluster          = "AWS::ECS::Cluster"
	TypeTaskSet          = "AWS::ECS::TaskSet"
	TypeCapacityProvider = "AWS::ECS::CapacityProvider"
	TypeSecurityGroup    = "AWS::EC2::SecurityGroup"
	TypeSubnet           = "AWS::EC2::Subnet"
	TypeRouteTable       = "AWS::EC2::RouteTable"
	TypeLoadBalancer     = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	TypeTargetGroup      = "AWS::ElasticLoadBalancingV2::TargetGroup"
	TypeRole             = "AWS::IAM::Role"
	TypeAutoScalingGroup = "AWS::AutoScaling::AutoScalingGroup"
)

// Inventory is everything the detector knows about an estate. Both sources (the live API and a snapshot)
// build it; controls read it and nothing else. ECS and EC2 resources are kept as the SDK's own types so that
// no field is ever lost between reading a resource and proposing a new revision of it.
//
// An Inventory may be partial (a snapshot of one service without its task definition): lookups report
// absence, and controls turn absence into NOT_EVALUATED, never into PASSED.
//
// Fill the slices, then read; the lookup index is built on the first lookup and not rebuilt.
type Inventory struct {
	TaskDefinitions   []TaskDefinition
	Services          []ecstypes.Service
	Clusters          []ecstypes.Cluster
	TaskSets          []ecstypes.TaskSet
	CapacityProviders []ecstypes.CapacityProvider
	SecurityGroups    []ec2types.SecurityGroup
	Subnets           []ec2types.Subnet
	RouteTables       []ec2types.RouteTable
	LoadBalancers     []elbtypes.LoadBalancer
	TargetGroups      []elbtypes.TargetGroup
	Roles             []Role
	// VpcEndpoints of the VPCs the services use (a private subnet reaches ECR, S3 and CloudWatch Logs
	// through them, or through a NAT gateway).
	VpcEndpoints []ec2types.VpcEndpoint
	// VpcEndpointsKnown is true when VpcEndpoints is complete for those VPCs (a live scan that read them,
	// or a snapshot holding describe-vpc-endpoints): without it, "no endpoint" cannot be told from
	// "not exported".
	VpcEndpointsKnown bool
	// NetworkInterfaces that carry the services' security groups (who else uses a group).
	NetworkInterfaces []ec2types.NetworkInterface
	// NetworkInterfacesKnown is true when NetworkInterfaces is complete for those groups.
	NetworkInterfacesKnown bool
	// Images are the configurations of the container images the task definitions name, by reference
	// as a container definition names it; an image absent here is unknown (not in ECR, or not read).
	Images map[string]ImageConfig
	// AutoScalingGroups are the Auto Scaling groups of the capacity providers (ECS.19's fix turns on
	// their scale-in protection of new instances first); a group absent here was not read.
	AutoScalingGroups []astypes.AutoScalingGroup
	// Vulnerabilities are the Amazon Inspector (or ECR basic scanning) findings of the images the services
	// run, by image reference as a container definition names it; an image absent here was not looked up
	// (not in ECR, or not read).
	Vulnerabilities map[string]ImageVulnerabilities

	// Errors lists what could not be read. A non-empty list makes a scan incomplete (non-zero exit).
	Errors []ReadError

	once  sync.Once
	index *index
}

// TaskDefinition is one task-definition revision with the tags DescribeTaskDefinition returns beside it.
type TaskDefinition struct {
	ecstypes.TaskDefinition
	Tags []ecstypes.Tag
	// Source is where the task definition was read from when it was read from a file (a snapshot, or the
	// files a team keeps in its repository); nil when it was read from the API.
	Source *FileSource
	// UnknownFields are the JSON paths of fields the document or the API response held that this build
	// does not know. A new revision built from the SDK's decoding would lose them.
	UnknownFields []string
	// Trimmed is set on a revision whose body Inventory.DropUnread emptied (its containers, volumes,
	// placement, compatibilities…): it is not scored, nothing runs it, and nothing reads it past its
	// identity. It must not be evaluated nor registered again from what is left.
	Trimmed bool
}

// FileSource is where in a file a task definition was read from: the file, the line it starts on, and
// the JSON pointer to it, so that a fix can be written back into the file itself.
type FileSource struct {
	// File is the slash-separated path relative to the snapshot folder (the path as given when the
	// snapshot is one file).
	File string
	// Line is the 1-based line on which the task definition's object (or the containers' array) opens.
	Line int
	// Pointer is the RFC 6901 JSON pointer to the task definition's object in the file: "" when it is
	// the whole document, "/taskDefinition" in describe-task-definition output; when ContainersOnly,
	// the pointer to the containerDefinitions array.
	Pointer string
	// ContainersOnly is set when the file holds only a containerDefinitions array (as Terraform's
	// container_definitions): the task-level settings are unknown, not absent.
	ContainersOnly bool
}

// FileID is the identifier of a task definition that has no ARN (one kept as a file): its file, line
// and family. Results, plans and SARIF name such a task definition by it.
func FileID(src FileSource, family string) string {
	return fileIDPrefix + src.File + ":" + strconv.Itoa(src.Line) + ":task-definition/" + family
}

// fileIDPrefix starts every FileID; no ARN starts with it.
const fileIDPrefix = "file:"

// IsFileID reports whether a resource name is the FileID of a task definition kept as a file.
func IsFileID(resource string) bool { return strings.HasPrefix(resource, fileIDPrefix) }

// ARN returns the revision's ARN, or for a task definition read from a file without one, its FileID.
func (t *TaskDefinition) ARN() string {
	if t.TaskDefinitionArn == nil && t.Source != nil {
		return FileID(*t.Source, deref(t.Family))
	}
	return deref(t.TaskDefinitionArn)
}

// FileOnly reports whether the task definition was read from a file and has no ARN (a file a team keeps
// in its repository): it is not a registered revision, follows no latest-ACTIVE rule and is always
// evaluated on its own, named by its FileID.
func (t *TaskDefinition) FileOnly() bool { return t.TaskDefinitionArn == nil && t.Source != nil }

// Role is an IAM role with the policies that decide what its holder may do.
type Role struct {
	Arn  string
	Name string
	// AssumeRolePolicy is the trust policy document (JSON text).
	AssumeRolePolicy string
	Inline           []PolicyDocument
	Attached         []AttachedPolicy
	// PoliciesKnown is true when Inline and Attached are complete (a snapshot holding only
	// `aws iam get-role` knows the role but not its policies).
	PoliciesKnown bool
	Tags          map[string]string
}

// PolicyDocument is a named policy document (JSON text, already URL-decoded).
type PolicyDocument struct {
	Name     string
	Document string
}

// AttachedPolicy is a managed policy attached to a role. Document is its default version's text when
// known, "" otherwise.
type AttachedPolicy struct {
	Name     string
	Arn      string
	Document string
}

// ReadError records a resource (or a whole kind of resource) that could not be read.
type ReadError struct {
	// Account is the account the resource is in, when a scan reads several (--accounts, --org).
	Account      string `json:"account,omitempty"`
	Region       string `json:"region,omitempty"`
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Operation    string `json:"operation"`
	Message      string `json:"message"`
}

func (e ReadError) Error() string {
	where := e.Resource
	if e.Region != "" {
		where = e.Region + " " + where
	}
	if e.Account != "" {
		where = "account " + e.Account + " " + where
	}
	return fmt.Sprintf("%s %s: %s: %s", e.ResourceType, where, e.Operation, e.Message)
}

type index struct {
	taskDefs       map[string]*TaskDefinition
	latestActive   map[string]*TaskDefinition // familyOf -> latest ACTIVE revision present
	services       map[string]*ecstypes.Service
	clusters       map[string]*ecstypes.Cluster
	securityGroups map[string]*ec2types.SecurityGroup
	subnets        map[string]*ec2types.Subnet
	loadBalancers  map[string]*elbtypes.LoadBalancer
	targetGroups   map[string]*elbtypes.TargetGroup
	roles          map[string]*Role
	rolesByName    map[string][]*Role
	routeBySubnet  map[string]*ec2types.RouteTable
	mainRouteByVPC map[string]*ec2types.RouteTable
	endpointsByVPC map[string][]ec2types.VpcEndpoint
	enisByGroup    map[string][]ec2types.NetworkInterface
	capacity       map[string]*ecstypes.CapacityProvider
	asgs           map[string]*astypes.AutoScalingGroup // by ARN, and by asgNameKey (account, region, name)
}

// Reindex drops the lookup index, so that the next lookup builds it from the slices as they are then: a
// reader that looked revisions up while it filled the inventory (a snapshot's load, to trim what nothing
// reads) calls it once done.
func (in *Inventory) Reindex() {
	in.once = sync.Once{}
	in.index = nil
}

func (in *Inventory) idx() *index {
	in.once.Do(func() {
		x := &index{ // the large maps get their room at once (10,000 revisions would rehash a dozen times)
			taskDefs:       make(map[string]*TaskDefinition, len(in.TaskDefinitions)),
			latestActive:   map[string]*TaskDefinition{},
			services:       make(map[string]*ecstypes.Service, len(in.Services)),
			clusters:       make(map[string]*ecstypes.Cluster, len(in.Clusters)),
			securityGroups: map[string]*ec2types.SecurityGroup{},
			subnets:        map[string]*ec2types.Subnet{},
			loadBalancers:  map[string]*elbtypes.LoadBalancer{},
			targetGroups:   map[string]*elbtypes.TargetGroup{},
			roles:          map[string]*Role{},
			rolesByName:    map[string][]*Role{},
			routeBySubnet:  map[string]*ec2types.RouteTable{},
			mainRouteByVPC: map[string]*ec2types.RouteTable{},
			endpointsByVPC: map[string][]ec2types.VpcEndpoint{},
			enisByGroup:    map[string][]ec2types.NetworkInterface{},
			capacity:       map[string]*ecstypes.CapacityProvider{},
			asgs:           map[string]*astypes.AutoScalingGroup{},
		}
		for i := range in.CapacityProviders {
			x.capacity[deref(in.CapacityProviders[i].CapacityProviderArn)] = &in.CapacityProviders[i]
		}
		for i := range in.AutoScalingGroups {
			g := &in.AutoScalingGroups[i]
			arn := deref(g.AutoScalingGroupARN)
			x.asgs[arn] = g
			x.asgs[asgNameKey(AccountOf(arn), RegionOf(arn), deref(g.AutoScalingGroupName))] = g
		}
		for i := range in.TaskDefinitions {
			td := &in.TaskDefinitions[i]
			x.taskDefs[td.ARN()] = td
			// Only a revision with an ARN has a place in its family; one kept as a file without an ARN
			// is a task definition of its own, never superseded (FileOnly).
			if td.Status != ecstypes.TaskDefinitionStatusActive || td.FileOnly() {
				continue
			}
			key := familyOf(td.ARN())
			if key == "" {
				continue
			}
			if cur, ok := x.latestActive[key]; !ok || revisionNumber(td) > revisionNumber(cur) {
				x.latestActive[key] = td
			}
		}
		for i := range in.Services {
			x.services[deref(in.Services[i].ServiceArn)] = &in.Services[i]
		}
		for i := range in.Clusters {
			x.clusters[deref(in.Clusters[i].ClusterArn)] = &in.Clusters[i]
		}
		for i := range in.SecurityGroups {
			x.securityGroups[deref(in.SecurityGroups[i].GroupId)] = &in.SecurityGroups[i]
		}
		for i := range in.Subnets {
			x.subnets[deref(in.Subnets[i].SubnetId)] = &in.Subnets[i]
		}
		for i := range in.LoadBalancers {
			x.loadBalancers[deref(in.LoadBalancers[i].LoadBalancerArn)] = &in.LoadBalancers[i]
		}
		for i := range in.TargetGroups {
			x.targetGroups[deref(in.TargetGroups[i].TargetGroupArn)] = &in.TargetGroups[i]
		}
		for i := range in.Roles {
			x.roles[in.Roles[i].Arn] = &in.Roles[i]
			x.rolesByName[in.Roles[i].Name] = append(x.rolesByName[in.Roles[i].Name], &in.Roles[i])
		}
		for i := range in.RouteTables {
			rt := &in.RouteTables[i]
			for _, a := range rt.Associations {
				if a.Main != nil && *a.Main {
					x.mainRouteByVPC[deref(rt.VpcId)] = rt
				}
				if a.SubnetId != nil {
					x.routeBySubnet[*a.SubnetId] = rt
				}
			}
		}
		for _, ep := range in.VpcEndpoints {
			vpc := deref(ep.VpcId)
			x.endpointsByVPC[vpc] = append(x.endpointsByVPC[vpc], ep)
		}
		for _, ni := range in.NetworkInterfaces {
			seen := map[string]bool{}
			for _, g := range ni.Groups {
				id := deref(g.GroupId)
				if id == "" || seen[id] {
					continue
				}
				seen[id] = true
				x.enisByGroup[id] = append(x.enisByGroup[id], ni)
			}
		}
		in.index = x
	})
	return in.index
}

// TaskDefinition returns the revision with the given ARN.
func (in *Inventory) TaskDefinition(arn string) (*TaskDefinition, bool) {
	td, ok := in.idx().taskDefs[arn]
	return td, ok
}

// LatestActive returns the latest ACTIVE revision present for the family of the given task-definition ARN.
func (in *Inventory) LatestActive(taskDefinitionArn string) (*TaskDefinition, bool) {
	td, ok := in.idx().latestActive[familyOf(taskDefinitionArn)]
	return td, ok
}

// IsLatestActive reports whether td is the latest ACTIVE revision of its family among those present —
// the only revision Security Hub scores. A task definition kept as a file without an ARN (FileOnly) has
// no family revisions: it is not.
func (in *Inventory) IsLatestActive(td *TaskDefinition) bool {
	latest, ok := in.LatestActive(td.ARN())
	return ok && latest.ARN() == td.ARN()
}

// DropUnread empties the body of every task-definition revision that nothing reads past its identity,
// and marks it Trimmed; it returns how many it trimmed. Such a revision is one Evaluate does not score (an
// INACTIVE revision, or an ACTIVE one its family's latest ACTIVE revision supersedes; see revisionGate),
// that no service, deployment or task set runs, and that is not an ACTIVE revision newer than one of
// those its family runs (the planner compares those with the fixes it would register, to reuse one an
// earlier plan registered). Every control gives it the same NOT_APPLICABLE verdict, from its status,
// revision and family alone. What stays: its ARN, family, revision, status, tags, source, unknown fields
// and its scalar settings (roles, network mode, cpu, memory…); what goes: its container definitions,
// volumes, placement constraints, required attributes and compatibilities, inference accelerators, proxy
// configuration, runtime platform and ephemeral storage. A snapshot's load calls it once the inventory is
// complete: most of a large snapshot's revisions are such revisions.
func (in *Inventory) DropUnread() int {
	n := 0
	for i, unread := range in.UnreadRevisions() {
		td := &in.TaskDefinitions[i]
		if !unread || td.Trimmed {
			continue
		}
		td.Trim()
		n++
	}
	return n
}

// UnreadRevisions reports, for each task definition of the inventory, whether nothing reads it past its
// identity (see DropUnread), whether or not it is Trimmed already.
func (in *Inventory) UnreadRevisions() []bool {
	run := map[string]bool{}
	runFrom := map[string]int32{} // family key -> the lowest revision of the family something runs
	planned := func(arn string) { // a fix may be planned from arn: its family's newer ACTIVE revisions are read
		if p, err := ParseTaskDefinitionARN(arn); err == nil {
			k := familyOf(arn)
			if r, ok := runFrom[k]; !ok || int32(p.Revision) < r {
				runFrom[k] = int32(p.Revision)
			}
		}
	}
	runs := func(arn *string) {
		a := deref(arn)
		if a == "" || run[a] {
			return
		}
		run[a] = true
		planned(a)
	}
	for i := range in.Services {
		svc := &in.Services[i]
		runs(svc.TaskDefinition)
		for j := range svc.Deployments {
			runs(svc.Deployments[j].TaskDefinition)
		}
		for j := range svc.TaskSets {
			runs(svc.TaskSets[j].TaskDefinition)
		}
	}
	for i := range in.TaskSets {
		runs(in.TaskSets[i].TaskDefinition)
	}
	// A revision with an ARN but no status is scored whatever its family's latest is, so a fix may be
	// planned from it, and the planner compares that fix with its family's newer ACTIVE revisions (an
	// earlier plan's registration is reused): those are read as a run revision's are.
	for i := range in.TaskDefinitions {
		td := &in.TaskDefinitions[i]
		if td.Status == "" && !td.FileOnly() {
			planned(td.ARN())
		}
	}
	out := make([]bool, len(in.TaskDefinitions))
	for i := range in.TaskDefinitions {
		td := &in.TaskDefinitions[i]
		if td.FileOnly() || td.Status == "" || run[td.ARN()] {
			continue
		}
		if !isGated(in, td) {
			continue
		}
		if td.Status == ecstypes.TaskDefinitionStatusActive {
			if r, ok := runFrom[familyOf(td.ARN())]; ok && revisionNumber(td) > int(r) {
				continue
			}
		}
		out[i] = true
	}
	return out
}

// Trim empties the revision's body (what DropUnread drops) and marks it Trimmed.
func (t *TaskDefinition) Trim() {
	d := &t.TaskDefinition
	d.ContainerDefinitions, d.Volumes, d.PlacementConstraints, d.RequiresAttributes = nil, nil, nil, nil
	d.Compatibilities, d.RequiresCompatibilities, d.InferenceAccelerators = nil, nil, nil
	d.ProxyConfiguration, d.RuntimePlatform, d.EphemeralStorage = nil, nil, nil
	t.Trimmed = true
}

// KeepIdentity empties everything of the revision but its identity — ARN, family, revision, status and
// Source — and marks it Trimmed: the body Trim empties, and its settings (roles, cpu, memory, network,
// registration dates…), tags and unknown fields. The inventory's lookups (TaskDefinition, LatestActive,
// IsLatestActive) answer as before; nothing else may read it after (plan.Options.ReleaseInventory).
func (t *TaskDefinition) KeepIdentity() {
	d := &t.TaskDefinition
	*d = ecstypes.TaskDefinition{TaskDefinitionArn: d.TaskDefinitionArn, Family: d.Family, Revision: d.Revision, Status: d.Status}
	t.Tags, t.UnknownFields = nil, nil
	t.Trimmed = true
}

// Service returns the service with the given ARN.
func (in *Inventory) Service(arn string) (*ecstypes.Service, bool) {
	s, ok := in.idx().services[arn]
	return s, ok
}

// Cluster returns the cluster with the given ARN.
func (in *Inventory) Cluster(arn string) (*ecstypes.Cluster, bool) {
	c, ok := in.idx().clusters[arn]
	return c, ok
}

// SecurityGroup returns the security group with the given id.
func (in *Inventory) SecurityGroup(id string) (*ec2types.SecurityGroup, bool) {
	g, ok := in.idx().securityGroups[id]
	return g, ok
}

// Subnet returns the subnet with the given id.
func (in *Inventory) Subnet(id string) (*ec2types.Subnet, bool) {
	s, ok := in.idx().subnets[id]
	return s, ok
}

// RouteTableFor returns the route table that governs a subnet: its explicit association, else the main
// route table of its VPC (which needs the subnet itself to be known).
func (in *Inventory) RouteTableFor(subnetID string) (*ec2types.RouteTable, bool) {
	x := in.idx()
	if rt, ok := x.routeBySubnet[subnetID]; ok {
		return rt, true
	}
	if sn, ok := x.subnets[subnetID]; ok {
		rt, ok := x.mainRouteByVPC[deref(sn.VpcId)]
		return rt, ok
	}
	return nil, false
}

// VpcEndpointsOf returns the VPC endpoints of a VPC present in the inventory (nil when none). Whether
// "none" means the VPC has none or that they were not read is VpcEndpointsKnown.
func (in *Inventory) VpcEndpointsOf(vpcID string) []ec2types.VpcEndpoint {
	return in.idx().endpointsByVPC[vpcID]
}

// InterfacesWithGroup returns the network interfaces present in the inventory that carry a security group
// (nil when none). Whether "none" means no interface carries it or that interfaces were not read is
// NetworkInterfacesKnown.
func (in *Inventory) InterfacesWithGroup(groupID string) []ec2types.NetworkInterface {
	return in.idx().enisByGroup[groupID]
}

// CapacityProvider returns the capacity provider with the given ARN.
func (in *Inventory) CapacityProvider(arn string) (*ecstypes.CapacityProvider, bool) {
	cp, ok := in.idx().capacity[arn]
	return cp, ok
}

// AutoScalingGroup returns the Auto Scaling group the capacity provider of ARN provider names
// (autoScalingGroupArn ref: the group's ARN, or its name). The group is in the provider's account and
// region: a group of that name (or an ARN) in another account or region is not the provider's, and an
// inventory of several accounts may hold groups of the same name.
func (in *Inventory) AutoScalingGroup(ref, provider string) (*astypes.AutoScalingGroup, bool) {
	account, region := AccountOf(provider), RegionOf(provider)
	if account == "" || region == "" || ref == "" {
		return nil, false
	}
	x := in.idx()
	if strings.HasPrefix(ref, "arn:") {
		if AccountOf(ref) != account || RegionOf(ref) != region {
			return nil, false
		}
		g, ok := x.asgs[ref]
		return g, ok
	}
	g, ok := x.asgs[asgNameKey(account, region, ref)]
	return g, ok
}

// asgNameKey keys an Auto Scaling group by its account, region and name.
func asgNameKey(account, region, name string) string {
	return account + "\x00" + region + "\x00" + name
}

// AutoScalingGroupName is the name of the Auto Scaling group an ARN names
// (arn:…:autoScalingGroup:UUID:autoScalingGroupName/NAME), or ref itself when it is no ARN.
func AutoScalingGroupName(ref string) string {
	if !strings.HasPrefix(ref, "arn:") {
		return ref
	}
	const marker = ":autoScalingGroupName/"
	if i := strings.LastIndex(ref, marker); i >= 0 {
		return ref[i+len(marker):]
	}
	return ""
}

// LoadBalancer returns the load balancer with the given ARN.
func (in *Inventory) LoadBalancer(arn string) (*elbtypes.LoadBalancer, bool) {
	lb, ok := in.idx().loadBalancers[arn]
	return lb, ok
}

// TargetGroup returns the target group with the given ARN.
func (in *Inventory) TargetGroup(arn string) (*elbtypes.TargetGroup, bool) {
	tg, ok := in.idx().targetGroups[arn]
	return tg, ok
}

// Role returns the IAM role with the given ARN. A task definition may also name its roles by short name:
// a name (no "arn:" prefix) matches the one role of that name, and is unknown when several accounts in
// the inventory have a role of that name.
func (in *Inventory) Role(arnOrName string) (*Role, bool) {
	x := in.idx()
	if r, ok := x.roles[arnOrName]; ok {
		return r, true
	}
	if strings.HasPrefix(arnOrName, "arn:") {
		return nil, false
	}
	if rs := x.rolesByName[arnOrName]; len(rs) == 1 {
		return rs[0], true
	}
	return nil, false
}

// TaskDefinitionARN is a parsed task-definition revision ARN
// (arn:PARTITION:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION).
type TaskDefinitionARN struct {
	Partition, Region, Account, Family string
	Revision                           int
}

// ParseTaskDefinitionARN parses a task-definition revision ARN.
func ParseTaskDefinitionARN(arn string) (TaskDefinitionARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ecs" || !strings.HasPrefix(parts[5], "task-definition/") {
		return TaskDefinitionARN{}, fmt.Errorf("%q is not a task-definition ARN", arn)
	}
	famRev := strings.TrimPrefix(parts[5], "task-definition/")
	i := strings.LastIndexByte(famRev, ':')
	if i <= 0 {
		return TaskDefinitionARN{}, fmt.Errorf("task-definition ARN %q has no revision", arn)
	}
	rev, err := strconv.Atoi(famRev[i+1:])
	if err != nil || rev < 1 {
		return TaskDefinitionARN{}, fmt.Errorf("task-definition ARN %q has a bad revision", arn)
	}
	return TaskDefinitionARN{Partition: parts[1], Region: parts[3], Account: parts[4], Family: famRev[:i], Revision: rev}, nil
}

// familyOf is a task-definition revision ARN up to its revision (arn:PARTITION:ecs:REGION:ACCOUNT:
// task-definition/FAMILY), "" when ParseTaskDefinitionARN would refuse it: two ARNs have the same familyOf
// exactly when they have the same FamilyKey. It allocates nothing (the index looks up every revision's).
func familyOf(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return ""
	}
	if _, rest, ok = strings.Cut(rest, ":"); !ok { // partition
		return ""
	}
	if rest, ok = strings.CutPrefix(rest, "ecs:"); !ok {
		return ""
	}
	for range 2 { // region, account
		if _, rest, ok = strings.Cut(rest, ":"); !ok {
			return ""
		}
	}
	famRev, ok := strings.CutPrefix(rest, "task-definition/")
	if !ok {
		return ""
	}
	i := strings.LastIndexByte(famRev, ':')
	if i <= 0 {
		return ""
	}
	if rev, err := strconv.Atoi(famRev[i+1:]); err != nil || rev < 1 {
		return ""
	}
	return arn[:len(arn)-len(famRev)+i]
}

// FamilyKey identifies a task-definition family across accounts and regions ("" for a malformed ARN).
func FamilyKey(taskDefinitionArn string) string {
	a, err := ParseTaskDefinitionARN(taskDefinitionArn)
	if err != nil {
		return ""
	}
	return a.Partition + ":" + a.Region + ":" + a.Account + ":" + a.Family
}

// RegionOf returns the region field of an ARN ("" when it has none).
func RegionOf(arn string) string {
	// the fourth of at least six colon-separated fields, the first "arn" (without splitting: evaluation
	// asks for the region of every result)
	rest, ok := strings.CutPrefix(arn, "arn:")
	for range 2 { // partition, service
		if i := strings.IndexByte(rest, ':'); ok && i >= 0 {
			rest = rest[i+1:]
		} else {
			return ""
		}
	}
	region, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.Contains(rest, ":") {
		return ""
	}
	return region
}

// AccountOf returns the account field of an ARN ("" when it has none).
func AccountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// Regions lists the regions the inventory's ECS resources live in, sorted.
func (in *Inventory) Regions() []string {
	seen := map[string]bool{}
	add := func(arn *string) {
		if r := RegionOf(deref(arn)); r != "" {
			seen[r] = true
		}
	}
	for i := range in.TaskDefinitions {
		add(in.TaskDefinitions[i].TaskDefinitionArn)
	}
	for i := range in.Services {
		add(in.Services[i].ServiceArn)
	}
	for i := range in.Clusters {
		add(in.Clusters[i].ClusterArn)
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Count is the number of resources held, of every kind.
func (in *Inventory) Count() int {
	return len(in.TaskDefinitions) + len(in.Services) + len(in.Clusters) + len(in.TaskSets) +
		len(in.CapacityProviders) + len(in.SecurityGroups) + len(in.Subnets) + len(in.RouteTables) +
		len(in.LoadBalancers) + len(in.TargetGroups) + len(in.Roles) + len(in.VpcEndpoints) + len(in.NetworkInterfaces) +
		len(in.AutoScalingGroups)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
