package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of update-service: a service moved, in one UpdateService call, to the revision its
// registration produced, a platform version and/or a whole awsvpc network configuration (security groups
// the plan creates stand as placeholders until their ids are known). Rollback returns what it changed to
// the state journalled before, when the service still runs what ecsfix set.

// updateService moves a service to the revision its registration produced, a platform version and/or
// a network configuration, in one UpdateService call. A network configuration is sent whole (subnets,
// security groups, assignPublicIp): UpdateService replaces the service's awsvpc configuration with it.
func (r *run) updateService(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateService
	target := c.After.TaskDefinition
	if c.TaskDefinitionFrom != "" {
		if target = r.target(c.TaskDefinitionFrom); target == "" {
			return fmt.Errorf("registration %s produced no revision", c.TaskDefinitionFrom)
		}
	}
	// Placeholders of groups created by this plan are replaced by the groups' ids first: everything
	// below (the comparison, the journal, the call) sees real ids. plan.Validate checked the network
	// configuration whole (subnets, groups, assignPublicIp) before anything was read.
	net, err := resolveGroups(c.After.Network, c, r.target)
	if err != nil {
		return err
	}
	pv := c.After.PlatformVersion
	api := r.cl.in(a.Account).ecs(a.Region)
	cur, err := awsread.DescribeService(ctx, api, c.Cluster, c.Service)
	if err != nil {
		return err
	}
	after := &StateRecord{Cluster: c.Cluster, Service: c.Service, TaskDefinition: target, PlatformVersion: pv, Network: net}
	req := updateServiceRequest(c.Cluster, c.Service, target, pv, net)
	// The state replaced, read live: what rollback returns the service to.
	before := &StateRecord{Cluster: c.Cluster, Service: c.Service,
		TaskDefinition: aws.ToString(cur.TaskDefinition), PlatformVersion: aws.ToString(cur.PlatformVersion),
		Network: networkOf(cur.NetworkConfiguration)}
	if err := r.journalStarted(a, req, before, after); err != nil {
		return err
	}
	rep.TaskDefinitionArn = target
	if serviceAt(cur, target, pv, net) {
		r.printf("%s: service %s already runs %s: nothing to do", a.ID, c.Service, describeTarget(target, pv, net))
		return r.finish(a, rep, StatusDone, "already in place", serviceState(cur))
	}
	r.printf("%s: updating service %s of cluster %s to %s", a.ID, c.Service, c.Cluster, describeTarget(target, pv, net))
	out, err := api.UpdateService(ctx, updateServiceInput(c.Cluster, c.Service, target, pv, net))
	if err != nil {
		return fmt.Errorf("update service %s: %w", c.Service, err)
	}
	r.log.Info("updated service", "action", a.ID, "request", req)
	result := after
	if out.Service != nil {
		result = serviceState(out.Service)
	}
	return r.finish(a, rep, StatusDone, "updated", result)
}

// updateServiceInput sets what is not empty: the revision, the platform version, the whole network
// configuration.
func updateServiceInput(cluster, service, td, pv string, net *plan.AwsVpcSettings) *ecs.UpdateServiceInput {
	in := &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(service)}
	if td != "" {
		in.TaskDefinition = aws.String(td)
	}
	if pv != "" {
		in.PlatformVersion = aws.String(pv)
	}
	in.NetworkConfiguration = toSDKNetwork(net)
	return in
}

func updateServiceRequest(cluster, service, td, pv string, net *plan.AwsVpcSettings) string {
	s := fmt.Sprintf("ecs:UpdateService cluster=%s service=%s", cluster, service)
	if td != "" {
		s += " taskDefinition=" + td
	}
	if pv != "" {
		s += " platformVersion=" + pv
	}
	if net != nil {
		s += " networkConfiguration.awsvpcConfiguration=" + networkString(net)
	}
	return s
}

func describeTarget(td, pv string, net *plan.AwsVpcSettings) string {
	var parts []string
	if td != "" {
		parts = append(parts, td)
	}
	if pv != "" {
		parts = append(parts, "platform "+pv)
	}
	if net != nil {
		parts = append(parts, "network "+networkString(net))
	}
	return strings.Join(parts, ", ")
}

// serviceAt tells whether the service is set to the revision, platform version and network
// configuration ("" and nil match any).
func serviceAt(s *ecstypes.Service, td, pv string, net *plan.AwsVpcSettings) bool {
	return (td == "" || aws.ToString(s.TaskDefinition) == td) && (pv == "" || aws.ToString(s.PlatformVersion) == pv) &&
		(net == nil || sameNetwork(networkOf(s.NetworkConfiguration), net))
}

func serviceState(s *ecstypes.Service) *StateRecord {
	st := &StateRecord{Cluster: aws.ToString(s.ClusterArn), Service: aws.ToString(s.ServiceName),
		TaskDefinition: aws.ToString(s.TaskDefinition), PlatformVersion: aws.ToString(s.PlatformVersion),
		Network: networkOf(s.NetworkConfiguration)}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			st.DeploymentID = aws.ToString(d.Id)
		}
	}
	return st
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

