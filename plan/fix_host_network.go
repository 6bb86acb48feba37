package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The host-networking fix (ECS.1, ECS.17, EXPOSURE.host-network): move a revision off networkMode host,
// so that its containers no longer share the instance's network stack, in a way that keeps them reachable:
//
//   - awsvpc, when every service that runs the revision is in a cluster that has an entry in
//     Options.HostNetwork.Awsvpc (fix.host_network.awsvpc): the revision's networkMode becomes awsvpc
//     (hostPort values that differ from containerPort are dropped: awsvpc requires them equal or absent),
//     and each service's update-service gets that entry as its whole network configuration
//     (assignPublicIp DISABLED). The containers of a task keep sharing localhost.
//   - bridge otherwise, only when that is safe: a single-container task (containers of a multi-container
//     host-mode task talk over localhost, which bridge separates) that may run on EC2 or EXTERNAL
//     (Fargate has only awsvpc), with every port mapping explicit (hostPort = containerPort), so that the
//     container keeps listening on the same host ports.
//
// Daemons (DAEMON services) and host agents (workload.go) usually need the host network: they are left
// alone unless Options.HostNetwork.AllowDaemons. A task none of whose containers declares a port mapping
// is left alone too: whatever it serves on the host's ports (a Consul server, the peers of a distributed
// training job) would be cut off, and nothing says which ports those are. A revision that no service runs (the
// family's latest only) has no cluster whose awsvpc settings would apply: the bridge rules decide.
// Whatever cannot be done safely is Skipped with what the plan needs instead: it never guesses.

// fixHostNetwork moves a host-mode revision to awsvpc or bridge.
func fixHostNetwork(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	out, _ := hostNetwork(ctx, in, false)
	return out
}

// refuseHostNetwork is fixHostNetwork's decision alone (remedy.Refuses): why it does not fix the
// revision, or that it has nothing to change, without changing the input.
func refuseHostNetwork(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) (string, bool) {
	out, wouldEdit := hostNetwork(ctx, in, true)
	if wouldEdit {
		return "", false
	}
	return out.Skip, true
}

// hostNetwork is fixHostNetwork; dry, it stops where it would first change the input, and says so
// (wouldEdit).
func hostNetwork(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, dry bool) (out fixOutcome, wouldEdit bool) {
	if in.NetworkMode != ecstypes.NetworkModeHost {
		return fixOutcome{}, false
	}
	hn := ctx.opts.HostNetwork
	if !hn.AllowDaemons {
		var why []string
		for _, svc := range ctx.services {
			if svc.SchedulingStrategy == ecstypes.SchedulingStrategyDaemon {
				why = append(why, "service "+aws.ToString(svc.ServiceName)+" runs it as a DAEMON")
			}
		}
		noServices := *ctx
		noServices.services = nil // DAEMON scheduling is named above
		if agents := hostAgents(&noServices, in); len(agents) > 0 {
			why = append(why, "container "+strings.Join(agents, ", "))
		}
		if len(why) > 0 {
			return fixOutcome{Skip: strings.Join(why, "; ") + ", which usually needs the host network (the host's interfaces, addresses and ports): " +
				"networkMode host is left as it is; set fix.host_network.allow_daemons to move it anyway (it then moves only with port mappings that keep it reachable), or exempt this task definition"}, false
		}
	}

	// the clusters of the services that run it, with and without awsvpc settings
	var withEntry, without []*ecstypes.Service
	missing := map[string]bool{}
	for _, svc := range ctx.services {
		if _, ok := hn.Awsvpc[clusterNameOf(svc)]; ok {
			withEntry = append(withEntry, svc)
		} else {
			without = append(without, svc)
			missing[clusterNameOf(svc)] = true
		}
	}
	if len(withEntry) > 0 && len(without) > 0 {
		return fixOutcome{Skip: fmt.Sprintf("services %s run it in clusters with fix.host_network.awsvpc settings, and services %s in clusters without (%s): "+
			"one revision cannot be awsvpc for some of them and bridge for others; configure fix.host_network.awsvpc for cluster %s",
			serviceNames(withEntry), serviceNames(without), strings.Join(slices.Sorted(maps.Keys(missing)), ", "), strings.Join(slices.Sorted(maps.Keys(missing)), ", "))}, false
	}
	if len(withEntry) > 0 {
		return hostToAwsvpc(ctx, in, dry)
	}
	return hostToBridge(ctx, in, slices.Sorted(maps.Keys(missing)), dry)
}

