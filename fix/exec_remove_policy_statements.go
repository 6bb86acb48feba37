package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/plan"
)

// The executor of the opt-in, high-risk remove-policy-statements (the admin task-role fix): the Allow */*
// statements removed from a task role's inline policy, deleted when nothing else remains, only when the
// policy read live is the plan's Before; its document journalled first and read back after. Rollback puts
// the journalled document back when the policy is as the apply left it.

func removeRequest(c *plan.RemovePolicyStatementsChange) string {
	if c.After == "" {
		return fmt.Sprintf("iam:DeleteRolePolicy role=%s policyName=%s (removed statements %s; nothing else remained)", c.Role, c.PolicyName, strings.Join(c.Removed, ","))
	}
	return fmt.Sprintf("iam:PutRolePolicy role=%s policyName=%s (removed statements %s)", c.Role, c.PolicyName, strings.Join(c.Removed, ","))
}

// removePolicyStatements rewrites a role's inline policy without the statements the plan removes (or
// deletes it when none remains). The policy read live must be the plan's Before (compared as JSON),
// unless it is already the plan's After (an earlier run's change: "already in place"); its document is
// journalled before the change, and read back after it.
func (r *run) removePolicyStatements(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.RemovePolicyStatements
	role, err := roleName(c.Role)
	if err != nil {
		return err
	}
	api := r.cl.in(a.Account).iam(a.Region)
	cur, exists, err := getRolePolicy(ctx, api, role, c.PolicyName)
	if err != nil {
		return err
	}
	atAfter := c.After == "" && !exists || c.After != "" && exists && samePolicy(cur, c.After)
	atBefore := exists && samePolicy(cur, c.Before)
	if !atAfter && !atBefore {
		what := "is gone"
		if exists {
			what = "holds another document"
		}
		return fmt.Errorf("policy %s of role %s changed since the plan was made (it %s): not touched; make a new plan", c.PolicyName, role, what)
	}
	if err := r.journalStarted(a, removeRequest(c),
		&StateRecord{RoleArn: c.Role, PolicyName: c.PolicyName, PolicyExists: aws.Bool(exists), PolicyDocument: cur},
		&StateRecord{RoleArn: c.Role, PolicyName: c.PolicyName, PolicyExists: aws.Bool(c.After != ""), PolicyDocument: c.After}); err != nil {
		return err
	}
	result := &StateRecord{RoleArn: c.Role, PolicyName: c.PolicyName, PolicyExists: aws.Bool(c.After != ""), PolicyDocument: c.After}
	if atAfter {
		r.printf("%s: policy %s of role %s holds no statement to remove already: nothing to do", a.ID, c.PolicyName, role)
		return r.finish(a, rep, StatusDone, "already in place", result)
	}
	removed := strings.Join(c.Removed, ", ")
	if c.After == "" {
		r.printf("%s: deleting policy %s of role %s (statements %s; nothing else remains in it)", a.ID, c.PolicyName, role, removed)
		_, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(c.PolicyName)})
		var nf *iamtypes.NoSuchEntityException
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("delete policy %s of role %s: %w", c.PolicyName, role, err)
		}
	} else {
		r.printf("%s: removing statements %s from policy %s of role %s", a.ID, removed, c.PolicyName, role)
		if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(c.PolicyName),
			PolicyDocument: aws.String(c.After)}); err != nil {
			return fmt.Errorf("put policy %s on role %s: %w", c.PolicyName, role, err)
		}
	}
	got, ok, err := getRolePolicy(ctx, api, role, c.PolicyName)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	switch {
	case c.After == "" && ok:
		return fmt.Errorf("policy %s of role %s still exists after its deletion", c.PolicyName, role)
	case c.After != "" && (!ok || !samePolicy(got, c.After)):
		return fmt.Errorf("policy %s of role %s does not read back the document put", c.PolicyName, role)
	}
	detail := "removed statements " + removed
	if c.After == "" {
		detail = "deleted the policy (statements " + removed + ")"
		r.printf("%s: verified: role %s has no policy %s", a.ID, role, c.PolicyName)
	} else {
		result.PolicyDocument = got
		r.printf("%s: verified: policy %s of role %s reads back without statements %s", a.ID, c.PolicyName, role, removed)
	}
	r.log.Info("removed policy statements", "action", a.ID, "role", c.Role, "policy", c.PolicyName, "removed", c.Removed, "deleted", c.After == "")
	return r.finish(a, rep, StatusDone, detail, result)
}