// dryRunUpdateService prints the UpdateService call with its parameters.
func (r *run) dryRunUpdateService(a *plan.Action) {
	c := a.UpdateService
	td := c.After.TaskDefinition
	if c.TaskDefinitionFrom != "" {
		td = fmt.Sprintf("(the revision %s registers)", c.TaskDefinitionFrom)
	}
	params := map[string]any{"cluster": c.Cluster, "service": c.Service}
	if td != "" {
		params["taskDefinition"] = td
	}
	if c.After.PlatformVersion != "" {
		params["platformVersion"] = c.After.PlatformVersion
	}
	if n := c.After.Network; n != nil {
		// The whole awsvpc configuration, as UpdateService takes it (and replaces the service's).
		params["networkConfiguration"] = map[string]any{"awsvpcConfiguration": map[string]any{
			"subnets": nonNil(n.Subnets), "securityGroups": nonNil(n.SecurityGroups), "assignPublicIp": n.AssignPublicIp,
		}}
	}
	b, _ := json.Marshal(params)
	r.printf("%s: would call ecs:UpdateService %s", a.ID, b)
}

// nonNil returns s, or an empty list for nil (printed as [], not null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// rollbackService returns a service to the revision, platform version and network configuration (as a
// whole) it had before start, for what the apply changed, when it still runs what ecsfix set (or is
// already back).
func (r *run) rollbackService(ctx context.Context, start, done *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	fail := func(format string, args ...any) ActionReport { return r.rollbackFail(start, ar, format, args...) }
	if start.Before == nil || start.After == nil {
		return fail("the journal does not record the service's previous state")
	}
	prev, set := start.Before, start.After
	if done != nil && done.Result != nil && set.TaskDefinition == "" && done.Result.TaskDefinition != "" && set.PlatformVersion == "" && set.Network == nil {
		set = done.Result
	}
	// Only what the apply changed is returned.
	var wantTD, wantPV string
	var wantNet *plan.AwsVpcSettings
	if set.TaskDefinition != "" && set.TaskDefinition != prev.TaskDefinition {
		wantTD = prev.TaskDefinition
	}
	if set.PlatformVersion != "" && set.PlatformVersion != prev.PlatformVersion {
		wantPV = prev.PlatformVersion
	}
	if set.Network != nil && !sameNetwork(set.Network, prev.Network) {
		if prev.Network == nil {
			return fail("the journal records no previous network configuration of service %s (it had none, and UpdateService cannot remove one); not touched", prev.Service)
		}
		wantNet = prev.Network
	}
	api := r.cl.in(r.actionAccount(start.Action)).ecs(start.Region)
	cur, err := awsread.DescribeService(ctx, api, prev.Cluster, prev.Service)
	if err != nil {
		return fail("%v", err)
	}
	ar.TaskDefinitionArn = prev.TaskDefinition
	if (wantTD == "" && wantPV == "" && wantNet == nil) || serviceAt(cur, wantTD, wantPV, wantNet) {
		ar.Status, ar.Detail = StatusRolledBack, "already at its previous state"
		r.printf("%s: service %s already runs %s", start.Action, prev.Service, describeTarget(prev.TaskDefinition, prev.PlatformVersion, wantNet))
		if !r.o.DryRun {
			if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: serviceState(cur)}); err != nil {
				return fail("%v", err)
			}
		}
		return ar
	}
	if !serviceAt(cur, set.TaskDefinition, set.PlatformVersion, set.Network) {
		now := describeTarget(aws.ToString(cur.TaskDefinition), aws.ToString(cur.PlatformVersion), nil)
		if set.Network != nil {
			now += ", network " + networkString(networkOf(cur.NetworkConfiguration))
		}
		return fail("service %s changed since the apply: it runs %s, ecsfix set %s; not touched",
			prev.Service, now, describeTarget(set.TaskDefinition, set.PlatformVersion, set.Network))
	}
	req := updateServiceRequest(prev.Cluster, prev.Service, wantTD, wantPV, wantNet)
	if ar, ok := r.rollbackBegin(start, ar, req, req); !ok {
		return ar
	}
	r.printf("%s: returning service %s of cluster %s to %s", start.Action, prev.Service, prev.Cluster, describeTarget(wantTD, wantPV, wantNet))
	out, err := api.UpdateService(ctx, updateServiceInput(prev.Cluster, prev.Service, wantTD, wantPV, wantNet))
	if err != nil {
		return fail("update service %s: %v", prev.Service, err)
	}
	result := &StateRecord{Cluster: prev.Cluster, Service: prev.Service, TaskDefinition: wantTD, PlatformVersion: wantPV, Network: wantNet}
	if out.Service != nil {
		result = serviceState(out.Service)
	}
	if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: result}); err != nil {
		return fail("%v", err)
	}
	ar.Status, ar.Detail = StatusRolledBack, "returned to "+describeTarget(prev.TaskDefinition, prev.PlatformVersion, wantNet)
	return ar
}
