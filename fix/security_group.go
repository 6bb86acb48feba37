package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/plan"
)

// The security-group fix (principle 5: never widen, never guess).
//
// update-security-group-ingress authorizes the replacement rules first, verifies they are there, and only
// then revokes the world-open ones, so that the load balancer never loses access to the service's port.
// It refuses (fails, changing nothing) a plan that would authorize a world-open rule or revoke one that is
// not world-open. Rollback re-authorizes what it revoked, then revokes what it authorized.
//
// create-security-group creates a copy of a shared group (tagged with the plan and action, so that a
// resumed apply finds and reuses it), makes its rules exactly the plan's (the default allow-all egress
// rule is revoked unless the plan lists it), and records the group's id for the update-service that moves
// the service to it. Rollback keeps the group: the service's own rollback moves it back.

const (
	worldIPv4 = "0.0.0.0/0"
	worldIPv6 = "::/0"
)

func worldOpen(r plan.IngressRule) bool { return r.CidrIPv4 == worldIPv4 || r.CidrIPv6 == worldIPv6 }

// checkRule refuses a rule that does not name exactly one source (or destination) and a protocol.
func checkRule(which string, r plan.IngressRule) error {
	n := 0
	for _, s := range []string{r.CidrIPv4, r.CidrIPv6, r.SourceGroup} {
		if s != "" {
			n++
		}
	}
	if n != 1 || r.Protocol == "" {
		return fmt.Errorf("%w: %s rule %s does not name a protocol and exactly one source", ErrInvalidPlan, which, plan.RuleKey(r))
	}
	return nil
}

