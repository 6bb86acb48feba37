package fix

import (
	"context"

	"github.com/ecsfix/ecsfix/plan"
)

// The executors: one per change kind, each in its file (exec_*.go), and this table, the only place that
// looks at an action's type. Adding a change kind means its executor file and one entry here.

// executor is what the applier does with one change kind.
type executor struct {
	// apply checks the facts it needs live, journals a "started" record (once: a resumed action keeps
	// its first), makes the change, verifies it and journals "done" (run.finish). An error fails the
	// action (run.do journals it).
	apply func(r *run, ctx context.Context, a *plan.Action, rep *ActionReport) error
	// resume takes what the done record of an earlier run says the action produced (the target the
	// actions depending on it use); nil when it produces nothing they use. Called only with a result.
	resume func(r *run, a *plan.Action, done *Record, rep *ActionReport)
	// dryRun prints the calls apply would make, writing nothing.
	dryRun func(r *run, a *plan.Action)
	// rollback undoes what the started record journals (done: the action's done record, nil when none),
	// or says why what it made is kept.
	rollback func(r *run, ctx context.Context, start, done *Record) ActionReport
	// settledByRollbackDone: a rollback-done record of an earlier rollback settles the action before
	// rollback is called (false for what is always kept: rollback reports it kept again).
	settledByRollbackDone bool
	// deploys: the action starts a deployment that Apply's Wait follows (waitAll).
	deploys bool
}

// executors is the table of change kinds, keyed by the plan's action type.
var executors = map[plan.ActionType]executor{
	plan.RegisterTaskDefinition: {
		apply: (*run).register, resume: (*run).resumeRegistration, dryRun: (*run).dryRunRegistration,
		rollback: (*run).rollbackRegistration,
	},
	plan.UpdateService: {
		apply: (*run).updateService, dryRun: (*run).dryRunUpdateService,
		rollback: (*run).rollbackService, settledByRollbackDone: true, deploys: true,
	},
	plan.UpdateClusterSettings: {
		apply: (*run).updateCluster, dryRun: (*run).dryRunClusterSettings,
		rollback: (*run).rollbackCluster, settledByRollbackDone: true,
	},
	plan.CreateSecret: {
		apply: (*run).createSecret, resume: (*run).resumeSecret, dryRun: (*run).dryRunSecret,
		rollback: (*run).rollbackSecret,
	},
	plan.PutRolePolicy: {
		apply: (*run).putRolePolicy, dryRun: (*run).dryRunPutRolePolicy,
		rollback: (*run).rollbackPutRolePolicy, settledByRollbackDone: true,
	},
	plan.EnsureLogGroup: {
		apply: (*run).ensureLogGroup, dryRun: (*run).dryRunLogGroup,
		rollback: (*run).rollbackLogGroup,
	},
	plan.DeregisterTaskDefinition: {
		apply: (*run).deregister, dryRun: (*run).dryRunDeregister,
		rollback: (*run).rollbackDeregister,
	},
	plan.DetachRolePolicy: {
		apply: (*run).detachRolePolicy, dryRun: (*run).dryRunDetach,
		rollback: (*run).rollbackDetach, settledByRollbackDone: true,
	},
	plan.RemovePolicyStatements: {
		apply: (*run).removePolicyStatements, dryRun: (*run).dryRunRemoveStatements,
		rollback: (*run).rollbackRemoveStatements, settledByRollbackDone: true,
	},
	plan.UpdateSecurityGroupIngress: {
		apply: (*run).updateIngress, dryRun: (*run).dryRunIngress,
		rollback: (*run).rollbackIngress, settledByRollbackDone: true,
	},
	plan.CreateSecurityGroup: {
		apply: (*run).createGroup, resume: (*run).resumeSecurityGroup, dryRun: (*run).dryRunCreateGroup,
		rollback: (*run).rollbackCreateGroup,
	},
	plan.UpdateAutoScalingGroup: {
		apply: (*run).updateAutoScalingGroup, dryRun: (*run).dryRunAutoScalingGroup,
		rollback: (*run).rollbackAutoScalingGroup, settledByRollbackDone: true,
	},
	plan.UpdateCapacityProvider: {
		apply: (*run).updateCapacityProvider, dryRun: (*run).dryRunCapacityProvider,
		rollback: (*run).rollbackCapacityProvider, settledByRollbackDone: true,
	},
}
