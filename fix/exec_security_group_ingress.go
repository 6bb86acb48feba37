package fix

import (
	"context"
	"fmt"

	"github.com/ecsfix/ecsfix/plan"
)

// The executor of update-security-group-ingress (principle 5: never widen, never guess): the replacement
// rules authorized first and verified, and only then the world-open ones revoked, so that the load
// balancer never loses access to the service's port. Rollback re-authorizes what it revoked, then revokes
// what it authorized, unless the group's rules are neither what the apply left nor what they were.

func ingressRequest(c *plan.UpdateSecurityGroupIngressChange) string {
	return fmt.Sprintf("ec2:AuthorizeSecurityGroupIngress groupId=%s rules=%s, then ec2:RevokeSecurityGroupIngress groupId=%s rules=%s",
		c.GroupID, keysOf(c.Authorize), c.GroupID, keysOf(c.Revoke))
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

// updateIngress authorizes the replacement rules, verifies them, then revokes the world-open ones.
func (r *run) updateIngress(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.UpdateSecurityGroupIngress
	api := r.cl.in(a.Account).ec2(a.Region)
	g, err := describeGroup(ctx, api, c.GroupID)
	if err != nil {
		return err
	}
	cur := plan.RulesOf(g.IpPermissions)
	if err := r.journalStarted(a, ingressRequest(c),
		&StateRecord{GroupID: c.GroupID, Ingress: cur},
		&StateRecord{GroupID: c.GroupID, Ingress: ingressAfter(cur, c.Authorize, c.Revoke)}); err != nil {
		return err
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

// dryRunIngress prints the EC2 calls with their rules.
func (r *run) dryRunIngress(a *plan.Action) {
	c := a.UpdateSecurityGroupIngress
	r.printf("%s: would call ec2:AuthorizeSecurityGroupIngress %s (rules not there yet), verify them, then ec2:RevokeSecurityGroupIngress %s",
		a.ID, rulesJSON(c.GroupID, c.Authorize), rulesJSON(c.GroupID, c.Revoke))
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
	api := r.cl.in(r.actionAccount(start.Action)).ec2(start.Region)
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
	if ar, ok := r.rollbackBegin(start, ar, req, req); !ok {
		return ar
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
