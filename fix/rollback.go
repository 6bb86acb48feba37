package fix

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// Rollback returns every service and cluster the journal at journalPath records as changed to its
// previous state: a service to its previous task definition, platform version and network configuration
// (as a whole: subnets, security groups, assignPublicIp), a cluster to its previous settings.
//
// It also undoes the opt-in admin task-role fix: it re-attaches a managed policy that a detach-role-policy
// action detached (when it was attached before the apply), and puts back the whole document, as journalled
// before the apply, of an inline policy that a remove-policy-statements action rewrote or deleted. These
// are the only IAM objects ecsfix ever restores this way; a role whose policies are neither what the apply
// left nor what they were before is not touched, and reported as failed.
//
// It restores the ingress rules of a security group that an update-security-group-ingress action changed
// (re-authorizing the world-open rules it revoked, then revoking the rules it authorized), unless the
// group's rules are neither what the apply left nor what they were before. A security group that a
// create-security-group action created is kept.
//
// Otherwise it never deletes, deregisters or revokes anything: the revisions the plan registered stay ACTIVE (the
// newest of a family is what a deployment by family name starts, so they must keep working), and so
// the execution role's grants stay in the inline policy ecsfix owns (plan.OwnedPolicyName): they allow
// reading only the secrets ecsfix created, whose values the previous revisions hold in plaintext anyway,
// and writing to the log groups ecsfix named. The secrets it created are kept (ecsfix never deletes a
// secret: delete it once nothing uses it; a later plan for the same family and container reuses it), the
// log groups it created are kept (with their logs), and revisions it deregistered stay deregistered (ECS
// cannot make them ACTIVE again).
//
// It appends its own records (rollback-started, rollback-done, rollback-failed) to the same journal, so
// that running it again converges: what is rolled back already is skipped without a call. A resource
// changed by someone else since the apply (a service now set to neither what ecsfix set — revision,
// platform version, network configuration — nor what it had before) is not touched, and reported as
// failed. o.DryRun prints the calls without making them.
func Rollback(ctx context.Context, cfg aws.Config, journalPath string, o Options) (*Report, error) {
	cl := sdkClients(cfg, o.MaxAttempts)
	if len(o.Regions) == 0 && cfg.Region != "" {
		o.Regions = []string{cfg.Region}
	}
	return rollback(ctx, cl, journalPath, o)
}

