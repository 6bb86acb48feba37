// This file holds the one table of the API request quotas ecsfix paces itself by: the token buckets AWS
// documents for each service and action group (per account and region, or per account for a global
// service), and what they imply for how long a set of calls must take.

package awsclient

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Quota is one token bucket of an AWS API: the calls of its Actions share Burst tokens, refilled at Rate
// a second, in each account and region (in each account when Global).
type Quota struct {
	// Service is the service's IAM-action prefix, as Counter names it ("ecs", "ec2", "iam", "elbv2").
	Service string
	// Group names the action group, unique within Service ("task-definition-read").
	Group string
	// Actions are the operations of the group. A group without actions holds every operation of Service
	// that no other group of it names (at most one such group a service).
	Actions []string
	// Burst is the bucket's size; Rate its refill, in calls a second.
	Burst float64
	Rate  float64
	// Global buckets are per account whatever the region (IAM).
	Global bool
	// PerAction: each action of the group has a bucket of its own with these numbers (EC2 throttles each
	// action on its own, with the numbers of its category).
	PerAction bool
	// Source says where the numbers are documented, or why they are an estimate.
	Source string
}

// The pages documenting the buckets.
const (
	ecsThrottling  = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html"
	ec2Throttling  = "https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html"
	ecrQuotas      = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html"
	securityHubAPI = "https://docs.aws.amazon.com/securityhub/1.0/APIReference/Welcome.html (throttling limits)"
	// notDocumented marks a bucket AWS does not document: a conservative estimate, overridable.
	notDocumented = "not documented; conservative"
)

