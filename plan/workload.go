package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// One notion of a host agent or privileged workload, which every fix that takes a host privilege away
// consults (ECS.3 pidMode host, ECS.4 privileged, ECS.1/ECS.17 host network, host-path volumes):
//
//   - a host agent: its image is in the table of well-known agents (workload_agents.go), from a registry
//     that says so (Docker Hub, Amazon ECR Public, the vendor's own, the account's private ECR:
//     agentImageMatches), or its name is, with an image that agrees or none; or it is in
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
		if configuredImageMatches(image, p) {
			return workload{Agent: true, Why: fmt.Sprintf("image %s is a host agent (fix.workloads.agent_images %s)", image, p)}
		}
	}
	for _, n := range wo.AgentContainers {
		if strings.EqualFold(n, name) {
			return workload{Agent: true, Why: fmt.Sprintf("container name %s is a host agent's (fix.workloads.agent_containers)", name)}
		}
	}
	if e, by := wellKnownAgent(image, name); e != nil {
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

// wellKnownAgent finds the table's agent by image first (agentImageMatches), then by container name:
// a name matches only when the image agrees (its repository path is one of the agent's, from any
// registry: a team's own mirror) or is unknown (no image), never a look-alike's name on another image
// (a container xray running teddysun/xray is no X-Ray daemon).
func wellKnownAgent(image, name string) (*agentEntry, string) {
	k := agentKey{image, name}
	if m, ok := knownAgentOf.load(k); ok {
		return m.entry, m.by
	}
	e, by := findWellKnownAgent(image, name)
	knownAgentOf.store(k, agentMatch{e, by})
	return e, by
}

// knownAgentOf remembers wellKnownAgent's answers: the table is fixed, the answer depends on the image
// and the container's name alone, and a plan asks for the same few images thousands of times.
var knownAgentOf memo[agentKey, agentMatch]

type agentKey struct{ image, name string }

type agentMatch struct {
	entry *agentEntry
	by    string
}

// findWellKnownAgent is wellKnownAgent, looked up in the table.
func findWellKnownAgent(image, name string) (*agentEntry, string) {
	for i := range wellKnownAgents {
		if agentImageMatches(&wellKnownAgents[i], image) {
			return &wellKnownAgents[i], "image"
		}
	}
	repo := ""
	if strings.TrimSpace(image) != "" {
		repo = imageRepository(image)
	}
	for i := range wellKnownAgents {
		e := &wellKnownAgents[i]
		for _, n := range e.Names {
			if name == "" || !strings.EqualFold(n, name) {
				continue
			}
			if repo == "" || agentPathMatches(e, repo) {
				return e, "name"
			}
		}
	}
	return nil, ""
}

// agentImageMatches reports whether image is one of the agent's, pulled from a registry that says so:
//
//   - Docker Hub or Amazon ECR Public: the repository path is one of the agent's exactly (anyone can
//     create a namespace there, so evil/datadog/agent is not datadog/agent);
//   - a private Amazon ECR registry (ACCOUNT.dkr.ecr.REGION.amazonaws.com, the account's own: teams
//     mirror there and pull-through caches add a prefix): the repository path ends with one of the
//     agent's (hub/datadog/agent, falcon-sensor);
//   - one of the vendor's own registries the table knows (agentEntry.Registries).
//
// Any other registry (evil.example.com:5000/anything/datadog/agent, ghcr.io/acme/falcon-sensor) is not
// the agent's by image; fix.workloads.agent_images names images of other registries.
func agentImageMatches(e *agentEntry, image string) bool {
	if strings.TrimSpace(image) == "" {
		return false
	}
	host, repo := imageRegistry(image), imageRepository(image)
	switch {
	case host == "" || host == "public.ecr.aws":
		if host == "public.ecr.aws" {
			// ECR Public's mirror of Docker Hub's official images
			if r, ok := strings.CutPrefix(repo, "docker/library/"); ok {
				repo = "library/" + r
			}
		}
		for _, p := range e.Images {
			if repo == strings.ToLower(strings.Trim(p, "/")) {
				return true
			}
		}
	case privateECRHost(host):
		return agentPathMatches(e, repo)
	}
	for _, r := range e.Registries {
		if registryMatches(host, repo, r) {
			return true
		}
	}
	return false
}

// agentPathMatches reports whether repository path repo ends with one of the agent's paths: Images, or
// the path of one of its Registries of two segments or more (a "*" segment matching any one; a
// one-segment path there, datadoghq.azurecr.io's "agent", names nothing outside its registry).
func agentPathMatches(e *agentEntry, repo string) bool {
	for _, p := range e.Images {
		if repoMatches(repo, p) {
			return true
		}
	}
	got := strings.Split(repo, "/")
	for _, r := range e.Registries {
		_, lp, ok := strings.Cut(strings.ToLower(r), "/")
		want := strings.Split(lp, "/")
		if !ok || len(want) < 2 || len(want) > len(got) {
			continue
		}
		if segmentsMatch(want, got[len(got)-len(want):]) {
			return true
		}
	}
	return false
}

// memo remembers the answers of a function of its key alone (a pure one: tables that never change),
// concurrently, up to memoLimit keys (then it answers only what it holds: a process that plans many
// inventories does not grow it without bound).
type memo[K comparable, V any] struct {
	m sync.Map
	n atomic.Int64
}

const memoLimit = 1 << 14

func (c *memo[K, V]) load(k K) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

func (c *memo[K, V]) store(k K, v V) {
	if c.n.Load() < memoLimit {
		if _, loaded := c.m.LoadOrStore(k, v); !loaded {
			c.n.Add(1)
		}
	}
}

// segmentsMatch reports whether path segments got are want, a "*" in want matching any one.
func segmentsMatch(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != "*" && want[i] != got[i] {
			return false
		}
	}
	return true
}

