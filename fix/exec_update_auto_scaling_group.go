package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of update-auto-scaling-group (ECS.19's fix): the group's NewInstancesProtectedFromScaleIn
// turned on with UpdateAutoScalingGroup, before its capacity provider's managed termination protection.
// Rollback turns it back to its journalled previous value (after the provider's, rollback runs in
// reverse order). The current instances' own protection is not touched: see plan/fix_ecs19_capacity_provider.go.

// describeGroupsBatch is how many names DescribeAutoScalingGroups takes at a time (by default: more
// need MaxRecords).
const describeGroupsBatch = 50

// describeASGs reads Auto Scaling groups by name, 50 a call, following pages; the result is keyed by
// name. A group that does not exist is absent.
func describeASGs(ctx context.Context, api autoscalingAPI, names []string) (map[string]*astypes.AutoScalingGroup, error) {
	out := map[string]*astypes.AutoScalingGroup{}
	for start := 0; start < len(names); start += describeGroupsBatch {
		batch := names[start:min(start+describeGroupsBatch, len(names))]
		in := &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: batch}
		for {
			res, err := api.DescribeAutoScalingGroups(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("describe Auto Scaling groups %v: %w", batch, err)
			}
			for i := range res.AutoScalingGroups {
				g := res.AutoScalingGroups[i]
				out[aws.ToString(g.AutoScalingGroupName)] = &g
			}
			if aws.ToString(res.NextToken) == "" || aws.ToString(res.NextToken) == aws.ToString(in.NextToken) {
				break
			}
			next := *in
			next.NextToken = res.NextToken
			in = &next
		}
	}
	return out, nil
}

// describeASG reads one Auto Scaling group by its ARN: found by its name, and refused when the group
// of that name has another ARN (deleted and created again since the plan).
func describeASG(ctx context.Context, api autoscalingAPI, arn string) (*astypes.AutoScalingGroup, error) {
	name := detect.AutoScalingGroupName(arn)
	if name == "" {
		return nil, fmt.Errorf("%w: %s is not an Auto Scaling group ARN", ErrInvalidPlan, arn)
	}
	got, err := describeASGs(ctx, api, []string{name})
	if err != nil {
		return nil, err
	}
	g := got[name]
	if g == nil {
		return nil, fmt.Errorf("Auto Scaling group %s was not found", name)
	}
	if aws.ToString(g.AutoScalingGroupARN) != arn {
		return nil, fmt.Errorf("Auto Scaling group %s is now %s, not %s", name, aws.ToString(g.AutoScalingGroupARN), arn)
	}
	return g, nil
}

func groupRequest(name string, protected bool) string {
	return fmt.Sprintf("autoscaling:UpdateAutoScalingGroup AutoScalingGroupName=%s NewInstancesProtectedFromScaleIn=%t", name, protected)
}

// updateAutoScalingGroup turns on the protection of the group's new instances.
func (r *run) updateAutoScalingGroup(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateAutoScalingGroup
	api := r.cl.in(a.Account).asg(a.Region)
	cur, err := describeASG(ctx, api, a.Resource)
	if err != nil {
		return err
	}
	now := aws.ToBool(cur.NewInstancesProtectedFromScaleIn)
	want := c.After.NewInstancesProtectedFromScaleIn
	if err := r.journalStarted(a, groupRequest(c.Name, want),
		&StateRecord{AutoScalingGroup: a.Resource, ScaleInProtected: aws.Bool(now)},
		&StateRecord{AutoScalingGroup: a.Resource, ScaleInProtected: aws.Bool(want)}); err != nil {
		return err
	}
	if now == want {
		r.printf("%s: Auto Scaling group %s already has NewInstancesProtectedFromScaleIn=%t: nothing to do", a.ID, c.Name, want)
		return r.finish(a, rep, StatusDone, "already in place", &StateRecord{AutoScalingGroup: a.Resource, ScaleInProtected: aws.Bool(now)})
	}
	r.printf("%s: setting NewInstancesProtectedFromScaleIn=%t on Auto Scaling group %s", a.ID, want, c.Name)
	if _, err := api.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(c.Name), NewInstancesProtectedFromScaleIn: aws.Bool(want)}); err != nil {
		return fmt.Errorf("update Auto Scaling group %s: %w", c.Name, err)
	}
	r.log.Info("updated Auto Scaling group", "action", a.ID, "request", groupRequest(c.Name, want))
	after, err := describeASG(ctx, api, a.Resource)
	if err != nil {
		return err
	}
	if got := aws.ToBool(after.NewInstancesProtectedFromScaleIn); got != want {
		return fmt.Errorf("Auto Scaling group %s reports NewInstancesProtectedFromScaleIn=%t after the update, not %t", c.Name, got, want)
	}
	return r.finish(a, rep, StatusDone, "updated", &StateRecord{AutoScalingGroup: a.Resource, ScaleInProtected: aws.Bool(want)})
}

