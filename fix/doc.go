// Package fix applies a plan: it is the only package of ecsfix that writes to AWS.
//
// It exists so that every write goes through one place that checks before it changes anything, changes
// things in a safe order, and records what it did. Apply, in order:
//
//  1. checks the plan can be applied here: the caller's account (STS) is every action's account, and
//     every action's region is one the caller allows (ErrWrongAccount);
//  2. checks approval: a plan holding an action above the unattended risk needs a valid approval
//     (ErrNotApproved, *NotApprovedError);
//  3. re-reads every resource the plan fingerprinted and refuses a plan made against another state
//     (ErrStale, *StaleError naming the resource, the fact, and both values);
//  4. only then writes: registrations first, then the services that use them, and cluster settings,
//     independent actions concurrently, each step journalled (see journal.go) so that running Apply
//     again with the same journal resumes and converges without creating duplicates;
//  5. optionally waits for services to reach a steady state and returns the ones whose deployment failed
//     to their journalled previous revision.
//
// Rollback returns the services and clusters a journal records to their previous state.
//
// What it must never do:
//   - lose a field: a registration is built from the source revision re-read at apply time with the
//     plan's edits (plan.RegisterTaskDefinitionChange.Input), with no field dropped or guessed;
//   - write before every check has passed, or write anything in a dry run;
//   - print a secret: environment values and secret-bearing options never appear in the journal, the
//     human output, a log line or an error (registrations are described as family, source and number of
//     edits; error messages from AWS are scrubbed of the source's values);
//   - delete anything: no deregistration, no deletion, not even on rollback (a new revision stays
//     registered; services are moved back to the old one);
//   - register a duplicate: a registration carries provenance tags (ecsfix:plan, ecsfix:action) and is
//     looked for before registering again.
package fix
