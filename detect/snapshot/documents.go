package snapshot

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"

	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/internal/textsafe"
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

type autoScalingGroupsDoc struct {
	AutoScalingGroups []astypes.AutoScalingGroup
	NextToken         *string
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
	// each lists the document's lists read one element at a time: each element is checked and turned
	// into what the inventory keeps as soon as it is decoded, so that a document is never held whole.
	each func(c *collector) []awsjson.EachField
	// finish collects what is left in the document once it is read (nil: nothing).
	finish func(c *collector, doc any) error
}

var kinds = []docKind{
	{"aws ecs describe-task-definition", []string{"taskdefinition"}, func() any { return new(taskDefinitionDoc) }, nil, nil},
	{"aws ecs describe-services", []string{"services"}, func() any { return new(servicesDoc) }, (*collector).eachService, nil},
	{"aws ecs describe-clusters", []string{"clusters"}, func() any { return new(clustersDoc) }, (*collector).eachCluster, nil},
	{"aws ecs describe-task-sets", []string{"tasksets"}, func() any { return new(taskSetsDoc) }, (*collector).eachTaskSet, nil},
	{"aws ecs describe-capacity-providers", []string{"capacityproviders"}, func() any { return new(capacityProvidersDoc) }, (*collector).eachCapacityProvider, nil},
	{"aws ec2 describe-security-groups", []string{"securitygroups"}, func() any { return new(securityGroupsDoc) }, (*collector).eachSecurityGroup, nil},
	{"aws ec2 describe-subnets", []string{"subnets"}, func() any { return new(subnetsDoc) }, (*collector).eachSubnet, nil},
	{"aws ec2 describe-route-tables", []string{"routetables"}, func() any { return new(routeTablesDoc) }, (*collector).eachRouteTable, nil},
	{"aws ec2 describe-vpc-endpoints", []string{"vpcendpoints"}, func() any { return new(vpcEndpointsDoc) }, (*collector).eachVpcEndpoint, (*collector).finishVpcEndpoints},
	{"aws ec2 describe-network-interfaces", []string{"networkinterfaces"}, func() any { return new(networkInterfacesDoc) }, (*collector).eachNetworkInterface, (*collector).finishNetworkInterfaces},
	{"aws elbv2 describe-load-balancers", []string{"loadbalancers"}, func() any { return new(loadBalancersDoc) }, (*collector).eachLoadBalancer, nil},
	{"aws elbv2 describe-target-groups", []string{"targetgroups"}, func() any { return new(targetGroupsDoc) }, (*collector).eachTargetGroup, nil},
	{"aws autoscaling describe-auto-scaling-groups", []string{"autoscalinggroups"}, func() any { return new(autoScalingGroupsDoc) }, (*collector).eachAutoScalingGroup, nil},
	{"aws iam get-role", []string{"role"}, func() any { return new(roleDoc) }, nil, (*collector).collectRole},
	{"aws iam get-role-policy", []string{"policydocument"}, func() any { return new(rolePolicyDoc) }, nil, (*collector).collectRolePolicy},
	{"aws iam get-account-authorization-details", []string{"roledetaillist", "policies", "userdetaillist", "groupdetaillist"}, func() any { return new(authorizationDetailsDoc) }, (*collector).eachAuthorizationDetail, nil},
	{inspectorFindingsCommand, []string{"findings"}, func() any { return new(inspectorFindingsDoc) }, (*collector).eachInspectorFinding, (*collector).finishInspectorFindings},
}

// bareTaskDefinitionKey is the member that makes an object a task definition of its own (as
// register-task-definition --cli-input-json takes it, or describe-task-definition --query taskDefinition
// prints it): no command's output has it at its top level.
const bareTaskDefinitionKey = "containerDefinitions"

// The shapes of a task definition kept as a file, beside the commands' outputs, as messages name them.
const (
	shapeBareTaskDefinition = "a task definition of its own ({\"family\", \"containerDefinitions\", …}, as register-task-definition --cli-input-json takes it or describe-task-definition --query taskDefinition prints it)"
	shapeContainers         = "a containerDefinitions array ([{\"name\", \"image\", …}, …], as Terraform's container_definitions)"
)