// checkIngressChange refuses an update that would widen access or revoke a rule that is not world-open.
func checkIngressChange(c *plan.UpdateSecurityGroupIngressChange) error {
	if c.GroupID == "" {
		return fmt.Errorf("%w: updateSecurityGroupIngress names no group", ErrInvalidPlan)
	}
	var bad []string
	for _, r := range c.Authorize {
		if err := checkRule("authorize", r); err != nil {
			return err
		}
		if worldOpen(r) {
			bad = append(bad, "it authorizes "+plan.RuleKey(r)+", open to the world (ecsfix never widens access)")
		}
	}
	for _, r := range c.Revoke {
		if err := checkRule("revoke", r); err != nil {
			return err
		}
		if !worldOpen(r) {
			bad = append(bad, "it revokes "+plan.RuleKey(r)+", which is not open to the world")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: refused to change security group %s: %s", ErrInvalidPlan, c.GroupID, strings.Join(bad, "; "))
	}
	return nil
}

// checkCreateGroup refuses a copy that would be open to the world.
func checkCreateGroup(c *plan.CreateSecurityGroupChange) error {
	if c.VpcID == "" || c.GroupName == "" {
		return fmt.Errorf("%w: createSecurityGroup needs vpcId and groupName", ErrInvalidPlan)
	}
	for _, r := range c.Ingress {
		if err := checkRule("ingress", r); err != nil {
			return err
		}
		if worldOpen(r) {
			return fmt.Errorf("%w: refused to create security group %s: its ingress rule %s is open to the world (ecsfix never widens access)",
				ErrInvalidPlan, c.GroupName, plan.RuleKey(r))
		}
	}
	for _, r := range c.Egress {
		if err := checkRule("egress", r); err != nil {
			return err
		}
	}
	return nil
}

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

// ingressAfter is rules with authorize added and revoke removed (the state the update intends).
func ingressAfter(rules, authorize, revoke []plan.IngressRule) []plan.IngressRule {
	drop := ruleKeys(revoke)
	var out []plan.IngressRule
	seen := map[string]bool{}
	for _, r := range append(append([]plan.IngressRule{}, rules...), authorize...) {
		k := plan.RuleKey(r)
		if drop[k] || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
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
	b, _ := json.Marshal(map[string]any{"GroupId": group, "IpPermissions": perms})
	return string(b)
}

func ingressRequest(c *plan.UpdateSecurityGroupIngressChange) string {
	return fmt.Sprintf("ec2:AuthorizeSecurityGroupIngress groupId=%s rules=%s, then ec2:RevokeSecurityGroupIngress groupId=%s rules=%s",
		c.GroupID, keysOf(c.Authorize), c.GroupID, keysOf(c.Revoke))
}

// updateIngress authorizes the replacement rules, verifies them, then revokes the world-open ones.
func (r *run) updateIngress(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateSecurityGroupIngress
	if err := checkIngressChange(c); err != nil {
		return err
	}
	api := r.cl.ec2(a.Region)
	g, err := describeGroup(ctx, api, c.GroupID)
	if err != nil {
		return err
	}
	cur := plan.RulesOf(g.IpPermissions)
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: ingressRequest(c), Before: &StateRecord{GroupID: c.GroupID, Ingress: cur},
			After: &StateRecord{GroupID: c.GroupID, Ingress: ingressAfter(cur, c.Authorize, c.Revoke)}}); err != nil {
			return err
		}
	}
	have := ruleKeys(cur)
	toAuth, toRevoke := missing(c.Authorize, have), present(c.Revoke, have)
	if len(toAuth) == 0 && len(toRevoke) == 0 {
		r.printf("%s: security group %s already admits %s and not %s: nothing to do", a.ID, c.GroupID, keysOf(c.Authorize), keysOf(c.Revoke))
		return r.finish(a, rep, StatusDone, "already in place", &StateRecord{GroupID: c.GroupID, Ingress: cur})
	}
	if len(toAuth) > 0 {
		r.printf("%s: authorizing ingress %s on security group %s", a.ID, keysOf(toAuth), c.GroupID)
		if err := authorize(ctx, api, c.GroupID, false, toAuth); err != nil {
			return err
		}
	}
	// The replacements must be there before the open rules go.
	if g, err = describeGroup(ctx, api, c.GroupID); err != nil {
		return err
	}
	if miss := missing(c.Authorize, ruleKeys(plan.RulesOf(g.IpPermissions))); len(miss) > 0 {
		return fmt.Errorf("security group %s does not show the authorized rules %s: nothing revoked", c.GroupID, keysOf(miss))
	}
	if toRevoke = present(c.Revoke, ruleKeys(plan.RulesOf(g.IpPermissions))); len(toRevoke) > 0 {
		r.printf("%s: revoking ingress %s on security group %s", a.ID, keysOf(toRevoke), c.GroupID)
		if err := revoke(ctx, api, c.GroupID, false, toRevoke); err != nil {
			return err
		}
	}
	if g, err = describeGroup(ctx, api, c.GroupID); err != nil {
		return err
	}
	final := plan.RulesOf(g.IpPermissions)
	fk := ruleKeys(final)
	if miss, left := missing(c.Authorize, fk), present(c.Revoke, fk); len(miss) > 0 || len(left) > 0 {
		return fmt.Errorf("security group %s after the update: missing %s, still open %s", c.GroupID, keysOf(miss), keysOf(left))
	}
	r.log.Info("updated security group ingress", "action", a.ID, "group", c.GroupID, "authorized", keysOf(c.Authorize), "revoked", keysOf(c.Revoke))
	return r.finish(a, rep, StatusDone, "updated", &StateRecord{GroupID: c.GroupID, Ingress: final})
}

func createGroupInput(c *plan.CreateSecurityGroupChange, short, id string) *ec2.CreateSecurityGroupInput {
	keys := make([]string, 0, len(c.Tags))
	for k := range c.Tags {
		if k != TagPlan && k != TagAction {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	tags := make([]ec2types.Tag, 0, len(keys)+2)
	for _, k := range keys {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(c.Tags[k])})
	}
	tags = append(tags, ec2types.Tag{Key: aws.String(TagPlan), Value: aws.String(short)}, ec2types.Tag{Key: aws.String(TagAction), Value: aws.String(id)})
	return &ec2.CreateSecurityGroupInput{GroupName: aws.String(c.GroupName), Description: aws.String(c.Description), VpcId: aws.String(c.VpcID),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: tags}}}
}

