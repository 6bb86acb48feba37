// What a rollback step may restore: only the state the plan itself recorded for the action; and the
// approval a rollback needs: the approval an apply of the reversed changes would need.

package fix

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecsfix/ecsfix/plan"
)

// plannedRollback checks a started record against the plan's action of the same id before the action is
// rolled back: the action must be in the plan with the same type, region and resource, and the state the
// record would restore must be the plan's Before for it. The journal is written by ecsfix alone, but it is
// a file: this is what keeps a journal written by hand from restoring a resource to anything the reviewed
// plan did not see when it was made. A nil error lets the step run.
func (r *run) plannedRollback(start, done *Record) error {
	a := r.action(start.Action)
	switch {
	case a == nil:
		return fmt.Errorf("the plan has no action %q", start.Action)
	case a.Type != start.ActionType:
		return fmt.Errorf("action %s is a %s in the plan, the journal records a %s", a.ID, a.Type, start.ActionType)
	case a.Region != start.Region:
		return fmt.Errorf("action %s is in region %s in the plan, the journal records %s", a.ID, a.Region, start.Region)
	case a.Resource != start.Resource:
		return fmt.Errorf("action %s changes %s in the plan, the journal records %s", a.ID, a.Resource, start.Resource)
	}
	if check := plannedBefore[a.Type]; check != nil {
		if start.Before == nil || start.After == nil {
			return fmt.Errorf("the journal does not record the state before and after action %s", a.ID)
		}
		after := start.After
		if a.Type == plan.UpdateService && done != nil && done.Result != nil && after.TaskDefinition == "" && after.PlatformVersion == "" && after.Network == nil {
			after = done.Result // what rollbackService compares with, when the start record names no target
		}
		if err := check(a, start.Before, after); err != nil {
			return fmt.Errorf("action %s: %v: the plan recorded another state before it; not restored", a.ID, err)
		}
	}
	return nil
}

