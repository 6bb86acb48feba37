// Package config loads ecsfix's configuration from a file, ECSFIX_* environment variables and command-line
// flags (in rising precedence), through a viper instance of its own, and validates it. Invalid
// configuration is an error naming the key; it is never silently ignored or defaulted.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// Config is ecsfix's configuration. Keys are snake_case in the file; the environment variable for a key
// is ECSFIX_ and the key in upper case with dots as underscores (scan.concurrency → ECSFIX_SCAN_CONCURRENCY).
type Config struct {
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

	IAM struct {
		// DetachAdmin opts into detaching AdministratorAccess from task roles and removing Allow */*
		// statements from their inline policies (high risk, journalled, restored by rollback).
		DetachAdmin bool `mapstructure:"detach_admin"`
	} `mapstructure:"iam"`

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
)

// New returns a viper instance with ecsfix's defaults and environment binding.
func New() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix("ECSFIX")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	// Every scalar key needs a default so that AutomaticEnv can supply it at Unmarshal time.
	v.SetDefault("regions", []string{})
	v.SetDefault("all_regions", false)
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "text")
	v.SetDefault("scan.concurrency", DefaultConcurrency)
	v.SetDefault("scan.max_attempts", DefaultMaxAttempts)
	v.SetDefault("controls", []string{})
	v.SetDefault("required_tags.service", []string{})
	v.SetDefault("required_tags.cluster", []string{})
	v.SetDefault("required_tags.task_definition", []string{})
	v.SetDefault("fix.controls", []string{})
	v.SetDefault("fix.unattended_risk", "low")
	v.SetDefault("fix.writable_paths", []string{"/tmp"})
	v.SetDefault("fix.linux_user", "")
	v.SetDefault("fix.windows_user", "")
	v.SetDefault("fix.host_path", "read-only")
	v.SetDefault("fix.owner_tag_keys", DefaultOwnerTagKeys)
	v.SetDefault("fix.patch_owned", false)
	v.SetDefault("fix.concurrency", 4)
	v.SetDefault("fix.wait_timeout", "10m")
	v.SetDefault("fix.secrets.name_prefix", "ecsfix")
	v.SetDefault("fix.secrets.per_variable", false)
	v.SetDefault("fix.secrets.kms_key_id", "")
	v.SetDefault("fix.secrets.execution_role", "")
	v.SetDefault("fix.secrets.deregister_old_revisions", false)
	v.SetDefault("fix.iam.detach_admin", false)
	v.SetDefault("fix.host_network.allow_daemons", false)
	v.SetDefault("fix.network.trusted_cidrs", []string{})
	v.SetDefault("fix.logs.group_template", "/ecs/{family}")
	v.SetDefault("fix.logs.retention_days", 30)
	v.SetDefault("fix.logs.kms_key_id", "")
	return v
}

// Load reads the configuration file (file, or $ECSFIX_CONFIG, or the first of ./ecsfix.yaml and
// $XDG_CONFIG_HOME/ecsfix/config.yaml that exists; none is fine), then decodes and validates
// everything v knows, flags included.
func Load(v *viper.Viper, file string) (*Config, error) {
	if file == "" {
		file = os.Getenv("ECSFIX_CONFIG")
	}
	explicit := file != ""
	if !explicit {
		file = findDefaultFile()
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				file = ""
			} else {
				return nil, fmt.Errorf("config file %s: %w", file, err)
			}
		}
	}
	if err := checkEnvironment(os.Environ()); err != nil {
		return nil, err
	}
	var c Config
	err := v.UnmarshalExact(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToSliceHookFunc(","),
		mapstructure.StringToTimeDurationHookFunc(),
		timeToStringHook,
	)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describe(file), err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", describe(file), err)
	}
	return &c, nil
}