func createGroupRequest(c *plan.CreateSecurityGroupChange) string {
	return fmt.Sprintf("ec2:CreateSecurityGroup groupName=%s vpcId=%s copyOf=%s ingress=%s egress=%s", c.GroupName, c.VpcID, c.CopyOf, keysOf(c.Ingress), keysOf(c.Egress))
}

// findCreated returns the group of the VPC tagged with this plan and action (nil when none).
func (r *run) findCreated(ctx context.Context, api ec2API, vpc, id string) (*ec2types.SecurityGroup, error) {
	p := ec2.NewDescribeSecurityGroupsPaginator(api, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("tag:" + TagPlan), Values: []string{r.short}},
		{Name: aws.String("tag:" + TagAction), Values: []string{id}},
	}})
	var found []ec2types.SecurityGroup
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("look for the security group this plan created: %w", err)
		}
		found = append(found, out.SecurityGroups...)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	var ids []string
	for _, g := range found {
		ids = append(ids, aws.ToString(g.GroupId))
	}
	return nil, fmt.Errorf("several security groups of VPC %s carry %s=%s and %s=%s (%s): remove the extra ones before resuming",
		vpc, TagPlan, r.short, TagAction, id, strings.Join(ids, ", "))
}

// createGroup creates the copy (or reuses the one this plan created earlier) and makes its rules exactly
// the plan's.
func (r *run) createGroup(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.CreateSecurityGroup
	if err := checkCreateGroup(c); err != nil {
		return err
	}
	api := r.cl.ec2(a.Region)
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: createGroupRequest(c), Before: &StateRecord{GroupName: c.GroupName, VpcID: c.VpcID},
			After: &StateRecord{GroupName: c.GroupName, VpcID: c.VpcID, Ingress: c.Ingress, Egress: c.Egress}}); err != nil {
			return err
		}
	}
	g, err := r.findCreated(ctx, api, c.VpcID, a.ID)
	if err != nil {
		return err
	}
	created := g == nil
	var id string
	if g != nil {
		id = aws.ToString(g.GroupId)
		r.printf("%s: found security group %s, created by this plan earlier: reused", a.ID, id)
	} else {
		out, err := api.CreateSecurityGroup(ctx, createGroupInput(c, r.short, a.ID))
		if err != nil {
			return fmt.Errorf("create security group %s in %s: %w", c.GroupName, c.VpcID, err)
		}
		id = aws.ToString(out.GroupId)
		if id == "" {
			return fmt.Errorf("create security group %s: the response holds no group id", c.GroupName)
		}
		r.printf("%s: created security group %s (%s), a copy of %s", a.ID, id, c.GroupName, c.CopyOf)
		if err := r.j.write(Record{Type: RecStep, Action: a.ID, Request: "ec2:CreateSecurityGroup groupName=" + c.GroupName,
			Result: &StateRecord{GroupID: id, GroupName: c.GroupName, VpcID: c.VpcID}}); err != nil {
			return err
		}
	}
	r.setTarget(a.ID, id)
	if g, err = describeGroup(ctx, api, id); err != nil {
		return err
	}
	in, eg := plan.RulesOf(g.IpPermissions), plan.RulesOf(g.IpPermissionsEgress)
	// Add first, then take away: the group never admits less than planned on the way.
	if add := missing(c.Ingress, ruleKeys(in)); len(add) > 0 {
		if err := authorize(ctx, api, id, false, add); err != nil {
			return err
		}
	}
	if add := missing(c.Egress, ruleKeys(eg)); len(add) > 0 {
		if err := authorize(ctx, api, id, true, add); err != nil {
			return err
		}
	}
	if extra := missing(in, ruleKeys(c.Ingress)); len(extra) > 0 {
		if err := revoke(ctx, api, id, false, extra); err != nil {
			return err
		}
	}
	if extra := missing(eg, ruleKeys(c.Egress)); len(extra) > 0 {
		if err := revoke(ctx, api, id, true, extra); err != nil {
			return err
		}
	}
	if g, err = describeGroup(ctx, api, id); err != nil {
		return err
	}
	in, eg = plan.RulesOf(g.IpPermissions), plan.RulesOf(g.IpPermissionsEgress)
	if !sameRules(in, c.Ingress) || !sameRules(eg, c.Egress) {
		return fmt.Errorf("security group %s has ingress %s and egress %s, want ingress %s and egress %s",
			id, keysOf(in), keysOf(eg), keysOf(c.Ingress), keysOf(c.Egress))
	}
	rep.Detail = id
	r.log.Info("security group ready", "action", a.ID, "group", id, "created", created, "copyOf", c.CopyOf)
	detail := "created " + id
	if !created {
		detail = "reused " + id + ", created by this plan earlier"
	}
	return r.finish(a, rep, StatusDone, detail, &StateRecord{GroupID: id, GroupName: c.GroupName, VpcID: c.VpcID,
		Ingress: in, Egress: eg, Created: aws.Bool(created), Reused: !created})
}

