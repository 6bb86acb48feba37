package plan

import (
	"fmt"
	"maps"
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
	// ServiceTargetGroups are, by service ARN, the target group of each loadBalancers entry of the
	// services read ("" for an entry naming a Classic Load Balancer): kept by the stale check, no read of
	// its own.
	ServiceTargetGroups map[string][]string
	// TargetGroups are the target groups read, by ARN, with the ARNs of their load balancers; nil when
	// none was read. One that was not found is absent. Read only for a plan replacing a world-open rule
	// by one from a security group: from the target groups of the services its actions name.
	TargetGroups map[string][]string
	// LoadBalancers are the load balancers of those target groups read, by ARN; nil when none was read.
	// One that was not found is absent.
	LoadBalancers map[string]LoadBalancerRead
	// Images are the configurations of the images of the source revisions read, by reference as a
	// container definition names it (the same reads as a scan's: ECR only); one that could not be read
	// is absent. The user an ECS.20/21 edit takes from an image is re-derived from them.
	Images map[string]detect.ImageConfig
	// AutoScalingGroups are the Auto Scaling groups read, by ARN (ECS.19's fix).
	AutoScalingGroups map[string]AutoScalingGroupRead
	// CapacityProviders are the capacity providers read, by ARN (ECS.19's fix).
	CapacityProviders map[string]CapacityProviderRead
	// Images are the findings of the images of the source revisions whose registration moves a container
	// to a newer image (EXPOSURE.vulnerabilities), read again at apply time as a scan reads them (the
	// image's digest and push time, its Amazon Inspector findings, and its repository's newer images with
	// theirs), by image reference as the source revision names it; nil when none was read. The remedy is
	// re-run on them: a plan naming another image than the one it picks now is refused.
	ImageFindings map[string]detect.ImageVulnerabilities
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
	// ExecutionRole is the role the secrets and logging fixes give a revision that has none
	// (fix.secrets.execution_role; "" gives none).
	ExecutionRole string
	// SecretNamePrefix starts the names of the secrets the secrets fix creates (fix.secrets.name_prefix;
	// "" is DefaultSecretPrefix); SecretKmsKeyID is the key that encrypts them and that the execution
	// role is granted kms:Decrypt on (fix.secrets.kms_key_id; "" is none).
	SecretNamePrefix string
	SecretKmsKeyID   string
	// LogRetentionDays and LogKmsKeyID are the retention and the key of the log groups the logging fix
	// creates (fix.logs.retention_days, 0 keeps logs forever; fix.logs.kms_key_id, "" is none).
	LogRetentionDays int32
	LogKmsKeyID      string
	// LinuxUser and WindowsUser are the users ECS.20 and ECS.21 set when the image declares none
	// (fix.linux_user, fix.windows_user; "" is none).
	LinuxUser   string
	WindowsUser string
	// Workloads are the host agents and privileged workloads the configuration declares, or declares
	// not to be (fix.workloads): a registration may not take privileged or pidMode host from one.
	Workloads WorkloadOptions
	// HostNetworkAllowDaemons is fix.host_network.allow_daemons: a registration may move a revision with
	// a host agent off the host network only when the applier's configuration allows it too.
	HostNetworkAllowDaemons bool
	// UpgradeVulnerableImages is fix.vulnerabilities.upgrade_image: a registration moving a container to a
	// newer image is refused unless the applier's configuration opts in too.
	UpgradeVulnerableImages bool
	// WritablePaths are the paths ECS.5 keeps writable in every container (fix.writable_paths; none is
	// DefaultWritablePaths): with the image table and the images read at apply time, they are the only
	// paths a read-only-root registration may mount a task volume at.
	WritablePaths []string
}

// secretSettings are the secrets fix's name prefix and key the applier checks a plan against: its
// configuration's, or the defaults when it was given none (a prefix of DefaultSecretPrefix, no key).
func (c *ConfiguredValues) secretSettings() (prefix, key string) {
	if c == nil {
		return DefaultSecretPrefix, ""
	}
	return secretNamePrefix(Options{Secrets: SecretsOptions{NamePrefix: c.SecretNamePrefix}}), c.SecretKmsKeyID
}

// ConfiguredValues are the values of o that re-derivation checks a plan against (see ConfiguredValues).
func (o *Options) ConfiguredValues() *ConfiguredValues {
	return &ConfiguredValues{TrustedCIDRs: o.TrustedCIDRs, ReplacementSubnets: o.ReplacementSubnets,
		Awsvpc: o.HostNetwork.Awsvpc, LogGroupTemplate: o.Logs.GroupTemplate, ExecutionRole: o.Secrets.ExecutionRole,
		SecretNamePrefix: o.Secrets.NamePrefix, SecretKmsKeyID: o.Secrets.KmsKeyID,
		LogRetentionDays: o.Logs.RetentionDays, LogKmsKeyID: o.Logs.KmsKeyID,
		LinuxUser: o.LinuxUser, WindowsUser: o.WindowsUser, Workloads: o.Workloads,
		UpgradeVulnerableImages: o.UpgradeVulnerableImages, WritablePaths: o.WritablePaths,
		HostNetworkAllowDaemons: o.HostNetwork.AllowDaemons}
}

// noConfig is the failure of an action holding a value the configuration supplies, when the applier
// was given no configuration to check it against.
func noConfig(a *Action, what, path, key string) error {
	return rederiveFail(a, what, path, "comes from the configuration (%s), and the applier was given no configuration to check it against", key)
}