func rollback(ctx context.Context, cl *clients, path string, o Options) (*Report, error) {
	r := newRun(cl, o)
	st, valid, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("journal %s: %w", path, os.ErrNotExist)
	}
	rep := &Report{PlanHash: st.header.PlanHash, Journal: path, DryRun: o.DryRun}
	defer func() { rep.Calls = cl.calls.PerOperation() }()
	r.hash, r.short = st.header.PlanHash, shortHash(st.header.PlanHash)

	// The journal's account and regions must be the caller's.
	var regions []string
	for _, rec := range st.all {
		if rec.Type == RecStarted {
			regions = append(regions, rec.Region)
		}
	}
	if err := r.checkJournalTarget(ctx, st.header.Account, regions); err != nil {
		return rep, err
	}

	if o.DryRun {
		r.j = &journal{st: st, path: path}
		r.printf("dry run: nothing will be changed; the calls a rollback would make:")
	} else {
		if r.j, err = openJournal(path, st, valid, Record{}); err != nil {
			return rep, err
		}
		defer r.j.close()
	}

	// Undo in the reverse order of the apply.
	var starts []Record
	for _, rec := range st.all {
		if rec.Type == RecStarted {
			starts = append(starts, rec)
		}
	}
	var failed []string
	for i := len(starts) - 1; i >= 0; i-- {
		start := starts[i]
		if ctx.Err() != nil {
			rep.Actions = append(rep.Actions, ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource, Status: StatusNotRun, Detail: "interrupted"})
			failed = append(failed, start.Action)
			continue
		}
		var done, rbDone *Record
		r.j.view(func(st *journalState) { done, rbDone = st.done[start.Action], st.rbDone[start.Action] })
		ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
		switch {
		case start.ActionType == plan.RegisterTaskDefinition:
			ar.Status, ar.Detail = StatusSkipped, "registered revisions are kept (ecsfix never deregisters)"
			if done != nil && done.Result != nil {
				ar.TaskDefinitionArn = done.Result.TaskDefinitionArn
			}
		case start.ActionType == plan.CreateSecret:
			ar.Status, ar.Detail = StatusSkipped, "kept: ecsfix never deletes a secret (the previous revisions do not use it; delete it once nothing does)"
			if done != nil && done.Result != nil {
				ar.SecretArn = done.Result.SecretArn
			}
			r.printf("%s: secret kept", start.Action)
		case start.ActionType == plan.EnsureLogGroup:
			ar.Status, ar.Detail = StatusSkipped, "kept: ecsfix never deletes a log group"
			r.printf("%s: log group kept", start.Action)
		case start.ActionType == plan.CreateSecurityGroup:
			ar.Status, ar.Detail = StatusSkipped, "kept: ecsfix never deletes a security group (the service's own rollback moves it back to its previous groups)"
			if done != nil && done.Result != nil {
				ar.Detail += "; group " + done.Result.GroupID
			}
			r.printf("%s: security group kept", start.Action)
		case start.ActionType == plan.DeregisterTaskDefinition:
			ar.Status, ar.Detail = StatusSkipped, "kept: a deregistered revision cannot be made ACTIVE again"
			r.printf("%s: deregistered revisions stay deregistered", start.Action)
		case rbDone != nil:
			ar.Status, ar.Detail = StatusSkipped, "rolled back earlier (journal)"
			r.printf("%s: skipped, rolled back earlier (journal)", start.Action)
		case start.ActionType == plan.UpdateService:
			ar = r.rollbackService(ctx, &start, done)
		case start.ActionType == plan.UpdateClusterSettings:
			ar = r.rollbackCluster(ctx, &start)
		case start.ActionType == plan.DetachRolePolicy:
			ar = r.rollbackDetach(ctx, &start)
		case start.ActionType == plan.RemovePolicyStatements:
			ar = r.rollbackRemoveStatements(ctx, &start, done)
		case start.ActionType == plan.UpdateSecurityGroupIngress:
			ar = r.rollbackIngress(ctx, &start, done)
		case start.ActionType == plan.PutRolePolicy:
			ar.Status, ar.Detail = StatusSkipped, "kept: the revisions this plan registered stay ACTIVE and need its grants (reading only the secrets ecsfix created, whose values the previous revisions hold in plaintext anyway, and writing to the log groups ecsfix set up); ecsfix never revokes them on rollback"
			r.printf("%s: %s kept: the revisions this plan registered stay ACTIVE and need its grants", start.Action, policyOf(&start))
		default:
			ar.Status, ar.Error = StatusFailed, fmt.Sprintf("unknown action type %q", start.ActionType)
		}
		if ar.Status == StatusFailed || ar.Status == StatusNotRun {
			failed = append(failed, ar.ID)
		}
		rep.Actions = append(rep.Actions, ar)
	}
	if len(failed) > 0 {
		return rep, fmt.Errorf("%w: rollback of %s did not complete", ErrIncomplete, strings.Join(failed, ", "))
	}
	return rep, nil
}