// resolveGroups returns net with the placeholders of c.SecurityGroupsFrom replaced by the ids of the
// groups their create-security-group actions produced (look up with id).
func resolveGroups(net *plan.AwsVpcSettings, c *plan.UpdateServiceChange, id func(action string) string) (*plan.AwsVpcSettings, error) {
	if net == nil || len(c.SecurityGroupsFrom) == 0 {
		return net, nil
	}
	n := *net
	n.SecurityGroups = append([]string{}, net.SecurityGroups...)
	for i, g := range n.SecurityGroups {
		from, ok := c.SecurityGroupsFrom[g]
		if !ok {
			continue
		}
		gid := id(from)
		if gid == "" {
			return nil, fmt.Errorf("create-security-group %s produced no security group for %s (it did not complete)", from, g)
		}
		n.SecurityGroups[i] = gid
	}
	for _, g := range n.SecurityGroups {
		if strings.HasPrefix(g, "(") {
			return nil, fmt.Errorf("%w: security group %q of the network configuration is a placeholder that securityGroupsFrom does not map", ErrInvalidPlan, g)
		}
	}
	return &n, nil
}

// createdGroup is the id of the group a create-security-group action produced, as the journal records it.
func createdGroup(st *journalState, id string) string {
	if d := st.done[id]; d != nil && d.Result != nil {
		return d.Result.GroupID
	}
	return ""
}

// securityGroupExpected returns, for a fingerprinted group, the check of its facts on a resumed apply: the
// ingress rules may be those the plan's update-security-group-ingress actions of the group, started or
// done, leave (in part or in whole). It returns nil when no such action started.
func (r *run) securityGroupExpected(group, planned string) func(fact, cur string) bool {
	auth, rev := map[string]bool{}, map[string]bool{}
	found := false
	r.j.view(func(st *journalState) {
		for _, a := range r.p.Actions {
			if a.Type != plan.UpdateSecurityGroupIngress || a.UpdateSecurityGroupIngress == nil || a.UpdateSecurityGroupIngress.GroupID != group {
				continue
			}
			if st.started[a.ID] == nil && st.done[a.ID] == nil {
				continue
			}
			found = true
			for k := range ruleKeys(a.UpdateSecurityGroupIngress.Authorize) {
				auth[k] = true
			}
			for k := range ruleKeys(a.UpdateSecurityGroupIngress.Revoke) {
				rev[k] = true
			}
		}
	})
	if !found {
		return nil
	}
	split := func(s string) map[string]bool {
		m := map[string]bool{}
		if s != "" {
			for _, k := range strings.Split(s, ";") {
				m[k] = true
			}
		}
		return m
	}
	return func(fact, cur string) bool {
		return fact == plan.FactIngress && partOfWay(split(cur), split(planned), auth, rev)
	}
}

