// This file holds what a validated configuration gives the rest of ecsfix: the detector's settings, the
// planner's options, the unattended risk and the exemptions that have expired.

package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

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
		Logs:                    plan.LogsOptions{GroupTemplate: c.Fix.Logs.GroupTemplate, RetentionDays: c.Fix.Logs.RetentionDays, KmsKeyID: c.Fix.Logs.KmsKeyID},
		ReplacementSubnets:      map[string][]string{},
		DetachAdmin:             c.Fix.IAM.DetachAdmin,
		UpgradeVulnerableImages: c.Fix.Vulnerabilities.UpgradeImage,
		TrustedCIDRs:            nonEmpty(c.Fix.Network.TrustedCIDRs),
		HostNetwork:             plan.HostNetworkOptions{Awsvpc: map[string]plan.AwsVpcSettings{}, AllowDaemons: c.Fix.HostNetwork.AllowDaemons},
	}
	o.Workloads = plan.WorkloadOptions{AgentImages: nonEmpty(c.Fix.Workloads.AgentImages), AgentContainers: nonEmpty(c.Fix.Workloads.AgentContainers),
		NotAgents: nonEmpty(c.Fix.Workloads.NotAgents), PrivilegedFamilies: nonEmpty(c.Fix.Workloads.PrivilegedFamilies)}
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

// ApprovalPolicy is what makes an approval count (approvals.*), the allowed signers read from their
// file. Call Validate first.
func (c *Config) ApprovalPolicy() (plan.ApprovalPolicy, error) {
	pol := plan.ApprovalPolicy{
		Quorum: map[plan.Risk]int{
			plan.RiskLow: c.Approvals.Quorum.Low, plan.RiskMedium: c.Approvals.Quorum.Medium, plan.RiskHigh: c.Approvals.Quorum.High,
		},
		MaxPlanAge:     c.Approvals.MaxPlanAge,
		MaxApprovalAge: c.Approvals.MaxApprovalAge,
	}
	if c.Approvals.AllowedSigners != "" {
		s, err := plan.ReadAllowedSigners(c.Approvals.AllowedSigners)
		if err != nil {
			return pol, fmt.Errorf("approvals.allowed_signers: %w", err)
		}
		pol.Signers = s
	}
	return pol, nil
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

// ConfiguredValues are the values the configuration supplies to fixes (trusted CIDRs, replacement subnets,
// host-network networks, the log group template) as the applier re-derives a plan against them: from the
// trusted sources only (an explicit file, the user's configuration file, the environment), never from a
// ./ecsfix.yaml found in the working directory, which could otherwise widen what an edited plan may hold
// (a CIDR of its own among the trusted ones).
func (c *Config) ConfiguredValues() *plan.ConfiguredValues {
	src := c
	if c.trusted != nil {
		src = c.trusted
	}
	o := src.PlanOptions()
	return o.ConfiguredValues()
}
