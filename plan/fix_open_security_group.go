package plan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The open-security-group fix (EXPOSURE.open-security-group): each ingress rule of a service's awsvpc
// security groups that is open to 0.0.0.0/0 or ::/0 is replaced by a rule with the same protocol and ports
// from the narrowest source that keeps the service working: the security groups of the load balancers in
// front of it (service.loadBalancers → target group → load balancers → their security groups), else the
// configured trusted CIDRs (Options.TrustedCIDRs). With neither, the plan says what it needs and proposes
// nothing: an open rule is never removed without its replacement, and a replacement is never world-open.
// An "all traffic" rule is replaced on the ports the service's containers expose (containerPort of the
// task definition's portMappings); when none are known the plan cannot tell which ports, and skips.
//
// A load balancer without security groups (an NLB) in front of the service lets its clients reach the
// tasks directly: the replacement cannot be told, and the plan skips.
//
// A group used by anything but the service (another service or task set, a load balancer — whose own
// group is never edited —, any network interface: the inventory does not tie an ECS task's interface to
// its service, and it may be a standalone task's) is not edited: the plan creates a copy without the open
// rules (with their replacements), named ecsfix-<group>-<cluster>-<service>, and
// moves the service to it. When the network interfaces were not read, who else uses a group cannot be
// told: the group is copied (the safe side). A group is not copied when the copy could not stand in for
// it: when it has rules whose source is itself, or when another group of the inventory admits or reaches
// it; the plan skips and says so.

const (
	worldIPv4 = "0.0.0.0/0"
	worldIPv6 = "::/0"
)

// sgChange is the change planned for one of a service's security groups.
type sgChange struct {
	group   *ec2types.SecurityGroup
	open    []IngressRule // the world-open rules, revoked (or left out of the copy)
	repl    []IngressRule // their replacements
	shared  []string      // who else uses the group (empty: edited in place)
	sources []string      // the load balancer groups the replacements come from (nil: trusted CIDRs)
	ports   []string      // the ports the replacements open ("tcp 8080")
	notes   []string
}

// sgPlan is the open-security-group fix of one service.
type sgPlan struct {
	changes []*sgChange
	// moves maps a copied group id to the id of the create-security-group action (set by assemble).
	moves map[string]string
}

// openSecurityGroups decides the fix of every service that asked for it.
func (b *builder) openSecurityGroups() {
	for _, arn := range slices.Sorted(maps.Keys(b.services)) {
		sp := b.services[arn]
		if !sp.openSG {
			continue
		}
		plan, reason := b.openSGFix(sp)
		if reason != "" {
			b.skip(detect.ExposureOpenSecurityGroupID, arn, reason)
			continue
		}
		if plan != nil {
			sp.sg = plan
		}
	}
}

// openSGNoFix is why an open-security-group finding on anything but a service is not fixed.
const openSGNoFix = "ecsfix fixes the security groups of services only: replace the world-open ingress rule by one from the load balancer's security group or known CIDRs"

// openSGFinding routes a selected open-security-group finding to its service's plan.
func (b *builder) openSGFinding(r *detect.Result) {
	sp := b.serviceToFix(r, "replace the ingress rules from 0.0.0.0/0 and ::/0 of its security groups by rules from its load balancer's security group or known CIDRs in its source")
	if sp == nil {
		return
	}
	sp.openSG = true
}

// openSGFix is the fix for one service, or why there is none (nil and "" when nothing is open).
func (b *builder) openSGFix(sp *servicePlan) (*sgPlan, string) {
	svc := sp.svc
	vpc := awsvpcOf(svc)
	if vpc == nil {
		return nil, "the service has no awsvpc network configuration"
	}
	if len(vpc.SecurityGroups) == 0 {
		return nil, "cannot tell: the service's awsvpcConfiguration names no security group (the tasks get the VPC's default group, which is not edited)"
	}
	var plan sgPlan
	for _, id := range dedup(vpc.SecurityGroups) {
		g, ok := b.inv.SecurityGroup(id)
		if !ok {
			return nil, "cannot tell: security group " + id + " is not in the inventory"
		}
		var open []IngressRule
		for _, r := range RulesOf(g.IpPermissions) {
			if isWorld(r) {
				open = append(open, r)
			}
		}
		if len(open) == 0 {
			continue
		}
		if owner := b.owner(ec2Tags(g.Tags)); owner != "" {
			return nil, "security group " + id + " is " + owner + ": replace its ingress rules from 0.0.0.0/0 and ::/0 in its source"
		}
		ch, reason := b.groupFix(sp, g, open)
		if reason != "" {
			return nil, reason
		}
		plan.changes = append(plan.changes, ch)
	}
	if len(plan.changes) == 0 {
		return nil, ""
	}
	return &plan, ""
}