// DefaultQuotas are the documented buckets of the APIs ecsfix calls. Accounts can have some raised:
// WithOverrides applies the configuration's pace.quotas. Where AWS documents no bucket, the numbers are a
// conservative estimate and Source says so.
var DefaultQuotas = []Quota{
	// ECS: one bucket per action category, per account and region.
	{Service: "ecs", Group: "cluster-read", Actions: []string{"DescribeClusters", "ListClusters"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "cluster-modify", Actions: []string{"CreateCluster", "DeleteCluster", "PutClusterCapacityProviders", "UpdateCluster", "UpdateClusterSettings"}, Burst: 20, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "cluster-resource-read", Actions: []string{"DescribeContainerInstances", "DescribeTasks", "ListAttributes", "ListContainerInstances", "ListTasks"}, Burst: 100, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "service-read", Actions: []string{"DescribeServices", "ListServices"}, Burst: 100, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "service-modify", Actions: []string{"CreateService", "DeleteService", "UpdateService"}, Burst: 50, Rate: 5, Source: ecsThrottling},
	{Service: "ecs", Group: "service-deployment-read", Actions: []string{"DescribeServiceDeployments", "ListServiceDeployments", "DescribeServiceRevisions"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "services-by-namespace-read", Actions: []string{"ListServicesByNamespace"}, Burst: 10, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "task-definition-read", Actions: []string{"DescribeTaskDefinition", "ListTaskDefinitions", "ListTaskDefinitionFamilies"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "task-definition-modify", Actions: []string{"RegisterTaskDefinition", "DeregisterTaskDefinition"}, Burst: 20, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "task-definition-delete", Actions: []string{"DeleteTaskDefinitions"}, Burst: 5, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "capacity-provider-read", Actions: []string{"DescribeCapacityProviders"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "capacity-provider-modify", Actions: []string{"CreateCapacityProvider", "UpdateCapacityProvider", "DeleteCapacityProvider"}, Burst: 10, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "tag-read", Actions: []string{"ListTagsForResource"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "tag-modify", Actions: []string{"TagResource", "UntagResource"}, Burst: 20, Rate: 10, Source: ecsThrottling},
	{Service: "ecs", Group: "task-set-read", Actions: []string{"DescribeTaskSets"}, Burst: 20, Rate: 5, Source: "task sets: " + notDocumented + " (" + ecsThrottling + " lists no task-set category)"},
	{Service: "ecs", Group: "task-set-modify", Actions: []string{"CreateTaskSet", "UpdateTaskSet", "DeleteTaskSet", "UpdateServicePrimaryTaskSet"}, Burst: 10, Rate: 1, Source: "task sets: " + notDocumented + " (" + ecsThrottling + " lists no task-set category)"},
	{Service: "ecs", Group: "other", Burst: 10, Rate: 1, Source: "ECS actions of no other group: " + notDocumented},

	// EC2: each action has its own bucket, with the numbers of its category (PerAction).
	{Service: "ec2", Group: "describe", Actions: []string{"DescribeRegions", "DescribeSubnets", "DescribeRouteTables", "DescribeVpcEndpoints", "DescribeVpcs"}, Burst: 100, Rate: 20, PerAction: true, Source: ec2Throttling + " (non-mutating actions)"},
	{Service: "ec2", Group: "describe-unfiltered", Actions: []string{"DescribeSecurityGroups", "DescribeNetworkInterfaces", "DescribeInstances"}, Burst: 50, Rate: 10, PerAction: true, Source: ec2Throttling + " (unfiltered and unpaginated non-mutating actions: the smaller bucket, whatever the filters)"},
	{Service: "ec2", Group: "security-group-rule-modify", Actions: []string{"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress"}, Burst: 50, Rate: 5, PerAction: true, Source: ec2Throttling + " (ingress: resource-intensive actions; egress: mutating actions)"},
	{Service: "ec2", Group: "tags-modify", Actions: []string{"CreateTags", "DeleteTags"}, Burst: 100, Rate: 10, PerAction: true, Source: ec2Throttling + " (uncategorized actions)"},
	{Service: "ec2", Group: "modify", Burst: 50, Rate: 5, PerAction: true, Source: ec2Throttling + " (mutating actions: CreateSecurityGroup and every EC2 action of no other group)"},

	// IAM is global: one bucket per account.
	{Service: "iam", Group: "read", Actions: []string{"GetRole", "GetRolePolicy", "GetPolicy", "GetPolicyVersion", "ListRolePolicies", "ListAttachedRolePolicies"}, Burst: 20, Rate: 10, Global: true, Source: "IAM: " + notDocumented},
	{Service: "iam", Group: "modify", Burst: 10, Rate: 2, Global: true, Source: "IAM (PutRolePolicy, DeleteRolePolicy, AttachRolePolicy, DetachRolePolicy, …): " + notDocumented},

	{Service: "sts", Group: "all", Burst: 50, Rate: 20, Source: "STS: " + notDocumented},

	{Service: "elbv2", Group: "read", Actions: []string{"DescribeLoadBalancers", "DescribeTargetGroups", "DescribeListeners", "DescribeTags"}, Burst: 20, Rate: 10, Source: "Elastic Load Balancing: " + notDocumented},
	{Service: "elbv2", Group: "modify", Burst: 10, Rate: 2, Source: "Elastic Load Balancing: " + notDocumented},

	{Service: "ecr", Group: "batch-get-image", Actions: []string{"BatchGetImage"}, Burst: 2000, Rate: 2000, Source: ecrQuotas + " (rate of BatchGetImage requests; burst: one second's worth)"},
	{Service: "ecr", Group: "get-download-url-for-layer", Actions: []string{"GetDownloadUrlForLayer"}, Burst: 3000, Rate: 3000, Source: ecrQuotas + " (rate of GetDownloadUrlForLayer requests; burst: one second's worth)"},
	{Service: "ecr", Group: "describe", Actions: []string{"DescribeImages", "DescribeImageScanFindings", "DescribeRepositories"}, Burst: 20, Rate: 10, Source: "ECR describe actions: " + notDocumented + " (" + ecrQuotas + " names none)"},
	{Service: "ecr", Group: "other", Burst: 10, Rate: 1, Source: "ECR: " + notDocumented},

	{Service: "inspector2", Group: "all", Burst: 10, Rate: 5, Source: "Amazon Inspector: " + notDocumented},

	{Service: "autoscaling", Group: "read", Actions: []string{"DescribeAutoScalingGroups"}, Burst: 20, Rate: 10, Source: "Auto Scaling: " + notDocumented},
	{Service: "autoscaling", Group: "modify", Burst: 10, Rate: 2, Source: "Auto Scaling (UpdateAutoScalingGroup, …): " + notDocumented},

	{Service: "secretsmanager", Group: "read", Actions: []string{"DescribeSecret", "GetSecretValue", "ListSecrets"}, Burst: 50, Rate: 20, Source: "Secrets Manager: " + notDocumented},
	{Service: "secretsmanager", Group: "modify", Burst: 10, Rate: 2, Source: "Secrets Manager (CreateSecret, TagResource, …): " + notDocumented},

	{Service: "cloudwatchlogs", Group: "read", Actions: []string{"ListTagsForResource", "ListTagsLogGroup", "DescribeLogGroups"}, Burst: 10, Rate: 5, Source: "CloudWatch Logs: " + notDocumented},
	{Service: "cloudwatchlogs", Group: "modify", Burst: 10, Rate: 2, Source: "CloudWatch Logs (CreateLogGroup, PutRetentionPolicy, TagResource, …): " + notDocumented},

	{Service: "organizations", Group: "all", Burst: 5, Rate: 1, Global: true, Source: "AWS Organizations: " + notDocumented},

	{Service: "securityhub", Group: "get-findings", Actions: []string{"GetFindings"}, Burst: 6, Rate: 3, Source: securityHubAPI},
	{Service: "securityhub", Group: "get-findings-v2", Actions: []string{"GetFindingsV2"}, Burst: 6, Rate: 3, Source: "GetFindingsV2: " + notDocumented + " (GetFindings' numbers, " + securityHubAPI + ")"},
	{Service: "securityhub", Group: "batch-update-findings", Actions: []string{"BatchUpdateFindings"}, Burst: 30, Rate: 10, Source: securityHubAPI},
	{Service: "securityhub", Group: "batch-update-findings-v2", Actions: []string{"BatchUpdateFindingsV2"}, Burst: 30, Rate: 10, Source: "BatchUpdateFindingsV2: " + notDocumented + " (BatchUpdateFindings' numbers, " + securityHubAPI + ")"},
	{Service: "securityhub", Group: "batch-import-findings", Actions: []string{"BatchImportFindings"}, Burst: 30, Rate: 10, Source: securityHubAPI},
	{Service: "securityhub", Group: "other", Burst: 30, Rate: 10, Source: securityHubAPI + " (all other operations)"},

	{Service: "kms", Group: "all", Burst: 50, Rate: 50, Source: "KMS (Sign, GetPublicKey): " + notDocumented + " here; well below the shared cryptographic-operation quotas"},
}

// QuotaTable finds the bucket of an operation. Build it with NewQuotaTable.
type QuotaTable struct {
	quotas []Quota
	byOp   map[string]int // "service:Operation" → index in quotas
	rest   map[string]int // service → its group without actions
}

// NewQuotaTable indexes quotas, checking that every group is well formed and that no operation is in two
// groups.
func NewQuotaTable(quotas []Quota) (*QuotaTable, error) {
	t := &QuotaTable{quotas: slices.Clone(quotas), byOp: map[string]int{}, rest: map[string]int{}}
	groups := map[string]bool{}
	for i, q := range t.quotas {
		name := q.Service + "/" + q.Group
		switch {
		case q.Service == "" || q.Group == "":
			return nil, fmt.Errorf("quota %d: service and group are required", i+1)
		case groups[name]:
			return nil, fmt.Errorf("quota %s: listed twice", name)
		case !(q.Burst >= 1):
			return nil, fmt.Errorf("quota %s: burst must be at least 1", name)
		case !(q.Rate > 0) || math.IsInf(q.Rate, 0) || math.IsInf(q.Burst, 0):
			return nil, fmt.Errorf("quota %s: rate must be above 0 and burst and rate finite", name)
		}
		groups[name] = true
		if len(q.Actions) == 0 {
			if _, dup := t.rest[q.Service]; dup {
				return nil, fmt.Errorf("quota %s: %s has two groups without actions", name, q.Service)
			}
			t.rest[q.Service] = i
		}
		for _, a := range q.Actions {
			key := q.Service + ":" + a
			if j, dup := t.byOp[key]; dup {
				return nil, fmt.Errorf("quota %s: %s is in group %s too", name, a, t.quotas[j].Group)
			}
			t.byOp[key] = i
		}
	}
	return t, nil
}

// DefaultQuotaTable is the table of DefaultQuotas.
func DefaultQuotaTable() *QuotaTable {
	t, err := NewQuotaTable(DefaultQuotas)
	if err != nil {
		panic("awsclient: DefaultQuotas: " + err.Error())
	}
	return t
}

// Quotas returns a copy of the table's buckets.
func (t *QuotaTable) Quotas() []Quota { return slices.Clone(t.quotas) }

// Lookup returns the bucket of service's operation op (service as Counter names it); false when the
// table has none for it (the call is not paced).
func (t *QuotaTable) Lookup(service, op string) (Quota, bool) {
	if i, ok := t.index(service, op); ok {
		return t.quotas[i], true
	}
	return Quota{}, false
}

// Override changes the numbers of one group (configuration pace.quotas): an account may have had a quota
// raised.
type Override struct {
	Service string
	Group   string
	Burst   float64
	Rate    float64
}

// WithOverrides returns a table with the overrides applied. An override naming a group the table does not
// have, or with numbers out of range, is an error naming it.
func (t *QuotaTable) WithOverrides(overrides []Override) (*QuotaTable, error) {
	quotas := t.Quotas()
	for _, o := range overrides {
		i := slices.IndexFunc(quotas, func(q Quota) bool { return q.Service == o.Service && q.Group == o.Group })
		if i < 0 {
			return nil, fmt.Errorf("no quota group %s/%s (groups: %s)", o.Service, o.Group, strings.Join(t.groupNames(), ", "))
		}
		quotas[i].Burst, quotas[i].Rate = o.Burst, o.Rate
		quotas[i].Source = "configuration (pace.quotas)"
	}
	return NewQuotaTable(quotas)
}

func (t *QuotaTable) groupNames() []string {
	out := make([]string, 0, len(t.quotas))
	for _, q := range t.quotas {
		out = append(out, q.Service+"/"+q.Group)
	}
	return out
}

// Estimate is the least time the calls (by "service:Operation", in one account and region) can take under
// the table's buckets, each starting full: for each bucket, the calls beyond its burst at its rate; the
// buckets refill at once, so the slowest sets the time. Calls of operations the table does not pace
// cost nothing here.
func (t *QuotaTable) Estimate(calls map[string]int) time.Duration {
	perBucket := map[bucketOf]int{}
	for key, n := range calls {
		service, op, _ := strings.Cut(key, ":")
		if i, ok := t.index(service, op); ok {
			perBucket[t.bucketOf(i, op)] += n
		}
	}
	var longest time.Duration
	for b, n := range perBucket {
		q := t.quotas[b.quota]
		if over := float64(n) - q.Burst; over > 0 {
			longest = max(longest, time.Duration(over/q.Rate*float64(time.Second)))
		}
	}
	return longest
}

// index is the position in t.quotas of service's operation op's group.
func (t *QuotaTable) index(service, op string) (int, bool) {
	if i, ok := t.byOp[service+":"+op]; ok {
		return i, true
	}
	i, ok := t.rest[service]
	return i, ok
}

// bucketOf names one bucket of the table (in one account and region): a group's, or one action's of a
// PerAction group.
type bucketOf struct {
	quota int
	op    string
}

func (t *QuotaTable) bucketOf(i int, op string) bucketOf {
	if t.quotas[i].PerAction {
		return bucketOf{quota: i, op: op}
	}
	return bucketOf{quota: i}
}
