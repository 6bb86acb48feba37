// This file holds the validation of a decoded configuration: every bad value is an error naming its key.

package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// risks are the risks a fix may be given, in rising order.
var risks = []string{string(plan.RiskLow), string(plan.RiskMedium), string(plan.RiskHigh)}

// Validate checks every value and names the key of each bad one.
func (c *Config) Validate() error {
	var errs []error
	errs = appendErr(errs, oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"))
	errs = appendErr(errs, oneOf("log.format", c.Log.Format, "text", "json"))
	errs = appendErr(errs, within("scan.concurrency", c.Scan.Concurrency, 1, 64))
	errs = appendErr(errs, within("scan.max_attempts", c.Scan.MaxAttempts, 1, 50))
	errs = appendErr(errs, within("accounts.concurrency", c.Accounts.Concurrency, 1, 64))
	if c.Accounts.RoleName != "" {
		errs = appendErr(errs, CheckRoleName("accounts.role_name", c.Accounts.RoleName))
	}
	if c.Accounts.ExternalID != "" {
		errs = appendErr(errs, CheckExternalID("accounts.external_id", c.Accounts.ExternalID))
	}
	for _, l := range []struct {
		key string
		n   int64
	}{{"snapshot.max_file_bytes", c.Snapshot.MaxFileBytes}, {"snapshot.max_files", int64(c.Snapshot.MaxFiles)}, {"snapshot.max_total_bytes", c.Snapshot.MaxTotalBytes}} {
		if l.n <= 0 {
			errs = append(errs, fmt.Errorf("%s: %d is not a positive number", l.key, l.n))
		}
	}
	for _, id := range c.Controls {
		if !knownControl(id) {
			errs = append(errs, fmt.Errorf("controls: unknown control id %q (known: %s)", id, strings.Join(detect.IDs(), ", ")))
		}
	}
	for i, r := range c.Regions {
		if !regionName.MatchString(r) {
			errs = append(errs, fmt.Errorf("regions[%d]: %q is not an AWS region name (such as eu-west-1, us-gov-west-1)", i, r))
		}
	}
	for i, e := range c.Exemptions {
		key := fmt.Sprintf("exemptions[%d]", i)
		if e.Control != "" && !knownControl(e.Control) {
			errs = append(errs, fmt.Errorf("%s.control: unknown control id %q", key, e.Control))
		}
		if (e.ARN == "") == (e.Tag == "") {
			errs = append(errs, fmt.Errorf("%s: set exactly one of arn and tag", key))
		}
		if e.Tag != "" && strings.HasPrefix(e.Tag, "=") {
			errs = append(errs, fmt.Errorf("%s.tag: %q has no key", key, e.Tag))
		}
		if e.Expires != "" {
			if _, err := parseExpiry(e.Expires); err != nil {
				errs = append(errs, fmt.Errorf("%s.expires: %w", key, err))
			}
		}
	}
	errs = append(errs, c.Fix.validate()...)
	errs = append(errs, c.Approvals.validate()...)
	errs = append(errs, c.Pace.validate()...)
	return errors.Join(errs...)
}

func (a *Approvals) validate() []error {
	var errs []error
	if a.AllowedSigners != "" {
		if _, err := plan.ReadAllowedSigners(a.AllowedSigners); err != nil {
			errs = append(errs, fmt.Errorf("approvals.allowed_signers: %w", err))
		}
	}
	for _, q := range []struct {
		level string
		n     int
	}{{"low", a.Quorum.Low}, {"medium", a.Quorum.Medium}, {"high", a.Quorum.High}} {
		errs = appendErr(errs, within("approvals.quorum."+q.level, q.n, 1, 10))
	}
	if a.MaxPlanAge < 0 {
		errs = append(errs, fmt.Errorf("approvals.max_plan_age: %v is negative (0 means no limit)", a.MaxPlanAge))
	}
	if a.MaxApprovalAge < 0 {
		errs = append(errs, fmt.Errorf("approvals.max_approval_age: %v is negative (0 means no limit)", a.MaxApprovalAge))
	}
	return errs
}

func (f *Fix) validate() []error {
	var errs []error
	for _, id := range f.Controls {
		if !knownControl(id) {
			errs = append(errs, fmt.Errorf("fix.controls: unknown control id %q", id))
		}
	}
	for i, r := range f.Risk {
		if !knownControl(r.Control) {
			errs = append(errs, fmt.Errorf("fix.risk[%d].control: unknown control id %q", i, r.Control))
		}
		errs = appendErr(errs, oneOf(fmt.Sprintf("fix.risk[%d].risk", i), r.Risk, risks...))
	}
	errs = appendErr(errs, oneOf("fix.unattended_risk", f.UnattendedRisk, append([]string{"none"}, risks...)...))
	errs = appendErr(errs, oneOf("fix.host_path", f.HostPath, plan.HostPathReadOnly, plan.HostPathRemove))
	for i, p := range f.WritablePaths {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			errs = append(errs, fmt.Errorf("fix.writable_paths[%d]: %q is not an absolute path", i, p))
		} else if strings.Trim(p, "/") == "" {
			errs = append(errs, fmt.Errorf("fix.writable_paths[%d]: %q is the whole root filesystem (no volume may be mounted there)", i, p))
		}
	}
	errs = appendErr(errs, checkLinuxUser("fix.linux_user", f.LinuxUser))
	errs = appendErr(errs, checkWindowsUser("fix.windows_user", f.WindowsUser))
	errs = append(errs, workloadNames("fix.workloads.agent_images", f.Workloads.AgentImages)...)
	errs = append(errs, workloadNames("fix.workloads.agent_containers", f.Workloads.AgentContainers)...)
	errs = append(errs, workloadNames("fix.workloads.not_agents", f.Workloads.NotAgents)...)
	errs = append(errs, workloadNames("fix.workloads.privileged_families", f.Workloads.PrivilegedFamilies)...)
	errs = appendErr(errs, within("fix.concurrency", f.Concurrency, 1, 32))
	// Names ecsfix makes up become CreateSecret and CreateLogGroup calls and the resources of the grants it
	// writes: each must be a name AWS allows, never a wildcard or a path that escapes its prefix. (The
	// planner checks each name again once {family} and {container} are substituted.)
	if p := f.Secrets.NamePrefix; p == "" {
		errs = append(errs, fmt.Errorf("fix.secrets.name_prefix: %q is not a secret name prefix", p))
	} else if err := plan.CheckSecretName(strings.TrimSuffix(p, "/")); err != nil {
		errs = append(errs, fmt.Errorf("fix.secrets.name_prefix: %q is not a secret name prefix: %v", p, err))
	}
	if k := f.Secrets.KmsKeyID; strings.HasPrefix(k, "alias/") || strings.Contains(k, ":alias/") {
		// IAM evaluates kms:Decrypt against the key's ARN, never an alias: a grant on an alias would not work.
		errs = append(errs, fmt.Errorf("fix.secrets.kms_key_id: %q is an alias; give the key id or key ARN", k))
	} else if k != "" && !kmsKeyID.MatchString(k) && !kmsKeyARN.MatchString(k) {
		errs = append(errs, fmt.Errorf("fix.secrets.kms_key_id: %q is neither a key id nor a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)", k))
	}
	if k := f.Logs.KmsKeyID; strings.ContainsAny(k, "*? ") {
		errs = append(errs, fmt.Errorf("fix.logs.kms_key_id: %q is not a key ARN", k))
	}
	if r := f.Secrets.ExecutionRole; r != "" && !roleARN.MatchString(r) {
		errs = append(errs, fmt.Errorf("fix.secrets.execution_role: %q is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)", r))
	}
	if t := f.Logs.GroupTemplate; !strings.Contains(t, "{family}") && !strings.Contains(t, "{container}") {
		errs = append(errs, fmt.Errorf("fix.logs.group_template: %q names neither {family} nor {container}", t))
	} else if err := plan.CheckLogGroupName(strings.NewReplacer("{family}", "family", "{container}", "container").Replace(t)); err != nil {
		errs = append(errs, fmt.Errorf("fix.logs.group_template: %q does not make a valid log group name ({family} and {container} are the only placeholders): %v", t, err))
	}
	if !validRetention(f.Logs.RetentionDays) {
		errs = append(errs, fmt.Errorf("fix.logs.retention_days: %d is not a CloudWatch Logs retention (0, 1, 3, 5, 7, 14, 30, 60, 90, …)", f.Logs.RetentionDays))
	}
	for i, set := range f.Network.ReplacementSubnets {
		key := fmt.Sprintf("fix.network.replacement_subnets[%d]", i)
		errs = append(errs, idsOf(key+".vpc", []string{set.VPC}, "vpc-", "VPC id")...)
		if len(set.Subnets) == 0 {
			errs = append(errs, fmt.Errorf("%s.subnets: no subnet", key))
		}
		errs = append(errs, idsOf(key+".subnets", set.Subnets, "subnet-", "subnet id")...)
	}
	for i, a := range f.HostNetwork.Awsvpc {
		key := fmt.Sprintf("fix.host_network.awsvpc[%d]", i)
		if a.Cluster == "" {
			errs = append(errs, fmt.Errorf("%s.cluster: a cluster name is required", key))
		}
		if len(a.Subnets) == 0 || len(a.SecurityGroups) == 0 {
			errs = append(errs, fmt.Errorf("%s: subnets and security_groups are both required", key))
		}
		errs = append(errs, idsOf(key+".subnets", a.Subnets, "subnet-", "subnet id")...)
		errs = append(errs, idsOf(key+".security_groups", a.SecurityGroups, "sg-", "security group id")...)
	}
	for i, c := range f.Network.TrustedCIDRs {
		if _, n, err := net.ParseCIDR(c); err != nil || n.String() != c {
			errs = append(errs, fmt.Errorf("fix.network.trusted_cidrs[%d]: %q is not a network in CIDR form", i, c))
		} else if ones, _ := n.Mask.Size(); ones == 0 {
			errs = append(errs, fmt.Errorf("fix.network.trusted_cidrs[%d]: %q is the whole internet", i, c))
		}
	}
	if f.WaitTimeout <= 0 {
		errs = append(errs, fmt.Errorf("fix.wait_timeout: %v is not a positive duration", f.WaitTimeout))
	}
	if f.ResumeWindow < 0 || f.ResumeWindow > 10*time.Minute {
		errs = append(errs, fmt.Errorf("fix.resume_window: %v is not a duration from 0 to 10m", f.ResumeWindow))
	}
	return errs
}