// plannedBefore holds, for each change kind whose rollback writes, the check that what the journal would
// restore (before, given what the apply set: after) is what the plan recorded. Kinds whose rollback keeps
// what the apply made (registrations, secrets, grants, log groups, deregistrations, created groups) have
// none: their rollback writes nothing.
var plannedBefore = map[plan.ActionType]func(a *plan.Action, before, after *StateRecord) error{
	plan.UpdateService: func(a *plan.Action, before, after *StateRecord) error {
		c := a.UpdateService
		if before.Cluster != c.Cluster || before.Service != c.Service {
			return fmt.Errorf("the journal names service %s/%s, the plan %s/%s", before.Cluster, before.Service, c.Cluster, c.Service)
		}
		// Rollback returns what the apply changed (rollbackService): each such field must be one the plan
		// changes, and go back to the plan's Before.
		if after.TaskDefinition != "" && after.TaskDefinition != before.TaskDefinition {
			if c.After.TaskDefinition == "" && c.TaskDefinitionFrom == "" {
				return fmt.Errorf("the journal changes the task definition, the plan does not")
			}
			if before.TaskDefinition != c.Before.TaskDefinition {
				return fmt.Errorf("taskDefinition before is %q in the journal, %q in the plan", before.TaskDefinition, c.Before.TaskDefinition)
			}
		}
		if after.PlatformVersion != "" && after.PlatformVersion != before.PlatformVersion {
			if c.After.PlatformVersion == "" {
				return fmt.Errorf("the journal changes the platform version, the plan does not")
			}
			if before.PlatformVersion != c.Before.PlatformVersion {
				return fmt.Errorf("platformVersion before is %q in the journal, %q in the plan", before.PlatformVersion, c.Before.PlatformVersion)
			}
		}
		if after.Network != nil && !sameNetwork(after.Network, before.Network) {
			if c.After.Network == nil {
				return fmt.Errorf("the journal changes the network configuration, the plan does not")
			}
			if !sameNetwork(before.Network, c.Before.Network) {
				return fmt.Errorf("network before is %s in the journal, %s in the plan", networkString(before.Network), networkString(c.Before.Network))
			}
		}
		return nil
	},
	plan.UpdateClusterSettings: func(a *plan.Action, before, after *StateRecord) error {
		c := a.UpdateClusterSettings
		if before.Cluster != c.Cluster {
			return fmt.Errorf("the journal names cluster %s, the plan %s", before.Cluster, c.Cluster)
		}
		// What rollback sets: each setting the apply set, to its value before (containerInsights
		// "disabled" when unset), from the journal and from the plan.
		restore := func(prev, set []plan.ClusterSetting) map[string]string {
			by := map[string]string{}
			for _, s := range prev {
				by[s.Name] = s.Value
			}
			out := map[string]string{}
			for _, s := range set {
				v, ok := by[s.Name]
				if !ok && s.Name == "containerInsights" {
					v = "disabled"
				}
				out[s.Name] = v
			}
			return out
		}
		got, want := restore(before.Settings, after.Settings), restore(c.Before, c.After)
		for name, v := range got {
			if w, ok := want[name]; !ok || w != v {
				return fmt.Errorf("setting %s before is %q in the journal, %q in the plan", name, v, w)
			}
		}
		return nil
	},
	plan.UpdateSecurityGroupIngress: func(a *plan.Action, before, after *StateRecord) error {
		c := a.UpdateSecurityGroupIngress
		if before.GroupID != c.GroupID {
			return fmt.Errorf("the journal names security group %s, the plan %s", before.GroupID, c.GroupID)
		}
		// Rollback re-authorizes what the apply revoked and revokes what it authorized: only the plan's.
		revoked, authorized := missing(before.Ingress, ruleKeys(after.Ingress)), missing(after.Ingress, ruleKeys(before.Ingress))
		if extra := missing(revoked, ruleKeys(c.Revoke)); len(extra) > 0 {
			return fmt.Errorf("the journal would re-authorize %s, which the plan does not revoke", keysOf(extra))
		}
		if extra := missing(authorized, ruleKeys(c.Authorize)); len(extra) > 0 {
			return fmt.Errorf("the journal would revoke %s, which the plan does not authorize", keysOf(extra))
		}
		return nil
	},
	plan.UpdateAutoScalingGroup: func(a *plan.Action, before, after *StateRecord) error {
		c := a.UpdateAutoScalingGroup
		if before.AutoScalingGroup != c.AutoScalingGroup {
			return fmt.Errorf("the journal names Auto Scaling group %s, the plan %s", before.AutoScalingGroup, c.AutoScalingGroup)
		}
		if before.ScaleInProtected == nil || *before.ScaleInProtected != c.Before.NewInstancesProtectedFromScaleIn {
			return fmt.Errorf("NewInstancesProtectedFromScaleIn before differs in the journal and in the plan (%t)", c.Before.NewInstancesProtectedFromScaleIn)
		}
		return nil
	},
	plan.UpdateCapacityProvider: func(a *plan.Action, before, after *StateRecord) error {
		c := a.UpdateCapacityProvider
		if before.CapacityProvider != c.CapacityProvider {
			return fmt.Errorf("the journal names capacity provider %s, the plan %s", before.CapacityProvider, c.CapacityProvider)
		}
		if got, want := restoredProtection(before.TerminationProtection), restoredProtection(c.Before.ManagedTerminationProtection); got != want {
			return fmt.Errorf("managedTerminationProtection before is %q in the journal, %q in the plan", got, want)
		}
		return nil
	},
	plan.DetachRolePolicy: func(a *plan.Action, before, _ *StateRecord) error {
		c := a.DetachRolePolicy
		if before.RoleArn != c.Role || before.PolicyArn != c.PolicyArn {
			return fmt.Errorf("the journal names policy %s of role %s, the plan %s of %s", before.PolicyArn, before.RoleArn, c.PolicyArn, c.Role)
		}
		return nil
	},
	plan.RemovePolicyStatements: func(a *plan.Action, before, _ *StateRecord) error {
		c := a.RemovePolicyStatements
		if before.RoleArn != c.Role || before.PolicyName != c.PolicyName {
			return fmt.Errorf("the journal names policy %s of role %s, the plan %s of %s", before.PolicyName, before.RoleArn, c.PolicyName, c.Role)
		}
		if before.PolicyExists == nil || !*before.PolicyExists || !samePolicy(before.PolicyDocument, c.Before) {
			return fmt.Errorf("the document of policy %s before differs from the plan's", c.PolicyName)
		}
		return nil
	},
}

// Rollback needs the approval an apply of the reversed changes would need: undoing an action writes the
// state the plan saw before it (an older revision, a pinned platform version, Container Insights off, a
// world-open rule, an admin policy), which is a change of its own, rated as apply rates a change from
// what it does (plan.Plan.EffectiveRisk). So a plan that needed no approval to apply (Container Insights
// on, platform LATEST) needs one to roll back, unless the configuration applies that risk unattended.