// Recognised lists the commands whose output a snapshot may hold (task definitions kept as files, in
// the shapes a repository holds them, are recognised too).
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
	return strings.Join(parts, ", ") + "; or " + shapeBareTaskDefinition + "; or " + shapeContainers
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
	autoScalingGroups                 []item[astypes.AutoScalingGroup]
	roles                             []item[roleRecord]
	inline                            []item[inlinePolicy]
	policies                          []item[managedPolicy]
	// inspectorFindings are the findings of `aws inspector2 list-findings` output; inspectorDoc is set
	// when the file is such output (even with no finding).
	inspectorFindings []item[inspectorFinding]
	inspectorDoc      bool
	errors            []detect.ReadError
	lines             map[string]int // ECS resource ARN -> line in the file (see locate)
	// name is the file's name in its source (to read it again: restoreTrimmed)
	name string
	// digest is the SHA-256 of the file's bytes as they were read: a revision read again from the file
	// (trim.go) is taken only from the same bytes.
	digest [sha256.Size]byte
	// hashed says that digest is set: a file is hashed when it holds a trimmed revision (or is large,
	// hashed as it is first read), never otherwise.
	hashed   bool
	warnings []Warning
	// tracked says that the revisionTracker kept a revision of the part whole, which it may trim later;
	// sealed that the part's file is parsed, and pending the trims that waited for it (both under the
	// tracker's lock).
	tracked bool
	sealed  bool
	pending []keptRevision
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

// maxListedKeys bounds the top-level keys an error about an unrecognised document lists.
const maxListedKeys = 50

// A document's values may take at most decodeFactor times its size in memory, and at least
// minDecodeBudget bytes: AWS CLI output decodes to about one to two times its size, while a file of
// empty objects (each a whole struct) would decode to two hundred times its size.
const (
	decodeFactor    = 16
	minDecodeBudget = 64 << 10
)

// maxKeyInMessage bounds the length of a member name an error or a warning quotes.
const maxKeyInMessage = 80

// maxUnknownFields bounds the unknown fields a task-definition file records and warns of; past it, one
// more warning counts the rest.
const maxUnknownFields = 100

// maxFieldPath bounds the length of an unknown field's recorded path.
const maxFieldPath = 300

// outline is what the first reading of a document learns of its shape.
type outline struct {
	top     string // kind of the top-level value
	topLine int
	found   []int // kinds whose keys the top-level object has
	keys    []string
	nkeys   int
	// bare is set when the top-level object has a containerDefinitions member.
	bare bool
	// tdKey and tdLine are the taskDefinition member as spelled, and the line its value opens on.
	tdKey  string
	tdLine int
	// elems counts a top-level array's elements; badElem is the first that is not a container
	// definition (-1: none) and why.
	elems   int
	badElem int
	badWhy  string
	// the element being read: its kind and whether it has a name and an image
	curKind           string
	curName, curImage bool
}

// endElem judges the element just read: a container definition is an object with a name and an image.
func (o *outline) endElem() {
	if o.elems == 0 || o.badElem >= 0 {
		return
	}
	i := o.elems - 1
	switch {
	case o.curKind != "object":
		o.badElem, o.badWhy = i, "is "+article(o.curKind)
	case !o.curName && !o.curImage:
		o.badElem, o.badWhy = i, `has neither "name" nor "image"`
	case !o.curName:
		o.badElem, o.badWhy = i, `has no "name"`
	case !o.curImage:
		o.badElem, o.badWhy = i, `has no "image"`
	}
}

func article(kind string) string {
	if kind == "object" || kind == "array" {
		return "an " + kind
	}
	return "a " + kind
}

