package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// The create-security-group change kind: a copy of a shared group without its world-open rules (with
// their replacements); an update-service then moves the service to it. The shared group is not edited.

// CreateSecurityGroup creates a copy of a shared group without its world-open rules (with their
// replacements); an update-service then moves the service to it. The shared group is not edited.
const CreateSecurityGroup ActionType = "create-security-group"

// CreateSecurityGroupChange creates a copy of CopyOf with Ingress (its rules without the world-open ones,
// plus their replacements) and Egress (its egress rules, as they are).
type CreateSecurityGroupChange struct {
	VpcID       string            `json:"vpcId"`
	GroupName   string            `json:"groupName"`
	Description string            `json:"description"`
	CopyOf      string            `json:"copyOf"`
	Ingress     []IngressRule     `json:"ingress"`
	Egress      []IngressRule     `json:"egress"`
	Tags        map[string]string `json:"tags,omitempty"`
	// Services are the services the copy is made for (see UpdateSecurityGroupIngressChange.Services).
	Services []ProtectedService `json:"services,omitempty"`
}

// SecurityGroupPlaceholder stands in After.Network.SecurityGroups for the group a create-security-group
// action creates.
func SecurityGroupPlaceholder(actionID string) string {
	return "(security group created by " + actionID + ")"
}

// Touches implements Change: the services it names (besides the group copied, the action's resource).
func (c *CreateSecurityGroupChange) Touches() []string { return protectedServices(c.Services) }

// Writes implements Change: a new group (the copied one is not edited); the copied group is the
// action's resource.
func (c *CreateSecurityGroupChange) Writes(a *Action) []string { return uniqueStrings(a.Resource) }

// Facts implements Change: the copied group's ingress and egress rules (SecurityGroupFacts), and the
// status and network configuration of the services it names.
func (c *CreateSecurityGroupChange) Facts(*Action) []FactCheck {
	return append([]FactCheck{{Resource: c.CopyOf, ResourceType: detect.TypeSecurityGroup, Facts: []string{FactIngress, FactEgress}}},
		protectedFacts(c.Services)...)
}

// Rederivable implements Change: see Rebuild.
func (c *CreateSecurityGroupChange) Rederivable() bool { return true }

// GroupRules are a security group's ingress and egress rules.
type GroupRules struct {
	Ingress []IngressRule
	Egress  []IngressRule
}

var _ Rebuilder[GroupRules, GroupRules] = (*CreateSecurityGroupChange)(nil)

// Rebuild is the copy's rules, from the rules of the group copied read at apply time: its ingress
// rules without the world-open ones, plus the plan's rules that are not world-open and not among them
// (the replacements), and its egress rules as they are. The plan does not record the copied group's
// rules apart from the copy's, so a rule of the group removed since planning comes back as a
// replacement: the fingerprint of the group (Facts) is what catches that change.
func (c *CreateSecurityGroupChange) Rebuild(before GroupRules) (GroupRules, error) {
	out := GroupRules{Ingress: []IngressRule{}, Egress: append([]IngressRule{}, before.Egress...)}
	seen := map[string]bool{}
	for _, r := range before.Ingress {
		if k := RuleKey(r); !isWorld(r) && !seen[k] {
			seen[k] = true
			out.Ingress = append(out.Ingress, r)
		}
	}
	for _, r := range c.Ingress {
		if isWorld(r) {
			return GroupRules{}, fmt.Errorf("copy of %s: its ingress rule %s would be open to the world", c.CopyOf, ruleText(r))
		}
		if k := RuleKey(r); !seen[k] {
			seen[k] = true
			out.Ingress = append(out.Ingress, r)
		}
	}
	return out, nil
}

func (c *CreateSecurityGroupChange) implicitDependencies() []string { return nil }

// validate: the group copied (the action's resource), a VPC, a name and a description EC2 takes, valid
// rules, no world-open ingress rule.
func (c *CreateSecurityGroupChange) validate(a *Action, _ map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(c.CopyOf, "sg-") {
		bad("createSecurityGroup: copyOf %q is not a security group id", c.CopyOf)
	}
	if a.Resource != c.CopyOf {
		bad("createSecurityGroup: resource %q is not copyOf %q", a.Resource, c.CopyOf)
	}
	if !strings.HasPrefix(c.VpcID, "vpc-") {
		bad("createSecurityGroup: vpcId %q is not a VPC id", c.VpcID)
	}
	if c.GroupName == "" || len(c.GroupName) > 255 || strings.HasPrefix(strings.ToLower(c.GroupName), "sg-") {
		bad("createSecurityGroup: groupName %q is empty, longer than 255 or starts with sg-", c.GroupName)
	}
	if c.Description == "" || len(c.Description) > 255 {
		bad("createSecurityGroup: description is empty or longer than 255")
	}
	for i, r := range c.Ingress {
		errs = append(errs, validateRule("createSecurityGroup: ingress", i, r)...)
		if isWorld(r) {
			bad("createSecurityGroup: ingress rule %d (%s) widens: the copy holds no rule from 0.0.0.0/0 or ::/0", i+1, ruleText(r))
		}
	}
	for i, r := range c.Egress {
		errs = append(errs, validateRule("createSecurityGroup: egress", i, r)...)
	}
	return append(errs, validateProtected(a, "createSecurityGroup", c.Services)...)
}