// groupFix plans the replacement of a group's open rules.
func (b *builder) groupFix(sp *servicePlan, g *ec2types.SecurityGroup, open []IngressRule) (*sgChange, string) {
	svc := sp.svc
	id := aws.ToString(g.GroupId)
	ch := &sgChange{group: g, open: open}

	// the sources: the load balancers' groups, else the trusted CIDRs
	lbGroups, reason := b.loadBalancerGroups(svc)
	if reason != "" {
		return nil, reason
	}
	var cidrs []string
	if len(lbGroups) == 0 {
		for _, c := range dedup(b.opts.TrustedCIDRs) {
			if c == worldIPv4 || c == worldIPv6 || strings.HasSuffix(c, "/0") {
				return nil, "fix.network.trusted_cidrs holds " + c + ", which is the whole internet: a replacement must be narrower than the rule it replaces"
			}
			cidrs = append(cidrs, c)
		}
	}
	ch.sources = lbGroups

	// the ports
	type port struct {
		proto    string
		from, to int32
	}
	var containerPorts []port
	portsKnown := false
	portsOf := func() ([]port, bool) {
		if portsKnown {
			return containerPorts, len(containerPorts) > 0
		}
		portsKnown = true
		td, ok := b.inv.TaskDefinition(aws.ToString(svc.TaskDefinition))
		if !ok {
			return nil, false
		}
		seen := map[port]bool{}
		for _, c := range td.ContainerDefinitions {
			for _, pm := range c.PortMappings {
				if pm.ContainerPort == nil {
					continue
				}
				proto := string(pm.Protocol)
				if proto == "" {
					proto = "tcp"
				}
				p := port{proto, *pm.ContainerPort, *pm.ContainerPort}
				if !seen[p] {
					seen[p] = true
					containerPorts = append(containerPorts, p)
				}
			}
		}
		sort.Slice(containerPorts, func(i, j int) bool {
			if containerPorts[i].proto != containerPorts[j].proto {
				return containerPorts[i].proto < containerPorts[j].proto
			}
			return containerPorts[i].from < containerPorts[j].from
		})
		return containerPorts, len(containerPorts) > 0
	}

	seen := map[string]bool{}
	var portNames []string
	for _, o := range open {
		var ports []port
		if o.Protocol == "-1" {
			ps, ok := portsOf()
			if !ok {
				return nil, fmt.Sprintf("cannot tell which ports: security group %s allows all traffic from %s, and the ports the service's containers expose (portMappings of %s) are not known; replace the rule by hand, or add portMappings",
					id, worldSource(o), detect.ShortARN(aws.ToString(svc.TaskDefinition)))
			}
			ports = ps
		} else {
			ports = []port{{o.Protocol, o.FromPort, o.ToPort}}
		}
		for _, p := range ports {
			name := rulePorts(IngressRule{Protocol: p.proto, FromPort: p.from, ToPort: p.to})
			if !contains(portNames, name) {
				portNames = append(portNames, name)
			}
			if len(lbGroups) == 0 && len(cidrs) == 0 {
				continue
			}
			desc := "ecsfix: replaces " + worldSource(o)
			var rules []IngressRule
			for _, s := range lbGroups {
				rules = append(rules, IngressRule{Protocol: p.proto, FromPort: p.from, ToPort: p.to, SourceGroup: s, Description: desc})
			}
			for _, c := range cidrs {
				r := IngressRule{Protocol: p.proto, FromPort: p.from, ToPort: p.to, Description: desc}
				if strings.Contains(c, ":") {
					r.CidrIPv6 = c
				} else {
					r.CidrIPv4 = c
				}
				rules = append(rules, r)
			}
			for _, r := range rules {
				k := RuleKey(r)
				if seen[k] {
					continue
				}
				seen[k] = true
				ch.repl = append(ch.repl, r)
			}
		}
	}
	if len(lbGroups) == 0 && len(cidrs) == 0 {
		return nil, "needs input: the service has no load balancer with a security group; set fix.network.trusted_cidrs to the networks that must reach " +
			portWord(portNames) + strings.Join(portNames, ", ") + " (security group " + id + " allows them from the internet)"
	}
	ch.ports = portNames
	ch.shared = b.sharedWith(id, svc)
	if len(ch.shared) > 0 {
		if reason := b.copyLosesReferences(g); reason != "" {
			return nil, reason
		}
	}

	var removed, added []string
	for _, r := range open {
		removed = append(removed, ruleText(r))
	}
	for _, r := range ch.repl {
		added = append(added, ruleText(r))
	}
	if len(ch.shared) > 0 {
		ch.notes = append(ch.notes, "the copy of "+id+" leaves out: "+strings.Join(removed, "; "), "the copy adds: "+strings.Join(added, "; "))
	} else {
		ch.notes = append(ch.notes, "removes from "+id+": "+strings.Join(removed, "; "), "adds to "+id+": "+strings.Join(added, "; "))
	}
	if len(lbGroups) > 0 {
		ch.notes = append(ch.notes, "the load balancer keeps reaching "+portWord(portNames)+strings.Join(portNames, ", ")+"; nothing else can")
	} else {
		ch.notes = append(ch.notes, "the configured trusted CIDRs ("+strings.Join(cidrs, ", ")+") keep reaching "+portWord(portNames)+strings.Join(portNames, ", ")+"; nothing else can")
	}
	if len(ch.shared) > 0 {
		ch.notes = append(ch.notes, "group "+id+" is also used by "+strings.Join(ch.shared, ", ")+": it is not edited; the service moves to a copy")
	}
	if !b.inv.NetworkInterfacesKnown {
		ch.notes[len(ch.notes)-1] = "cannot tell whether group " + id + " is also used by other resources (the network interfaces are not in the inventory; export `aws ec2 describe-network-interfaces`): it is not edited; the service moves to a copy"
		if others := ch.shared[:len(ch.shared)-1]; len(others) > 0 {
			ch.notes[len(ch.notes)-1] = "group " + id + " is also used by " + strings.Join(others, ", ") + ", and maybe more (the network interfaces are not in the inventory): it is not edited; the service moves to a copy"
		}
	}
	return ch, ""
}

