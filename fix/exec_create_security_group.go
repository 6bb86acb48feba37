package fix

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ecsfix/ecsfix/plan"
)

// The executor of create-security-group: a copy of a shared group, tagged with the plan and action (so
// that a resumed apply finds and reuses it), its rules made exactly the plan's (the default allow-all
// egress rule revoked unless the plan lists it), its id recorded for the update-service that moves the
// service to it. Rollback keeps the group: the service's own rollback moves it back.

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
	api := r.cl.in(a.Account).ec2(a.Region)
	if err := r.journalStarted(a, createGroupRequest(c),
		&StateRecord{GroupName: c.GroupName, VpcID: c.VpcID},
		&StateRecord{GroupName: c.GroupName, VpcID: c.VpcID, Ingress: c.Ingress, Egress: c.Egress}); err != nil {
		return err
	}
	// A group this plan created earlier is looked for by its tags (over the resume window when an
	// earlier run started this action), then reused only when it is what this action creates.
	var g *ec2types.SecurityGroup
	_, err := r.lookAgain(ctx, a, "no security group created by this action in "+c.VpcID, func() (bool, error) {
		var err error
		g, err = r.findCreated(ctx, api, c.VpcID, a.ID)
		return g != nil, err
	})
	if err != nil {
		return err
	}
	if g != nil {
		if err := r.createdByAction(c, a.ID, g); err != nil {
			return err
		}
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

// createdByAction refuses a group found by this action's provenance tags (whose values anyone who can
// read the plan knows) unless it is what the action creates: the plan's VPC, name, description and tags,
// and rules the action makes on its way (every ingress rule a planned one; every egress rule a planned
// one or the allow-all rule a new group starts with, which the action revokes).
func (r *run) createdByAction(c *plan.CreateSecurityGroupChange, id string, g *ec2types.SecurityGroup) error {
	gid := aws.ToString(g.GroupId)
	refuse := func(field, format string, args ...any) error {
		return fmt.Errorf("security group %s carries this plan's provenance tags (%s=%s, %s=%s) but is not what %s creates: %s %s; not reused, and nothing created: find out who created it, delete it, then resume",
			gid, TagPlan, r.short, TagAction, id, id, field, fmt.Sprintf(format, args...))
	}
	switch {
	case aws.ToString(g.VpcId) != c.VpcID:
		return refuse("vpcId", "is %s, the plan's %s", aws.ToString(g.VpcId), c.VpcID)
	case aws.ToString(g.GroupName) != c.GroupName:
		return refuse("groupName", "is %q, the plan's %q", aws.ToString(g.GroupName), c.GroupName)
	case aws.ToString(g.Description) != c.Description:
		return refuse("description", "is %q, the plan's %q", aws.ToString(g.Description), c.Description)
	}
	want := map[string]string{}
	for _, spec := range createGroupInput(c, r.short, id).TagSpecifications {
		for _, t := range spec.Tags {
			want[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	got := map[string]string{}
	for _, t := range g.Tags {
		if k := aws.ToString(t.Key); !strings.HasPrefix(strings.ToLower(k), "aws:") {
			got[k] = aws.ToString(t.Value)
		}
	}
	for _, k := range sortedKeys(want, got) {
		if w, ok := want[k]; !ok {
			return refuse("tags", "hold %s, which the plan does not set", k)
		} else if got[k] != w {
			return refuse("tags", "hold %s=%q, the plan's %q", k, got[k], w)
		}
	}
	if extra := missing(plan.RulesOf(g.IpPermissions), ruleKeys(c.Ingress)); len(extra) > 0 {
		return refuse("ingress", "holds %s, which the plan does not", keysOf(extra))
	}
	egress := ruleKeys(c.Egress)
	for _, cidr := range []string{"0.0.0.0/0", "::/0"} {
		egress[plan.RuleKey(plan.IngressRule{Protocol: "-1", CidrIPv4: cidr})] = true
		egress[plan.RuleKey(plan.IngressRule{Protocol: "-1", CidrIPv6: cidr})] = true
	}
	if extra := missing(plan.RulesOf(g.IpPermissionsEgress), egress); len(extra) > 0 {
		return refuse("egress", "holds %s, which the plan does not", keysOf(extra))
	}
	return nil
}

func sortedKeys(ms ...map[string]string) []string {
	seen := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// checkDoneGroup checks, before a resumed apply uses the group a done record names (the services of the
// plan are moved to it), that the group exists in the action's region (the client is the region's) and
// VPC, with the planned name.
func (r *run) checkDoneGroup(ctx context.Context, a *plan.Action, done *Record) error {
	c := a.CreateSecurityGroup
	if c == nil || done.Result == nil {
		return nil
	}
	id := done.Result.GroupID
	if id == "" {
		return fmt.Errorf("%w: the done record of %s names no security group; not used", ErrJournalMismatch, a.ID)
	}
	got, err := describeGroups(ctx, r.cl.in(a.Account).ec2(a.Region), []string{id})
	if err != nil {
		return err
	}
	g := got[id]
	switch {
	case g == nil:
		return fmt.Errorf("%w: the done record of %s names security group %s, which is not in region %s; not used", ErrJournalMismatch, a.ID, id, a.Region)
	case aws.ToString(g.VpcId) != c.VpcID:
		return fmt.Errorf("%w: the done record of %s names security group %s, of VPC %s, not the plan's %s; not used", ErrJournalMismatch, a.ID, id, aws.ToString(g.VpcId), c.VpcID)
	case aws.ToString(g.GroupName) != c.GroupName:
		return fmt.Errorf("%w: the done record of %s names security group %s, named %q, not the plan's %q; not used", ErrJournalMismatch, a.ID, id, aws.ToString(g.GroupName), c.GroupName)
	}
	return nil
}

// createdGroup is the id of the group a create-security-group action produced, as the journal records it.
func createdGroup(st *journalState, id string) string {
	if d := st.done[id]; d != nil && d.Result != nil {
		return d.Result.GroupID
	}
	return ""
}

// resumeSecurityGroup takes the group an earlier run created (its done record) as the target of the
// service updates moving to it.
func (r *run) resumeSecurityGroup(a *plan.Action, done *Record, rep *ActionReport) {
	r.setTarget(a.ID, done.Result.GroupID)
}

// dryRunCreateGroup prints the EC2 calls with the group and its rules.
func (r *run) dryRunCreateGroup(a *plan.Action) {
	c := a.CreateSecurityGroup
	b := setJSON(createGroupInput(c, r.short, a.ID))
	g := fmt.Sprintf("(the group %s creates)", a.ID)
	r.printf("%s: would call ec2:CreateSecurityGroup %s (unless this plan created it earlier), then ec2:AuthorizeSecurityGroupIngress %s, ec2:AuthorizeSecurityGroupEgress %s, and ec2:RevokeSecurityGroupEgress on every other egress rule (the default allow-all one included)",
		a.ID, b, rulesJSON(g, c.Ingress), rulesJSON(g, c.Egress))
}

// rollbackCreateGroup keeps the group: ecsfix never deletes a security group.
func (r *run) rollbackCreateGroup(_ context.Context, start, done *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	ar.Status, ar.Detail = StatusSkipped, "kept: ecsfix never deletes a security group (the service's own rollback moves it back to its previous groups)"
	if done != nil && done.Result != nil {
		ar.Detail += "; group " + done.Result.GroupID
	}
	r.printf("%s: security group kept", start.Action)
	return ar
}