// dryRunAutoScalingGroup prints the UpdateAutoScalingGroup call.
func (r *run) dryRunAutoScalingGroup(a *plan.Action) {
	c := a.UpdateAutoScalingGroup
	b, _ := json.Marshal(map[string]any{"AutoScalingGroupName": c.Name, "NewInstancesProtectedFromScaleIn": c.After.NewInstancesProtectedFromScaleIn})
	r.printf("%s: would call autoscaling:UpdateAutoScalingGroup %s", a.ID, b)
}

// rollbackAutoScalingGroup returns the group's NewInstancesProtectedFromScaleIn to its journalled
// previous value, unless it changed since the apply.
func (r *run) rollbackAutoScalingGroup(ctx context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	fail := func(format string, args ...any) ActionReport { return r.rollbackFail(start, ar, format, args...) }
	if start.Before == nil || start.After == nil || start.Before.ScaleInProtected == nil || start.After.ScaleInProtected == nil {
		return fail("the journal does not record the group's previous NewInstancesProtectedFromScaleIn")
	}
	arn := start.Before.AutoScalingGroup
	name := detect.AutoScalingGroupName(arn)
	prev, set := *start.Before.ScaleInProtected, *start.After.ScaleInProtected
	api := r.cl.in(r.actionAccount(start.Action)).asg(start.Region)
	cur, err := describeASG(ctx, api, arn)
	if err != nil {
		return fail("%v", err)
	}
	now := aws.ToBool(cur.NewInstancesProtectedFromScaleIn)
	if now == prev {
		ar.Status, ar.Detail = StatusRolledBack, "already at its previous setting"
		r.printf("%s: Auto Scaling group %s already has NewInstancesProtectedFromScaleIn=%t", start.Action, name, prev)
		if !r.o.DryRun {
			if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{AutoScalingGroup: arn, ScaleInProtected: aws.Bool(now)}}); err != nil {
				return fail("%v", err)
			}
		}
		return ar
	}
	if now != set {
		return fail("Auto Scaling group %s changed since the apply: NewInstancesProtectedFromScaleIn is %t, ecsfix set %t; not touched", name, now, set)
	}
	if !prev {
		if err := r.groupProtectionNeeded(ctx, start, arn, name); err != nil {
			return fail("%v", err)
		}
	}
	req := groupRequest(name, prev)
	if ar, ok := r.rollbackBegin(start, ar, req, req); !ok {
		return ar
	}
	r.printf("%s: returning Auto Scaling group %s to NewInstancesProtectedFromScaleIn=%t", start.Action, name, prev)
	if _, err := api.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name), NewInstancesProtectedFromScaleIn: aws.Bool(prev)}); err != nil {
		return fail("update Auto Scaling group %s: %v", name, err)
	}
	if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{AutoScalingGroup: arn, ScaleInProtected: aws.Bool(prev)}}); err != nil {
		return fail("%v", err)
	}
	ar.Status, ar.Detail = StatusRolledBack, "returned to NewInstancesProtectedFromScaleIn="+strconv.FormatBool(prev)
	return ar
}

// groupProtectionNeeded is why the protection of group arn's new instances may not be turned off: its
// capacity provider (the one the plan's action names) still has managed termination protection ENABLED
// on this group — its rollback failed or did not run — which AWS requires the group's protection for.
// A provider that no longer exists, is INACTIVE or uses another group does not need it.
func (r *run) groupProtectionNeeded(ctx context.Context, start *Record, arn, name string) error {
	var provider string
	for i := range r.p.Actions {
		if a := &r.p.Actions[i]; a.ID == start.Action && a.UpdateAutoScalingGroup != nil {
			provider = a.UpdateAutoScalingGroup.CapacityProvider
		}
	}
	if provider == "" {
		return fmt.Errorf("the plan names no capacity provider for Auto Scaling group %s: whether one still needs its protection is unknown; not touched", name)
	}
	account := r.actionAccount(start.Action)
	if detect.AccountOf(provider) != detect.AccountOf(arn) || detect.RegionOf(provider) != detect.RegionOf(arn) ||
		(account != "" && account != detect.AccountOf(arn)) {
		return fmt.Errorf("capacity provider %s is not in the account and region of Auto Scaling group %s; not touched", provider, arn)
	}
	got, err := describeProviders(ctx, r.cl.in(account).ecs(start.Region), []string{provider})
	if err != nil {
		return fmt.Errorf("%v: whether capacity provider %s still needs the protection of Auto Scaling group %s is unknown; not touched", err, detect.ShortARN(provider), name)
	}
	cp := got[provider]
	if cp == nil || cp.Status == ecstypes.CapacityProviderStatusInactive || cp.AutoScalingGroupProvider == nil {
		return nil
	}
	ref := aws.ToString(cp.AutoScalingGroupProvider.AutoScalingGroupArn)
	if ref != arn && ref != name {
		return nil
	}
	if providerProtection(cp) == string(ecstypes.ManagedTerminationProtectionEnabled) {
		return fmt.Errorf("capacity provider %s still has managedTerminationProtection=ENABLED, which needs Auto Scaling group %s to protect new instances from scale-in: roll the provider back first; not touched",
			detect.ShortARN(provider), name)
	}
	return nil
}

