package fix

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/plan"
)

// Security-group rules as the EC2 API takes them, and the reads and writes the security-group executors
// (update-security-group-ingress, create-security-group), their rollback and the stale check share.

// permission is r as an EC2 permission (protocol -1 is sent without ports: it means all of them).
func permission(r plan.IngressRule) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol)}
	if r.Protocol != "-1" {
		p.FromPort, p.ToPort = aws.Int32(r.FromPort), aws.Int32(r.ToPort)
	}
	var desc *string
	if r.Description != "" {
		desc = aws.String(r.Description)
	}
	switch {
	case r.CidrIPv4 != "":
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.CidrIPv4), Description: desc}}
	case r.CidrIPv6 != "":
		p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(r.CidrIPv6), Description: desc}}
	case strings.HasPrefix(r.SourceGroup, "prefix-list:"):
		p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(strings.TrimPrefix(r.SourceGroup, "prefix-list:")), Description: desc}}
	default:
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(r.SourceGroup), Description: desc}}
	}
	return p
}

func ruleKeys(rules []plan.IngressRule) map[string]bool {
	m := make(map[string]bool, len(rules))
	for _, r := range rules {
		m[plan.RuleKey(r)] = true
	}
	return m
}

// rulesString is the rules' keys, sorted, joined by ";" (as plan.SecurityGroupFacts writes them).
func rulesString(rules []plan.IngressRule) string {
	keys := make([]string, 0, len(rules))
	for _, r := range rules {
		keys = append(keys, plan.RuleKey(r))
	}
	sort.Strings(keys)
	return strings.Join(keys, ";")
}

func sameRules(a, b []plan.IngressRule) bool { return rulesString(a) == rulesString(b) }

// missing returns the rules of want whose key is not in have.
func missing(want []plan.IngressRule, have map[string]bool) []plan.IngressRule {
	var out []plan.IngressRule
	for _, r := range want {
		if !have[plan.RuleKey(r)] {
			out = append(out, r)
		}
	}
	return out
}

// present returns the rules of want whose key is in have.
func present(want []plan.IngressRule, have map[string]bool) []plan.IngressRule {
	var out []plan.IngressRule
	for _, r := range want {
		if have[plan.RuleKey(r)] {
			out = append(out, r)
		}
	}
	return out
}

// partOfWay tells whether cur is from by the update (authorize, revoke) done in part or in whole: every
// rule of cur is in from or authorize, and every rule of from missing in cur is in revoke.
func partOfWay(cur, from map[string]bool, authorize, revoke map[string]bool) bool {
	for k := range cur {
		if !from[k] && !authorize[k] {
			return false
		}
	}
	for k := range from {
		if !cur[k] && !revoke[k] {
			return false
		}
	}
	return true
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// describeGroups describes security groups by id (100 at a time, with the group-id filter, so that a
// missing group is absent rather than an error).
func describeGroups(ctx context.Context, api ec2API, ids []string) (map[string]*ec2types.SecurityGroup, error) {
	got := map[string]*ec2types.SecurityGroup{}
	for start := 0; start < len(ids); start += 100 {
		batch := ids[start:min(start+100, len(ids))]
		p := ec2.NewDescribeSecurityGroupsPaginator(api, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: batch}},
		})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe security groups %s: %w", strings.Join(batch, ", "), err)
			}
			for i := range out.SecurityGroups {
				g := out.SecurityGroups[i]
				got[aws.ToString(g.GroupId)] = &g
			}
		}
	}
	return got, nil
}

func describeGroup(ctx context.Context, api ec2API, id string) (*ec2types.SecurityGroup, error) {
	got, err := describeGroups(ctx, api, []string{id})
	if err != nil {
		return nil, err
	}
	if got[id] == nil {
		return nil, fmt.Errorf("security group %s is missing", id)
	}
	return got[id], nil
}

// authorize adds rules one at a time (an InvalidPermission.Duplicate error means it is there already).
func authorize(ctx context.Context, api ec2API, group string, egress bool, rules []plan.IngressRule) error {
	for _, rl := range rules {
		perm := []ec2types.IpPermission{permission(rl)}
		var err error
		if egress {
			_, err = api.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(group), IpPermissions: perm})
		} else {
			_, err = api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: perm})
		}
		if err != nil && errorCode(err) != "InvalidPermission.Duplicate" {
			return fmt.Errorf("authorize %s %s on security group %s: %w", direction(egress), plan.RuleKey(rl), group, err)
		}
	}
	return nil
}

// revoke removes rules one at a time (an InvalidPermission.NotFound error means it is gone already).
func revoke(ctx context.Context, api ec2API, group string, egress bool, rules []plan.IngressRule) error {
	for _, rl := range rules {
		perm := []ec2types.IpPermission{permission(rl)}
		var err error
		if egress {
			_, err = api.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(group), IpPermissions: perm})
		} else {
			_, err = api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: perm})
		}
		if err != nil && errorCode(err) != "InvalidPermission.NotFound" {
			return fmt.Errorf("revoke %s %s on security group %s: %w", direction(egress), plan.RuleKey(rl), group, err)
		}
	}
	return nil
}

func direction(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}

func keysOf(rules []plan.IngressRule) string {
	if len(rules) == 0 {
		return "(none)"
	}
	return rulesString(rules)
}

// rulesJSON prints rules as the EC2 API takes them.
func rulesJSON(group string, rules []plan.IngressRule) string {
	perms := make([]ec2types.IpPermission, 0, len(rules))
	for _, r := range rules {
		perms = append(perms, permission(r))
	}
	return setJSON(map[string]any{"GroupId": group, "IpPermissions": perms}) // only the fields set, as for the other calls
}