// parseDocument reads one document of size bytes into the resources it holds; file names it in messages,
// rel in the task definitions' Source (the path relative to the snapshot folder). A document whose first
// member names the command that printed it (as every AWS CLI output does) is decoded at once, in one
// pass (decodeGuessed); when that fails, or the document is of another shape, it is read as checkDocument
// reads it, so that a file that cannot be read reports the very error it would without the first pass.
func parseDocument(file, rel string, src io.ReadSeeker, size int64, strs *shared) (*part, error) {
	if p, ok := decodeGuessed(file, rel, src, size, strs); ok {
		return p, nil
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return checkDocument(file, rel, src, size, strs)
}

// errNotGuessed ends decodeGuessed's decoding when the document turns out not to be what its first
// member said: a top-level member of another command's output, or of a task definition of its own.
var errNotGuessed = errors.New("snapshot: not the document its first member names")

// decodeGuessed decodes a document whose top level is an object whose first member is a key of one of
// the recognised commands' outputs, as that output, in a single pass. It reports false when it cannot
// (another shape, a problem of any kind): the caller then reads the document again with checkDocument.
// When it succeeds, checkDocument would have read the same: the decoding checked the whole document's
// syntax (as checkDocument's first pass does), and every top-level member is a field of the command's
// output, or an unknown member that names neither another command's output nor a container definition.
func decodeGuessed(file, rel string, src io.ReadSeeker, size int64, strs *shared) (*part, bool) {
	h, err := awsjson.ReadHead(src)
	if err != nil || h.Kind != "object" || h.Key == "" {
		return nil, false
	}
	k := -1
	for i, kind := range kinds {
		if slices.ContainsFunc(kind.keys, func(s string) bool { return strings.EqualFold(s, h.Key) }) {
			k = i
			break
		}
	}
	if k < 0 {
		return nil, false
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, false
	}
	c := &collector{part: &part{file: file}, rel: rel, strings: strs.strs(), revisions: strs.tracker(), guessed: true}
	p, err := c.decodeKind(k, src, size, h.Key, h.KeyLine)
	if err != nil {
		return nil, false
	}
	return p, true
}

// notGuessed is the check decodeGuessed adds to a document's unknown members: one at the top level that
// is a key of a recognised output, or a container definitions member, means that checkDocument would
// refuse the document (several outputs mixed), so the guess is abandoned.
func (c *collector) notGuessed(f awsjson.UnknownField) error {
	if !c.guessed || f.Inner != "" {
		return nil
	}
	if strings.EqualFold(f.Path, bareTaskDefinitionKey) {
		return errNotGuessed
	}
	for _, kind := range kinds {
		if slices.ContainsFunc(kind.keys, func(s string) bool { return strings.EqualFold(s, f.Path) }) {
			return errNotGuessed
		}
	}
	return nil
}

// checkDocument reads one document as parseDocument does, in two passes: once to check the JSON and
// recognise the document by its shape, then to decode it, one element of its lists at a time. Neither
// holds the document: what stays is what the inventory keeps.
func checkDocument(file, rel string, src io.ReadSeeker, size int64, strs *shared) (*part, error) {
	o := outline{badElem: -1}
	err := awsjson.ScanShape(file, src, awsjson.Shape{
		Top: func(kind string, line int) { o.top, o.topLine = kind, line },
		Member: func(key, _ string, line int) {
			o.nkeys++
			if len(o.keys) < maxListedKeys {
				o.keys = append(o.keys, textsafe.Clip(key, maxKeyInMessage))
			}
			for i, k := range kinds {
				if !slices.Contains(o.found, i) && slices.ContainsFunc(k.keys, func(s string) bool { return strings.EqualFold(s, key) }) {
					o.found = append(o.found, i)
					if k.keys[0] == "taskdefinition" {
						o.tdKey, o.tdLine = key, line
					}
				}
			}
			if strings.EqualFold(key, bareTaskDefinitionKey) {
				o.bare = true
			}
		},
		Elem: func(_ int, kind string, _ int) {
			o.endElem()
			o.elems++
			o.curKind, o.curName, o.curImage = kind, false, false
		},
		ElemKey: func(_ int, key string) {
			switch {
			case strings.EqualFold(key, "name"):
				o.curName = true
			case strings.EqualFold(key, "image"):
				o.curImage = true
			}
		},
	})
	if err != nil {
		return nil, err
	}
	o.endElem()
	c := &collector{part: &part{file: file}, rel: rel, strings: strs.strs(), revisions: strs.tracker()}
	switch o.top {
	case "object":
	case "array":
		switch {
		case o.elems == 0:
			return nil, fmt.Errorf("%s: not a recognised AWS CLI document: the top level is an empty array; a snapshot holds the JSON output (--output json) of: %s",
				file, recognisedList())
		case o.badElem >= 0:
			return nil, fmt.Errorf("%s: not a recognised AWS CLI document: the top level is an array, and its element [%d] %s, so it is not a containerDefinitions array; a snapshot holds the JSON output (--output json) of: %s",
				file, o.badElem, o.badWhy, recognisedList())
		}
		return c.containers(src, size, o.topLine)
	default:
		return nil, fmt.Errorf("%s: not a recognised AWS CLI document: the top level is %s, expected an object; a snapshot holds the JSON output (--output json) of: %s",
			file, o.top, recognisedList())
	}
	switch {
	case len(o.found) == 0 && o.bare:
		return c.bareTaskDefinition(src, size, o.topLine)
	case len(o.found) == 0:
		sort.Strings(o.keys)
		listed := strings.Join(o.keys, ", ")
		if o.nkeys > len(o.keys) {
			listed += fmt.Sprintf(", and %d more", o.nkeys-len(o.keys))
		}
		return nil, fmt.Errorf("%s: not a recognised AWS CLI document (top-level keys: %s); a snapshot holds the JSON output (--output json) of: %s",
			file, listed, recognisedList())
	case len(o.found) == 1 && !o.bare:
	default:
		sort.Ints(o.found)
		names := make([]string, 0, len(o.found)+1)
		for _, f := range o.found {
			names = append(names, kinds[f].command)
		}
		if o.bare {
			names = append(names, "a task definition of its own (containerDefinitions)")
		}
		return nil, fmt.Errorf("%s: mixes the outputs of several commands (%s); a snapshot file holds the output of one command",
			file, strings.Join(names, "; "))
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c.decodeKind(o.found[0], src, size, o.tdKey, o.tdLine)
}

// decodeKind decodes a document known (or guessed) to be the output of kinds[kind]; tdKey and tdLine
// are, for describe-task-definition's, its taskDefinition member as spelled and the line its value opens on.
func (c *collector) decodeKind(kind int, src io.Reader, size int64, tdKey string, tdLine int) (*part, error) {
	file := c.file
	k := kinds[kind]
	if k.keys[0] == "taskdefinition" {
		return c.describedTaskDefinition(src, size, tdKey, tdLine)
	}
	opt := c.decodeOptions(size)
	if k.each != nil {
		opt.Each = k.each(c)
	}
	if k.command == inspectorFindingsCommand {
		// A finding has many members the trait does not read (descriptions, packages, scores...): they are
		// checked as JSON and skipped, not kept.
		opt.Unknown = func(f awsjson.UnknownField) error { return c.notGuessed(f) }
	}
	doc := k.newDoc()
	if err := awsjson.Decode(file, src, doc, opt); err != nil {
		return nil, err
	}
	if k.finish != nil {
		if err := k.finish(c, doc); err != nil {
			return nil, err
		}
	}
	return c.part, nil
}

func (c *collector) decodeOptions(size int64) awsjson.Options {
	return awsjson.Options{
		Strings:  c.strings,
		Policy:   []awsjson.PolicyField{{Type: reflect.TypeFor[rolePolicyDoc](), Field: "PolicyDocument"}},
		MaxBytes: max(decodeFactor*size, minDecodeBudget),
	}
}

// collector turns a decoded document into a part, checking that every resource has its identity.
type collector struct {
	*part
	rel string // the file's path in task definitions' Source
	// strings interns the strings decoded, shared by the files of a snapshot (nil: none).
	strings *awsjson.Strings
	// revisions, when set, trims the task definitions known unread as they are read (see revisionTracker).
	revisions *revisionTracker
	// guessed is set while decodeGuessed decodes the document as what its first member names.
	guessed bool
	// containerBuf is the buffer eachContainer gathers a task definition's containers in (nil: none yet).
	containerBuf *[]ecstypes.ContainerDefinition
}

func (c *collector) missing(where, field string) error {
	return fmt.Errorf("%s: %s: missing %s", c.file, where, field)
}

// eachItem reads the list field of docType one element at a time: each, found at name[i], is kept as
// an item identified by the field that id returns (named idField in the error when it is missing or
// empty); then, when set, more sees it too.
func eachItem[T any](c *collector, docType reflect.Type, field string, into *[]item[T], name, idField string, id func(*T) *string, more func(where string, v *T) error) awsjson.EachField {
	return awsjson.EachField{Type: docType, Field: field, Elem: func(i int, e any) error {
		v := e.(*T)
		where := fmt.Sprintf("%s[%d]", name, i)
		s := str(id(v))
		if s == "" {
			return c.missing(where, idField)
		}
		*into = append(*into, item[T]{id: s, where: where, v: *v})
		if more != nil {
			return more(where, v)
		}
		return nil
	}}
}

// eachFailure turns a list of failures into read errors, one element at a time.
func eachFailure(c *collector, docType reflect.Type, resourceType, operation string) awsjson.EachField {
	return awsjson.EachField{Type: docType, Field: "Failures", Elem: func(_ int, e any) error {
		c.failure(e.(*ecstypes.Failure), resourceType, operation)
		return nil
	}}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (c *collector) failure(f *ecstypes.Failure, resourceType, operation string) {
	reason := str(f.Reason)
	if reason == "MISSING" {
		return // asked for something that does not exist: nothing to evaluate
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

func (c *collector) eachService() []awsjson.EachField {
	t := reflect.TypeFor[servicesDoc]()
	return []awsjson.EachField{
		eachItem(c, t, "Services", &c.services, "services", "serviceArn", func(s *ecstypes.Service) *string { return s.ServiceArn },
			func(where string, s *ecstypes.Service) error {
				for j := range s.TaskSets {
					ts := &s.TaskSets[j]
					w := fmt.Sprintf("%s.taskSets[%d]", where, j)
					if str(ts.TaskSetArn) == "" {
						return c.missing(w, "taskSetArn")
					}
					c.taskSets = append(c.taskSets, item[ecstypes.TaskSet]{id: *ts.TaskSetArn, where: w, v: *ts})
				}
				return nil
			}),
		eachFailure(c, t, detect.TypeService, "DescribeServices"),
	}
}

func (c *collector) eachCluster() []awsjson.EachField {
	t := reflect.TypeFor[clustersDoc]()
	return []awsjson.EachField{
		eachItem(c, t, "Clusters", &c.clusters, "clusters", "clusterArn", func(cl *ecstypes.Cluster) *string { return cl.ClusterArn }, nil),
		eachFailure(c, t, detect.TypeCluster, "DescribeClusters"),
	}
}

func (c *collector) eachTaskSet() []awsjson.EachField {
	t := reflect.TypeFor[taskSetsDoc]()
	return []awsjson.EachField{
		eachItem(c, t, "TaskSets", &c.taskSets, "taskSets", "taskSetArn", func(ts *ecstypes.TaskSet) *string { return ts.TaskSetArn }, nil),
		eachFailure(c, t, detect.TypeTaskSet, "DescribeTaskSets"),
	}
}

func (c *collector) eachCapacityProvider() []awsjson.EachField {
	t := reflect.TypeFor[capacityProvidersDoc]()
	return []awsjson.EachField{
		eachItem(c, t, "CapacityProviders", &c.capacityProviders, "capacityProviders", "capacityProviderArn", func(cp *ecstypes.CapacityProvider) *string { return cp.CapacityProviderArn }, nil),
		eachFailure(c, t, detect.TypeCapacityProvider, "DescribeCapacityProviders"),
	}
}

func (c *collector) eachSecurityGroup() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[securityGroupsDoc](), "SecurityGroups", &c.securityGroups, "SecurityGroups", "GroupId", func(x *ec2types.SecurityGroup) *string { return x.GroupId }, nil)}
}

func (c *collector) eachSubnet() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[subnetsDoc](), "Subnets", &c.subnets, "Subnets", "SubnetId", func(x *ec2types.Subnet) *string { return x.SubnetId }, nil)}
}