// kmsKeyID, kmsKeyARN and roleARN are the forms of the key and role fix.secrets names: they become the
// resources of grants, so no wildcard or other character IAM would read as a pattern.
var (
	// regionName is the form of every AWS region name: a partition's area, words, a number.
	// roleName is an IAM role's name, after an optional path ("/", or "/a/b/"), as IAM accepts them.
	roleName = regexp.MustCompile(`^(/([\w+=,.@-]+/)*)?[\w+=,.@-]{1,64}$`)
	// externalID is what sts AssumeRole accepts as an external id.
	externalID = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	kmsKeyID   = regexp.MustCompile(`^(mrk-)?[A-Za-z0-9-]{1,64}$`)
	kmsKeyARN  = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-)?[A-Za-z0-9-]{1,64}$`)
	roleARN    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}$`)
)

// appendErr appends err to errs unless it is nil.
func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

// oneOf refuses a value of key that is not one of allowed (exactly, case included).
func oneOf(key, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	return fmt.Errorf("%s: %q is not one of %s", key, value, strings.Join(allowed, ", "))
}

// within refuses a value of key outside lo..hi.
func within(key string, n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("%s: %d is outside %d..%d", key, n, lo, hi)
	}
	return nil
}

// idsOf refuses each of the AWS ids under key that does not start with prefix (what names the kind of id).
func idsOf(key string, ids []string, prefix, what string) []error {
	var errs []error
	for _, id := range ids {
		if !strings.HasPrefix(id, prefix) {
			errs = append(errs, fmt.Errorf("%s: %q is not a %s", key, id, what))
		}
	}
	return errs
}