// keepAutoScalingGroup keeps a group read by the stale check.
func (r *run) keepAutoScalingGroup(arn string, g *astypes.AutoScalingGroup) {
	if r.read.AutoScalingGroups == nil {
		r.read.AutoScalingGroups = map[string]plan.AutoScalingGroupRead{}
	}
	r.read.AutoScalingGroups[arn] = plan.AutoScalingGroupRead{Name: aws.ToString(g.AutoScalingGroupName),
		NewInstancesProtectedFromScaleIn: aws.ToBool(g.NewInstancesProtectedFromScaleIn)}
}

// checkStaleCapacity re-reads the capacity providers and Auto Scaling groups the plan fingerprinted
// (ECS.19's fix) and compares their facts; on a resumed apply, the protection this plan's started
// actions turn on is expected. What it reads is kept for the re-derivation.
func (r *run) checkStaleCapacity(ctx context.Context, sc *staleCheck, started func(resource string) bool) error {
	providers, groups := map[accountRegion][]plan.Fingerprint{}, map[accountRegion][]plan.Fingerprint{}
	for _, f := range r.p.State {
		k := accountRegion{detect.AccountOf(f.Resource), r.regionOf(f)}
		switch f.ResourceType {
		case detect.TypeCapacityProvider:
			providers[k] = append(providers[k], f)
		case detect.TypeAutoScalingGroup:
			groups[k] = append(groups[k], f)
		}
	}
	for _, k := range sortedAccountRegions(providers) {
		err := recheck(sc, providers[k], 100, r.o.Concurrency, func(arns []string) (map[string]*ecstypes.CapacityProvider, error) {
			return describeProviders(ctx, r.cl.in(k.account).ecs(k.region), arns)
		}, func(f plan.Fingerprint, cp *ecstypes.CapacityProvider) {
			r.keepCapacityProvider(f.Resource, cp)
			var expected func(string, string) bool
			if started(f.Resource) {
				expected = func(fact, cur string) bool {
					return fact == plan.FactTerminationProtection && cur == string(ecstypes.ManagedTerminationProtectionEnabled)
				}
			}
			sc.compare(f, plan.CapacityProviderFacts(cp), expected)
		})
		if err != nil {
			return err
		}
	}
	for _, k := range sortedAccountRegions(groups) {
		err := recheck(sc, groups[k], describeGroupsBatch, r.o.Concurrency, func(arns []string) (map[string]*astypes.AutoScalingGroup, error) {
			names := make([]string, 0, len(arns))
			for _, arn := range arns {
				names = append(names, detect.AutoScalingGroupName(arn))
			}
			byName, err := describeASGs(ctx, r.cl.in(k.account).asg(k.region), names)
			if err != nil {
				return nil, err
			}
			out := map[string]*astypes.AutoScalingGroup{}
			for _, arn := range arns {
				// a group of that name with another ARN is not the group planned: missing
				if g := byName[detect.AutoScalingGroupName(arn)]; g != nil && aws.ToString(g.AutoScalingGroupARN) == arn {
					out[arn] = g
				}
			}
			return out, nil
		}, func(f plan.Fingerprint, g *astypes.AutoScalingGroup) {
			r.keepAutoScalingGroup(f.Resource, g)
			var expected func(string, string) bool
			if started(f.Resource) {
				expected = func(fact, cur string) bool { return fact == plan.FactScaleInProtection && cur == "true" }
			}
			sc.compare(f, plan.AutoScalingGroupFacts(g), expected)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