func (c *collector) eachRouteTable() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[routeTablesDoc](), "RouteTables", &c.routeTables, "RouteTables", "RouteTableId", func(x *ec2types.RouteTable) *string { return x.RouteTableId }, nil)}
}

func (c *collector) eachNetworkInterface() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[networkInterfacesDoc](), "NetworkInterfaces", &c.networkInterfaces, "NetworkInterfaces", "NetworkInterfaceId", func(ni *ec2types.NetworkInterface) *string { return ni.NetworkInterfaceId }, nil)}
}

func (c *collector) finishNetworkInterfaces(v any) error {
	doc := v.(*networkInterfacesDoc)
	c.interfacesDoc = true
	c.interfacesComplete = doc.NextToken == nil || *doc.NextToken == ""
	return nil
}

func (c *collector) eachVpcEndpoint() []awsjson.EachField {
	return []awsjson.EachField{{Type: reflect.TypeFor[vpcEndpointsDoc](), Field: "VpcEndpoints", Elem: func(i int, e any) error {
		ep := e.(*ec2types.VpcEndpoint)
		where := fmt.Sprintf("VpcEndpoints[%d]", i)
		if str(ep.VpcEndpointId) == "" {
			return c.missing(where, "VpcEndpointId")
		}
		if str(ep.VpcId) == "" {
			return c.missing(where, "VpcId")
		}
		c.vpcEndpoints = append(c.vpcEndpoints, item[ec2types.VpcEndpoint]{id: *ep.VpcEndpointId, where: where, v: *ep})
		return nil
	}}}
}

