package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// One notion of a host agent or privileged workload, which every fix that takes a host privilege away
// consults (ECS.3 pidMode host, ECS.4 privileged, ECS.1/ECS.17 host network, host-path volumes):
//
//   - a host agent: its image or name is in the table of well-known agents (workload_agents.go) or in
//     fix.workloads.agent_images / agent_containers; a DAEMON service runs the revision (one task on
//     every instance, as host agents run); or it mounts the host's processes, devices, kernel or
//     container runtime (/proc, /sys, /dev, /var/run/docker.sock, /var/lib/docker, the whole / or
//     /var/log).
//   - a privileged workload: its task-definition family is in fix.workloads.privileged_families (a
//     code-execution sandbox, a build runner that starts containers).
//
// fix.workloads.not_agents (container names or image repositories) declares a container neither: a
// recognised one by mistake (an application image whose name resembles an agent's).
//
// Such a container keeps what it needs: privileged stays (ECS.4 lists it under "Not fixed" with the safer
// alternative), pidMode host and the host network stay (Not fixed, with why); its root filesystem still
// becomes read-only with the paths it writes (ECS.5), as Security Hub advises for a privileged container
// that needs its privilege.

// WorkloadOptions adjust which containers are host agents or privileged workloads (fix.workloads).
type WorkloadOptions struct {
	// AgentImages are image repositories (trailing path segments: "myorg/telemetry-agent") of host
	// agents besides the well-known ones.
	AgentImages []string
	// AgentContainers are container names of host agents besides the well-known ones.
	AgentContainers []string
	// NotAgents are container names or image repositories that are never host agents or privileged
	// workloads, whatever recognises them otherwise.
	NotAgents []string
	// PrivilegedFamilies are task-definition families whose containers need what they are given
	// (privileged): a code-execution sandbox.
	PrivilegedFamilies []string
}

// workload is what the recogniser made of a container.
type workload struct {
	// Agent: a host agent; Privileged: a configured privileged workload.
	Agent, Privileged bool
	// Why says what recognised it, for the plan.
	Why string
}

// Kept reports whether the container keeps its host privileges.
func (w workload) Kept() bool { return w.Agent || w.Privileged }

// What is "a host agent" or "a privileged workload".
func (w workload) What() string {
	if w.Privileged {
		return "a privileged workload"
	}
	return "a host agent"
}

// recogniseWorkload tells whether container i of in is a host agent or a privileged workload, and why.
// It reads the services that run the revision (DAEMON scheduling) and fix.workloads.
func recogniseWorkload(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, i int) workload {
	c := &in.ContainerDefinitions[i]
	name := aws.ToString(c.Name)
	image := aws.ToString(c.Image)
	repo := imageRepository(image)
	wo := ctx.opts.Workloads
	for _, n := range wo.NotAgents {
		if strings.EqualFold(n, name) || repoMatches(repo, n) {
			return workload{}
		}
	}
	if fam := aws.ToString(in.Family); fam != "" && slices.Contains(wo.PrivilegedFamilies, fam) {
		return workload{Privileged: true, Why: "task-definition family " + fam + " is a privileged workload (fix.workloads.privileged_families)"}
	}
	for _, p := range wo.AgentImages {
		if repoMatches(repo, p) {
			return workload{Agent: true, Why: fmt.Sprintf("image %s is a host agent (fix.workloads.agent_images %s)", image, p)}
		}
	}
	for _, n := range wo.AgentContainers {
		if strings.EqualFold(n, name) {
			return workload{Agent: true, Why: fmt.Sprintf("container name %s is a host agent's (fix.workloads.agent_containers)", name)}
		}
	}
	if e, by := wellKnownAgent(repo, name); e != nil {
		if by == "image" {
			return workload{Agent: true, Why: fmt.Sprintf("image %s is %s (%s)", image, e.Name, e.Source)}
		}
		return workload{Agent: true, Why: fmt.Sprintf("container name %s is that of %s (%s)", name, e.Name, e.Source)}
	}
	for _, svc := range ctx.services {
		if svc.SchedulingStrategy == ecstypes.SchedulingStrategyDaemon {
			return workload{Agent: true, Why: "service " + aws.ToString(svc.ServiceName) + " runs it as a DAEMON (one task on every instance, as host agents run)"}
		}
	}
	if hp := hostAgentMount(in, c); hp != "" {
		return workload{Agent: true, Why: "it mounts the host's " + hp + " (what a host agent watches)"}
	}
	return workload{}
}