// copyLosesReferences says why a copy of a group would not stand in for it (""  when it would): rules
// of the group whose source is the group itself (the copy would admit the original, not itself), and
// rules of other groups of the inventory that admit or reach the group (they would not apply to the copy).
func (b *builder) copyLosesReferences(g *ec2types.SecurityGroup) string {
	id := aws.ToString(g.GroupId)
	refers := func(perms []ec2types.IpPermission) bool {
		for _, p := range perms {
			for _, pair := range p.UserIdGroupPairs {
				if aws.ToString(pair.GroupId) == id {
					return true
				}
			}
		}
		return false
	}
	if refers(g.IpPermissions) || refers(g.IpPermissionsEgress) {
		return "cannot tell: security group " + id + " has rules whose source is itself: a copy would refer to the original, not to itself; replace its world-open rules yourself"
	}
	var others, texts []string
	for i := range b.inv.SecurityGroups {
		o := &b.inv.SecurityGroups[i]
		oid := aws.ToString(o.GroupId)
		if oid == id {
			continue
		}
		var how []string
		if refers(o.IpPermissions) {
			how = append(how, "admits")
		}
		if refers(o.IpPermissionsEgress) {
			how = append(how, "reaches")
		}
		if len(how) > 0 {
			others = append(others, oid)
			texts = append(texts, "group "+oid+" "+strings.Join(how, " and ")+" "+id)
		}
	}
	if len(others) > 0 {
		return strings.Join(texts, "; ") + ": a copy would lose that; edit " + strings.Join(others, ", ") + " or the original yourself"
	}
	return ""
}

