package plan

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/ecsfix/ecsfix/detect"
)

// The update-security-group-ingress change kind: the world-open ingress rules of a group used only by
// the service replaced, the replacement rules authorized first, then the open ones revoked. Also the
// security-group rule (IngressRule) both security-group kinds use: its checks and how it is shown.

// UpdateSecurityGroupIngress replaces world-open ingress rules of a group used only by the service:
// the replacement rules are authorized first, then the open ones revoked.
const UpdateSecurityGroupIngress ActionType = "update-security-group-ingress"

// IngressRule is one security-group rule (ingress or egress) with exactly one source or destination.
type IngressRule struct {
	Protocol    string `json:"protocol"` // tcp, udp, icmp, icmpv6, or -1 (all)
	FromPort    int32  `json:"fromPort"`
	ToPort      int32  `json:"toPort"`
	CidrIPv4    string `json:"cidrIpv4,omitempty"`
	CidrIPv6    string `json:"cidrIpv6,omitempty"`
	SourceGroup string `json:"sourceGroup,omitempty"` // a security group id
	Description string `json:"description,omitempty"`
}

// UpdateSecurityGroupIngressChange authorizes the replacement rules, then revokes the world-open ones.
type UpdateSecurityGroupIngressChange struct {
	GroupID   string        `json:"groupId"`
	VpcID     string        `json:"vpcId"`
	Authorize []IngressRule `json:"authorize"`
	Revoke    []IngressRule `json:"revoke"`
	// Services are the services whose tasks use the group, as the planner found them: a replacement
	// rule from a security group must be from the group of a load balancer in front of one of them, as
	// the applier reads them at apply time (a plan without them and with such a rule is refused).
	Services []ProtectedService `json:"services,omitempty"`
}

// ProtectedService names a service whose tasks use a security group that an action edits or copies.
type ProtectedService struct {
	// Cluster is the service's cluster (ARN or name).
	Cluster string `json:"cluster"`
	// Service is the service's ARN.
	Service string `json:"service"`
}

// protectedServices are the ARNs of services.
func protectedServices(services []ProtectedService) []string {
	var out []string
	for _, s := range services {
		out = append(out, s.Service)
	}
	return out
}

// protectedFacts are the facts the applier must find as planned of the services an action names: their
// status and network configuration (which security groups their tasks use).
func protectedFacts(services []ProtectedService) []FactCheck {
	var out []FactCheck
	for _, s := range uniqueStrings(protectedServices(services)...) {
		out = append(out, FactCheck{Resource: s, ResourceType: detect.TypeService, Facts: []string{FactStatus, FactNetwork}})
	}
	return out
}

// validateProtected checks the services an action names (field is its payload's JSON name): each a
// service ARN of the action's account and region, with its cluster, named once.
func validateProtected(a *Action, field string, services []ProtectedService) []error {
	var errs []error
	seen := map[string]bool{}
	for i, s := range services {
		where := fmt.Sprintf("%s: services[%d]", field, i)
		parsed, err := arn.Parse(s.Service)
		switch {
		case err != nil || parsed.Service != "ecs" || !strings.HasPrefix(parsed.Resource, "service/"):
			errs = append(errs, fmt.Errorf("%s: service %q is not an ECS service ARN", where, s.Service))
		case parsed.AccountID != a.Account || parsed.Region != a.Region:
			errs = append(errs, fmt.Errorf("%s: service %s is not in the action's account %s and region %s", where, s.Service, a.Account, a.Region))
		}
		if strings.TrimSpace(s.Cluster) == "" {
			errs = append(errs, fmt.Errorf("%s: cluster is required", where))
		} else if err == nil && !clusterOfService(s.Cluster, parsed) {
			// The applier reads the service in this cluster: it must be the one the ARN names.
			errs = append(errs, fmt.Errorf("%s: cluster %q is not the cluster of service %s", where, s.Cluster, s.Service))
		}
		if seen[s.Service] {
			errs = append(errs, fmt.Errorf("%s: service %s is named twice", where, s.Service))
		}
		seen[s.Service] = true
	}
	return errs
}

