// This file holds the configuration's schema: its types (one field a key), the defaults of every key, and
// the list of keys derived from the types.

package config

import (
	"fmt"
	"reflect"
	"time"

	"github.com/ecsfix/ecsfix/detect/snapshot"
)

// Config is ecsfix's configuration. Keys are snake_case in the file; the environment variable for a key
// is ECSFIX_ and the key in upper case with dots as underscores (scan.concurrency → ECSFIX_SCAN_CONCURRENCY).
type Config struct {
	// trusted is the configuration of the trusted sources alone, when a ./ecsfix.yaml of the working
	// directory was read too (see ConfiguredValues); nil otherwise.
	trusted *Config

	// Regions to scan live; empty means the SDK's configured region.
	Regions    []string `mapstructure:"regions"`
	AllRegions bool     `mapstructure:"all_regions"`

	Log struct {
		Level  string `mapstructure:"level"`  // debug, info, warn, error
		Format string `mapstructure:"format"` // text (tint) or json
	} `mapstructure:"log"`

	Scan struct {
		// Concurrency bounds the AWS calls in flight at once.
		Concurrency int `mapstructure:"concurrency"`
		// MaxAttempts bounds the attempts per AWS call (throttling and transient errors are retried).
		MaxAttempts int `mapstructure:"max_attempts"`
	} `mapstructure:"scan"`

	// Accounts says how member accounts (--accounts, --org) are read and changed: through the role
	// RoleName (a name, or a path and a name) in each, with ExternalID when the role's trust policy asks
	// for one, Concurrency accounts at a time.
	Accounts struct {
		RoleName    string `mapstructure:"role_name"`
		ExternalID  string `mapstructure:"external_id"`
		Concurrency int    `mapstructure:"concurrency"`
	} `mapstructure:"accounts"`

	// SecurityHub says what ecsfix writes to Security Hub: with UpdateFindings, apply (as with
	// --update-findings) updates the findings its actions resolve, and rollback sets them back to NEW.
	SecurityHub struct {
		UpdateFindings bool `mapstructure:"update_findings"`
	} `mapstructure:"securityhub"`

	// Snapshot bounds what --snapshot reads: the size of a file, the entries walked in a folder and the
	// bytes read in all (see snapshot.Limits).
	Snapshot struct {
		MaxFileBytes  int64 `mapstructure:"max_file_bytes"`
		MaxFiles      int   `mapstructure:"max_files"`
		MaxTotalBytes int64 `mapstructure:"max_total_bytes"`
	} `mapstructure:"snapshot"`

	// Controls restricts evaluation to these control ids; empty means all.
	Controls []string `mapstructure:"controls"`

	// RequiredTags are the tag keys ECS.13 (services), ECS.14 (clusters) and ECS.15 (task definitions)
	// require. A control with no keys is off.
	RequiredTags struct {
		Service        []string `mapstructure:"service"`
		Cluster        []string `mapstructure:"cluster"`
		TaskDefinition []string `mapstructure:"task_definition"`
	} `mapstructure:"required_tags"`

	Exemptions []Exemption `mapstructure:"exemptions"`

	Fix Fix `mapstructure:"fix"`

	Approvals Approvals `mapstructure:"approvals"`

	Pace Pace `mapstructure:"pace"`
}

// Pace tunes how ecsfix paces its AWS calls: client-side token buckets matching AWS's documented quotas
// (awsclient.DefaultQuotas), per account, region and action group.
type Pace struct {
	// Adaptive lowers a group's rate when AWS throttles one of its calls, and raises it back gradually.
	Adaptive bool `mapstructure:"adaptive"`
	// Quotas override the numbers of groups of the table: an account may have had a quota raised.
	Quotas []QuotaOverride `mapstructure:"quotas"`
}

// QuotaOverride sets the bucket of one group of the quota table.
type QuotaOverride struct {
	Service string  `mapstructure:"service"` // as the table names it: ecs, ec2, iam, elbv2, …
	Group   string  `mapstructure:"group"`   // task-definition-modify, service-read, …
	Burst   float64 `mapstructure:"burst"`   // the bucket's size
	Rate    float64 `mapstructure:"rate"`    // its refill, in calls a second
}

// Approvals configures what makes an approval count (see the README's Approvals section).
type Approvals struct {
	// AllowedSigners is an OpenSSH allowed_signers file. When set, only approvals signed (approve --key)
	// by a listed key whose principals match the approval's --by count; unset, approvals are unsigned
	// records and apply warns so on every run.
	AllowedSigners string `mapstructure:"allowed_signers"`
	// Quorum is how many distinct signers the highest risk needing approval needs.
	Quorum struct {
		Low    int `mapstructure:"low"`
		Medium int `mapstructure:"medium"`
		High   int `mapstructure:"high"`
	} `mapstructure:"quorum"`
	// MaxPlanAge refuses to apply a plan made longer ago (from its createdAt); 0: no limit.
	MaxPlanAge time.Duration `mapstructure:"max_plan_age"`
	// MaxApprovalAge makes an older approval not count; 0: no limit.
	MaxApprovalAge time.Duration `mapstructure:"max_approval_age"`
}