// hostToAwsvpc makes the revision awsvpc and gives each service its cluster's network configuration.
func hostToAwsvpc(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, dry bool) (fixOutcome, bool) {
	b := &builder{inv: ctx.inv, opts: ctx.opts}
	out := fixOutcome{Networks: map[string]*AwsVpcSettings{}}
	out.Preconditions = append(out.Preconditions, Precondition{Check: "networkMode", Result: string(in.NetworkMode)})
	clusters := map[string]bool{}
	var groups []string
	for _, svc := range ctx.services {
		name := clusterNameOf(svc)
		entry := ctx.opts.HostNetwork.Awsvpc[name]
		if len(entry.Subnets) == 0 || len(entry.SecurityGroups) == 0 {
			return fixOutcome{Skip: "fix.host_network.awsvpc for cluster " + name + " must name at least one subnet and one security group"}, false
		}
		reason, pre := awsvpcLoadBalancers(b, svc)
		if reason != "" {
			return fixOutcome{Skip: reason}, false
		}
		out.Preconditions = append(out.Preconditions, pre...)
		n := &AwsVpcSettings{Subnets: append([]string(nil), entry.Subnets...), SecurityGroups: append([]string(nil), entry.SecurityGroups...),
			AssignPublicIp: string(ecstypes.AssignPublicIpDisabled)}
		out.Networks[aws.ToString(svc.ServiceArn)] = n
		if !clusters[name] {
			clusters[name] = true
			out.Preconditions = append(out.Preconditions, Precondition{Check: "fix.host_network.awsvpc for cluster " + name,
				Result: "subnets " + strings.Join(n.Subnets, ", ") + "; security groups " + strings.Join(n.SecurityGroups, ", ") + "; assignPublicIp DISABLED"})
			if entry.AssignPublicIp != "" && entry.AssignPublicIp != string(ecstypes.AssignPublicIpDisabled) {
				out.Notes = append(out.Notes, "fix.host_network.awsvpc for cluster "+name+" asks for assignPublicIp "+entry.AssignPublicIp+
					": the tasks get assignPublicIp DISABLED (tasks on EC2 cannot have a public IP in awsvpc mode)")
			}
		}
		for _, g := range n.SecurityGroups {
			groups = appendOnce(groups, g)
		}
		if reason := b.serviceBlocked(svc); reason != "" {
			out.Notes = append(out.Notes, fmt.Sprintf("service %s is %s: when you deploy the new revision to it, give it the network configuration subnets %s, security groups %s, assignPublicIp DISABLED",
				aws.ToString(svc.ServiceName), reason, strings.Join(n.Subnets, ", "), strings.Join(n.SecurityGroups, ", ")))
		}
	}
	if r := unreachableWithoutPorts(in); r != "" {
		return fixOutcome{Skip: r}, false
	}
	if dry {
		return fixOutcome{}, true
	}
	in.NetworkMode = ecstypes.NetworkModeAwsvpc
	out.Edits = append(out.Edits, Edit{Control: detect.ECS17ID, Path: "networkMode",
		Change: `"host" → "awsvpc" (each task gets its own network interface; the services get a network configuration from fix.host_network.awsvpc)`})
	var ports []string
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		label := containerLabel(c, i)
		out.Preconditions = append(out.Preconditions, Precondition{Check: "container " + label + " port mappings", Result: portMappingsText(c.PortMappings)})
		for j := range c.PortMappings {
			pm := &c.PortMappings[j]
			if pm.ContainerPort != nil {
				ports = appendOnce(ports, fmt.Sprintf("%s %d", protocolOf(pm), aws.ToInt32(pm.ContainerPort)))
			}
			if pm.HostPort == nil || (pm.ContainerPort != nil && aws.ToInt32(pm.HostPort) == aws.ToInt32(pm.ContainerPort)) {
				continue
			}
			old := aws.ToInt32(pm.HostPort)
			pm.HostPort = nil
			out.Edits = append(out.Edits, Edit{Control: detect.ECS17ID, Path: fmt.Sprintf("containerDefinitions[%s].portMappings[%d].hostPort", label, j),
				Change: fmt.Sprintf("remove hostPort %d (awsvpc requires hostPort to equal containerPort or be absent)", old)})
			out.Notes = append(out.Notes, fmt.Sprintf("container %s: hostPort %d differed from containerPort %s and is dropped: the task is reached at its own address on port %s",
				label, old, portText(pm.ContainerPort), portText(pm.ContainerPort)))
		}
	}
	portsText := "the container ports"
	if len(ports) > 0 {
		portsText = strings.Join(ports, ", ")
	}
	out.Notes = append(out.Notes,
		"each task gets its own elastic network interface: on EC2 the number of tasks per instance is limited by the instance type's ENI limit unless ENI trunking (the awsvpcTrunking account setting) is enabled",
		"the tasks are reached at their own private addresses, not at the instance's: clients that used the instance's address and host ports must use the task's address (a load balancer's ip target group, service discovery)",
		"the containers of a task keep sharing localhost",
		"security groups "+strings.Join(groups, ", ")+" must admit the traffic that reached the host ports ("+portsText+"); the instance's security groups no longer apply to the tasks",
		"the containers lose the host's network stack: they can no longer bind to the instance's addresses or see its interfaces")
	return out, false
}

