package plan

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// Re-deriving every action at apply time: the applier hands Plan.Rederive what it read for the stale
// check (ReadState, no further call), and each change kind rebuilds its after-state from that state
// plus its typed edits (its Rebuild method), and checks that the plan's after-state is that: what a
// remedy of ecsfix could have planned there. Values a remedy takes from the configuration are checked
// against the applier's (ReadState.Config, ConfiguredValues), never taken from the plan. The first difference is a *RederiveError naming the
// action and the field; the applier then refuses the whole apply before anything is written.

// ReadState is what the applier read at apply time, by resource: what Plan.Rederive rebuilds each
// action's after-state from.
type ReadState struct {
	// TaskDefinitions are the revisions read (source revisions, revisions fingerprinted), by ARN.
	TaskDefinitions map[string]*detect.TaskDefinition
	// Services are the settings of the services read, by service ARN.
	Services map[string]ServiceSettings
	// Clusters are the settings of the clusters read, by cluster ARN.
	Clusters map[string][]ClusterSetting
	// SecurityGroups are the rules of the groups read, by group id.
	SecurityGroups map[string]GroupRules
	// Roles are the roles read, by ARN: the owned inline policy only, or (AllPolicies) every policy.
	Roles map[string]RoleRead
	// Started are the actions an earlier run of this plan started (a resumed apply): what they write
	// may already hold their after-state, so they are re-derived from the before-state the plan
	// recorded (which the first run checked against what it read) where the read one may differ.
	Started map[string]bool
	// Config are the values the applier's configuration gives the fixes that take them from there; nil
	// when the applier was given none: then an action holding such a value is refused (ConfiguredValues).
	Config *ConfiguredValues
	// LoadBalancerGroups are the security groups of the load balancers read, by region, then group id,
	// with the VPC of the load balancer: read only for a plan replacing a rule by one from a group.
	LoadBalancerGroups map[string]map[string]string
}

// ConfiguredValues are the values of the configuration that fixes take as given (they are not derived
// from anything read): the applier's configuration must give the same ones, or the action is refused.
// An edited plan cannot so swap a trusted CIDR, a replacement subnet, a host-network configuration or a
// log group's name for its own.
type ConfiguredValues struct {
	// TrustedCIDRs are the sources a world-open rule may be replaced by (fix.network.trusted_cidrs).
	TrustedCIDRs []string
	// ReplacementSubnets are the subnets, by VPC id, the public-IP fix may move a service to
	// (fix.network.replacement_subnets).
	ReplacementSubnets map[string][]string
	// Awsvpc is the network configuration, by cluster name, a service moved off the host network gets
	// (fix.host_network.awsvpc).
	Awsvpc map[string]AwsVpcSettings
	// LogGroupTemplate names the log groups of the logging fix (fix.logs.group_template; "" is
	// DefaultLogGroupTemplate).
	LogGroupTemplate string
}

// ConfiguredValues are the values of o that re-derivation checks a plan against (see ConfiguredValues).
func (o *Options) ConfiguredValues() *ConfiguredValues {
	return &ConfiguredValues{TrustedCIDRs: o.TrustedCIDRs, ReplacementSubnets: o.ReplacementSubnets,
		Awsvpc: o.HostNetwork.Awsvpc, LogGroupTemplate: o.Logs.GroupTemplate}
}

// noConfig is the failure of an action holding a value the configuration supplies, when the applier
// was given no configuration to check it against.
func noConfig(a *Action, what, path, key string) error {
	return rederiveFail(a, what, path, "comes from the configuration (%s), and the applier was given no configuration to check it against", key)
}

