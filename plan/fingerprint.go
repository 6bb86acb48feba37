package plan

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Fact names. The planner records them from the inventory; the applier re-reads each resource and
// computes them again with the same functions, so that "changed" means the same thing on both sides.
const (
	FactTaskDefinition  = "taskDefinition"
	FactPlatformVersion = "platformVersion"
	FactDeploymentID    = "primaryDeploymentId"
	FactDeploymentAt    = "primaryDeploymentUpdatedAt"
	FactStatus          = "status"
	FactDesiredCount    = "desiredCount"
	FactSettings        = "settings"
	FactLatestActive    = "latestActiveRevision"
	FactNetwork         = "network"
	FactAttached        = "attachedPolicies"
	FactInline          = "inlinePolicies"
	FactIngress         = "ingress"
	FactEgress          = "egress"
	FactOwnedPolicy     = "ownedPolicySha256"
)

// ServiceFacts are what must not change between planning and applying a service update: the revision it
// runs, its platform version, its primary deployment (id and last update) and its status.
func ServiceFacts(svc *ecstypes.Service) map[string]string {
	f := map[string]string{
		FactTaskDefinition:  aws.ToString(svc.TaskDefinition),
		FactPlatformVersion: aws.ToString(svc.PlatformVersion),
		FactStatus:          aws.ToString(svc.Status),
	}
	f[FactNetwork] = NetworkFact(svc.NetworkConfiguration)
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) != "PRIMARY" {
			continue
		}
		f[FactDeploymentID] = aws.ToString(d.Id)
		if d.UpdatedAt != nil {
			f[FactDeploymentAt] = d.UpdatedAt.UTC().Format(time.RFC3339Nano)
		}
	}
	return f
}

// ClusterFacts fingerprint a cluster's settings ("containerInsights=disabled", sorted, comma-joined).
func ClusterFacts(c *ecstypes.Cluster) map[string]string {
	var s []string
	for _, st := range c.Settings {
		s = append(s, string(st.Name)+"="+aws.ToString(st.Value))
	}
	sort.Strings(s)
	return map[string]string{FactSettings: strings.Join(s, ","), FactStatus: aws.ToString(c.Status)}
}

// TaskDefinitionFacts fingerprint a source revision: its status, and the latest ACTIVE revision of its
// family (a newer revision registered since planning makes a plan that fixes the family's latest stale).
func TaskDefinitionFacts(td *detect.TaskDefinition, latestActiveArn string) map[string]string {
	return map[string]string{FactStatus: string(td.Status), FactLatestActive: latestActiveArn}
}

// RoleFacts fingerprint a role whose owned policy a put-role-policy action changes: the hex SHA-256 of the
// document of its inline policy named OwnedPolicyName ("" when it has none). The applier computes it on a
// detect.Role it builds from iam GetRolePolicy.
func RoleFacts(r *detect.Role) map[string]string {
	doc := ownedPolicy(r)
	if doc == "" {
		return map[string]string{FactOwnedPolicy: ""}
	}
	return map[string]string{FactOwnedPolicy: hashValue(doc)}
}

// RolePolicyFacts fingerprint all of a role's policies, for a change to policies ecsfix does not own (the
// admin task-role fix): the attached policy ARNs, sorted and comma-joined, and each inline policy as
// name=sha256 of its document, sorted and comma-joined. The applier reads the role's policies and compares.
func RolePolicyFacts(r *detect.Role) map[string]string {
	attached := make([]string, 0, len(r.Attached))
	for _, a := range r.Attached {
		attached = append(attached, a.Arn)
	}
	inline := make([]string, 0, len(r.Inline))
	for _, p := range r.Inline {
		inline = append(inline, p.Name+"="+hashValue(p.Document))
	}
	sort.Strings(attached)
	sort.Strings(inline)
	return map[string]string{FactAttached: strings.Join(attached, ","), FactInline: strings.Join(inline, ",")}
}

// SecurityGroupFacts fingerprint a group's rules: ingress and egress, each as the sorted canonical rules
// (one per source) joined by ";".
func SecurityGroupFacts(g *ec2types.SecurityGroup) map[string]string {
	return map[string]string{FactIngress: rulesFact(RulesOf(g.IpPermissions)), FactEgress: rulesFact(RulesOf(g.IpPermissionsEgress))}
}

// RulesOf flattens EC2 permissions into rules with one source each.
func RulesOf(perms []ec2types.IpPermission) []IngressRule {
	var out []IngressRule
	for _, p := range perms {
		// rule is the permission's rule with one source (one of cidr4, cidr6, group) and its description.
		rule := func(cidr4, cidr6, group string, description *string) IngressRule {
			return IngressRule{Protocol: aws.ToString(p.IpProtocol), FromPort: aws.ToInt32(p.FromPort), ToPort: aws.ToInt32(p.ToPort),
				CidrIPv4: cidr4, CidrIPv6: cidr6, SourceGroup: group, Description: aws.ToString(description)}
		}
		for _, r := range p.IpRanges {
			out = append(out, rule(aws.ToString(r.CidrIp), "", "", r.Description))
		}
		for _, r := range p.Ipv6Ranges {
			out = append(out, rule("", aws.ToString(r.CidrIpv6), "", r.Description))
		}
		for _, r := range p.UserIdGroupPairs {
			out = append(out, rule("", "", aws.ToString(r.GroupId), r.Description))
		}
		for _, r := range p.PrefixListIds {
			out = append(out, rule("", "", "prefix-list:"+aws.ToString(r.PrefixListId), r.Description))
		}
	}
	return out
}

// RuleKey is a rule's identity (without its description).
func RuleKey(r IngressRule) string {
	return fmt.Sprintf("%s/%d-%d/%s%s%s", r.Protocol, r.FromPort, r.ToPort, r.CidrIPv4, r.CidrIPv6, r.SourceGroup)
}

func rulesFact(rules []IngressRule) string {
	keys := make([]string, 0, len(rules))
	for _, r := range rules {
		keys = append(keys, RuleKey(r))
	}
	sort.Strings(keys)
	return strings.Join(keys, ";")
}

// NetworkFact is a service's awsvpc configuration as one comparable string
// ("subnets=a,b;securityGroups=c;assignPublicIp=DISABLED"; "" without one).
func NetworkFact(nc *ecstypes.NetworkConfiguration) string {
	if nc == nil || nc.AwsvpcConfiguration == nil {
		return ""
	}
	c := nc.AwsvpcConfiguration
	subnets := append([]string(nil), c.Subnets...)
	groups := append([]string(nil), c.SecurityGroups...)
	sort.Strings(subnets)
	sort.Strings(groups)
	return "subnets=" + strings.Join(subnets, ",") + ";securityGroups=" + strings.Join(groups, ",") + ";assignPublicIp=" + string(c.AssignPublicIp)
}
