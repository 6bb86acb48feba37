package plan

import (
	"time"

	"github.com/ecsfix/ecsfix/detect"
)

// Options are the planner's inputs that come from configuration and the command line.
type Options struct {
	ToolVersion string
	Now         time.Time
	Source      Source
	// Fix restricts which controls are fixed; empty means every control that has a remediation.
	Fix []string
	// Evaluated are controls the scan evaluated besides those of the results Build is given: with
	// ForPlanning's results (the FAILED ones alone), its list of the controls evaluated, so that the
	// revisions services run are evaluated with the same controls as from every result.
	Evaluated []string
	// Risk overrides the default risk of a control's fix (CONTROLS.md), by control id.
	Risk map[string]Risk
	// WritablePaths are mounted from task volumes when ECS.5 makes the root filesystem read-only.
	WritablePaths []string
	// LinuxUser is set as the user of containers failing ECS.20; empty: ECS.20 is not fixed.
	LinuxUser string
	// WindowsUser is set as the user of containers failing ECS.21; empty: ECS.21 is not fixed.
	WindowsUser string
	// HostPath is what the host-path exposure fix does: "read-only" (mount points read-only) or "remove".
	HostPath string
	// OwnerTagKeys mark resources owned by infrastructure as code (CloudFormation, CDK, Copilot,
	// Terraform): they are reported with the change to make in their source, not patched live.
	OwnerTagKeys []string
	// PatchOwned patches owned resources anyway.
	PatchOwned bool
	// Settings are the evaluation settings the results were made with (exemptions, required tags): the
	// planner evaluates the older revisions services run itself, with them, so that an exemption (by ARN
	// or tag, until it expires) applies there too. Nil: no exemptions. A zero Settings.Now is Now.
	Settings *detect.Settings

	// Secrets configures moving environment credentials to Secrets Manager (ECS.8, plaintext credentials).
	Secrets SecretsOptions
	// Logs configures adding awslogs logging (ECS.9).
	Logs LogsOptions
	// ReplacementSubnets are private subnets, by VPC id, that a service may move to when its own subnets
	// would lose their way to ECR, S3 and CloudWatch Logs without a public IP (ECS.2, public IP).
	ReplacementSubnets map[string][]string
	// DetachAdmin opts into fixing admin task roles: detaching AdministratorAccess and removing Allow */*
	// statements from their inline policies (high risk). Off: the finding is reported with the role, the
	// policy and the statement.
	DetachAdmin bool
	// UpgradeVulnerableImages opts into the vulnerabilities remedy (fix.vulnerabilities.upgrade_image):
	// a container whose image has CRITICAL, HIGH or network-exploitable findings moves to the newest
	// newer image of its repository that Amazon Inspector reports without CRITICAL or HIGH findings,
	// pinned by digest. Off: such findings are reported, not fixed.
	UpgradeVulnerableImages bool
	// TrustedCIDRs replace a world-open ingress rule of a service not behind a load balancer.
	TrustedCIDRs []string
	// HostNetwork configures moving task definitions off the host network mode (ECS.1, ECS.17).
	HostNetwork HostNetworkOptions
	// Workloads adjust which containers are host agents or privileged workloads (workload.go), which
	// keep their host privileges.
	Workloads WorkloadOptions

	// ReleaseInventory gives the inventory up to Build: as Build reads a task-definition revision for the
	// last time, it empties the revision's body (detect.TaskDefinition.Trim: its container definitions,
	// volumes, placement constraints, compatibilities… go, and the revision is marked Trimmed), so that
	// a large estate's revisions are not all held beside the plan being built; once the plan is made,
	// each revision keeps only its identity (detect.TaskDefinition.KeepIdentity: ARN, family, revision,
	// status). Task definitions kept as files (no ARN) are left whole. The plan is the same, byte for
	// byte, with or without it (release.go). Set it only when nothing reads the inventory's task
	// definitions after Build but their identities (the inventory's lookups, LatestActive, answer as
	// before): they must not be evaluated, planned, rendered or registered from again; its other
	// resources are left as they were. Off, Build leaves the inventory as it was given.
	ReleaseInventory bool

	// rebuild is set only when a registration is re-derived at apply time (change_register_rebuild.go):
	// what the plan's own after-state keeps, which the remedies then keep without recognising anything.
	rebuild *rebuildHints
}

// HostNetworkOptions configure the host-networking fix.
type HostNetworkOptions struct {
	// Awsvpc gives, per cluster name, the subnets and security groups a service moved to awsvpc gets.
	Awsvpc map[string]AwsVpcSettings
	// AllowDaemons lets the fix touch DAEMON services and containers that look like host agents, which
	// usually need the host network.
	AllowDaemons bool
}

// SecretsOptions configure the secrets fix.
type SecretsOptions struct {
	// NamePrefix starts every secret's name: PREFIX/<family>/<container>[/<variable>]; default "ecsfix".
	NamePrefix string
	// PerVariable makes one secret per variable instead of one JSON secret per container.
	PerVariable bool
	// KmsKeyID encrypts the secrets with a customer key; the execution role then also gets kms:Decrypt.
	KmsKeyID string
	// ExecutionRole is the role given to task definitions without an execution role; empty: such task
	// definitions are reported, not fixed.
	ExecutionRole string
	// DeregisterOld adds the opt-in, high-risk deregistration of the revisions that held the plaintext.
	DeregisterOld bool
}

// LogsOptions configure the logging fix.
type LogsOptions struct {
	// GroupTemplate names the log group; {family} and {container} are replaced; default "/ecs/{family}".
	GroupTemplate string
	// RetentionDays of a created group; 0 keeps logs forever.
	RetentionDays int32
	// KmsKeyID encrypts a created group.
	KmsKeyID string
}

// Host-path fix modes.
const (
	HostPathReadOnly = "read-only"
	HostPathRemove   = "remove"
)
