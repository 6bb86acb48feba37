// Which AWS calls a rollback makes, by "service:Operation" as awsclient.Counter names them, so that
// `rollback` can say how long it takes under AWS's token buckets (plan.EstimateCalls) and show the time
// left as its steps finish. The counts are read off rollback.go, preflight.go and each kind's rollback
// (exec_*.go); TestRollbackCallsAsCounted compares them with the calls a rollback makes on the emulator.

package fix

import (
	"slices"
	"strings"

	"github.com/ecsfix/ecsfix/plan"
)

// RollbackCalls returns the calls rolling back the journal's records recs (ReadJournal) of plan p makes,
// by account and region: those of the checks made before the first step (checks: the caller identified,
// then each of the plan's other accounts through its role), and each step's, by action id. A step is
// counted as a rollback makes it when the resource is as the apply left it: read, written back, and read
// back where the rollback reads back. A step an earlier rollback settled, one the plan refuses
// (plannedRollback), one whose journal lacks what it restores, and one whose rollback keeps what the
// apply made (registrations, secrets, grants, log groups, deregistrations, created groups) make none.
//
// Not counted, as for plan.ApplyCalls: the role assumed in other accounts (sts:AssumeRole, by the SDK's
// credential provider), extra pages of a listing, and the finding updates of --update-findings.
// Calls to a global service (IAM) are keyed by the account with Region "".
func RollbackCalls(p *plan.Plan, recs []Record) (checks map[plan.AccountRegion]plan.Calls, steps map[string]map[plan.AccountRegion]plan.Calls) {
	st := newJournalState()
	for _, rec := range recs {
		st.apply(rec)
	}
	checks = map[plan.AccountRegion]plan.Calls{{}: {opCallerIdentity: 1 + max(0, len(p.Accounts())-1)}}
	steps = map[string]map[plan.AccountRegion]plan.Calls{}
	r := &run{p: p}
	for _, start := range st.all {
		if start.Type != RecStarted {
			continue
		}
		if steps[start.Action] == nil {
			steps[start.Action] = map[plan.AccountRegion]plan.Calls{}
		}
		a, done := r.action(start.Action), st.done[start.Action]
		ex, count := executors[start.ActionType], rollbackCalls[start.ActionType]
		if count == nil || a == nil || a.Change() == nil || r.plannedRollback(&start, done) != nil ||
			st.rbDone[start.Action] != nil && ex.settledByRollbackDone {
			continue // a plan that is not valid (no payload) is refused whole by Rollback
		}
		c := plan.Calls{}
		count(a, &start, done, c)
		for op, n := range c {
			if n <= 0 {
				continue
			}
			k := plan.AccountRegion{Account: r.actionAccount(start.Action), Region: start.Region}
			if strings.HasPrefix(op, "iam:") {
				k.Region = ""
			}
			if steps[start.Action][k] == nil {
				steps[start.Action][k] = plan.Calls{}
			}
			steps[start.Action][k][op] += n
		}
	}
	return checks, steps
}

// Operations of the rollback, by service as awsclient.Counter names them.
const (
	opCallerIdentity       = "sts:GetCallerIdentity"
	opDescribeServices     = "ecs:DescribeServices"
	opUpdateService        = "ecs:UpdateService"
	opDescribeClusters     = "ecs:DescribeClusters"
	opUpdateCluster        = "ecs:UpdateCluster"
	opDescribeProviders    = "ecs:DescribeCapacityProviders"
	opUpdateProvider       = "ecs:UpdateCapacityProvider"
	opDescribeASGs         = "autoscaling:DescribeAutoScalingGroups"
	opUpdateASG            = "autoscaling:UpdateAutoScalingGroup"
	opDescribeGroups       = "ec2:DescribeSecurityGroups"
	opAuthorizeIngress     = "ec2:AuthorizeSecurityGroupIngress"
	opRevokeIngress        = "ec2:RevokeSecurityGroupIngress"
	opListAttachedPolicies = "iam:ListAttachedRolePolicies"
	opAttachRolePolicy     = "iam:AttachRolePolicy"
	opGetRolePolicy        = "iam:GetRolePolicy"
	opPutRolePolicy        = "iam:PutRolePolicy"
)