// hostAgents lists the containers of in that are host agents, as `"NAME" is a host agent (WHY)`, in
// container order.
func hostAgents(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) []string {
	var out []string
	for i := range in.ContainerDefinitions {
		if w := recogniseWorkload(ctx, in, i); w.Agent {
			out = append(out, fmt.Sprintf("%q is %s (%s)", containerLabel(&in.ContainerDefinitions[i], i), w.What(), w.Why))
		}
	}
	return out
}

// wellKnownAgent finds the table's agent by image repository first, then by container name.
func wellKnownAgent(repo, name string) (*agentEntry, string) {
	for i := range wellKnownAgents {
		for _, p := range wellKnownAgents[i].Images {
			if repoMatches(repo, p) {
				return &wellKnownAgents[i], "image"
			}
		}
	}
	for i := range wellKnownAgents {
		for _, n := range wellKnownAgents[i].Names {
			if name != "" && strings.EqualFold(n, name) {
				return &wellKnownAgents[i], "name"
			}
		}
	}
	return nil, ""
}

// hostAgentMount is the first host path of a host-path volume the container mounts that marks a host
// agent (hostMountsUnder, hostMountsExact), "" when none.
func hostAgentMount(in *ecs.RegisterTaskDefinitionInput, c *ecstypes.ContainerDefinition) string {
	for _, mp := range c.MountPoints {
		src := hostSourceOf(in, aws.ToString(mp.SourceVolume))
		if src == "" {
			continue
		}
		p := path.Clean(src)
		if slices.Contains(hostMountsExact, p) {
			return p
		}
		for _, u := range hostMountsUnder {
			if p == u || strings.HasPrefix(p, u+"/") {
				return p
			}
		}
	}
	return ""
}

// hostSourceOf is the host path of the named volume of in, "" when it is no host-path volume.
func hostSourceOf(in *ecs.RegisterTaskDefinitionInput, name string) string {
	for i := range in.Volumes {
		v := &in.Volumes[i]
		if aws.ToString(v.Name) == name && v.Host != nil {
			return aws.ToString(v.Host.SourcePath)
		}
	}
	return ""
}

// imageRepository is the repository path of an image reference, lower case, without registry, tag or
// digest; a Docker Hub name of one segment is "library/NAME" ("nginx:1.27" and
// "docker.io/library/nginx" → "library/nginx"; "public.ecr.aws/datadog/agent:7" → "datadog/agent").
func imageRepository(ref string) string {
	r := strings.ToLower(strings.TrimSpace(ref))
	if i := strings.Index(r, "@"); i >= 0 {
		r = r[:i]
	}
	if i := strings.LastIndex(r, ":"); i > strings.LastIndex(r, "/") {
		r = r[:i]
	}
	parts := strings.Split(r, "/")
	hub := true
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		switch parts[0] {
		case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		default:
			hub = false
		}
		parts = parts[1:]
	}
	if hub && len(parts) == 1 {
		parts = []string{"library", parts[0]}
	}
	return strings.Join(parts, "/")
}

// repoMatches reports whether a repository path ends with the path segments of pattern: a repository
// path ("datadog/agent"; one segment, "datadog-agent", is the last segment of any repository; Docker
// Hub's official images are "library/NAME"), or an image reference with registry, tag or digest, which
// is reduced to its repository first. Segments compare whole: "datadog/agent" matches
// "mirror/datadog/agent", never "mycompany/datadog-dashboard-api".
func repoMatches(repo, pattern string) bool {
	if repo == "" || strings.TrimSpace(pattern) == "" {
		return false
	}
	p := strings.Split(strings.ToLower(strings.Trim(strings.TrimSpace(pattern), "/")), "/")
	if (len(p) > 1 && strings.ContainsAny(p[0], ".:")) || strings.ContainsAny(p[len(p)-1], ":@") {
		p = strings.Split(imageRepository(pattern), "/")
	}
	r := strings.Split(repo, "/")
	if len(p) > len(r) {
		return false
	}
	return slices.Equal(r[len(r)-len(p):], p)
}
