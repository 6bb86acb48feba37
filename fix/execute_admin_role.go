package fix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// The executors of the opt-in, high-risk admin task-role fix (issue 4 item 6): detach a managed policy
// (AdministratorAccess) from a task role, and remove the Allow */* statements from a task role's inline
// policy (deleting the policy when nothing else remains in it). Both change policies ecsfix does not own,
// so both journal the role's state before the change, and rollback restores it exactly: re-attaching the
// managed policy, putting the inline policy's journalled document back. These are the only IAM objects
// ecsfix ever restores this way (its own inline policy, plan.OwnedPolicyName, is kept on rollback).

// ---------------------------------------------------------------------------------------------------
// Reading a role's policies

// readRolePolicies reads all of a role's policies live: the attached managed policies (ARN and name, no
// document) and every inline policy with its document (URL-decoded when it starts with '%').
func readRolePolicies(ctx context.Context, api iamAPI, arn string) (*detect.Role, error) {
	name, err := roleName(arn)
	if err != nil {
		return nil, err
	}
	role := &detect.Role{Arn: arn, Name: name, PoliciesKnown: true}
	attached, err := attachedPolicies(ctx, api, name)
	if err != nil {
		return nil, err
	}
	role.Attached = attached
	var names []string
	p := iam.NewListRolePoliciesPaginator(api, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the inline policies of role %s: %w", name, err)
		}
		names = append(names, out.PolicyNames...)
	}
	sort.Strings(names)
	for _, pn := range names {
		doc, ok, err := getRolePolicy(ctx, api, name, pn)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // deleted between the listing and the read
		}
		role.Inline = append(role.Inline, detect.PolicyDocument{Name: pn, Document: doc})
	}
	return role, nil
}

// attachedPolicies lists the managed policies attached to a role.
func attachedPolicies(ctx context.Context, api iamAPI, role string) ([]detect.AttachedPolicy, error) {
	var out []detect.AttachedPolicy
	p := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the policies attached to role %s: %w", role, err)
		}
		for _, ap := range page.AttachedPolicies {
			out = append(out, detect.AttachedPolicy{Name: aws.ToString(ap.PolicyName), Arn: aws.ToString(ap.PolicyArn)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arn < out[j].Arn })
	return out, nil
}