// awsvpcLoadBalancers checks that a service's load balancers can reach awsvpc tasks: each target group
// must have the ip target type (an instance target group cannot register awsvpc tasks; a Classic Load
// Balancer cannot at all). It says why not, or the preconditions checked.
func awsvpcLoadBalancers(b *builder, svc *ecstypes.Service) (string, []Precondition) {
	var pre []Precondition
	name := aws.ToString(svc.ServiceName)
	for _, lb := range svc.LoadBalancers {
		tgArn := aws.ToString(lb.TargetGroupArn)
		if tgArn == "" {
			return "service " + name + " uses the Classic Load Balancer " + aws.ToString(lb.LoadBalancerName) +
				", which cannot reach awsvpc tasks: move it to an Application or Network Load Balancer with an ip target group first", nil
		}
		tg, ok := b.inv.TargetGroup(tgArn)
		if !ok {
			return "cannot tell whether service " + name + "'s target group " + tgArn + " can register awsvpc tasks: it is not in the inventory " +
				"(export `aws elbv2 describe-target-groups`)", nil
		}
		if tg.TargetType != elbtypes.TargetTypeEnumIp {
			return fmt.Sprintf("service %s's target group %s has target type %q: awsvpc tasks register only with an ip target group, which this fix does not set up; "+
				"move the service to awsvpc with a new ip target group yourself, or remove cluster %s from fix.host_network.awsvpc to move it to bridge "+
				"(same host ports: the instance target group keeps working)", name, tgArn, string(tg.TargetType), clusterNameOf(svc)), nil
		}
		pre = append(pre, Precondition{Check: "target group " + tgArn + " target type", Result: string(tg.TargetType)})
	}
	return "", pre
}