// loadBalancerGroups are the security groups of the load balancers in front of a service (nil when it
// has none, or only load balancers without security groups), or why they cannot be told.
func (b *builder) loadBalancerGroups(svc *ecstypes.Service) ([]string, string) {
	var out []string
	for _, l := range svc.LoadBalancers {
		tgArn := aws.ToString(l.TargetGroupArn)
		if tgArn == "" {
			return nil, "cannot tell: the service names a Classic Load Balancer (" + aws.ToString(l.LoadBalancerName) + "), whose security groups are not in the inventory"
		}
		tg, ok := b.inv.TargetGroup(tgArn)
		if !ok {
			return nil, "cannot tell: target group " + tgArn + " is not in the inventory (export `aws elbv2 describe-target-groups`)"
		}
		for _, lbArn := range tg.LoadBalancerArns {
			lb, ok := b.inv.LoadBalancer(lbArn)
			if !ok {
				return nil, "cannot tell: load balancer " + lbArn + " is not in the inventory (export `aws elbv2 describe-load-balancers`)"
			}
			if len(lb.SecurityGroups) == 0 {
				return nil, "cannot tell: load balancer " + firstNonEmpty(aws.ToString(lb.LoadBalancerName), lbArn) + " has no security group (its clients reach the tasks directly)"
			}
			for _, g := range lb.SecurityGroups {
				if _, ok := b.inv.SecurityGroup(g); !ok {
					return nil, "cannot tell: security group " + g + " of load balancer " + lbArn + " is not in the inventory"
				}
				out = append(out, g)
			}
		}
	}
	out = dedup(out)
	sort.Strings(out)
	return out, ""
}

// ecsTaskInterface matches the description ECS gives the network interfaces of awsvpc tasks.
var ecsTaskInterface = regexp.MustCompile(`^arn:aws[a-z-]*:ecs:`)

// sharedWith lists who else uses a group: other services and task sets, load balancers, network
// interfaces that are not ECS tasks'; or says that it cannot be told (nil: only the service).
func (b *builder) sharedWith(id string, svc *ecstypes.Service) []string {
	var out []string
	arn := aws.ToString(svc.ServiceArn)
	for i := range b.inv.Services {
		o := &b.inv.Services[i]
		if aws.ToString(o.ServiceArn) == arn {
			continue
		}
		if v := awsvpcOf(o); v != nil && contains(v.SecurityGroups, id) {
			out = append(out, "service "+aws.ToString(o.ServiceName))
		}
	}
	for i := range b.inv.TaskSets {
		ts := &b.inv.TaskSets[i]
		if ts.NetworkConfiguration != nil && ts.NetworkConfiguration.AwsvpcConfiguration != nil && contains(ts.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups, id) {
			out = append(out, "task set "+aws.ToString(ts.Id))
		}
	}
	for i := range b.inv.LoadBalancers {
		lb := &b.inv.LoadBalancers[i]
		if contains(lb.SecurityGroups, id) {
			out = append(out, "load balancer "+aws.ToString(lb.LoadBalancerName)+" (as its own group, which is never edited)")
		}
	}
	if !b.inv.NetworkInterfacesKnown {
		return append(out, "cannot tell what else (the network interfaces are not in the inventory)")
	}
	// an ECS task's interface may be a standalone task's or another service's: the inventory does not tie
	// interfaces to services, so every interface counts as another user (the group is copied)
	for _, ni := range b.inv.InterfacesWithGroup(id) {
		what := "network interface " + aws.ToString(ni.NetworkInterfaceId)
		if d := aws.ToString(ni.Description); d != "" {
			what += " (" + d + ")"
		} else if t := string(ni.InterfaceType); t != "" {
			what += " (" + t + ")"
		}
		if ecsTaskInterface.MatchString(aws.ToString(ni.Description)) {
			what += ", an ECS task's that the inventory does not tie to service " + aws.ToString(svc.ServiceName)
		}
		out = append(out, what)
	}
	return out
}

