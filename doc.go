// Package ecsfix is the documentation root of ecsfix, a tool that finds the Amazon ECS misconfigurations
// AWS Security Hub reports and fixes them safely. The program is cmd/ecsfix, its commands in internal/cli;
// this file holds no code, only the design principles every package keeps. The README is the user's
// guide; the control semantics are in package detect (go doc ./detect), the plan file and how a finding
// becomes a write in packages plan and fix.
//
// # How it is built
//
// Reading, deciding and writing are separate. Package detect reads an inventory (live from the AWS API,
// or from a snapshot of AWS CLI output: the same type either way) and evaluates the controls as pure
// functions of it. Package plan decides, as pure functions of the inventory, the verdicts and the
// configuration, and never calls AWS. Package fix is the only one that writes to AWS, and it writes only
// what a plan file holds.
//
// The plan file is the contract between deciding and writing: a versioned JSON document complete enough
// to apply without planning again, holding fingerprints of the state it was planned against, approvals
// bound to the hash of its content, and never a secret value.
//
// # Principles
//
//  1. Fail closed. Whatever could not be read is reported as such, never as PASSED; a malformed or
//     unknown input (a snapshot, a configuration key, a plan, a journal) is refused with a message naming
//     it, a non-zero exit code, and nothing changed.
//  2. Secrets stay secret. No secret value, and nothing derived from one by a public function (a hash),
//     appears in a plan, a journal, a log line, a diff, an error or any output. The applier reads a value
//     from the immutable source revision when it writes the secret.
//  3. Never lose a field. A new task-definition revision is its source with every field carried over,
//     plus the fixes' edits; one new revision per source revision and plan, combining every fix for it.
//  4. Fix what runs. Controls score a family's latest revision, but a service runs the revision it was
//     deployed with: the plan fixes both and says so.
//  5. A fix must work at runtime, not only pass the control: a secret is readable by the execution role
//     that needs it, a log group exists or is created, a service loses its public IP only when its subnets
//     still reach ECR, S3 and CloudWatch Logs, a read-only root keeps its scratch paths writable.
//  6. Never widen, never guess. A world-open rule is replaced by the narrowest source that keeps the
//     service working, or the plan says what input it needs; a security group other resources use is not
//     edited in place; what cannot be known is reported under "Not fixed", not assumed.
//  7. Safe order, safe to repeat. Apply creates and checks what a new revision depends on before
//     registering it, registers before it updates services, journals every step, and an interrupted
//     apply resumes without making anything twice.
//  8. Trust only what is derived or verified. The applier re-reads every resource the plan fingerprinted,
//     refuses a stale plan, rebuilds every write from what it read and the plan's typed edits, and refuses
//     a plan whose after-state differs; an approval counts only as configured (signed by a listed key,
//     quorum, age); rollback restores only states the plan itself recorded.
//  9. Respect ownership. A resource managed by infrastructure as code (CloudFormation, CDK, Copilot,
//     Terraform, recognised by their tags) is not patched live unless configured: its next deployment
//     would revert the fix; the plan gives the change to make in its source instead.
//  10. Least privilege for the tool itself: each verb needs only the IAM permissions the README lists for
//     it, scoped to what ecsfix creates, and the tests run every verb with exactly those permissions on an
//     emulator that enforces them.
package ecsfix