func (c *collector) finishVpcEndpoints(v any) error {
	doc := v.(*vpcEndpointsDoc)
	c.endpointsDoc = true
	c.endpointsComplete = doc.NextToken == nil || *doc.NextToken == ""
	return nil
}

func (c *collector) eachLoadBalancer() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[loadBalancersDoc](), "LoadBalancers", &c.loadBalancers, "LoadBalancers", "LoadBalancerArn", func(x *elbtypes.LoadBalancer) *string { return x.LoadBalancerArn }, nil)}
}

func (c *collector) eachTargetGroup() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[targetGroupsDoc](), "TargetGroups", &c.targetGroups, "TargetGroups", "TargetGroupArn", func(x *elbtypes.TargetGroup) *string { return x.TargetGroupArn }, nil)}
}

func (c *collector) eachAutoScalingGroup() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[autoScalingGroupsDoc](), "AutoScalingGroups", &c.autoScalingGroups, "AutoScalingGroups", "AutoScalingGroupARN",
		func(x *astypes.AutoScalingGroup) *string { return x.AutoScalingGroupARN },
		func(where string, g *astypes.AutoScalingGroup) error {
			if str(g.AutoScalingGroupName) == "" {
				return c.missing(where, "AutoScalingGroupName")
			}
			return nil
		})}
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

// eachAuthorizationDetail keeps of get-account-authorization-details what the inventory holds of each
// role and the default version's document of each managed policy; users and groups are read and checked,
// then dropped.
func (c *collector) eachAuthorizationDetail() []awsjson.EachField {
	t := reflect.TypeFor[authorizationDetailsDoc]()
	drop := func(int, any) error { return nil }
	return []awsjson.EachField{
		{Type: t, Field: "UserDetailList", Elem: drop},
		{Type: t, Field: "GroupDetailList", Elem: drop},
		{Type: t, Field: "RoleDetailList", Elem: func(i int, e any) error {
			r := e.(*iamtypes.RoleDetail)
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
			return nil
		}},
		{Type: t, Field: "Policies", Elem: func(i int, e any) error {
			p := e.(*iamtypes.ManagedPolicyDetail)
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
			return nil
		}},
	}
}
