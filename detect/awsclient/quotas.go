// This file holds the one table of the API request quotas ecsfix paces itself by: the token buckets AWS
// documents for each service and action group (per account and region, or per account for a global
// service), and what they imply for how long a set of calls must take.

package awsclient

import (
	"fmt"
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
	// Source says where the numbers are documented, or why they are an estimate.
	Source string
}

// ecsThrottling is the page documenting the ECS buckets.
const ecsThrottling = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html"

// DefaultQuotas are the documented buckets of the APIs ecsfix calls. Accounts can have some raised:
// WithOverrides applies the configuration's pace.quotas.
var DefaultQuotas = []Quota{
	{Service: "ecs", Group: "cluster-read", Actions: []string{"DescribeClusters", "ListClusters"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "cluster-modify", Actions: []string{"CreateCluster", "DeleteCluster", "UpdateCluster", "UpdateClusterSettings", "PutClusterCapacityProviders"}, Burst: 20, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "service-read", Actions: []string{"DescribeServices", "ListServices", "ListServicesByNamespace"}, Burst: 100, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "service-modify", Actions: []string{"CreateService", "UpdateService", "DeleteService"}, Burst: 50, Rate: 5, Source: ecsThrottling},
	{Service: "ecs", Group: "task-definition-read", Actions: []string{"DescribeTaskDefinition", "ListTaskDefinitions", "ListTaskDefinitionFamilies"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "task-definition-modify", Actions: []string{"RegisterTaskDefinition", "DeregisterTaskDefinition", "DeleteTaskDefinitions"}, Burst: 20, Rate: 1, Source: ecsThrottling},
	{Service: "ecs", Group: "capacity-provider-read", Actions: []string{"DescribeCapacityProviders"}, Burst: 50, Rate: 20, Source: ecsThrottling},
	{Service: "ecs", Group: "capacity-provider-modify", Actions: []string{"CreateCapacityProvider", "UpdateCapacityProvider", "DeleteCapacityProvider"}, Burst: 20, Rate: 1, Source: ecsThrottling},
	{Service: "ec2", Group: "security-group-rule-modify", Actions: []string{"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup"}, Burst: 50, Rate: 5, Source: "https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html"},
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
		case !(q.Rate > 0):
			return nil, fmt.Errorf("quota %s: rate must be above 0", name)
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
	if i, ok := t.byOp[service+":"+op]; ok {
		return t.quotas[i], true
	}
	if i, ok := t.rest[service]; ok {
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
// the table's buckets, each starting full: for each group, the calls beyond its burst at its rate; the
// groups refill at once, so the slowest group sets the time. Calls of operations the table does not pace
// cost nothing here.
func (t *QuotaTable) Estimate(calls map[string]int) time.Duration {
	perGroup := map[int]int{}
	for key, n := range calls {
		service, op, _ := strings.Cut(key, ":")
		if i, ok := t.byOp[service+":"+op]; ok {
			perGroup[i] += n
		} else if i, ok := t.rest[service]; ok {
			perGroup[i] += n
		}
	}
	var longest time.Duration
	for i, n := range perGroup {
		q := t.quotas[i]
		if over := float64(n) - q.Burst; over > 0 {
			longest = max(longest, time.Duration(over/q.Rate*float64(time.Second)))
		}
	}
	return longest
}