// checkJournalTarget checks that the caller is in the journal's account and addresses its regions.
func (r *run) checkJournalTarget(ctx context.Context, account string, regions []string) error {
	p := &plan.Plan{}
	for _, reg := range regions {
		p.Actions = append(p.Actions, plan.Action{ID: "journal", Account: account, Region: reg})
	}
	r.p = p
	return r.checkTarget(ctx)
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
	api := r.cl.ecs(start.Region)
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
	if r.o.DryRun {
		r.printf("%s: would call %s", start.Action, req)
		ar.Status = StatusWouldDo
		return ar
	}
	if err := r.journalRollbackStarted(start, req); err != nil {
		return fail("%v", err)
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

// rollbackCluster returns the settings an apply changed to their previous values (a setting the cluster
// did not report before is Container Insights' default, disabled).
func (r *run) rollbackCluster(ctx context.Context, start *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	fail := func(format string, args ...any) ActionReport { return r.rollbackFail(start, ar, format, args...) }
	if start.Before == nil || start.After == nil {
		return fail("the journal does not record the cluster's previous settings")
	}
	cluster := start.Before.Cluster
	prevBy := map[string]string{}
	for _, s := range start.Before.Settings {
		prevBy[s.Name] = s.Value
	}
	var want []plan.ClusterSetting
	for _, s := range start.After.Settings {
		v, ok := prevBy[s.Name]
		if !ok {
			if s.Name != "containerInsights" {
				return fail("the journal does not record the previous value of setting %s", s.Name)
			}
			v = "disabled"
		}
		want = append(want, plan.ClusterSetting{Name: s.Name, Value: v})
	}
	api := r.cl.ecs(start.Region)
	cur, err := awsread.DescribeCluster(ctx, api, cluster)
	if err != nil {
		return fail("%v", err)
	}
	if settingsIn(cur, want) {
		ar.Status, ar.Detail = StatusRolledBack, "already at its previous settings"
		r.printf("%s: cluster %s already has %s", start.Action, cluster, settingsString(want))
		if !r.o.DryRun {
			if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{Cluster: cluster, Settings: clusterSettings(cur)}}); err != nil {
				return fail("%v", err)
			}
		}
		return ar
	}
	if !settingsIn(cur, start.After.Settings) {
		return fail("cluster %s changed since the apply: its settings are %s, ecsfix set %s; not touched",
			cluster, settingsString(clusterSettings(cur)), settingsString(start.After.Settings))
	}
	req := updateClusterRequest(cluster, want)
	if r.o.DryRun {
		r.printf("%s: would call %s", start.Action, req)
		ar.Status = StatusWouldDo
		return ar
	}
	if err := r.journalRollbackStarted(start, req); err != nil {
		return fail("%v", err)
	}
	r.printf("%s: returning cluster %s to %s", start.Action, cluster, settingsString(want))
	if _, err := api.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String(cluster), Settings: toSDKSettings(want)}); err != nil {
		return fail("update cluster %s: %v", cluster, err)
	}
	if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: &StateRecord{Cluster: cluster, Settings: want}}); err != nil {
		return fail("%v", err)
	}
	ar.Status, ar.Detail = StatusRolledBack, "returned to "+settingsString(want)
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

// journalRollbackStarted records that a rollback step is about to make its call (req, masked).
func (r *run) journalRollbackStarted(start *Record, req string) error {
	return r.j.write(Record{Type: RecRollbackStarted, Action: start.Action, ActionType: start.ActionType, Region: start.Region,
		Resource: start.Resource, Request: req})
}

// rollbackFail reports a rollback as failed and journals it (not in a dry run).
func (r *run) rollbackFail(start *Record, ar ActionReport, format string, args ...any) ActionReport {
	msg := r.scrub(fmt.Sprintf(format, args...))
	ar.Status, ar.Error = StatusFailed, msg
	if !r.o.DryRun {
		if err := r.j.write(Record{Type: RecRollbackFailed, Action: start.Action, Error: msg}); err != nil {
			ar.Error += "; " + err.Error()
		}
	}
	r.printf("%s: rollback FAILED: %s", start.Action, msg)
	return ar
}

// rollbackDone journals a rollback as done (not in a dry run).
func (r *run) rollbackDone(start *Record, ar ActionReport, detail string, result *StateRecord) ActionReport {
	ar.Status, ar.Detail = StatusRolledBack, detail
	if !r.o.DryRun {
		if err := r.j.write(Record{Type: RecRollbackDone, Action: start.Action, Result: result}); err != nil {
			return r.rollbackFail(start, ar, "%v", err)
		}
	}
	return ar
}
