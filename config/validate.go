// This file holds the validation of a decoded configuration: every bad value is an error naming its key.

package config

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

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