// reversedRisk is the risk of rolling back action a, as apply would rate the reversed change; false when
// a's rollback writes nothing (what it made is kept).
func (r *run) reversedRisk(a *plan.Action) (plan.Risk, bool) {
	rev := *a
	switch a.Type {
	case plan.UpdateService:
		if a.UpdateService == nil {
			return plan.RiskHigh, true
		}
		c := *a.UpdateService
		c.Before, c.After = c.After, c.Before
		c.TaskDefinitionFrom, c.SecurityGroupsFrom = "", nil // back to what the plan found, not what it made
		rev.UpdateService = &c
	case plan.UpdateClusterSettings:
		if a.UpdateClusterSettings == nil {
			return plan.RiskHigh, true
		}
		c := *a.UpdateClusterSettings
		c.Before, c.After = c.After, restoredSettings(a.UpdateClusterSettings)
		rev.UpdateClusterSettings = &c
	case plan.UpdateSecurityGroupIngress, plan.DetachRolePolicy, plan.RemovePolicyStatements:
		// Re-authorizing a world-open rule, re-attaching or putting back an admin policy: no lower risk.
		return plan.RiskHigh, true
	default:
		if _, writes := plannedBefore[a.Type]; writes {
			return plan.RiskHigh, true
		}
		return "", false
	}
	return r.p.EffectiveRisk(rev, r.o.RiskOverrides), true
}

// restoredSettings are the settings rollback sets on a cluster: each setting the plan sets, to its value
// before (containerInsights "disabled" when it was unset).
func restoredSettings(c *plan.UpdateClusterSettingsChange) []plan.ClusterSetting {
	by := map[string]string{}
	for _, s := range c.Before {
		by[s.Name] = s.Value
	}
	out := make([]plan.ClusterSetting, 0, len(c.After))
	for _, s := range c.After {
		v, ok := by[s.Name]
		if !ok && s.Name == "containerInsights" {
			v = "disabled"
		}
		out = append(out, plan.ClusterSetting{Name: s.Name, Value: v})
	}
	return out
}

// checkRollbackApproval refuses a rollback whose steps (the actions the journal started whose rollback
// writes) include one whose reversed risk is above the unattended risk, unless the plan holds as many
// approvals that count (by distinct signers) as the quorum of the highest such risk. An approval counts
// as of the apply (the journal's header time, as checkApproval reads it) or as of now: an approval given
// for the rollback, after the apply, counts too.
func (r *run) checkRollbackApproval(ids []string, applied time.Time) error {
	var need []plan.Action
	level := plan.Risk("")
	started := map[string]bool{}
	for _, id := range ids {
		started[id] = true // an id the plan does not hold is refused step by step by plannedRollback
	}
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		if !started[a.ID] {
			continue
		}
		risk, writes := r.reversedRisk(a)
		if !writes || withinUnattended(risk, r.o.UnattendedRisk) {
			continue
		}
		rev := *a
		rev.Risk = risk
		need = append(need, rev)
		if level == "" || risk.Rank() > level.Rank() {
			level = risk
		}
	}
	if len(need) == 0 {
		r.printf("check: rollback needs no approval (no step above %s risk)", r.o.UnattendedRisk)
		return nil
	}
	pol := r.o.Approvals
	quorum := pol.QuorumFor(level)
	checks := r.p.CheckApprovals(pol, time.Now())
	if !applied.IsZero() {
		for i, c := range r.p.CheckApprovals(pol, applied) {
			if c.Counts && i < len(checks) && !checks[i].Counts {
				checks[i] = c
			}
		}
	}
	ids = ids[:0:0]
	for _, a := range need {
		ids = append(ids, fmt.Sprintf("%s (%s risk)", a.ID, a.Risk))
	}
	by, err := r.quorum(need, level, quorum, checks)
	if err != nil {
		return fmt.Errorf("rollback restores the state before %s, rated as an apply of the reversed change would be: %w", strings.Join(ids, ", "), err)
	}
	r.printf("check: rollback approved (undoing %s; %s risk needs %d distinct signer(s)): %s", strings.Join(ids, ", "), level, quorum, strings.Join(by, "; "))
	return nil
}

// withinUnattended reports whether risk r may be applied without approval under limit ("none", or an
// unknown level or risk, allows nothing).
func withinUnattended(r, limit plan.Risk) bool {
	known := func(x plan.Risk) bool { return x == plan.RiskLow || x == plan.RiskMedium || x == plan.RiskHigh }
	return known(r) && known(limit) && r.Rank() <= limit.Rank()
}