// clusterOfService reports whether cluster (a name or an ARN) can be the cluster of service: an ARN in
// the service's partition, account and region, and, when the service's ARN names its cluster
// (service/CLUSTER/NAME), that cluster.
func clusterOfService(cluster string, service arn.ARN) bool {
	name := cluster
	if strings.HasPrefix(cluster, "arn:") {
		c, err := arn.Parse(cluster)
		if err != nil || c.Partition != service.Partition || c.Service != "ecs" || c.AccountID != service.AccountID || c.Region != service.Region ||
			!strings.HasPrefix(c.Resource, "cluster/") {
			return false
		}
		name = strings.TrimPrefix(c.Resource, "cluster/")
	}
	parts := strings.Split(service.Resource, "/")
	return len(parts) != 3 || parts[1] == name
}

// Touches implements Change: the services it names (besides the group, the action's resource).
func (u *UpdateSecurityGroupIngressChange) Touches() []string { return protectedServices(u.Services) }

// Writes implements Change: the group.
func (u *UpdateSecurityGroupIngressChange) Writes(a *Action) []string {
	return uniqueStrings(a.Resource, u.GroupID)
}

// Facts implements Change: the group's ingress and egress rules (SecurityGroupFacts), and the status and
// network configuration of the services it names (re-derivation reads them).
func (u *UpdateSecurityGroupIngressChange) Facts(*Action) []FactCheck {
	return append([]FactCheck{{Resource: u.GroupID, ResourceType: detect.TypeSecurityGroup, Facts: []string{FactIngress, FactEgress}}},
		protectedFacts(u.Services)...)
}

// Rederivable implements Change: see Rebuild.
func (u *UpdateSecurityGroupIngressChange) Rederivable() bool { return true }

var _ Rebuilder[[]IngressRule, []IngressRule] = (*UpdateSecurityGroupIngressChange)(nil)

