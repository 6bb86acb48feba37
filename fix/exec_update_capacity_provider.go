package fix

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of update-capacity-provider (ECS.19's fix): the provider's managed termination
// protection set with UpdateCapacityProvider, after its group's scale-in protection (the action it
// depends on). Before it writes, it checks live that the provider still uses the planned group with
// managed scaling ENABLED and that the group protects new instances, so that AWS's refusal is not the
// first sign of a change. Rollback sets the journalled previous value (DISABLED) back.

// describeProviders reads capacity providers by ARN (100 a call); the result is keyed by the ARN asked.
// One that does not exist is absent.
func describeProviders(ctx context.Context, api ecsAPI, arns []string) (map[string]*ecstypes.CapacityProvider, error) {
	out := map[string]*ecstypes.CapacityProvider{}
	for start := 0; start < len(arns); start += 100 {
		batch := arns[start:min(start+100, len(arns))]
		res, err := api.DescribeCapacityProviders(ctx, &ecs.DescribeCapacityProvidersInput{CapacityProviders: batch})
		if err != nil {
			return nil, fmt.Errorf("describe capacity providers %v: %w", batch, err)
		}
		for i := range res.CapacityProviders {
			cp := res.CapacityProviders[i]
			for _, arn := range batch {
				if aws.ToString(cp.CapacityProviderArn) == arn {
					out[arn] = &cp
				}
			}
		}
	}
	return out, nil
}

// describeProvider reads one capacity provider by ARN.
func describeProvider(ctx context.Context, api ecsAPI, arn string) (*ecstypes.CapacityProvider, error) {
	got, err := describeProviders(ctx, api, []string{arn})
	if err != nil {
		return nil, err
	}
	cp := got[arn]
	if cp == nil {
		return nil, fmt.Errorf("capacity provider %s was not found", arn)
	}
	return cp, nil
}

// providerProtection is a provider's managedTerminationProtection ("" without an Auto Scaling group).
func providerProtection(cp *ecstypes.CapacityProvider) string {
	if cp.AutoScalingGroupProvider == nil {
		return ""
	}
	return string(cp.AutoScalingGroupProvider.ManagedTerminationProtection)
}

func providerRequest(name, protection string) string {
	return fmt.Sprintf("ecs:UpdateCapacityProvider name=%s autoScalingGroupProvider.managedTerminationProtection=%s", name, protection)
}

// updateCapacityProvider turns on the provider's managed termination protection.
func (r *run) updateCapacityProvider(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateCapacityProvider
	cl := r.cl.in(a.Account)
	cur, err := describeProvider(ctx, cl.ecs(a.Region), a.Resource)
	if err != nil {
		return err
	}
	p := cur.AutoScalingGroupProvider
	if p == nil {
		return fmt.Errorf("capacity provider %s has no Auto Scaling group", c.Name)
	}
	// a name is the group of that name in the provider's account and region
	if ref := aws.ToString(p.AutoScalingGroupArn); ref != c.AutoScalingGroup && (ref != detect.AutoScalingGroupName(c.AutoScalingGroup) ||
		detect.AccountOf(c.AutoScalingGroup) != detect.AccountOf(a.Resource) || detect.RegionOf(c.AutoScalingGroup) != detect.RegionOf(a.Resource)) {
		return fmt.Errorf("capacity provider %s uses Auto Scaling group %s, the plan %s", c.Name, ref, c.AutoScalingGroup)
	}
	if p.ManagedScaling == nil || p.ManagedScaling.Status != ecstypes.ManagedScalingStatusEnabled {
		return fmt.Errorf("capacity provider %s: managed scaling is not ENABLED: managed termination protection needs it", c.Name)
	}
	now := providerProtection(cur)
	want := c.After.ManagedTerminationProtection
	if err := r.journalStarted(a, providerRequest(c.Name, want),
		&StateRecord{CapacityProvider: a.Resource, TerminationProtection: now},
		&StateRecord{CapacityProvider: a.Resource, TerminationProtection: want}); err != nil {
		return err
	}
	if now == want {
		r.printf("%s: capacity provider %s already has managedTerminationProtection=%s: nothing to do", a.ID, c.Name, want)
		return r.finish(a, rep, StatusDone, "already in place", &StateRecord{CapacityProvider: a.Resource, TerminationProtection: now})
	}
	g, err := describeASG(ctx, cl.asg(a.Region), c.AutoScalingGroup)
	if err != nil {
		return err
	}
	if !aws.ToBool(g.NewInstancesProtectedFromScaleIn) {
		return fmt.Errorf("Auto Scaling group %s does not protect new instances from scale-in: managed termination protection needs it (its update must come first)", aws.ToString(g.AutoScalingGroupName))
	}
	r.printf("%s: setting managedTerminationProtection=%s on capacity provider %s", a.ID, want, c.Name)
	if err := r.setProviderProtection(ctx, cl.ecs(a.Region), c.Name, want); err != nil {
		return err
	}
	r.log.Info("updated capacity provider", "action", a.ID, "request", providerRequest(c.Name, want))
	after, err := describeProvider(ctx, cl.ecs(a.Region), a.Resource)
	if err != nil {
		return err
	}
	if got := providerProtection(after); got != want {
		return fmt.Errorf("capacity provider %s reports managedTerminationProtection=%s after the update, not %s", c.Name, got, want)
	}
	return r.finish(a, rep, StatusDone, "updated", &StateRecord{CapacityProvider: a.Resource, TerminationProtection: want})
}

func (r *run) setProviderProtection(ctx context.Context, api ecsAPI, name, protection string) error {
	_, err := api.UpdateCapacityProvider(ctx, &ecs.UpdateCapacityProviderInput{Name: aws.String(name),
		AutoScalingGroupProvider: &ecstypes.AutoScalingGroupProviderUpdate{ManagedTerminationProtection: ecstypes.ManagedTerminationProtection(protection)}})
	if err != nil {
		return fmt.Errorf("update capacity provider %s: %w", name, err)
	}
	return nil
}

// dryRunCapacityProvider prints the UpdateCapacityProvider call.
func (r *run) dryRunCapacityProvider(a *plan.Action) {
	c := a.UpdateCapacityProvider
	b, _ := json.Marshal(map[string]any{"name": c.Name, "autoScalingGroupProvider": map[string]string{"managedTerminationProtection": c.After.ManagedTerminationProtection}})
	r.printf("%s: would call ecs:UpdateCapacityProvider %s", a.ID, b)
}

// rollbackCapacityProvider returns the provider's managed termination protection to its journalled
// previous value (DISABLED when it had none), unless it changed since the apply.
func (r *run) rollbackCapacityProvider(ctx context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	fail := func(format string, args ...any) ActionReport { return r.rollbackFail(start, ar, format, args...) }
	if start.Before == nil || start.After == nil || start.After.TerminationProtection == "" {
		return fail("the journal does not record the capacity provider's previous managedTerminationProtection")
	}
	arn := start.Before.CapacityProvider
	prev, set := restoredProtection(start.Before.TerminationProtection), start.After.TerminationProtection
	api := r.cl.in(r.actionAccount(start.Action)).ecs(start.Region)
	cur, err := describeProvider(ctx, api, arn)
	if err != nil {
		return fail("%v", err)
	}
	name := aws.ToString(cur.Name)
	now := providerProtection(cur)
	if now == prev {
		ar.Status, ar.Detail = StatusRolledBack, "already at its previous setting"
		r.printf("%s: capacity provider %s already has managedTerminationProtection=%s", start.Action, name, prev)
		if !r.o.DryRun {
			if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{CapacityProvider: arn, TerminationProtection: now}}); err != nil {
				return fail("%v", err)
			}
		}
		return ar
	}
	if now != set {
		return fail("capacity provider %s changed since the apply: managedTerminationProtection is %s, ecsfix set %s; not touched", name, now, set)
	}
	req := providerRequest(name, prev)
	if ar, ok := r.rollbackBegin(start, ar, req, req); !ok {
		return ar
	}
	r.printf("%s: returning capacity provider %s to managedTerminationProtection=%s", start.Action, name, prev)
	if err := r.setProviderProtection(ctx, api, name, prev); err != nil {
		return fail("%v", err)
	}
	if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{CapacityProvider: arn, TerminationProtection: prev}}); err != nil {
		return fail("%v", err)
	}
	ar.Status, ar.Detail = StatusRolledBack, "returned to managedTerminationProtection="+prev
	return ar
}

// restoredProtection is the managedTerminationProtection rollback sets for one recorded before: the
// same, or DISABLED (its default) when the provider reported none.
func restoredProtection(before string) string {
	if before == "" {
		return string(ecstypes.ManagedTerminationProtectionDisabled)
	}
	return before
}

// keepCapacityProvider keeps a capacity provider read by the stale check.
func (r *run) keepCapacityProvider(arn string, cp *ecstypes.CapacityProvider) {
	if r.read.CapacityProviders == nil {
		r.read.CapacityProviders = map[string]plan.CapacityProviderRead{}
	}
	rd := plan.CapacityProviderRead{Name: aws.ToString(cp.Name)}
	if p := cp.AutoScalingGroupProvider; p != nil {
		rd.AutoScalingGroup = aws.ToString(p.AutoScalingGroupArn)
		rd.ManagedTerminationProtection = string(p.ManagedTerminationProtection)
		if p.ManagedScaling != nil {
			rd.ManagedScaling = string(p.ManagedScaling.Status)
		}
	}
	r.read.CapacityProviders[arn] = rd
}
