package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/plan"
)

// The executor of the opt-in, high-risk detach-role-policy (the admin task-role fix): AdministratorAccess
// detached from a task role, after journalling every policy attached to it, verified by listing them
// again. Rollback re-attaches it when it was attached before and the role is as the apply left it. It
// changes a policy ecsfix does not own: with remove-policy-statements, the only IAM change ecsfix ever
// restores this way.

func detachRequest(role, policyArn string) string {
	return fmt.Sprintf("iam:DetachRolePolicy role=%s policyArn=%s", role, policyArn)
}

// detachRolePolicy detaches a managed policy from a role, after journalling every policy attached to it;
// a policy no longer attached (an earlier run's detach, its response lost) is "already in place". It
// verifies by listing the role's policies again.
func (r *run) detachRolePolicy(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.DetachRolePolicy
	role, err := roleName(c.Role)
	if err != nil {
		return err
	}
	api := r.cl.in(a.Account).iam(a.Region)
	before, err := attachedArns(ctx, api, role)
	if err != nil {
		return err
	}
	if err := r.journalStarted(a, detachRequest(c.Role, c.PolicyArn),
		&StateRecord{RoleArn: c.Role, PolicyArn: c.PolicyArn, AttachedPolicies: before},
		&StateRecord{RoleArn: c.Role, PolicyArn: c.PolicyArn, AttachedPolicies: without(before, c.PolicyArn)}); err != nil {
		return err
	}
	if !slices.Contains(before, c.PolicyArn) {
		r.printf("%s: policy %s is not attached to role %s: nothing to do", a.ID, c.PolicyArn, role)
		return r.finish(a, rep, StatusDone, "already in place", &StateRecord{RoleArn: c.Role, PolicyArn: c.PolicyArn, AttachedPolicies: before})
	}
	r.printf("%s: detaching policy %s from role %s", a.ID, c.PolicyArn, role)
	_, err = api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(c.PolicyArn)})
	var nf *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &nf):
		r.log.Info("policy already detached", "action", a.ID, "role", c.Role, "policy", c.PolicyArn)
	case err != nil:
		return fmt.Errorf("detach policy %s from role %s: %w", c.PolicyArn, role, err)
	}
	after, err := attachedArns(ctx, api, role)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if slices.Contains(after, c.PolicyArn) {
		return fmt.Errorf("policy %s is still attached to role %s after the detach", c.PolicyArn, role)
	}
	r.printf("%s: verified: policy %s is no longer attached to role %s", a.ID, c.PolicyArn, role)
	r.log.Info("detached role policy", "action", a.ID, "role", c.Role, "policy", c.PolicyArn)
	return r.finish(a, rep, StatusDone, "detached", &StateRecord{RoleArn: c.Role, PolicyArn: c.PolicyArn, AttachedPolicies: after})
}

// sameSet tells whether two lists hold the same strings (order and repeats ignored).
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func without(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// dryRunDetach prints the DetachRolePolicy call.
func (r *run) dryRunDetach(a *plan.Action) {
	c := a.DetachRolePolicy
	role, _ := roleName(c.Role)
	b, _ := json.Marshal(map[string]string{"roleName": role, "policyArn": c.PolicyArn})
	r.printf("%s: would call iam:DetachRolePolicy %s (unless it is detached already)", a.ID, b)
}

// rollbackDetach re-attaches the managed policy a detach-role-policy action detached, when it was
// attached before the apply and the role's attached policies are still what the apply left (or already
// back to what they were). A role whose attached policies are neither is not touched: reported failed.
func (r *run) rollbackDetach(ctx context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	if start.Before == nil || start.Before.RoleArn == "" || start.Before.PolicyArn == "" {
		return r.rollbackFail(start, ar, "the journal does not record the role's attached policies before the apply")
	}
	prev := start.Before
	role, err := roleName(prev.RoleArn)
	if err != nil {
		return r.rollbackFail(start, ar, "%v", err)
	}
	if !slices.Contains(prev.AttachedPolicies, prev.PolicyArn) {
		r.printf("%s: policy %s was not attached to role %s before the apply: nothing to restore", start.Action, prev.PolicyArn, role)
		return r.rollbackDone(start, ar, "nothing to restore (the policy was not attached before the apply)", &StateRecord{RoleArn: prev.RoleArn, PolicyArn: prev.PolicyArn})
	}
	api := r.cl.in(r.actionAccount(start.Action)).iam(start.Region)
	cur, err := attachedArns(ctx, api, role)
	if err != nil {
		return r.rollbackFail(start, ar, "%v", err)
	}
	if sameSet(cur, prev.AttachedPolicies) {
		r.printf("%s: policy %s is attached to role %s", start.Action, prev.PolicyArn, role)
		return r.rollbackDone(start, ar, "already at its previous state", &StateRecord{RoleArn: prev.RoleArn, PolicyArn: prev.PolicyArn, AttachedPolicies: cur})
	}
	if left := without(prev.AttachedPolicies, prev.PolicyArn); !sameSet(cur, left) {
		return r.rollbackFail(start, ar, "role %s changed since the apply: its attached policies are [%s], the apply left [%s] and it had [%s]; not touched",
			role, strings.Join(cur, ", "), strings.Join(left, ", "), strings.Join(prev.AttachedPolicies, ", "))
	}
	req := fmt.Sprintf("iam:AttachRolePolicy role=%s policyArn=%s", prev.RoleArn, prev.PolicyArn)
	b, _ := json.Marshal(map[string]string{"roleName": role, "policyArn": prev.PolicyArn})
	if ar, ok := r.rollbackBegin(start, ar, req, fmt.Sprintf("iam:AttachRolePolicy %s", b)); !ok {
		return ar
	}
	r.printf("%s: re-attaching policy %s to role %s", start.Action, prev.PolicyArn, role)
	if _, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(prev.PolicyArn)}); err != nil {
		return r.rollbackFail(start, ar, "attach policy %s to role %s: %v", prev.PolicyArn, role, err)
	}
	got, err := attachedArns(ctx, api, role)
	if err != nil {
		return r.rollbackFail(start, ar, "read back: %v", err)
	}
	if !slices.Contains(got, prev.PolicyArn) {
		return r.rollbackFail(start, ar, "policy %s is not attached to role %s after re-attaching it", prev.PolicyArn, role)
	}
	r.log.Info("re-attached role policy", "action", start.Action, "role", prev.RoleArn, "policy", prev.PolicyArn)
	return r.rollbackDone(start, ar, "re-attached "+prev.PolicyArn, &StateRecord{RoleArn: prev.RoleArn, PolicyArn: prev.PolicyArn, AttachedPolicies: got})
}