// timeToStringHook keeps dates as text: YAML reads an unquoted 2026-12-31 as a time.
func timeToStringHook(from, to reflect.Type, data any) (any, error) {
	t, ok := data.(time.Time)
	if !ok || to.Kind() != reflect.String {
		return data, nil
	}
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly), nil
	}
	return t.Format(time.RFC3339), nil
}

// envNotKeys are ECSFIX_ variables that are not configuration keys.
var envNotKeys = map[string]bool{
	"ECSFIX_CONFIG":       true, // the configuration file
	"ECSFIX_REQUIRE_MOTO": true, // tests: fail instead of skipping without the emulator
}

// checkEnvironment refuses an ECSFIX_ variable that names no configuration key: a typo such as
// ECSFIX_FIX_UNATENDED_RISK would otherwise be ignored and leave the default in force.
func checkEnvironment(environ []string) error {
	known := map[string]bool{}
	for _, k := range Keys() {
		known["ECSFIX_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = true
	}
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "ECSFIX_") || known[name] || envNotKeys[name] {
			continue
		}
		errs = append(errs, fmt.Errorf("environment variable %s is not a configuration key (see the README's Configuration section)", name))
	}
	return errors.Join(errs...)
}

func describe(file string) string {
	if file == "" {
		return "configuration"
	}
	return "config file " + file
}

func findDefaultFile() string {
	candidates := []string{"ecsfix.yaml"}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "ecsfix", "config.yaml"))
	}
	for _, f := range candidates {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}