// rollbackIngress restores the ingress rules journalled before an update-security-group-ingress:
// re-authorizes what it revoked, then revokes what it authorized.
func (r *run) rollbackIngress(ctx context.Context, start, done *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	fail := func(format string, args ...any) ActionReport { return r.rollbackFail(start, ar, format, args...) }
	if start.Before == nil || start.After == nil || start.Before.GroupID == "" {
		return fail("the journal does not record the security group's previous rules")
	}
	group, prev, set := start.Before.GroupID, start.Before.Ingress, start.After.Ingress
	prevK, setK := ruleKeys(prev), ruleKeys(set)
	authorized, revoked := missing(set, prevK), missing(prev, setK)
	api := r.cl.ec2(start.Region)
	g, err := describeGroup(ctx, api, group)
	if err != nil {
		return fail("%v", err)
	}
	cur := plan.RulesOf(g.IpPermissions)
	if sameRules(cur, prev) {
		ar.Status, ar.Detail = StatusRolledBack, "already at its previous rules"
		r.printf("%s: security group %s already has its previous ingress rules", start.Action, group)
		if !r.o.DryRun {
			if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{GroupID: group, Ingress: cur}}); err != nil {
				return fail("%v", err)
			}
		}
		return ar
	}
	curK := ruleKeys(cur)
	left := false
	if done != nil && done.Result != nil {
		left = sameRules(cur, done.Result.Ingress)
	} else {
		left = partOfWay(curK, prevK, ruleKeys(authorized), ruleKeys(revoked))
	}
	if !left {
		return fail("security group %s changed since the apply: its ingress is %s, ecsfix left %s and it was %s before; not touched",
			group, keysOf(cur), keysOf(set), keysOf(prev))
	}
	reAuth, unAuth := missing(revoked, curK), present(authorized, curK)
	req := fmt.Sprintf("ec2:AuthorizeSecurityGroupIngress %s, then ec2:RevokeSecurityGroupIngress %s", rulesJSON(group, reAuth), rulesJSON(group, unAuth))
	if r.o.DryRun {
		r.printf("%s: would call %s", start.Action, req)
		ar.Status = StatusWouldDo
		return ar
	}
	if err := r.journalRollbackStarted(start, req); err != nil {
		return fail("%v", err)
	}
	r.printf("%s: restoring the ingress rules of security group %s: authorizing %s, then revoking %s", start.Action, group, keysOf(reAuth), keysOf(unAuth))
	if err := authorize(ctx, api, group, false, reAuth); err != nil {
		return fail("%v", err)
	}
	if err := revoke(ctx, api, group, false, unAuth); err != nil {
		return fail("%v", err)
	}
	if g, err = describeGroup(ctx, api, group); err != nil {
		return fail("%v", err)
	}
	if cur = plan.RulesOf(g.IpPermissions); !sameRules(cur, prev) {
		return fail("security group %s after the rollback has ingress %s, want %s", group, keysOf(cur), keysOf(prev))
	}
	if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{GroupID: group, Ingress: cur}}); err != nil {
		return fail("%v", err)
	}
	ar.Status, ar.Detail = StatusRolledBack, "restored "+keysOf(prev)
	return ar
}

// dryRunSecurityGroup prints the EC2 calls of the security-group actions, with their rules.
func (r *run) dryRunSecurityGroup(a *plan.Action) {
	switch a.Type {
	case plan.UpdateSecurityGroupIngress:
		c := a.UpdateSecurityGroupIngress
		if err := checkIngressChange(c); err != nil {
			r.printf("%s: would refuse: %v", a.ID, err)
			return
		}
		r.printf("%s: would call ec2:AuthorizeSecurityGroupIngress %s (rules not there yet), verify them, then ec2:RevokeSecurityGroupIngress %s",
			a.ID, rulesJSON(c.GroupID, c.Authorize), rulesJSON(c.GroupID, c.Revoke))
	case plan.CreateSecurityGroup:
		c := a.CreateSecurityGroup
		if err := checkCreateGroup(c); err != nil {
			r.printf("%s: would refuse: %v", a.ID, err)
			return
		}
		b, _ := json.Marshal(createGroupInput(c, r.short, a.ID))
		g := fmt.Sprintf("(the group %s creates)", a.ID)
		r.printf("%s: would call ec2:CreateSecurityGroup %s (unless this plan created it earlier), then ec2:AuthorizeSecurityGroupIngress %s, ec2:AuthorizeSecurityGroupEgress %s, and ec2:RevokeSecurityGroupEgress on every other egress rule (the default allow-all one included)",
			a.ID, b, rulesJSON(g, c.Ingress), rulesJSON(g, c.Egress))
	}
}