// hostToBridge makes a single-container, EC2 or EXTERNAL revision bridge with explicit host ports.
func hostToBridge(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, clusters []string, dry bool) (fixOutcome, bool) {
	where := "for the cluster of the services that run it"
	if len(clusters) > 0 {
		where = "for cluster " + strings.Join(clusters, ", ")
	} else if len(ctx.services) == 0 {
		where = "for the cluster of a service that runs it (no service runs this revision, so no cluster's settings apply: change networkMode to awsvpc in its source)"
	}
	for _, c := range in.RequiresCompatibilities {
		if c == ecstypes.CompatibilityFargate {
			return fixOutcome{Skip: "requiresCompatibilities includes FARGATE, which supports only awsvpc: configure fix.host_network.awsvpc " + where}, false
		}
	}
	if f := osFamilyOf(in); detect.OutsideEnum(f) {
		return fixOutcome{Skip: fmt.Sprintf("runtimePlatform.operatingSystemFamily is %q, which is not a value AWS defines: whether bridge is supported is unknown", f)}, false
	}
	if isWindows(osFamilyOf(in)) {
		return fixOutcome{Skip: "Windows containers do not support bridge: configure fix.host_network.awsvpc " + where}, false
	}
	if len(in.ContainerDefinitions) != 1 {
		return fixOutcome{Skip: fmt.Sprintf("its %d containers share the host's network and may talk to each other over localhost, which bridge separates: "+
			"configure fix.host_network.awsvpc %s (containers keep sharing localhost in awsvpc)", len(in.ContainerDefinitions), where)}, false
	}
	if r := unreachableWithoutPorts(in); r != "" {
		return fixOutcome{Skip: r}, false
	}
	c := &in.ContainerDefinitions[0]
	label := containerLabel(c, 0)
	for _, pm := range c.PortMappings {
		if pm.ContainerPort == nil || aws.ToString(pm.ContainerPortRange) != "" {
			return fixOutcome{Skip: "container " + label + " maps a port range (containerPortRange), which bridge maps to dynamic host ports, so clients would lose it: " +
				"configure fix.host_network.awsvpc " + where}, false
		}
	}
	if dry {
		return fixOutcome{}, true
	}
	out := fixOutcome{Preconditions: []Precondition{
		{Check: "networkMode", Result: string(in.NetworkMode)},
		{Check: "container " + label + " port mappings", Result: portMappingsText(c.PortMappings)},
		{Check: "requiresCompatibilities", Result: compatText(in.RequiresCompatibilities)},
	}}
	in.NetworkMode = ecstypes.NetworkModeBridge
	out.Edits = append(out.Edits, Edit{Control: detect.ECS17ID, Path: "networkMode",
		Change: `"host" → "bridge" (the container gets its own network namespace; its ports are mapped to the same host ports)`})
	var ports []string
	for j := range c.PortMappings {
		pm := &c.PortMappings[j]
		cp := aws.ToInt32(pm.ContainerPort)
		ports = append(ports, fmt.Sprintf("%s %d", protocolOf(pm), cp))
		if pm.HostPort != nil && aws.ToInt32(pm.HostPort) == cp {
			continue
		}
		change := fmt.Sprintf("set hostPort %d (= containerPort: the same host port as in host mode, where bridge would pick a dynamic one)", cp)
		if pm.HostPort != nil && aws.ToInt32(pm.HostPort) != 0 {
			change = fmt.Sprintf("hostPort %d → %d (= containerPort: the port the container listened on in host mode)", aws.ToInt32(pm.HostPort), cp)
		}
		pm.HostPort = aws.Int32(cp)
		out.Edits = append(out.Edits, Edit{Control: detect.ECS17ID, Path: fmt.Sprintf("containerDefinitions[%s].portMappings[%d].hostPort", label, j), Change: change})
	}
	out.Notes = append(out.Notes, "the container keeps the host ports "+strings.Join(ports, ", ")+" (hostPort = containerPort), so clients keep reaching it at the instance's address")
	out.Notes = append(out.Notes,
		"the container loses the host's network stack: it can no longer bind to the instance's addresses or to ports not declared in portMappings, nor see the host's interfaces",
		"two tasks of this revision still cannot run on the same instance (they map the same host ports)")
	return out, false
}