// Validate checks every value and names the key of the first bad one.
func (c *Config) Validate() error {
	var errs []error
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format: %q is not one of text, json", c.Log.Format))
	}
	if c.Scan.Concurrency < 1 || c.Scan.Concurrency > 64 {
		errs = append(errs, fmt.Errorf("scan.concurrency: %d is outside 1..64", c.Scan.Concurrency))
	}
	if c.Scan.MaxAttempts < 1 || c.Scan.MaxAttempts > 50 {
		errs = append(errs, fmt.Errorf("scan.max_attempts: %d is outside 1..50", c.Scan.MaxAttempts))
	}
	for _, id := range c.Controls {
		if _, ok := detect.Lookup(id); !ok {
			errs = append(errs, fmt.Errorf("controls: unknown control id %q (known: %s)", id, strings.Join(detect.IDs(), ", ")))
		}
	}
	for i, r := range c.Regions {
		if r == "" || strings.ContainsAny(r, " /:") {
			errs = append(errs, fmt.Errorf("regions[%d]: %q is not a region name", i, r))
		}
	}
	for i, e := range c.Exemptions {
		key := fmt.Sprintf("exemptions[%d]", i)
		if e.Control != "" {
			if _, ok := detect.Lookup(e.Control); !ok {
				errs = append(errs, fmt.Errorf("%s.control: unknown control id %q", key, e.Control))
			}
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
	return errors.Join(errs...)
}

func (f *Fix) validate() []error {
	var errs []error
	for _, id := range f.Controls {
		if _, ok := detect.Lookup(id); !ok {
			errs = append(errs, fmt.Errorf("fix.controls: unknown control id %q", id))
		}
	}
	for i, r := range f.Risk {
		if _, ok := detect.Lookup(r.Control); !ok {
			errs = append(errs, fmt.Errorf("fix.risk[%d].control: unknown control id %q", i, r.Control))
		}
		if !validRisk(r.Risk) {
			errs = append(errs, fmt.Errorf("fix.risk[%d].risk: %q is not one of low, medium, high", i, r.Risk))
		}
	}
	if !validRisk(f.UnattendedRisk) && f.UnattendedRisk != "none" {
		errs = append(errs, fmt.Errorf("fix.unattended_risk: %q is not one of none, low, medium, high", f.UnattendedRisk))
	}
	switch f.HostPath {
	case plan.HostPathReadOnly, plan.HostPathRemove:
	default:
		errs = append(errs, fmt.Errorf("fix.host_path: %q is not one of read-only, remove", f.HostPath))
	}
	for i, p := range f.WritablePaths {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "..") {
			errs = append(errs, fmt.Errorf("fix.writable_paths[%d]: %q is not an absolute path", i, p))
		}
	}
	if f.Concurrency < 1 || f.Concurrency > 32 {
		errs = append(errs, fmt.Errorf("fix.concurrency: %d is outside 1..32", f.Concurrency))
	}
	if p := f.Secrets.NamePrefix; p == "" || strings.ContainsAny(p, " :") || strings.HasPrefix(p, "/") {
		errs = append(errs, fmt.Errorf("fix.secrets.name_prefix: %q is not a secret name prefix", p))
	}
	if k := f.Secrets.KmsKeyID; strings.HasPrefix(k, "alias/") || strings.Contains(k, ":alias/") {
		// IAM evaluates kms:Decrypt against the key's ARN, never an alias: a grant on an alias would not work.
		errs = append(errs, fmt.Errorf("fix.secrets.kms_key_id: %q is an alias; give the key id or key ARN", k))
	}
	if r := f.Secrets.ExecutionRole; r != "" && !strings.HasPrefix(r, "arn:") {
		errs = append(errs, fmt.Errorf("fix.secrets.execution_role: %q is not a role ARN", r))
	}
	if !strings.Contains(f.Logs.GroupTemplate, "{family}") && !strings.Contains(f.Logs.GroupTemplate, "{container}") {
		errs = append(errs, fmt.Errorf("fix.logs.group_template: %q names neither {family} nor {container}", f.Logs.GroupTemplate))
	}
	if !validRetention(f.Logs.RetentionDays) {
		errs = append(errs, fmt.Errorf("fix.logs.retention_days: %d is not a CloudWatch Logs retention (0, 1, 3, 5, 7, 14, 30, 60, 90, …)", f.Logs.RetentionDays))
	}
	for i, set := range f.Network.ReplacementSubnets {
		if !strings.HasPrefix(set.VPC, "vpc-") {
			errs = append(errs, fmt.Errorf("fix.network.replacement_subnets[%d].vpc: %q is not a VPC id", i, set.VPC))
		}
		if len(set.Subnets) == 0 {
			errs = append(errs, fmt.Errorf("fix.network.replacement_subnets[%d].subnets: no subnet", i))
		}
		for _, sn := range set.Subnets {
			if !strings.HasPrefix(sn, "subnet-") {
				errs = append(errs, fmt.Errorf("fix.network.replacement_subnets[%d].subnets: %q is not a subnet id", i, sn))
			}
		}
	}
	for i, a := range f.HostNetwork.Awsvpc {
		key := fmt.Sprintf("fix.host_network.awsvpc[%d]", i)
		if a.Cluster == "" {
			errs = append(errs, fmt.Errorf("%s.cluster: a cluster name is required", key))
		}
		if len(a.Subnets) == 0 || len(a.SecurityGroups) == 0 {
			errs = append(errs, fmt.Errorf("%s: subnets and security_groups are both required", key))
		}
		for _, sn := range a.Subnets {
			if !strings.HasPrefix(sn, "subnet-") {
				errs = append(errs, fmt.Errorf("%s.subnets: %q is not a subnet id", key, sn))
			}
		}
		for _, sg := range a.SecurityGroups {
			if !strings.HasPrefix(sg, "sg-") {
				errs = append(errs, fmt.Errorf("%s.security_groups: %q is not a security group id", key, sg))
			}
		}
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
	return errs
}

// validRetention: the retention periods CloudWatch Logs accepts (0: never expire).
func validRetention(days int32) bool {
	switch days {
	case 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653:
		return true
	}
	return false
}

func validRisk(r string) bool {
	switch plan.Risk(r) {
	case plan.RiskLow, plan.RiskMedium, plan.RiskHigh:
		return true
	}
	return false
}

// PlanOptions converts the configuration into the planner's options. Call Validate first.
func (c *Config) PlanOptions() plan.Options {
	o := plan.Options{
		Fix:           append([]string(nil), c.Fix.Controls...),
		Risk:          map[string]plan.Risk{},
		WritablePaths: nonEmpty(c.Fix.WritablePaths),
		LinuxUser:     c.Fix.LinuxUser,
		WindowsUser:   c.Fix.WindowsUser,
		HostPath:      c.Fix.HostPath,
		OwnerTagKeys:  nonEmpty(c.Fix.OwnerTagKeys),
		PatchOwned:    c.Fix.PatchOwned,
		Secrets: plan.SecretsOptions{
			NamePrefix: c.Fix.Secrets.NamePrefix, PerVariable: c.Fix.Secrets.PerVariable, KmsKeyID: c.Fix.Secrets.KmsKeyID,
			ExecutionRole: c.Fix.Secrets.ExecutionRole, DeregisterOld: c.Fix.Secrets.DeregisterOld,
		},
		Logs:               plan.LogsOptions{GroupTemplate: c.Fix.Logs.GroupTemplate, RetentionDays: c.Fix.Logs.RetentionDays, KmsKeyID: c.Fix.Logs.KmsKeyID},
		ReplacementSubnets: map[string][]string{},
		DetachAdmin:        c.Fix.IAM.DetachAdmin,
		TrustedCIDRs:       nonEmpty(c.Fix.Network.TrustedCIDRs),
		HostNetwork:        plan.HostNetworkOptions{Awsvpc: map[string]plan.AwsVpcSettings{}, AllowDaemons: c.Fix.HostNetwork.AllowDaemons},
	}
	for _, a := range c.Fix.HostNetwork.Awsvpc {
		o.HostNetwork.Awsvpc[a.Cluster] = plan.AwsVpcSettings{Subnets: a.Subnets, SecurityGroups: a.SecurityGroups, AssignPublicIp: "DISABLED"}
	}
	for _, set := range c.Fix.Network.ReplacementSubnets {
		o.ReplacementSubnets[set.VPC] = append(o.ReplacementSubnets[set.VPC], set.Subnets...)
	}
	for _, r := range c.Fix.Risk {
		id := r.Control
		if ctl, ok := detect.Lookup(id); ok {
			id = ctl.ID // the registry's spelling
		}
		o.Risk[id] = plan.Risk(r.Risk)
	}
	return o
}

// UnattendedRisk is the highest risk applied without approval; "none" means every action needs one.
func (c *Config) UnattendedRisk() plan.Risk { return plan.Risk(c.Fix.UnattendedRisk) }

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

// Settings converts the configuration into the detector's evaluation settings. Call Validate first.
func (c *Config) Settings() detect.Settings {
	s := detect.Settings{
		Controls: append([]string(nil), c.Controls...),
		RequiredTags: map[string][]string{
			detect.TypeService:        nonEmpty(c.RequiredTags.Service),
			detect.TypeCluster:        nonEmpty(c.RequiredTags.Cluster),
			detect.TypeTaskDefinition: nonEmpty(c.RequiredTags.TaskDefinition),
		},
	}
	for _, e := range c.Exemptions {
		x := detect.Exemption{Control: e.Control, Arn: e.ARN, Reason: e.Reason}
		if e.Tag != "" {
			k, v, _ := strings.Cut(e.Tag, "=")
			x.TagKey, x.TagValue = k, v
		}
		if e.Expires != "" {
			x.Expires, _ = parseExpiry(e.Expires)
		}
		s.Exemptions = append(s.Exemptions, x)
	}
	return s
}

// ExpiredExemptions lists the exemptions whose expiry is past at now, for a warning.
func (c *Config) ExpiredExemptions(now time.Time) []Exemption {
	var out []Exemption
	for _, e := range c.Exemptions {
		if t, err := parseExpiry(e.Expires); e.Expires != "" && err == nil && !now.Before(t) {
			out = append(out, e)
		}
	}
	return out
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Keys lists every configuration key, for documentation and tests.
func Keys() []string {
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
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