// knownControl reports whether id names a control of the detector's registry (in any case).
func knownControl(id string) bool {
	_, ok := detect.Lookup(id)
	return ok
}

// validRetention: the retention periods CloudWatch Logs accepts (0: never expire).
func validRetention(days int32) bool {
	switch days {
	case 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653:
		return true
	}
	return false
}

// CheckRoleName checks an IAM role name, optionally after a path (ops/ecsfix-member or
// /ops/ecsfix-member): what --role-name and accounts.role_name give. key names the input in the error.
func CheckRoleName(key, name string) error {
	if len(name) > 512 || !roleName.MatchString(name) {
		return fmt.Errorf("%s: %q is not an IAM role name (letters, digits and +=,.@_- up to 64 characters, optionally after a path such as /ops/)", key, name)
	}
	return nil
}

// CheckExternalID checks an sts AssumeRole external id. The error never repeats the value.
func CheckExternalID(key, id string) error {
	if len(id) < 2 || len(id) > 1224 || !externalID.MatchString(id) {
		return fmt.Errorf("%s: not an external id (2 to 1224 characters among letters, digits and +=,.@:/_-; the value is not shown)", key)
	}
	return nil
}

// workloadName is an image repository path, a container name or a task-definition family as
// fix.workloads lists them: letters, digits and . _ - / : @ (no space, no wildcard).
var workloadName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$`)

// workloadNames checks the entries of a fix.workloads list.
func workloadNames(key string, names []string) []error {
	var errs []error
	for i, n := range names {
		if !workloadName.MatchString(n) {
			errs = append(errs, fmt.Errorf("%s[%d]: %q is not an image repository, container name or family (letters, digits, . _ - / : @; no wildcard)", key, i, n))
		}
	}
	return errs
}

// linuxUserPart is one side of a Linux user as a container definition names it: a name or a number.
var linuxUserPart = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$`)