// dryRunRemoveStatements prints the PutRolePolicy call with the document, or DeleteRolePolicy.
func (r *run) dryRunRemoveStatements(a *plan.Action) {
	c := a.RemovePolicyStatements
	role, _ := roleName(c.Role)
	b, _ := json.Marshal(map[string]string{"roleName": role, "policyName": c.PolicyName})
	if c.After == "" {
		r.printf("%s: would call iam:DeleteRolePolicy %s (removing statements %s; nothing else remains in it)", a.ID, b, strings.Join(c.Removed, ", "))
		return
	}
	r.printf("%s: would call iam:PutRolePolicy %s (removing statements %s) with the document:\n%s", a.ID, b, strings.Join(c.Removed, ", "), indentJSON(json.RawMessage(c.After)))
}

// rollbackRemoveStatements puts back the inline policy's document journalled before a
// remove-policy-statements action, when the policy still holds what the apply left (or is already back).
// A policy that holds neither is not touched: reported failed.
func (r *run) rollbackRemoveStatements(ctx context.Context, start, done *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	prev, set := start.Before, start.After
	if prev == nil || set == nil || prev.RoleArn == "" || prev.PolicyName == "" || prev.PolicyExists == nil || set.PolicyExists == nil {
		return r.rollbackFail(start, ar, "the journal does not record the inline policy's previous document")
	}
	role, err := roleName(prev.RoleArn)
	if err != nil {
		return r.rollbackFail(start, ar, "%v", err)
	}
	name := prev.PolicyName
	api := r.cl.in(r.actionAccount(start.Action)).iam(start.Region)
	cur, exists, err := getRolePolicy(ctx, api, role, name)
	if err != nil {
		return r.rollbackFail(start, ar, "%v", err)
	}
	at := func(s *StateRecord) bool {
		return exists == *s.PolicyExists && (!exists || samePolicy(cur, s.PolicyDocument))
	}
	if at(prev) {
		r.printf("%s: policy %s of role %s is at its previous document", start.Action, name, role)
		return r.rollbackDone(start, ar, "already at its previous document", &StateRecord{RoleArn: prev.RoleArn, PolicyName: name, PolicyExists: aws.Bool(exists), PolicyDocument: cur})
	}
	left := set
	if done != nil && done.Result != nil && done.Result.PolicyExists != nil && !at(set) {
		left = done.Result
	}
	if !at(left) {
		return r.rollbackFail(start, ar, "policy %s of role %s changed since the apply: it holds neither the document the apply left nor the one it had before; not touched", name, role)
	}
	if !*prev.PolicyExists {
		return r.rollbackFail(start, ar, "the journal records that role %s had no policy %s before the apply, yet it has one now; not touched", role, name)
	}
	b, _ := json.Marshal(map[string]string{"roleName": role, "policyName": name})
	if ar, ok := r.rollbackBegin(start, ar, fmt.Sprintf("iam:PutRolePolicy role=%s policyName=%s (the document before the apply)", prev.RoleArn, name),
		fmt.Sprintf("iam:PutRolePolicy %s with the document journalled before the apply:\n%s", b, indentJSON(json.RawMessage(prev.PolicyDocument)))); !ok {
		return ar
	}
	r.printf("%s: putting back policy %s of role %s as it was before the apply", start.Action, name, role)
	if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name),
		PolicyDocument: aws.String(prev.PolicyDocument)}); err != nil {
		return r.rollbackFail(start, ar, "put policy %s on role %s: %v", name, role, err)
	}
	got, ok, err := getRolePolicy(ctx, api, role, name)
	if err != nil {
		return r.rollbackFail(start, ar, "read back: %v", err)
	}
	if !ok || !samePolicy(got, prev.PolicyDocument) {
		return r.rollbackFail(start, ar, "policy %s of role %s does not read back its previous document", name, role)
	}
	r.log.Info("restored role policy", "action", start.Action, "role", prev.RoleArn, "policy", name)
	return r.rollbackDone(start, ar, "put back policy "+name+" as it was", &StateRecord{RoleArn: prev.RoleArn, PolicyName: name, PolicyExists: aws.Bool(true), PolicyDocument: got})
}