// hostNetworkUpdate gives a service moving to an awsvpc revision made by the host-network fix its awsvpc
// network configuration, unless a network change of the public-IP fix already set one.
func hostNetworkUpdate(u *serviceUpdate, sp *servicePlan) {
	rp := sp.rev
	if rp == nil || u.after.Network != nil {
		return
	}
	svc := sp.svc
	n := rp.networks[aws.ToString(svc.ServiceArn)]
	if n == nil {
		return
	}
	u.hostNet = true
	u.before.Network = currentNetwork(svc)
	u.after.Network = &AwsVpcSettings{Subnets: append([]string(nil), n.Subnets...),
		SecurityGroups: append([]string(nil), n.SecurityGroups...), AssignPublicIp: n.AssignPublicIp}
	u.pre = append(u.pre, Precondition{Check: "service networkConfiguration", Result: networkText(u.before.Network)})
	u.notes = append(u.notes, "the service gets the awsvpc network configuration of fix.host_network.awsvpc for cluster "+clusterNameOf(svc)+
		", deployed together with the awsvpc revision")
	u.notes = append(u.notes, hostRollbackNote)
	u.pre = append(u.pre, Precondition{Check: "rollback to host network mode", Result: hostRollbackNote})
}

// hostRollbackNote is what a plan says of a service it moves from host to awsvpc network mode.
const hostRollbackNote = "rollback cannot return this service to host mode: a service keeps its network configuration once it has one; rolling back needs a new service"

// clusterNameOf is the name of a service's cluster (fix.host_network.awsvpc is keyed by it).
func clusterNameOf(svc *ecstypes.Service) string {
	return detect.ShortARN(aws.ToString(svc.ClusterArn))
}

func serviceNames(svcs []*ecstypes.Service) string {
	var names []string
	for _, s := range svcs {
		names = append(names, aws.ToString(s.ServiceName))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func protocolOf(pm *ecstypes.PortMapping) string {
	if pm.Protocol == "" {
		return "tcp"
	}
	return string(pm.Protocol)
}

func portText(p *int32) string {
	if p == nil {
		return "(none)"
	}
	return fmt.Sprint(*p)
}

// portMappingsText lists port mappings as "tcp 8080→8080" (containerPort→hostPort, "-" when absent).
func portMappingsText(pms []ecstypes.PortMapping) string {
	if len(pms) == 0 {
		return "none"
	}
	var out []string
	for i := range pms {
		pm := &pms[i]
		cp := portText(pm.ContainerPort)
		if r := aws.ToString(pm.ContainerPortRange); r != "" {
			cp = r
		}
		hp := "-"
		if pm.HostPort != nil {
			hp = fmt.Sprint(*pm.HostPort)
		}
		out = append(out, fmt.Sprintf("%s %s→%s", protocolOf(pm), cp, hp))
	}
	return strings.Join(out, ", ")
}

func compatText(cs []ecstypes.Compatibility) string {
	if len(cs) == 0 {
		return "none"
	}
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return strings.Join(out, ", ")
}

// networkText describes a service's awsvpc configuration ("none" without one).
func networkText(n *AwsVpcSettings) string {
	if n == nil {
		return "none"
	}
	return "subnets " + strings.Join(n.Subnets, ", ") + "; security groups " + strings.Join(n.SecurityGroups, ", ") + "; assignPublicIp " + n.AssignPublicIp
}

// unreachableWithoutPorts is why a host-mode revision is not moved when none of its containers declares
// a port mapping, "" when one does. In host mode a container serves on any host port without declaring
// it; after the move only the declared ports are mapped (bridge), or the task is at another address
// (awsvpc): ecsfix cannot tell what clients reach, so it does not guess.
func unreachableWithoutPorts(in *ecs.RegisterTaskDefinitionInput) string {
	for i := range in.ContainerDefinitions {
		if len(in.ContainerDefinitions[i].PortMappings) > 0 {
			return ""
		}
	}
	return "no container declares a port mapping: in host mode it may serve on any of the instance's ports (a Consul server's, a distributed training job's peers), " +
		"which after the move nothing outside the task would reach, and nothing says which ports those are: networkMode host is left as it is; " +
		"declare the ports it serves in portMappings (the move then keeps them), or exempt this task definition"
}