// Rebuild is the group's ingress rules after the change, from those read at apply time: the same with
// Authorize added (once) and Revoke removed, rules compared by RuleKey. It refuses edits that would
// widen access (see validate).
func (u *UpdateSecurityGroupIngressChange) Rebuild(before []IngressRule) ([]IngressRule, error) {
	for _, r := range u.Authorize {
		if isWorld(r) {
			return nil, fmt.Errorf("security group %s: authorizing %s would open it to the world", u.GroupID, ruleText(r))
		}
	}
	for _, r := range u.Revoke {
		if !isWorld(r) {
			return nil, fmt.Errorf("security group %s: %s is not a world-open rule: only those are revoked", u.GroupID, ruleText(r))
		}
	}
	drop := map[string]bool{}
	for _, r := range u.Revoke {
		drop[RuleKey(r)] = true
	}
	out := []IngressRule{}
	seen := map[string]bool{}
	for _, r := range append(append([]IngressRule{}, before...), u.Authorize...) {
		k := RuleKey(r)
		if drop[k] || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out, nil
}

func (u *UpdateSecurityGroupIngressChange) implicitDependencies() []string { return nil }

// validate: a group id (the action's resource) and its VPC, something revoked, every rule valid, no
// replacement world-open, every revoked rule world-open.
func (u *UpdateSecurityGroupIngressChange) validate(a *Action, _ map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(u.GroupID, "sg-") {
		bad("updateSecurityGroupIngress: groupId %q is not a security group id", u.GroupID)
	}
	if a.Resource != u.GroupID {
		bad("updateSecurityGroupIngress: resource %q is not groupId %q", a.Resource, u.GroupID)
	}
	if !strings.HasPrefix(u.VpcID, "vpc-") {
		bad("updateSecurityGroupIngress: vpcId %q is not a VPC id", u.VpcID)
	}
	if len(u.Revoke) == 0 {
		bad("updateSecurityGroupIngress: revokes nothing")
	}
	for i, r := range u.Authorize {
		errs = append(errs, validateRule("updateSecurityGroupIngress: authorize", i, r)...)
		if isWorld(r) {
			bad("updateSecurityGroupIngress: authorize rule %d (%s) widens: a replacement is never from 0.0.0.0/0 or ::/0", i+1, ruleText(r))
		}
	}
	for i, r := range u.Revoke {
		errs = append(errs, validateRule("updateSecurityGroupIngress: revoke", i, r)...)
		if !isWorld(r) {
			bad("updateSecurityGroupIngress: revoke rule %d (%s) is not a world-open rule: only rules from 0.0.0.0/0 or ::/0 are revoked", i+1, ruleText(r))
		}
	}
	return append(errs, validateProtected(a, "updateSecurityGroupIngress", u.Services)...)
}

// validateControls: the open-security-group exposure only.
func (u *UpdateSecurityGroupIngressChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a update-security-group-ingress action", detect.ExposureOpenSecurityGroupID)
}

// riskFloor: high (a security-group edit has no lower default); a reason per world-open rule revoked,
// with its replacements.
func (u *UpdateSecurityGroupIngressChange) riskFloor(*Plan, *Action, map[string]Risk) RiskFloor {
	var f RiskFloor
	for _, r := range u.Revoke {
		var by []string
		for _, n := range u.Authorize {
			if n.Protocol == r.Protocol && n.FromPort == r.FromPort && n.ToPort == r.ToPort {
				by = append(by, ruleText(n))
			}
		}
		if len(by) == 0 {
			f.raise(RiskHigh, fmt.Sprintf("the world-open rule %s of %s is revoked with no replacement: every client it let in loses access", ruleText(r), u.GroupID))
			continue
		}
		f.raise(RiskHigh, fmt.Sprintf("the world-open rule %s of %s is replaced by %s: clients outside the new source lose access", ruleText(r), u.GroupID, strings.Join(by, ", ")))
	}
	if len(f.Why) == 0 {
		f.raise(RiskHigh, fmt.Sprintf("it edits the ingress rules of %s (a security-group change is always high)", u.GroupID))
	}
	return f
}

func (u *UpdateSecurityGroupIngressChange) details() changeDetails {
	out := [][2]string{{"security group", u.GroupID + " (" + u.VpcID + ")"}}
	for _, r := range u.Authorize {
		out = append(out, [2]string{"authorize", ruleText(r)})
	}
	for _, r := range u.Revoke {
		out = append(out, [2]string{"revoke", ruleText(r)})
	}
	return changeDetails{rows: out}
}

// diff: the revoked rules on the left, the authorized ones on the right.
func (u *UpdateSecurityGroupIngressChange) diff() (string, error) {
	return ingressDiff("security-group/"+u.GroupID+" ingress (now)", "security-group/"+u.GroupID+" ingress (after)", u.Revoke, u.Authorize)
}

// ingressDiff diffs rule lists: removed rules on the left, added ones on the right.
func ingressDiff(fromLabel, toLabel string, removed, added []IngressRule) (string, error) {
	var before, after strings.Builder
	for _, r := range removed {
		before.WriteString(ruleText(r) + "\n")
	}
	for _, r := range added {
		after.WriteString(ruleText(r) + "\n")
	}
	return unifiedDiff(fromLabel, toLabel, before.String(), after.String())
}

// isWorld reports whether a rule is open to the whole internet.
func isWorld(r IngressRule) bool { return r.CidrIPv4 == worldIPv4 || r.CidrIPv6 == worldIPv6 }

// validateRule checks one security-group rule: a valid protocol, ports in range, exactly one source.
func validateRule(which string, i int, r IngressRule) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s rule %d: %s", which, i+1, fmt.Sprintf(format, args...)))
	}
	switch r.Protocol {
	case "tcp", "udp", "6", "17":
		if r.FromPort < 0 || r.ToPort > 65535 || r.FromPort > r.ToPort {
			bad("ports %d-%d are not a range within 0-65535", r.FromPort, r.ToPort)
		}
	case "icmp", "icmpv6", "1", "58":
		if r.FromPort < -1 || r.FromPort > 255 || r.ToPort < -1 || r.ToPort > 255 {
			bad("icmp type/code %d/%d out of range", r.FromPort, r.ToPort)
		}
	case "-1":
	default:
		bad("protocol %q is not tcp, udp, icmp, icmpv6 or -1", r.Protocol)
	}
	n := 0
	for _, s := range []string{r.CidrIPv4, r.CidrIPv6, r.SourceGroup} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		bad("has %d sources, want exactly one", n)
	}
	if r.SourceGroup != "" && !strings.HasPrefix(r.SourceGroup, "sg-") && !strings.HasPrefix(r.SourceGroup, "prefix-list:pl-") {
		bad("source %q is not a security group id", r.SourceGroup)
	}
	if r.CidrIPv4 != "" && !strings.Contains(r.CidrIPv4, "/") {
		bad("cidrIpv4 %q is not a CIDR", r.CidrIPv4)
	}
	if r.CidrIPv6 != "" && !strings.Contains(r.CidrIPv6, "/") {
		bad("cidrIpv6 %q is not a CIDR", r.CidrIPv6)
	}
	return errs
}