// attachedArns lists the ARNs of the managed policies attached to a role, sorted.
func attachedArns(ctx context.Context, api iamAPI, role string) ([]string, error) {
	ps, err := attachedPolicies(ctx, api, role)
	if err != nil {
		return nil, err
	}
	arns := make([]string, len(ps))
	for i, p := range ps {
		arns[i] = p.Arn
	}
	return arns, nil
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

// ---------------------------------------------------------------------------------------------------
// Stale check

// rolePolicyFacts are the facts of a role whose policies the plan fingerprinted with
// plan.RolePolicyFacts (and plan.RoleFacts), computed on the role read live.
func rolePolicyFacts(role *detect.Role) map[string]string {
	f := plan.RolePolicyFacts(role)
	for k, v := range plan.RoleFacts(role) {
		f[k] = v
	}
	return f
}

// needsAllPolicies tells whether a role fingerprint records facts about all of its policies.
func needsAllPolicies(f plan.Fingerprint) bool {
	_, a := f.Facts[plan.FactAttached]
	_, i := f.Facts[plan.FactInline]
	return a || i
}

// roleChangesExpected returns, for a role fingerprint, which differences a resumed apply expects: the
// changes this plan's actions on the role, started or done by an earlier run, make. A detach may have
// removed its policy from the attached list; a statement removal may have rewritten (or deleted) its
// inline policy to the plan's After; a put-role-policy may have changed the owned policy. Nothing else.
func (r *run) roleChangesExpected(f plan.Fingerprint, live *detect.Role) func(fact, cur string) bool {
	var detached []string
	removed := map[string]*plan.RemovePolicyStatementsChange{}
	ownedPut := false
	r.j.view(func(st *journalState) {
		for i := range r.p.Actions {
			a := &r.p.Actions[i]
			if st.started[a.ID] == nil && st.done[a.ID] == nil {
				continue
			}
			switch {
			case a.Type == plan.DetachRolePolicy && a.DetachRolePolicy != nil && a.DetachRolePolicy.Role == f.Resource:
				detached = append(detached, a.DetachRolePolicy.PolicyArn)
			case a.Type == plan.RemovePolicyStatements && a.RemovePolicyStatements != nil && a.RemovePolicyStatements.Role == f.Resource:
				removed[a.RemovePolicyStatements.PolicyName] = a.RemovePolicyStatements
			case a.Type == plan.PutRolePolicy && a.PutRolePolicy != nil && a.PutRolePolicy.Role == f.Resource:
				ownedPut = true
			}
		}
	})
	if len(detached) == 0 && len(removed) == 0 && !ownedPut {
		return nil
	}
	return func(fact, cur string) bool {
		switch fact {
		case plan.FactOwnedPolicy:
			return ownedPut || removed[plan.OwnedPolicyName] != nil
		case plan.FactAttached:
			// What is attached now is what was planned less some of the policies this plan detaches.
			planned, now := splitList(f.Facts[fact]), splitList(cur)
			for _, a := range now {
				if !slices.Contains(planned, a) {
					return false
				}
			}
			for _, a := range planned {
				if !slices.Contains(now, a) && !slices.Contains(detached, a) {
					return false
				}
			}
			return true
		case plan.FactInline:
			// Each inline policy is as planned, or one this plan rewrites and now holds its After (or, with
			// an empty After, is gone), or the owned policy a started put-role-policy changes.
			planned := map[string]string{}
			for _, e := range splitList(f.Facts[fact]) {
				if i := strings.LastIndexByte(e, '='); i > 0 {
					planned[e[:i]] = e[i+1:]
				}
			}
			live1 := map[string]string{}
			for _, p := range live.Inline {
				live1[p.Name] = p.Document
			}
			names := map[string]bool{}
			for n := range planned {
				names[n] = true
			}
			for n := range live1 {
				names[n] = true
			}
			for n := range names {
				doc, isLive := live1[n]
				h, wasPlanned := planned[n]
				if isLive && wasPlanned && docHash(doc) == h {
					continue
				}
				if n == plan.OwnedPolicyName && ownedPut {
					continue
				}
				c := removed[n]
				switch {
				case c == nil || !wasPlanned:
					return false
				case c.After == "" && !isLive:
				case c.After != "" && isLive && samePolicy(doc, c.After):
				default:
					return false
				}
			}
			return true
		}
		return false
	}
}

// docHash is the hex SHA-256 of a policy document, as plan.RolePolicyFacts records it.
func docHash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// ---------------------------------------------------------------------------------------------------
// detach-role-policy

func detachRequest(role, policyArn string) string {
	return fmt.Sprintf("iam:DetachRolePolicy role=%s policyArn=%s", role, policyArn)
}

// detachRolePolicy detaches a managed policy from a role, after journalling every policy attached to it;
// a policy no longer attached (an earlier run's detach, its response lost) is "already in place". It
// verifies by listing the role's policies again.
func (r *run) detachRolePolicy(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.DetachRolePolicy
	if !detect.IsAdministratorAccess(c.PolicyArn) {
		// Detaching anything else (a guardrail full of Denies, say) could widen access.
		return fmt.Errorf("detach %s: only AdministratorAccess is ever detached", c.PolicyArn)
	}
	role, err := roleName(c.Role)
	if err != nil {
		return err
	}
	api := r.cl.iam(a.Region)
	before, err := attachedArns(ctx, api, role)
	if err != nil {
		return err
	}
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: detachRequest(c.Role, c.PolicyArn),
			Before:  &StateRecord{RoleArn: c.Role, PolicyArn: c.PolicyArn, AttachedPolicies: before},
			After:   &StateRecord{RoleArn: c.Role, PolicyArn: c.PolicyArn, AttachedPolicies: without(before, c.PolicyArn)}}); err != nil {
			return err
		}
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

// ---------------------------------------------------------------------------------------------------
// remove-policy-statements

func removeRequest(c *plan.RemovePolicyStatementsChange) string {
	if c.After == "" {
		return fmt.Sprintf("iam:DeleteRolePolicy role=%s policyName=%s (removed statements %s; nothing else remained)", c.Role, c.PolicyName, strings.Join(c.Removed, ","))
	}
	return fmt.Sprintf("iam:PutRolePolicy role=%s policyName=%s (removed statements %s)", c.Role, c.PolicyName, strings.Join(c.Removed, ","))
}

// policyStatements returns a policy document's Version and statements (a single statement object counts
// as a list of one).
func policyStatements(doc string) (version any, stmts []any, err error) {
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, nil, fmt.Errorf("the document is not a JSON object: %v", err)
	}
	switch s := d["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	case nil:
	default:
		return nil, nil, errors.New("its Statement is neither an object nor a list")
	}
	return d["Version"], stmts, nil
}