// checkLinuxUser checks the non-root user ECS.20's fix sets ("" is none): user, uid, user:group or
// uid:gid, never root (the name root or uid 0, however written: 0, 00, +0).
func checkLinuxUser(key, u string) error {
	if u == "" {
		return nil
	}
	user, group, hasGroup := strings.Cut(u, ":")
	if !linuxUserPart.MatchString(user) || (hasGroup && !linuxUserPart.MatchString(group)) {
		return fmt.Errorf("%s: %q is not a user, uid, user:group or uid:gid", key, u)
	}
	if plan.IsRootUser(user) {
		return fmt.Errorf("%s: %q is root: the fix of ECS.20 sets a non-root user", key, u)
	}
	return nil
}

// checkWindowsUser checks the non-administrator user ECS.21's fix sets on Windows ("" is none).
func checkWindowsUser(key, u string) error {
	if u == "" {
		return nil
	}
	if strings.TrimSpace(u) != u || len(u) > 104 || strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f || strings.ContainsRune(`"/[]:;|=,+*?<>`, r) }) {
		return fmt.Errorf("%s: %q is not a Windows user name", key, u)
	}
	if strings.EqualFold(u, "ContainerAdministrator") || strings.EqualFold(u, "Administrator") {
		return fmt.Errorf("%s: %q is an administrator: the fix of ECS.21 sets a non-administrator user", key, u)
	}
	return nil
}