// rollbackCalls is the table: for each change kind whose rollback calls AWS, the calls rolling back one
// started action of it makes (a: the plan's action; done: its done record, nil when none), added to c.
// A kind whose rollback keeps what the apply made has no entry (TestEveryRollbackThatWritesIsCounted).
var rollbackCalls = map[plan.ActionType]func(a *plan.Action, start, done *Record, c plan.Calls){
	plan.UpdateService: func(_ *plan.Action, start, done *Record, c plan.Calls) {
		prev, set := start.Before, start.After
		if prev == nil || set == nil {
			return
		}
		if done != nil && done.Result != nil && set.TaskDefinition == "" && done.Result.TaskDefinition != "" && set.PlatformVersion == "" && set.Network == nil {
			set = done.Result
		}
		td := set.TaskDefinition != "" && set.TaskDefinition != prev.TaskDefinition
		pv := set.PlatformVersion != "" && set.PlatformVersion != prev.PlatformVersion
		net := set.Network != nil && !sameNetwork(set.Network, prev.Network)
		if net && prev.Network == nil {
			return // refused before any call: UpdateService cannot remove a network configuration
		}
		c[opDescribeServices]++
		if td || pv || net {
			c[opUpdateService]++
		}
	},
	plan.UpdateClusterSettings: func(_ *plan.Action, start, _ *Record, c plan.Calls) {
		if start.Before == nil || start.After == nil {
			return
		}
		for _, s := range start.After.Settings {
			if s.Name != "containerInsights" && !slices.ContainsFunc(start.Before.Settings, func(b plan.ClusterSetting) bool { return b.Name == s.Name }) {
				return // no previous value journalled: refused before any call
			}
		}
		c[opDescribeClusters]++
		c[opUpdateCluster]++
	},
	plan.UpdateSecurityGroupIngress: func(_ *plan.Action, start, _ *Record, c plan.Calls) {
		if start.Before == nil || start.After == nil || start.Before.GroupID == "" {
			return
		}
		prev, set := start.Before.Ingress, start.After.Ingress
		c[opDescribeGroups]++
		if sameRules(set, prev) {
			return
		}
		// From the rules the apply left: each it revoked authorized again, each it authorized revoked,
		// one rule a call, then the group read back.
		c[opAuthorizeIngress] += len(missing(prev, ruleKeys(set)))
		c[opRevokeIngress] += len(missing(set, ruleKeys(prev)))
		c[opDescribeGroups]++
	},
	plan.UpdateAutoScalingGroup: func(a *plan.Action, start, _ *Record, c plan.Calls) {
		if start.Before == nil || start.After == nil || start.Before.ScaleInProtected == nil || start.After.ScaleInProtected == nil {
			return
		}
		prev, set := *start.Before.ScaleInProtected, *start.After.ScaleInProtected
		c[opDescribeASGs]++
		if prev == set {
			return
		}
		if !prev {
			// Whether its capacity provider still needs the protection (groupProtectionNeeded).
			if a.UpdateAutoScalingGroup == nil || a.UpdateAutoScalingGroup.CapacityProvider == "" {
				return
			}
			c[opDescribeProviders]++
		}
		c[opUpdateASG]++
	},
	plan.UpdateCapacityProvider: func(_ *plan.Action, start, _ *Record, c plan.Calls) {
		if start.Before == nil || start.After == nil || start.After.TerminationProtection == "" {
			return
		}
		c[opDescribeProviders]++
		if restoredProtection(start.Before.TerminationProtection) != start.After.TerminationProtection {
			c[opUpdateProvider]++
		}
	},
	plan.DetachRolePolicy: func(_ *plan.Action, start, _ *Record, c plan.Calls) {
		prev := start.Before
		if prev == nil || prev.RoleArn == "" || prev.PolicyArn == "" || !slices.Contains(prev.AttachedPolicies, prev.PolicyArn) {
			return // nothing to restore, or refused, before any call
		}
		c[opListAttachedPolicies] += 2 // before, and read back
		c[opAttachRolePolicy]++
	},
	plan.RemovePolicyStatements: func(_ *plan.Action, start, _ *Record, c plan.Calls) {
		prev, set := start.Before, start.After
		if prev == nil || set == nil || prev.RoleArn == "" || prev.PolicyName == "" || prev.PolicyExists == nil || set.PolicyExists == nil {
			return
		}
		c[opGetRolePolicy]++
		if !*prev.PolicyExists {
			return // refused: it had no such policy before
		}
		c[opPutRolePolicy]++
		c[opGetRolePolicy]++ // read back
	},
}
