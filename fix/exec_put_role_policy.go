package fix

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ecsfix/ecsfix/plan"
)

// The executor of put-role-policy: the execution role's grant to read exactly the secrets the plan
// creates and to write to its log group, merged into the inline policy ecsfix owns (statements of other
// Sids kept as they are) and read back. Rollback keeps it: the revisions the plan registered stay ACTIVE
// and need it.

func putRolePolicyRequest(role, name string, stmts []plan.PolicyStatement) string {
	sids := make([]string, len(stmts))
	for i, s := range stmts {
		sids[i] = s.Sid
	}
	return fmt.Sprintf("iam:PutRolePolicy role=%s policyName=%s statements=%s", role, name, strings.Join(sids, ","))
}

// putRolePolicy makes the role's owned inline policy hold the plan's statements, keeping what else it
// holds, then reads it back.
func (r *run) putRolePolicy(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.PutRolePolicy
	name := c.PolicyName
	if name == "" {
		name = plan.OwnedPolicyName
	}
	role, err := roleName(c.Role)
	if err != nil {
		return err
	}
	want, err := c.Resolve(r.secretArns(c))
	if err != nil {
		return err
	}
	api := r.cl.in(a.Account).iam(a.Region)
	cur, exists, err := getRolePolicy(ctx, api, role, name)
	if err != nil {
		return err
	}
	merged, changed, err := plan.MergePolicy(cur, want)
	if err != nil {
		return fmt.Errorf("policy %s of role %s: %w", name, role, err)
	}
	if err := r.journalStarted(a, putRolePolicyRequest(c.Role, name, want),
		&StateRecord{RoleArn: c.Role, PolicyName: name, PolicyExists: aws.Bool(exists), PolicyDocument: cur},
		&StateRecord{RoleArn: c.Role, PolicyName: name, PolicyExists: aws.Bool(true), PolicyDocument: merged}); err != nil {
		return err
	}
	result := &StateRecord{RoleArn: c.Role, PolicyName: name, PolicyExists: aws.Bool(true), PolicyDocument: merged}
	if !changed {
		r.printf("%s: policy %s of role %s already grants %s: nothing to do", a.ID, name, role, sidList(want))
		return r.finish(a, rep, StatusDone, "already in place", result)
	}
	r.printf("%s: putting policy %s on role %s (statements %s)", a.ID, name, role, sidList(want))
	if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name),
		PolicyDocument: aws.String(merged)}); err != nil {
		return fmt.Errorf("put policy %s on role %s: %w", name, role, err)
	}
	got, ok, err := getRolePolicy(ctx, api, role, name)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if !ok || !plan.Grants(got, want) {
		return fmt.Errorf("policy %s of role %s does not read back the statements put (%s)", name, role, sidList(want))
	}
	r.printf("%s: verified: policy %s of role %s grants %s", a.ID, name, role, sidList(want))
	r.log.Info("put role policy", "action", a.ID, "role", c.Role, "policy", name)
	r.log.Debug("role policy document", "action", a.ID, "before", cur, "after", merged)
	return r.finish(a, rep, StatusDone, "updated", result)
}

func sidList(stmts []plan.PolicyStatement) string {
	sids := make([]string, len(stmts))
	for i, s := range stmts {
		sids[i] = s.Sid
	}
	return strings.Join(sids, ", ")
}

// secretArns maps the create-secret actions a put-role-policy names to the secrets they created.
func (r *run) secretArns(c *plan.PutRolePolicyChange) map[string]string {
	out := map[string]string{}
	for _, st := range c.Statements {
		for _, id := range st.ResourcesFrom {
			out[id] = r.target(id)
		}
	}
	return out
}

// dryRunPutRolePolicy prints the PutRolePolicy call with the statements merged in.
func (r *run) dryRunPutRolePolicy(a *plan.Action) {
	c := a.PutRolePolicy
	name := c.PolicyName
	if name == "" {
		name = plan.OwnedPolicyName
	}
	role, _ := roleName(c.Role)
	stmts := make([]map[string]any, 0, len(c.Statements))
	for _, st := range c.Statements {
		res := append([]string(nil), st.Resources...)
		for _, id := range st.ResourcesFrom {
			res = append(res, fmt.Sprintf("(the secret %s creates)", id))
		}
		stmts = append(stmts, map[string]any{"Sid": st.Sid, "Effect": "Allow", "Action": st.Actions, "Resource": res})
	}
	b, _ := json.Marshal(map[string]any{"roleName": role, "policyName": name})
	s, _ := json.Marshal(stmts)
	r.printf("%s: would call iam:PutRolePolicy %s merging these statements into the policy's other statements: %s", a.ID, b, s)
}

// rollbackPutRolePolicy keeps the grants.
func (r *run) rollbackPutRolePolicy(_ context.Context, start, _ *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	ar.Status, ar.Detail = StatusSkipped, "kept: the revisions this plan registered stay ACTIVE and need its grants (reading only the secrets ecsfix created, whose values the previous revisions hold in plaintext anyway, and writing to the log groups ecsfix set up); ecsfix never revokes them on rollback"
	r.printf("%s: %s kept: the revisions this plan registered stay ACTIVE and need its grants", start.Action, policyOf(start))
	return ar
}

// policyOf names the role policy a put-role-policy action's started record changes.
func policyOf(start *Record) string {
	for _, st := range []*StateRecord{start.Before, start.After} {
		if st != nil && st.RoleArn != "" {
			name := st.PolicyName
			if name == "" {
				name = plan.OwnedPolicyName
			}
			return fmt.Sprintf("policy %s of role %s", name, st.RoleArn)
		}
	}
	return "the role policy"
}