// onlyRemoves checks that after is before less some of its statements: a statement removal never grants
// anything new, whatever the plan says.
func onlyRemoves(before, after string) error {
	bv, bs, err := policyStatements(before)
	if err != nil {
		return fmt.Errorf("before: %w", err)
	}
	if after == "" {
		return nil
	}
	av, as, err := policyStatements(after)
	if err != nil {
		return fmt.Errorf("after: %w", err)
	}
	if !reflect.DeepEqual(av, bv) && av != nil {
		return fmt.Errorf("after changes the policy's Version (%v, was %v)", av, bv)
	}
	used := make([]bool, len(bs))
	for i, s := range as {
		found := false
		for j, t := range bs {
			if !used[j] && reflect.DeepEqual(s, t) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return fmt.Errorf("after's statement %d is not one of the policy's statements: a statement removal may only remove", i+1)
		}
	}
	if len(as) == len(bs) {
		return errors.New("after removes no statement")
	}
	// Only administrative Allow */* statements may go: removing a Deny, or a narrower Allow, is not what
	// this action is for (a Deny removed would widen access).
	typed, err := detect.ParsePolicy(before)
	if err != nil || len(typed) != len(bs) {
		return fmt.Errorf("before: cannot read its statements: %v", err)
	}
	for j := range bs {
		if !used[j] && !detect.IsAdminStatement(typed[j]) {
			return fmt.Errorf("before's statement %d is removed but is not an Allow of * on *: only administrative statements may be removed", j+1)
		}
	}
	return nil
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
	if c.PolicyName == "" {
		return fmt.Errorf("%w: action %s names no policy", ErrInvalidPlan, a.ID)
	}
	if err := onlyRemoves(c.Before, c.After); err != nil {
		return fmt.Errorf("%w: action %s: policy %s of role %s: %v", ErrInvalidPlan, a.ID, c.PolicyName, role, err)
	}
	api := r.cl.iam(a.Region)
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
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: removeRequest(c),
			Before:  &StateRecord{RoleArn: c.Role, PolicyName: c.PolicyName, PolicyExists: aws.Bool(exists), PolicyDocument: cur},
			After:   &StateRecord{RoleArn: c.Role, PolicyName: c.PolicyName, PolicyExists: aws.Bool(c.After != ""), PolicyDocument: c.After}}); err != nil {
			return err
		}
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

// ---------------------------------------------------------------------------------------------------
// Rollback

// rollbackDetach re-attaches the managed policy a detach-role-policy action detached, when it was
// attached before the apply and the role's attached policies are still what the apply left (or already
// back to what they were). A role whose attached policies are neither is not touched: reported failed.
func (r *run) rollbackDetach(ctx context.Context, start *Record) ActionReport {
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
	api := r.cl.iam(start.Region)
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
	if r.o.DryRun {
		b, _ := json.Marshal(map[string]string{"roleName": role, "policyArn": prev.PolicyArn})
		r.printf("%s: would call iam:AttachRolePolicy %s", start.Action, b)
		ar.Status = StatusWouldDo
		return ar
	}
	if err := r.journalRollbackStarted(start, req); err != nil {
		return r.rollbackFail(start, ar, "%v", err)
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

// rollbackRemoveStatements puts back the inline policy's document journalled before a
// remove-policy-statements action, when the policy still holds what the apply left (or is already back).
// A policy that holds neither is not touched: reported failed.
func (r *run) rollbackRemoveStatements(ctx context.Context, start *Record, done *Record) ActionReport {
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
	api := r.cl.iam(start.Region)
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
	if r.o.DryRun {
		b, _ := json.Marshal(map[string]string{"roleName": role, "policyName": name})
		r.printf("%s: would call iam:PutRolePolicy %s with the document journalled before the apply:\n%s", start.Action, b, indentJSON(json.RawMessage(prev.PolicyDocument)))
		ar.Status = StatusWouldDo
		return ar
	}
	if err := r.journalRollbackStarted(start, fmt.Sprintf("iam:PutRolePolicy role=%s policyName=%s (the document before the apply)", prev.RoleArn, name)); err != nil {
		return r.rollbackFail(start, ar, "%v", err)
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

// ---------------------------------------------------------------------------------------------------
// Dry run

func (r *run) dryRunAdminRole(a *plan.Action) {
	switch a.Type {
	case plan.DetachRolePolicy:
		c := a.DetachRolePolicy
		role, _ := roleName(c.Role)
		b, _ := json.Marshal(map[string]string{"roleName": role, "policyArn": c.PolicyArn})
		r.printf("%s: would call iam:DetachRolePolicy %s (unless it is detached already)", a.ID, b)
	case plan.RemovePolicyStatements:
		c := a.RemovePolicyStatements
		role, _ := roleName(c.Role)
		b, _ := json.Marshal(map[string]string{"roleName": role, "policyName": c.PolicyName})
		if c.After == "" {
			r.printf("%s: would call iam:DeleteRolePolicy %s (removing statements %s; nothing else remains in it)", a.ID, b, strings.Join(c.Removed, ", "))
			return
		}
		r.printf("%s: would call iam:PutRolePolicy %s (removing statements %s) with the document:\n%s", a.ID, b, strings.Join(c.Removed, ", "), indentJSON(json.RawMessage(c.After)))
	}
}