// trustedSource checks a replacement rule's source: a CIDR must be one of the configured trusted CIDRs;
// a security group must be the group of a load balancer of the action's region in vpc (read at apply
// time; which load balancer is in front of which service is not re-read).
func (st *ReadState) trustedSource(a *Action, what, path, vpc string, r IngressRule) error {
	if g := r.SourceGroup; g != "" {
		lbVPC, ok := st.LoadBalancerGroups[a.Region][g]
		switch {
		case st.LoadBalancerGroups[a.Region] == nil:
			return rederiveFail(a, what, path, "(%s) is from security group %s, and the load balancers of %s were not read", ruleText(r), g, a.Region)
		case !ok:
			return rederiveFail(a, what, path, "(%s) is from security group %s, the group of no load balancer in %s: a replacement comes from a load balancer's group or fix.network.trusted_cidrs", ruleText(r), g, a.Region)
		case vpc != "" && lbVPC != vpc:
			return rederiveFail(a, what, path, "(%s) is from security group %s, the group of a load balancer in %s, not in %s", ruleText(r), g, lbVPC, vpc)
		}
		return nil
	}
	cidr := firstNonEmpty(r.CidrIPv4, r.CidrIPv6)
	if cidr == "" {
		return nil
	}
	if st.Config == nil {
		return noConfig(a, what, path, "fix.network.trusted_cidrs")
	}
	if !slices.Contains(st.Config.TrustedCIDRs, cidr) {
		return rederiveFail(a, what, path, "(%s) is from %s, which is not in fix.network.trusted_cidrs (%s)", ruleText(r), cidr, strings.Join(st.Config.TrustedCIDRs, ", "))
	}
	return nil
}

// RoleRead is a role as read at apply time.
type RoleRead struct {
	// Inline are the inline policies' documents, by name (only the owned one unless AllPolicies).
	Inline map[string]string
	// Attached are the ARNs of the attached managed policies (known only with AllPolicies).
	Attached    []string
	AllPolicies bool
}

// rederiver is a change kind that re-derives its after-state from the state read at apply time.
type rederiver interface {
	rederive(p *Plan, a *Action, st *ReadState) error
}

// Rederive rebuilds the after-state of action a from st and the plan's typed edits, and compares it
// with the plan's after-state. It returns a *RederiveError naming the first differing field, or
// saying that the action's kind cannot be re-derived; nil when the plan's after-state is re-derived.
func (p *Plan) Rederive(a *Action, st *ReadState) error {
	ch := a.Change()
	if ch == nil {
		return &RederiveError{Action: a.ID, What: "the action", Reason: fmt.Sprintf("type %q carries no payload of its type", a.Type)}
	}
	r, ok := ch.(rederiver)
	if !ch.Rederivable() || !ok {
		return &RederiveError{Action: a.ID, What: "the action", Reason: fmt.Sprintf("a %s action cannot be re-derived from the state read at apply time", a.Type)}
	}
	if st == nil {
		st = &ReadState{}
	}
	return r.rederive(p, a, st)
}

// rederiveFail is the RederiveError of action a, about what, at path.
func rederiveFail(a *Action, what, path, format string, args ...any) error {
	return &RederiveError{Action: a.ID, What: what, Path: path, Reason: fmt.Sprintf(format, args...)}
}

// sameDocument reports whether two JSON documents are equal as JSON ("" equals only "").
func sameDocument(a, b string) bool {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	x, errX := decodeGenericJSON([]byte(a))
	y, errY := decodeGenericJSON([]byte(b))
	if errX != nil || errY != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

// replacesOneOf reports whether rule r could replace one of the world-open rules of rules: the same
// protocol and ports, from a source that is not the world (the open-security-group fix narrows a
// rule's source, never its ports).
func replacesOneOf(r IngressRule, rules []IngressRule) bool {
	if isWorld(r) {
		return false
	}
	for _, o := range rules {
		if isWorld(o) && o.Protocol == r.Protocol && o.FromPort == r.FromPort && o.ToPort == r.ToPort {
			return true
		}
	}
	return false
}

// ruleIndex is the set of rule keys of rules.
func ruleIndex(rules []IngressRule) map[string]bool {
	m := map[string]bool{}
	for _, r := range rules {
		m[RuleKey(r)] = true
	}
	return m
}

// actionByID is the action of the plan with that id, nil when none.
func (p *Plan) actionByID(id string) *Action {
	for i := range p.Actions {
		if p.Actions[i].ID == id {
			return &p.Actions[i]
		}
	}
	return nil
}