// LoadBalancerRead is a load balancer as read at apply time.
type LoadBalancerRead struct {
	VpcID          string
	SecurityGroups []string
}

// balancerGroups are the security groups a replacement rule may come from, re-derived from what was
// read (balancerSources): by group id, the VPC of its load balancer; services names the services they
// are in front of, for messages.
type balancerGroups struct {
	groups   map[string]string
	services string
}

// serviceNetwork is the network configuration of service as read; on a resumed apply where an update of
// the service by this plan started, the one that update's Before records (which the first run checked
// against what it read): the service may already be on what the update set.
func (p *Plan) serviceNetwork(st *ReadState, service string) (*AwsVpcSettings, bool) {
	cur, ok := st.Services[service]
	if !ok {
		return nil, false
	}
	for i := range p.Actions {
		o := &p.Actions[i]
		if u := o.UpdateService; o.Type == UpdateService && u != nil && o.Resource == service && st.Started[o.ID] && u.Before.Network != nil {
			return u.Before.Network, true
		}
	}
	return cur.Network, true
}

// checkProtected checks the services an action editing or copying group names (field is the payload's
// JSON name): each one was read and its network configuration uses group. A plan edited to name another
// service (one in front of another load balancer) is so refused unless that service really uses the group.
func (st *ReadState) checkProtected(p *Plan, a *Action, what, field, group string, services []ProtectedService) error {
	for i, s := range services {
		n, ok := p.serviceNetwork(st, s.Service)
		if !ok {
			return rederiveFail(a, what, fmt.Sprintf("%s.services[%d]", field, i), "is service %s, which was not read", s.Service)
		}
		if n == nil || !slices.Contains(n.SecurityGroups, group) {
			return rederiveFail(a, what, fmt.Sprintf("%s.services[%d]", field, i), "is service %s, whose network configuration as read does not use security group %s", s.Service, group)
		}
	}
	return nil
}

// balancerSources re-derives the security groups a replacement rule of an action editing or copying
// group may come from: those of the load balancers in front of the services the action names (after
// checkProtected), as read at apply time: each service's loadBalancers → their target groups → the
// target groups' load balancers → those load balancers' security groups. Nothing of this comes from the
// plan: the target groups and load balancers have no fingerprint, they are read and derived again.
func (st *ReadState) balancerSources(p *Plan, a *Action, what, field, group string, services []ProtectedService) (*balancerGroups, error) {
	if len(services) == 0 {
		return nil, rederiveFail(a, what, field+".services", "is empty: a replacement rule from a security group is re-derived from the load balancers in front of the services the group protects, and the action names none (a plan made before ecsfix named them): make the plan again")
	}
	if err := st.checkProtected(p, a, what, field, group, services); err != nil {
		return nil, err
	}
	out := &balancerGroups{groups: map[string]string{}}
	var names []string
	for i, s := range services {
		path := fmt.Sprintf("%s.services[%d]", field, i)
		names = append(names, detect.ShortARN(s.Service))
		for _, tg := range st.ServiceTargetGroups[s.Service] {
			if tg == "" {
				return nil, rederiveFail(a, what, path, "is service %s, behind a Classic Load Balancer, whose security groups are not read", s.Service)
			}
			if st.TargetGroups == nil {
				return nil, rederiveFail(a, what, path, "is service %s, whose target groups were not read", s.Service)
			}
			lbs, ok := st.TargetGroups[tg]
			if !ok {
				return nil, rederiveFail(a, what, path, "is service %s, whose target group %s was not found", s.Service, tg)
			}
			for _, arn := range lbs {
				lb, ok := st.LoadBalancers[arn]
				if !ok {
					return nil, rederiveFail(a, what, path, "is service %s, whose load balancer %s (of target group %s) was not found", s.Service, arn, tg)
				}
				for _, g := range lb.SecurityGroups {
					out.groups[g] = lb.VpcID
				}
			}
		}
	}
	out.services = strings.Join(names, ", ")
	return out, nil
}

// trustedSource checks a replacement rule's source: a CIDR must be one of the configured trusted CIDRs;
// a security group must be one of lbs, the groups of the load balancers in front of the services the
// action names as read at apply time (balancerSources), in vpc.
func (st *ReadState) trustedSource(a *Action, what, path, vpc string, r IngressRule, lbs *balancerGroups) error {
	if g := r.SourceGroup; g != "" {
		if lbs == nil {
			return rederiveFail(a, what, path, "(%s) is from security group %s, and the load balancers in front of the services were not read", ruleText(r), g)
		}
		lbVPC, ok := lbs.groups[g]
		switch {
		case !ok:
			have := slices.Sorted(maps.Keys(lbs.groups))
			list := strings.Join(have, ", ")
			if len(have) == 0 {
				list = "none"
			}
			return rederiveFail(a, what, path, "(%s) is from security group %s, which is not the group of a load balancer in front of service %s (as read: %s): a replacement comes from such a group or fix.network.trusted_cidrs", ruleText(r), g, lbs.services, list)
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

// groupSourced reports whether one of rules comes from a security group.
func groupSourced(rules []IngressRule) bool {
	for _, r := range rules {
		if r.SourceGroup != "" {
			return true
		}
	}
	return false
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