// sgActions are the update-security-group-ingress and create-security-group actions of every service,
// in service order, with the fingerprints of the groups they read or change and of the service they
// protect (each action names it: Services). The target groups and load balancers in front of the service
// get no fingerprint: the applier reads them again and derives the allowed sources from what it reads. They record, in each
// service's plan, the create action that its update-service moves it to.
func (b *builder) sgActions(newID func() string) ([]Action, []Fingerprint) {
	var acts []Action
	var state []Fingerprint
	for _, arn := range slices.Sorted(maps.Keys(b.services)) {
		sp := b.services[arn]
		if sp.sg == nil {
			continue
		}
		svc := sp.svc
		region, account := detect.RegionOf(arn), detect.AccountOf(arn)
		name := aws.ToString(svc.ServiceName)
		// The service the groups protect: the applier re-reads it (its network configuration, and the
		// load balancers in front of it that a replacement rule from a group must come from).
		protected := []ProtectedService{{Cluster: aws.ToString(svc.ClusterArn), Service: arn}}
		if len(sp.sg.changes) > 0 {
			state = append(state, Fingerprint{Resource: arn, ResourceType: detect.TypeService, Region: region, Facts: ServiceFacts(svc)})
		}
		for _, ch := range sp.sg.changes {
			g := ch.group
			id := aws.ToString(g.GroupId)
			state = append(state, Fingerprint{Resource: id, ResourceType: detect.TypeSecurityGroup, Region: region, Facts: SecurityGroupFacts(g)})
			for _, s := range ch.sources {
				if sg, ok := b.inv.SecurityGroup(s); ok {
					state = append(state, Fingerprint{Resource: s, ResourceType: detect.TypeSecurityGroup, Region: region, Facts: SecurityGroupFacts(sg)})
				}
			}
			pre := []Precondition{{Check: "security group " + id + " ingress", Result: SecurityGroupFacts(g)[FactIngress]}}
			if len(ch.shared) == 0 {
				pre = append(pre, Precondition{Check: "who else uses " + id, Result: "nothing: no other service, task set, load balancer or network interface"})
				var auth []IngressRule
				have := map[string]bool{}
				for _, r := range RulesOf(g.IpPermissions) {
					have[RuleKey(r)] = true
				}
				for _, r := range ch.repl {
					if !have[RuleKey(r)] {
						auth = append(auth, r)
					}
				}
				if auth == nil {
					auth = []IngressRule{}
				}
				acts = append(acts, Action{
					ID: newID(), Type: UpdateSecurityGroupIngress, Account: account, Region: region, Resource: id,
					Controls: []string{detect.ExposureOpenSecurityGroupID}, Risk: RiskHigh,
					Summary:       fmt.Sprintf("replace the world-open ingress of security group %s (service %s) by %s", id, name, sourceText(ch)),
					Notes:         append([]string{"the replacement rules are authorized before the world-open ones are revoked"}, ch.notes...),
					Preconditions: pre,
					UpdateSecurityGroupIngress: &UpdateSecurityGroupIngressChange{
						GroupID: id, VpcID: aws.ToString(g.VpcId), Authorize: auth, Revoke: append([]IngressRule(nil), ch.open...),
						Services: protected,
					},
				})
				continue
			}
			pre = append(pre, Precondition{Check: "who else uses " + id, Result: strings.Join(ch.shared, "; ")})
			openKeys := map[string]bool{}
			for _, r := range ch.open {
				openKeys[RuleKey(r)] = true
			}
			var ingress []IngressRule
			seen := map[string]bool{}
			for _, r := range RulesOf(g.IpPermissions) {
				if openKeys[RuleKey(r)] {
					continue
				}
				seen[RuleKey(r)] = true
				ingress = append(ingress, r)
			}
			for _, r := range ch.repl {
				if !seen[RuleKey(r)] {
					seen[RuleKey(r)] = true
					ingress = append(ingress, r)
				}
			}
			egress := RulesOf(g.IpPermissionsEgress)
			if ingress == nil {
				ingress = []IngressRule{}
			}
			if egress == nil {
				egress = []IngressRule{}
			}
			// The plan's time makes the name unique per plan: a copy kept by a rollback never collides with the
			// copy a later plan makes.
			groupName := "ecsfix-" + aws.ToString(g.GroupName) + "-" + clusterNameOf(svc) + "-" + name + "-" + b.opts.Now.UTC().Format("20060102T150405")
			if len(groupName) > 255 {
				groupName = groupName[:255]
			}
			desc := fmt.Sprintf("copy of %s without world-open ingress, made by ecsfix for service %s", id, name)
			if len(desc) > 255 {
				desc = desc[:255]
			}
			aid := newID()
			if sp.sg.moves == nil {
				sp.sg.moves = map[string]string{}
			}
			sp.sg.moves[id] = aid
			acts = append(acts, Action{
				ID: aid, Type: CreateSecurityGroup, Account: account, Region: region, Resource: id,
				Controls: []string{detect.ExposureOpenSecurityGroupID}, Risk: RiskHigh,
				Summary:       fmt.Sprintf("create a copy of security group %s without its world-open ingress, for service %s", id, name),
				Notes:         ch.notes,
				Preconditions: pre,
				CreateSecurityGroup: &CreateSecurityGroupChange{
					VpcID: aws.ToString(g.VpcId), GroupName: groupName,
					Description: desc,
					CopyOf:      id, Ingress: ingress, Egress: egress,
					Tags:     map[string]string{"ecsfix:copy-of": id},
					Services: protected,
				},
			})
		}
	}
	return acts, state
}