// Fix configures what the planner proposes and what the applier may do unattended.
type Fix struct {
	// Controls restricts which controls are fixed; empty means every control with a remediation.
	Controls []string `mapstructure:"controls"`
	// Risk overrides controls' default risks: [{control: ECS.5, risk: low}]. (A list, because viper reads
	// the dots of a map key such as ECS.5 as nesting.)
	Risk []RiskOverride `mapstructure:"risk"`
	// UnattendedRisk is the highest risk applied without an approval (and by apply --auto).
	UnattendedRisk string `mapstructure:"unattended_risk"`
	// WritablePaths stay writable (through task volumes) when ECS.5 makes root filesystems read-only.
	WritablePaths []string `mapstructure:"writable_paths"`
	// LinuxUser and WindowsUser are set on containers failing ECS.20 / ECS.21; empty: not fixed.
	LinuxUser   string `mapstructure:"linux_user"`
	WindowsUser string `mapstructure:"windows_user"`
	// HostPath: "read-only" makes host-path mounts read-only; "remove" removes the volumes.
	HostPath string `mapstructure:"host_path"`
	// OwnerTagKeys mark resources owned by infrastructure as code; they are not patched live unless
	// PatchOwned is set.
	OwnerTagKeys []string `mapstructure:"owner_tag_keys"`
	PatchOwned   bool     `mapstructure:"patch_owned"`
	// Concurrency bounds the independent actions applied at once.
	Concurrency int `mapstructure:"concurrency"`
	// WaitTimeout bounds apply --wait.
	WaitTimeout time.Duration `mapstructure:"wait_timeout"`
	// ResumeWindow is how long after an interrupted write a resumed apply keeps looking for what that
	// write may have made (AWS's reads lag its writes) before writing again; 0 disables the wait.
	ResumeWindow time.Duration `mapstructure:"resume_window"`

	Secrets struct {
		// NamePrefix starts secret names: PREFIX/<family>/<container>[/<variable>].
		NamePrefix  string `mapstructure:"name_prefix"`
		PerVariable bool   `mapstructure:"per_variable"`
		KmsKeyID    string `mapstructure:"kms_key_id"`
		// ExecutionRole is given to task definitions that have none (an ARN); empty: reported instead.
		ExecutionRole string `mapstructure:"execution_role"`
		// DeregisterOld proposes deregistering the revisions that held the plaintext (high risk).
		DeregisterOld bool `mapstructure:"deregister_old_revisions"`
	} `mapstructure:"secrets"`

	HostNetwork struct {
		// Awsvpc gives, per cluster, the network a service moved from host to awsvpc gets.
		Awsvpc []AwsvpcDefaults `mapstructure:"awsvpc"`
		// AllowDaemons lets the fix touch daemons and host agents, which usually need the host network.
		AllowDaemons bool `mapstructure:"allow_daemons"`
	} `mapstructure:"host_network"`

	Workloads struct {
		// AgentImages are image repositories (path segments, "myorg/telemetry-agent") of host agents
		// besides the well-known ones: they keep privileged, pidMode host and the host network.
		AgentImages []string `mapstructure:"agent_images"`
		// AgentContainers are container names of host agents besides the well-known ones.
		AgentContainers []string `mapstructure:"agent_containers"`
		// NotAgents are container names or image repositories that are never host agents.
		NotAgents []string `mapstructure:"not_agents"`
		// PrivilegedFamilies are task-definition families whose privileged containers keep privileged
		// (a code-execution sandbox).
		PrivilegedFamilies []string `mapstructure:"privileged_families"`
	} `mapstructure:"workloads"`

	IAM struct {
		// DetachAdmin opts into detaching AdministratorAccess from task roles and removing Allow */*
		// statements from their inline policies (high risk, journalled, restored by rollback).
		DetachAdmin bool `mapstructure:"detach_admin"`
	} `mapstructure:"iam"`

	Vulnerabilities struct {
		// UpgradeImage opts into moving a container whose image has CRITICAL, HIGH or network-exploitable
		// findings to a newer image of the same repository that Amazon Inspector reports without CRITICAL
		// or HIGH findings, pinned by digest (high risk: another build).
		UpgradeImage bool `mapstructure:"upgrade_image"`
	} `mapstructure:"vulnerabilities"`

	Network struct {
		// ReplacementSubnets are private subnets a service may move to when disabling its public IP
		// would cut its subnets off from ECR, S3 and CloudWatch Logs.
		ReplacementSubnets []SubnetSet `mapstructure:"replacement_subnets"`
		// TrustedCIDRs replace world-open ingress rules of services not behind a load balancer.
		TrustedCIDRs []string `mapstructure:"trusted_cidrs"`
	} `mapstructure:"network"`

	Logs struct {
		GroupTemplate string `mapstructure:"group_template"`
		RetentionDays int32  `mapstructure:"retention_days"`
		KmsKeyID      string `mapstructure:"kms_key_id"`
	} `mapstructure:"logs"`
}

