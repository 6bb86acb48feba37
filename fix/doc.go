// Package fix applies a plan: it is the only package of ecsfix that writes to AWS.
//
// It exists so that every write goes through one place that checks before it changes anything, changes
// things in a safe order, and records what it did. Apply, in order:
//
//  1. checks the plan can be applied here: the caller's account (STS) is every action's account, and
//     every action's region is one the caller allows (ErrWrongAccount);
//  2. re-reads every resource the plan fingerprinted and refuses a plan made against another state
//     (ErrStale, *StaleError naming the resource, the fact, and both values), then re-derives every
//     action's after-state from what it read plus the plan's typed edits (plan.Plan.Rederive) and
//     refuses a plan whose after-state differs (ErrInvalidPlan wrapping a *plan.RederiveError naming
//     the action and the field); values the configuration supplies (trusted CIDRs, replacement subnets,
//     the host-network fix's networks, log group names) are checked against Options.Configured, and an
//     action holding one is refused when the caller gave none; a replacement rule from a security group
//     must be the group of a load balancer in front of a service the action names, which uses the group
//     (readBalancers: the reads re-derivation adds, DescribeTargetGroups and DescribeLoadBalancers by
//     ARN, only for such plans); a move to a revision an earlier plan registered must be the revision
//     the service runs with the action's edits, field by field;
//  3. checks approval, last, on risks computed from what step 2 confirmed: a plan holding an action
//     above the unattended risk needs enough valid approvals (ErrNotApproved, *NotApprovedError);
//  4. only then writes, in dependency order: what a new revision depends on first (create-secret: the
//     secret, holding the values read from the source revision and checked against the plan's hashes,
//     verified by reading it back; put-role-policy: the execution role's grant to read exactly those
//     secrets and to write to its log group, merged into the inline policy ecsfix owns and read back;
//     ensure-log-group: the log group, with its retention), then registrations (whose secrets[].valueFrom
//     are the created secrets' ARNs), then the services that use them, and cluster settings, and last the
//     opt-in deregistration of the revisions that still hold plaintext values (refused while a service
//     of the plan runs one), and the opt-in, high-risk admin task-role fix (detach-role-policy:
//     AdministratorAccess detached from a task role; remove-policy-statements: the Allow */* statements
//     removed from a task role's inline policy, deleted when nothing else remains, only when the policy
//     read live is the plan's Before), each journalling the role's policies first and verified by reading
//     them back; independent actions concurrently, each step journalled (see journal.go) so
//     that running Apply again with the same journal resumes and converges without creating duplicates;
//  5. optionally waits for services to reach a steady state and returns the ones whose deployment failed
//     to their journalled previous revision.
//
// # Executors, and how an action travels
//
// There is one executor per change kind of package plan, each in its own exec_*.go file (apply,
// dry-run, rollback, and what a done record gives back on resume), listed in the one table in
// executors.go: register-task-definition, update-service, update-cluster-settings, create-secret,
// put-role-policy, ensure-log-group, deregister-task-definition, detach-role-policy,
// remove-policy-statements, update-security-group-ingress, create-security-group,
// update-auto-scaling-group and update-capacity-provider. Validation is the
// plan's own (plan.Plan.Validate, plan.ValidateAction); fix keeps no copy of it. Reads that package
// detect/live makes too (a family's latest ACTIVE revision, services, clusters) come from detect/awsread.
//
// Apply → apply: Plan.Validate (ErrInvalidPlan) and Plan.CheckStateCoverage (every resource an action
// relies on is fingerprinted); lockJournal (one run at a time); preflight.go: checkTarget (STS: every account of the plan
// reached, the caller's or another through Options.RoleName, clients.in(account) for its calls);
// readJournal (every record chained to the one before) and checkJournal; stale.go: checkStale re-reads
// every fingerprinted resource (awsread, readRolePolicies, describeGroups), keeps what it read (r.read)
// and compares it with plan.*Facts, expecting on a resumed apply the changes of the resources this
// plan's started actions write (plan.Change.Writes); checkRederived hands what was read to
// plan.Plan.Rederive for every action, with Options.Configured (plan.ReadState.Config), and refuses
// the apply when an after-state differs; checkApproval.
// Then dryRun (each executor's dryRun; a dry run goes on when checkApproval only found an approval
// missing, and dryRunApproval says what it must cover), or openJournal and execute: in dependency order
// (actions writing one resource one after the other, sameWrites), do calls the executor's resume
// for an action the journal says is done, else its apply, which journals "started" with the state
// before (journalStarted), writes, verifies and journals "done" (run.finish). waitAll follows the kinds
// that deploy, once per service.
// Rollback → rollback: the plan the journal belongs to (same content hash, validated, approved as of the
// apply), lockJournal, checkTarget, checkRollbackApproval (undoing is rated as an apply of the reversed
// changes: reversedRisk, so a plan applied unattended is not undone unattended), then, for each started
// record in reverse order, plannedRollback (the step restores only the before-state the plan recorded
// for that action) and the executor's rollback (rollbackBegin, rollbackDone, rollbackFail).
//
// Rollback returns the services and clusters a journal records to their previous state, re-attaches a
// managed policy the admin task-role fix detached and puts back the journalled document of an inline
// policy it rewrote or deleted (the only IAM objects ecsfix restores; a role changed since by someone else
// is not touched); secrets, log groups, the execution role's grants (the registered revisions stay ACTIVE and need them) and registered
// or deregistered revisions are kept.
//
// What it must never do:
//   - lose a field: a registration is built from the source revision re-read at apply time with the
//     plan's edits (plan.RegisterTaskDefinitionChange.Input), with no field dropped or guessed;
//   - write before every check has passed, or write anything in a dry run;
//   - print a secret: environment values and secret-bearing options never appear in the journal, the
//     human output, a log line or an error (registrations are described as family, source and number of
//     edits; error messages from AWS are scrubbed of the source's values);
//   - delete anything, except what a plan explicitly holds: the opt-in deregister-task-definition action,
//     and the opt-in remove-policy-statements action deleting an inline policy left with no statement
//     (rollback puts it back).
//     A new revision stays registered on rollback (services are moved back to the old one), and so do
//     the role policy grants it needs; secrets and log groups are never deleted;
//   - overwrite what it did not make: a secret of the planned name is reused only when ecsfix created it
//     (an ecsfix:plan tag) for the same container (ecsfix:container) and the same source revision or
//     family (ecsfix:source), and it holds exactly the intended value; any other fails the action,
//     untouched. A role policy statement is merged into, never replaced, and statements of other Sids
//     are kept as they are;
//   - register or create a duplicate: a registration, a secret, a security group and a log group carry
//     provenance tags (ecsfix:plan, ecsfix:action) and are looked for before being made again; an action
//     an earlier run started without recording its outcome is looked for again over
//     Options.ResumeWindow (lookAgain: AWS's reads lag its writes, and RegisterTaskDefinition takes no
//     idempotency token) before it writes;
//   - reuse on resume what it did not make: the tags, whose values anyone who can read the plan knows,
//     only point at candidates; a candidate is reused only when it is, field by field, what the action
//     makes (findRegistered: the registrable form of the revision is the registration the action sends;
//     sameSecretFields: the planned name, KMS key and tags, and the intended value; createdByAction: the
//     planned VPC, name, description, tags and rules), and one with the tags but other content fails the
//     action; a done record's secret or revision must be in the action's account and region
//     (checkDoneResult), its security group in the action's region and VPC (checkDoneGroup);
//   - print a secret value it moves: the value of a create-secret action is scrubbed, in its plain and
//     JSON-escaped forms, from every message; the journal records the secret's name and ARN only.
package fix