// configuredImageMatches reports whether image is one fix.workloads.agent_images names: a pattern with a
// registry host ("registry.acme.internal/telemetry/agent") matches images of that registry only, by
// trailing path segments; one without (a repository path, "myorg/telemetry-agent") matches in any
// registry, as configured.
func configuredImageMatches(image, pattern string) bool {
	if strings.TrimSpace(image) == "" {
		return false
	}
	pat := strings.ToLower(strings.Trim(strings.TrimSpace(pattern), "/"))
	first, _, more := strings.Cut(pat, "/")
	if more && (strings.ContainsAny(first, ".:") || first == "localhost") {
		if ph := imageRegistry(pat); ph != imageRegistry(image) {
			return false
		}
	}
	return repoMatches(imageRepository(image), pattern)
}

// imageRegistry is the registry host of an image reference, lower case, "" for Docker Hub (no registry,
// docker.io, index.docker.io, registry-1.docker.io, registry.hub.docker.com).
func imageRegistry(ref string) string {
	r := strings.ToLower(strings.TrimSpace(ref))
	first, _, ok := strings.Cut(r, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return ""
	}
	switch first {
	case "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return ""
	}
	return first
}

// privateECRHost reports whether host is a private Amazon ECR registry
// (ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]).
func privateECRHost(host string) bool {
	account, rest, ok := strings.Cut(host, ".dkr.ecr")
	if !ok || len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return false
	}
	rest = strings.TrimPrefix(rest, "-fips")
	region, ok := strings.CutPrefix(rest, ".")
	if !ok {
		return false
	}
	region, ok = strings.CutSuffix(region, ".amazonaws.com")
	if !ok {
		region, ok = strings.CutSuffix(region, ".amazonaws.com.cn")
	}
	return ok && region != "" && !strings.Contains(region, ".") && strings.Trim(region, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// registryMatches reports whether an image of host with repository path repo is at location, a vendor's
// registry entry: "HOST/PATH", where HOST may start with "*." (any subdomain: a tenant's registry) and a
// path segment "*" is any one segment (a token or region in the path); the path matches exactly.
func registryMatches(host, repo, location string) bool {
	lh, lp, ok := strings.Cut(strings.ToLower(location), "/")
	if !ok || host == "" {
		return false
	}
	if sub, wild := strings.CutPrefix(lh, "*."); wild {
		if !strings.HasSuffix(host, "."+sub) || len(host) <= len(sub)+1 {
			return false
		}
	} else if host != lh {
		return false
	}
	return segmentsMatch(strings.Split(lp, "/"), strings.Split(repo, "/"))
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
	// the last segments of repo equal p's segments: repo is p, or ends with "/" and p (no split needed)
	p := strings.ToLower(strings.Trim(strings.TrimSpace(pattern), "/"))
	first, last := p, p
	if i := strings.IndexByte(p, '/'); i >= 0 {
		first, last = p[:i], p[strings.LastIndexByte(p, '/')+1:]
	}
	if (first != p && strings.ContainsAny(first, ".:")) || strings.ContainsAny(last, ":@") {
		p = imageRepository(pattern)
	}
	return repo == p || len(repo) > len(p) && repo[len(repo)-len(p)-1] == '/' && repo[len(repo)-len(p):] == p
}