// sgNetwork overlays a service's security-group moves on its network change (nil when none).
func (sp *servicePlan) sgNetwork(current *AwsVpcSettings) (*AwsVpcSettings, map[string]string) {
	if sp.sg == nil || len(sp.sg.moves) == 0 || current == nil {
		return nil, nil
	}
	after := &AwsVpcSettings{Subnets: append([]string(nil), current.Subnets...), AssignPublicIp: current.AssignPublicIp}
	from := map[string]string{}
	for _, g := range current.SecurityGroups {
		if aid, ok := sp.sg.moves[g]; ok {
			ph := SecurityGroupPlaceholder(aid)
			from[ph] = aid
			after.SecurityGroups = append(after.SecurityGroups, ph)
			continue
		}
		after.SecurityGroups = append(after.SecurityGroups, g)
	}
	return after, from
}

// securityGroupUpdate adds the open-security-group fix to a service's update: its network configuration
// with the copies of its security groups in place of the originals (an edit in place changes nothing).
func (b *builder) securityGroupUpdate(u *serviceUpdate, sp *servicePlan) {
	if sp.sg == nil {
		return
	}
	svc := sp.svc
	current := u.after.Network
	if current == nil {
		current = currentNetwork(svc)
	}
	n, from := sp.sgNetwork(current)
	if n == nil {
		return
	}
	if u.before.Network == nil {
		u.before.Network = currentNetwork(svc)
	}
	u.after.Network = n
	u.sgFrom = from
	u.controls[detect.ExposureOpenSecurityGroupID] = true
	u.risk = maxRisk(u.risk, b.risk(detect.ExposureOpenSecurityGroupID))
	var deps []string
	for _, g := range slices.Sorted(maps.Keys(sp.sg.moves)) {
		deps = append(deps, sp.sg.moves[g])
		u.notes = append(u.notes, "the service moves from security group "+g+" to the copy that action "+sp.sg.moves[g]+" creates")
	}
	if u.after.TaskDefinition == "" && u.after.PlatformVersion == "" && sp.network == nil {
		u.notes = append(u.notes, redeployNote)
	}
	u.pre = append(u.pre, Precondition{Check: "service security groups", Result: strings.Join(currentNetwork(svc).SecurityGroups, ", ")})
	u.sgDeps = deps
}

// currentNetwork is a service's awsvpc configuration as AwsVpcSettings (nil without one).
func currentNetwork(svc *ecstypes.Service) *AwsVpcSettings {
	vpc := awsvpcOf(svc)
	if vpc == nil {
		return nil
	}
	return &AwsVpcSettings{Subnets: append([]string(nil), vpc.Subnets...), SecurityGroups: append([]string(nil), vpc.SecurityGroups...),
		AssignPublicIp: string(vpc.AssignPublicIp)}
}

func sourceText(ch *sgChange) string {
	if len(ch.sources) > 0 {
		return "rules from the load balancer's security group " + strings.Join(ch.sources, ", ")
	}
	return "rules from the configured trusted CIDRs"
}

func worldSource(r IngressRule) string {
	if r.CidrIPv6 != "" {
		return r.CidrIPv6
	}
	return r.CidrIPv4
}

// ec2Tags converts EC2 tags for the owner check.
func ec2Tags(tags []ec2types.Tag) []ecstypes.Tag {
	out := make([]ecstypes.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, ecstypes.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

// portWord is "port tcp 8080" or "ports tcp 80, tcp 443" (without the list).
func portWord(ports []string) string {
	if len(ports) == 1 {
		return "port "
	}
	return "ports "
}