// validateControls: the open-security-group exposure only.
func (c *CreateSecurityGroupChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a create-security-group action", detect.ExposureOpenSecurityGroupID)
}

// riskFloor: high (a security-group copy has no lower default).
func (c *CreateSecurityGroupChange) riskFloor(*Plan, *Action, map[string]Risk) RiskFloor {
	return highBecause("the service moves to a copy of the shared group %s without its world-open rules: clients outside the replacement sources lose access (a security-group change is always high)", c.CopyOf)
}

func (c *CreateSecurityGroupChange) details() changeDetails {
	out := [][2]string{{"copy of", c.CopyOf + " (not edited)"}, {"name", c.GroupName}, {"vpc", c.VpcID}}
	for _, r := range c.Ingress {
		out = append(out, [2]string{"ingress", ruleText(r)})
	}
	for _, r := range c.Egress {
		out = append(out, [2]string{"egress", ruleText(r)})
	}
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		out = append(out, [2]string{"tag", k + "=" + c.Tags[k]})
	}
	return changeDetails{rows: out}
}

func (c *CreateSecurityGroupChange) diff() (string, error) { return "", nil }

// rederive implements rederiver: the copy's rules rebuilt from the group copied as read (Rebuild) must
// be the plan's: every ingress rule of the group that is not world-open, plus replacements of its
// world-open rules (the same protocol and ports, from a source that is not the world: a CIDR among the
// configuration's trusted CIDRs, or the group of a load balancer in front of a service the action names,
// re-derived from what the applier read: ReadState.balancerSources); egress rules each within one of the
// group's (the same destination, and its protocol and ports: the copy may be narrower, never wider).
// Each service named must use the group copied.
func (c *CreateSecurityGroupChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the security group copy's rules"
	cur, ok := st.SecurityGroups[c.CopyOf]
	if !ok {
		return rederiveFail(a, what, "", "the security group %s was not read", c.CopyOf)
	}
	got, err := c.Rebuild(cur)
	if err != nil {
		return rederiveFail(a, what, "", "%v", err)
	}
	if err := st.checkProtected(p, a, what, "createSecurityGroup", c.CopyOf, c.Services); err != nil {
		return err
	}
	have := ruleIndex(cur.Ingress)
	var lbs *balancerGroups
	for i, r := range c.Ingress {
		if have[RuleKey(r)] {
			continue
		}
		if !replacesOneOf(r, cur.Ingress) {
			return rederiveFail(a, what, fmt.Sprintf("createSecurityGroup.ingress[%d]", i), "(%s) is neither a rule of %s nor a replacement of one of its world-open rules", ruleText(r), c.CopyOf)
		}
		if r.SourceGroup != "" && lbs == nil {
			if lbs, err = st.balancerSources(p, a, what, "createSecurityGroup", c.CopyOf, c.Services); err != nil {
				return err
			}
		}
		if err := st.trustedSource(a, what, fmt.Sprintf("createSecurityGroup.ingress[%d]", i), c.VpcID, r, lbs); err != nil {
			return err
		}
	}
	planned := ruleIndex(c.Ingress)
	for _, r := range got.Ingress {
		if !planned[RuleKey(r)] {
			return rederiveFail(a, what, "createSecurityGroup.ingress", "leaves out %s, a rule of %s", ruleText(r), c.CopyOf)
		}
	}
	for i, r := range c.Egress {
		if !coveredBy(r, got.Egress) {
			return rederiveFail(a, what, fmt.Sprintf("createSecurityGroup.egress[%d]", i), "(%s) is not within an egress rule of %s as read", ruleText(r), c.CopyOf)
		}
	}
	return nil
}

// coveredBy reports whether rule r allows nothing that one of rules does not: the same source or
// destination, with all traffic or the same protocol over a port range that holds r's.
func coveredBy(r IngressRule, rules []IngressRule) bool {
	for _, o := range rules {
		if o.CidrIPv4 != r.CidrIPv4 || o.CidrIPv6 != r.CidrIPv6 || o.SourceGroup != r.SourceGroup {
			continue
		}
		if o.Protocol == "-1" || o.Protocol == r.Protocol && o.FromPort <= r.FromPort && r.ToPort <= o.ToPort {
			return true
		}
	}
	return false
}
