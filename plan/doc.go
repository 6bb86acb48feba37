// Package plan decides how to fix what detect found, and defines the plan file: the contract between
// deciding and writing.
//
// The planner turns an inventory, its results and the configuration into a Plan. This package also
// holds the plan file format (file.go, validate.go), approvals (approve.go), the unattended subset
// (subset.go), the fingerprints that make a plan stale (fingerprint.go), and the renderers (render*.go),
// which format a plan and decide nothing.
//
// # Remedies and change kinds
//
// Two registries, each one table: remedies (remedies.go) say how a finding is fixed; change kinds
// (change.go) say what one action of the plan does.
//
// A remedy has an id, the controls it fixes, a default risk, the reason given when it cannot fix (NoFix)
// and what it edits: a task-definition revision (ECS.3 with host-pid, ECS.17 with ECS.1 and
// host-network, ECS.4 with privileged, ECS.5, ECS.18, ECS.20 with ECS.21, host-path-volume, ECS.8 with
// plaintext-credentials, ECS.9), a service (ECS.10, ECS.2 with public-ip), a cluster (ECS.12) or another
// resource (open-security-group, admin-task-role). ECS.13/14/15 and ECS.16 have no automatic fix;
// ECS.19 edits the capacity provider (and first its Auto Scaling group).
// Each remedy is one fix_*.go file; notes it adds (the ECS Exec note of ECS.5) live there.
//
// A change kind is the payload of an action, implementing Change: register-task-definition,
// update-service, update-cluster-settings, create-secret, ensure-log-group, put-role-policy,
// deregister-task-definition, detach-role-policy, remove-policy-statements,
// update-security-group-ingress, create-security-group, update-auto-scaling-group,
// update-capacity-provider. Each is one change_*.go file holding its payload
// type, its validation and the controls it may carry, its risk floor, what it touches and writes, the
// facts the applier must find before writing (Facts), its rendering and diff, and, where its payload
// holds typed edits, how its after-state is rebuilt from the state read at apply time (Rebuilder).
// changeKinds maps an action type to its payload (Action.Change); nothing else switches on the type.
// A new kind of fix is its remedy file, its change-kind file, its executor file in package fix, and one
// line in each of the three tables.
//
// # How a finding travels
//
// Build sends every FAILED result to route (route.go), which skips suppressed results, finds the remedy
// (remedyFor), and gives a finding it cannot take the remedy's NoFix reason, one the configuration does
// not select "not selected". The rest go where the remedy edits. Revision remedies are recorded on the
// revision plan (routeRevision); runningRevisions adds the findings of older revisions that services
// run (detect.EvaluateRunning), and buildRevisions applies each remedy's Apply to a copy of the source
// revision in registry order, one new revision per source revision, leaving owned ones to their
// infrastructure code (ownership.go) and reusing a fix already registered; orderFamilies registers a
// family's latest last. Service remedies (platformFinding, publicIPFinding) fill the service plan
// (services.go); openSGFinding and adminFinding plan security groups and task roles;
// containerInsightsFinding plans the cluster. assemble numbers the actions in apply order (secrets, log
// groups and role policies; registrations; security groups; a service's updates, one per part of its fix
// with its own risk (platform, revision, network), lowest first; cluster settings;
// deregistrations; admin roles), records the fingerprints and what is skipped, and raises each action's
// risk to its effective risk.
//
// An action of a plan file then travels through its change kind: Plan.Validate (validateAction: common
// fields, Change.validate, the one-payload rule, Change.validateControls; ValidateAction for one
// action), EffectiveRisk (Change.riskFloor with the remedies' risks, controlRisk), which decides
// NeedsApproval and Subset, and the renderers (Change.details, Change.diff). The applier (package fix)
// checks the plan's fingerprints, and executes each action with the executor of its kind.
//
// What package plan must never do: call AWS or any other service, read the environment or the clock
// (Options.Now is given), or hold a secret value. The planner works on the inventory only; the applier
// (package fix) is the only code that writes to AWS.
//
// # The plan file
//
// A plan file is one JSON document, the encoding/json form of Plan:
//
//   - formatVersion: FormatVersion; see Versioning below.
//   - tool: the name and version of the ecsfix that made the plan; createdAt: when (RFC 3339).
//   - source: what the plan was made from: "live" with its regions, or "snapshot" with its path.
//   - actions: the changes, in apply order (an empty list when there is nothing to change). Each action
//     has an id unique in the plan, a type, the account, region and resource (an ARN; for a
//     registration, the source revision), the controls it fixes, its risk (low, medium, high), a
//     one-line summary, notes for the reviewer, the preconditions checked while planning (checked
//     again when applying), dependsOn: ids of earlier actions that must be applied first, and, in a
//     plan made with --findings, findings: the ids of the Security Hub findings it resolves. It
//     carries exactly one payload, the one its type names:
//     registerTaskDefinition (register-task-definition: the source revision and the new one, both
//     as RegisterTaskDefinition inputs in the AWS CLI's JSON form, the edits, each labelled with its
//     control, and the masked values), updateService (update-service: the service's settings before
//     and after; taskDefinitionFrom names the registration whose new revision it deploys), or
//     updateClusterSettings (update-cluster-settings: the cluster's settings before and after), or
//     updateAutoScalingGroup and updateCapacityProvider (ECS.19: a group's
//     NewInstancesProtectedFromScaleIn, a capacity provider's managedTerminationProtection, before and
//     after).
//   - state: fingerprints of every resource the plan was made against (see Stale plans).
//   - skipped: the findings the plan does not fix, and why (not configured, owned by infrastructure
//     as code, needs input, no automatic fix).
//   - approvals: who approved which content (see Approvals). Approvals are not part of the content.
//
// # Canonical form and tamper evidence
//
// Write writes the canonical form: encoding/json with two-space indentation and a trailing newline;
// object members in the order of the Go struct fields, map keys sorted, optional members left out when
// empty, required lists written as [] rather than null, strings escaped as encoding/json escapes them
// (including <, > and &), times in RFC 3339 with nanoseconds only when non-zero. Read accepts a file only
// when it is byte for byte Write of what it parsed, and refuses it otherwise with "plan FILE was modified
// outside ecsfix (it is not in canonical form)" (ErrModified). So any byte changed by hand either changes
// the content, and with it the content hash that approvals are bound to, or breaks the canonical form
// and is refused. Read is strict in every other way too: unknown fields, a second JSON value after the
// plan, a missing tool or createdAt, an action without its payload or with another type's payload,
// duplicate ids, a dependency on an action that does not come earlier, an unknown risk, controls that the
// action's type cannot fix (a registration labelled with a service control, a cluster update with
// anything but ECS.12, a service update with controls that neither ECS.10 nor the registration it deploys
// answers): each is an error naming the file and the action. Write refuses a plan that Read would refuse.
//
// # Effective risk
//
// An action's risk field is a label; what decides whether it needs approval (NeedsApproval) or applies
// unattended (Subset) is its effective risk (EffectiveRisk): the higher of the label and a floor derived
// from what the action does, with the configuration's risk overrides. Relabelling a high-risk action as
// low in a plan file therefore does not skip its approval. The same derivation says why (RiskOf,
// RiskFloor.Why): the renderers, `show` and apply --auto print those reasons, never a stored label.
//
// # Content hash and approvals
//
// ContentHash is "sha256:" followed by the hex SHA-256 of the canonical form of the plan without its
// approvals. Approve appends an Approval (who, when, optional ticket) bound to the current content hash;
// ValidApprovals returns the approvals whose hash is the plan's current one, so an approval of other
// content never counts. ApproveSigned also signs the approval's statement (Approval.Statement: plan hash,
// by, ticket, time) with an SSH key in OpenSSH's SSHSIG format, namespace SignatureNamespace (sign.go);
// CheckApprovals judges each approval under an ApprovalPolicy (allowed signers read from an OpenSSH
// allowed_signers file, sign_allowed.go; maximum ages), and DistinctSigners counts them for the quorum.
// Without allowed signers an approval is a record: it shows that the content was not changed since it
// was approved, and the file's custody (a ticket, a review) vouches for who approved.
// A subset of a plan (Subset: the actions whose effective risk is at or below a level, with their
// dependencies, and a family's registrations kept or left out together) is a new plan and carries no
// approval.
//
// # Masked values
//
// No secret value is ever in a plan, nor anything derived from one by a public function (a hash of the
// value, or of a document that holds it: a digest of a weak password gives the password back to a
// dictionary attack), so a plan can be attached to a ticket. A value that could be one (every
// environment value, command, entryPoint and healthCheck.command element, dockerLabels value,
// logConfiguration and firelensConfiguration option value, and any other string that looks like a
// credential) is replaced in before and after by the placeholder MaskedValue, and listed under masked:
// path locates the placeholder in after, sourcePath locates the value in the source revision (in its
// registrable form, the shape of before). Paths are dotted keys with bracketed indexes or quoted map
// keys (containerDefinitions[0].environment[2].value,
// containerDefinitions[0].dockerLabels["com.example.token"]). A create-secret action's values are
// listed the same way: the variable (key), the source revision (sourceArn) and sourcePath.
//
// Task-definition revisions are immutable, so the source revision's ARN identifies its values: when
// applying, the applier reads the revision the plan names (a revision deregistered or deleted since
// planning makes the plan stale), takes each value from its sourcePath, checks that it fills the same
// place (the same container by name and, for an environment entry, the same variable) and only then
// fills it in. Where values must be compared (a secret found on a resumed apply or left by an earlier
// plan is reused only when it holds exactly the intended values), the applier compares the values
// themselves, in constant time, never a stored digest. Validate refuses a plan in which a masked place
// holds anything but the placeholder, and the renderers mask those places again before showing a diff
// and show where each masked value comes from, never a digest.
//
// # Stale plans
//
// state records, for each resource the plan was made against, facts computed by the functions in
// fingerprint.go (the revision a service runs, its primary deployment, a cluster's settings, the latest
// ACTIVE revision of a family). Apply reads each resource again, computes the same facts, and refuses the
// whole plan when one differs, naming the resource, the fact and both values: such a plan was made for a
// state that no longer exists and must be made again.
//
// # Versioning
//
// formatVersion changes whenever a change to the format could make an older or newer ecsfix misread a
// plan: a field added, removed, renamed, or given another meaning. Version 2 removed the sha256 of each
// masked value and of each create-secret value; a version 1 plan is refused with a message saying so
// (make the plan again; the old file holds digests of secret values and is as sensitive as they are). (Unlike the scan document, a plan
// never gains fields within a version, because Read refuses unknown fields and the canonical form
// covers every field.) An ecsfix reads exactly one format version and refuses any other with an error
// saying which version it reads (ErrFormatVersion); a plan is short-lived, so the remedy is to make the
// plan again, or to apply it with the ecsfix that made it.
//
// # Rendering
//
// The renderers format a plan and decide nothing: text (what `ecsfix plan` and `ecsfix show` print, like
// `terraform plan`), markdown (for a ticket) and json (the plan file's content with each action's
// derived effectiveRisk and riskWhy). Task definitions are
// normalised before they are diffed (normalize.go): lists whose order carries no meaning are sorted,
// defaults that AWS documents are filled in and read-only fields dropped, so a diff shows only real
// change.
package plan