// rulePorts renders a rule's protocol and ports: "tcp 443", "tcp 8000-8080", "all traffic", "icmp".
func rulePorts(r IngressRule) string {
	switch r.Protocol {
	case "-1", "":
		return "all traffic"
	case "icmp", "icmpv6", "1", "58":
		return r.Protocol
	}
	switch {
	case r.FromPort == r.ToPort:
		return fmt.Sprintf("%s %d", r.Protocol, r.FromPort)
	case r.FromPort <= 0 && r.ToPort >= 65535:
		return r.Protocol + " all ports"
	}
	return fmt.Sprintf("%s %d-%d", r.Protocol, r.FromPort, r.ToPort)
}

// ruleText renders a rule: "tcp 8080 from sg-1", "tcp 443 from 0.0.0.0/0".
func ruleText(r IngressRule) string {
	src := firstNonEmpty(r.CidrIPv4, r.CidrIPv6, r.SourceGroup, "(no source)")
	return rulePorts(r) + " from " + src
}

// rederive implements rederiver: from the group's ingress rules read, each revoked rule is a
// world-open rule (one already gone is left so: revoking is idempotent), and each authorized rule replaces one
// of the revoked rules (the same protocol and ports, from a source that is not the world); Rebuild
// then gives the rules the group ends with. Each service the action names must use the group (its
// network configuration as read). A replacement from a CIDR must be from one of the configuration's
// trusted CIDRs (fix.network.trusted_cidrs, given to the applier); one from a security group must be the
// group of a load balancer in front of one of those services, re-derived from what the applier read
// (ReadState.balancerSources): a plan naming no service is refused.
func (u *UpdateSecurityGroupIngressChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the security group's ingress rules"
	cur, ok := st.SecurityGroups[u.GroupID]
	if !ok {
		return rederiveFail(a, what, "", "the security group %s was not read", u.GroupID)
	}
	for i, r := range u.Revoke {
		if !isWorld(r) {
			return rederiveFail(a, what, fmt.Sprintf("updateSecurityGroupIngress.revoke[%d]", i), "(%s) is not a world-open rule", ruleText(r))
		}
	}
	if err := st.checkProtected(p, a, what, "updateSecurityGroupIngress", u.GroupID, u.Services); err != nil {
		return err
	}
	var lbs *balancerGroups
	if groupSourced(u.Authorize) {
		var err error
		if lbs, err = st.balancerSources(p, a, what, "updateSecurityGroupIngress", u.GroupID, u.Services); err != nil {
			return err
		}
	}
	for i, r := range u.Authorize {
		if !replacesOneOf(r, u.Revoke) {
			return rederiveFail(a, what, fmt.Sprintf("updateSecurityGroupIngress.authorize[%d]", i), "(%s) does not replace a revoked rule: a replacement has its protocol and ports, from a source that is not the world", ruleText(r))
		}
		if err := st.trustedSource(a, what, fmt.Sprintf("updateSecurityGroupIngress.authorize[%d]", i), u.VpcID, r, lbs); err != nil {
			return err
		}
	}
	if _, err := u.Rebuild(cur.Ingress); err != nil {
		return rederiveFail(a, what, "", "%v", err)
	}
	return nil
}