// Exemption suppresses a control's FAILED results for a resource chosen by ARN or tag.
type Exemption struct {
	// Control is a control id; empty means every control.
	Control string `mapstructure:"control"`
	ARN     string `mapstructure:"arn"`
	// Tag is "key" (any value) or "key=value".
	Tag    string `mapstructure:"tag"`
	Reason string `mapstructure:"reason"`
	// Expires is a date (2026-12-31) or an RFC 3339 time; after it the exemption no longer applies.
	Expires string `mapstructure:"expires"`
}

// AwsvpcDefaults is the awsvpc network of services moved off host networking in one cluster.
type AwsvpcDefaults struct {
	Cluster        string   `mapstructure:"cluster"`
	Subnets        []string `mapstructure:"subnets"`
	SecurityGroups []string `mapstructure:"security_groups"`
}

// SubnetSet lists subnets of one VPC.
type SubnetSet struct {
	VPC     string   `mapstructure:"vpc"`
	Subnets []string `mapstructure:"subnets"`
}

// RiskOverride sets the risk of a control's fix.
type RiskOverride struct {
	Control string `mapstructure:"control"`
	Risk    string `mapstructure:"risk"`
}

// DefaultOwnerTagKeys are the tag keys that mark a resource as owned by infrastructure as code:
// CloudFormation (and so CDK), Copilot, and the common Terraform convention.
var DefaultOwnerTagKeys = []string{"aws:cloudformation:stack-name", "copilot-application", "terraform"}

// Defaults.
const (
	DefaultConcurrency = 8
	DefaultMaxAttempts = 10
	// DefaultAccountConcurrency bounds the accounts read or changed at once.
	DefaultAccountConcurrency = 4
)

// defaults are every scalar key's default: AutomaticEnv can supply a key at Unmarshal time only if viper
// knows it, so every key but the lists of objects (file only) has one.
var defaults = []struct {
	key   string
	value any
}{
	{"regions", []string{}},
	{"all_regions", false},
	{"log.level", "info"},
	{"log.format", "text"},
	{"scan.concurrency", DefaultConcurrency},
	{"scan.max_attempts", DefaultMaxAttempts},
	{"accounts.role_name", ""},
	{"accounts.external_id", ""},
	{"accounts.concurrency", DefaultAccountConcurrency},
	{"securityhub.update_findings", false},
	{"snapshot.max_file_bytes", snapshot.DefaultMaxFileBytes},
	{"snapshot.max_files", snapshot.DefaultMaxFiles},
	{"snapshot.max_total_bytes", snapshot.DefaultMaxTotalBytes},
	{"controls", []string{}},
	{"required_tags.service", []string{}},
	{"required_tags.cluster", []string{}},
	{"required_tags.task_definition", []string{}},
	{"fix.controls", []string{}},
	{"fix.unattended_risk", "low"},
	{"fix.writable_paths", []string{"/tmp"}},
	{"fix.linux_user", ""},
	{"fix.windows_user", ""},
	{"fix.host_path", "read-only"},
	{"fix.owner_tag_keys", DefaultOwnerTagKeys},
	{"fix.patch_owned", false},
	{"fix.concurrency", 4},
	{"fix.wait_timeout", "10m"},
	{"fix.resume_window", "10s"},
	{"fix.secrets.name_prefix", "ecsfix"},
	{"fix.secrets.per_variable", false},
	{"fix.secrets.kms_key_id", ""},
	{"fix.secrets.execution_role", ""},
	{"fix.secrets.deregister_old_revisions", false},
	{"fix.iam.detach_admin", false},
	{"fix.vulnerabilities.upgrade_image", false},
	{"fix.host_network.allow_daemons", false},
	{"fix.workloads.agent_images", []string{}},
	{"fix.workloads.agent_containers", []string{}},
	{"fix.workloads.not_agents", []string{}},
	{"fix.workloads.privileged_families", []string{}},
	{"fix.network.trusted_cidrs", []string{}},
	{"fix.logs.group_template", "/ecs/{family}"},
	{"fix.logs.retention_days", 30},
	{"fix.logs.kms_key_id", ""},
	{"approvals.allowed_signers", ""},
	{"approvals.quorum.low", 1},
	{"approvals.quorum.medium", 1},
	{"approvals.quorum.high", 1},
	{"approvals.max_plan_age", "0s"},
	{"approvals.max_approval_age", "0s"},
	{"pace.adaptive", true},
}

// Keys lists every configuration key, for documentation and tests.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue // not configuration (Config.trusted)
			}
			name := prefix + f.Tag.Get("mapstructure")
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, name+".")
				continue
			}
			keys = append(keys, name)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return keys
}

// parseExpiry reads an exemption's expires: the end of a date's day in UTC, or an RFC 3339 time.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		// A date means "through that day" in UTC.
		return t.Add(24 * time.Hour), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2026-12-31) nor an RFC 3339 time", s)
}
