package fix

import (
	"context"
	"encoding/json"
	"fmt"
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
	api := r.cl.ec2(a.Region)
	if err := r.journalStarted(a, createGroupRequest(c),
		&StateRecord{GroupName: c.GroupName, VpcID: c.VpcID},
		&StateRecord{GroupName: c.GroupName, VpcID: c.VpcID, Ingress: c.Ingress, Egress: c.Egress}); err != nil {
		return err
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
	b, _ := json.Marshal(createGroupInput(c, r.short, a.ID))
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
