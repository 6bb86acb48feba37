package plan

// Tests of the one notion of a host agent or privileged workload (workload.go): image references reduced
// to repository paths, matched by whole path segments, and what recognises a container, in order.

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestImageRepository(t *testing.T) {
	for ref, want := range map[string]string{
		"nginx":                                              "library/nginx",
		"nginx:1.27-alpine":                                  "library/nginx",
		"docker.io/library/nginx:1.27":                       "library/nginx",
		"docker.io/nginx":                                    "library/nginx",
		"registry-1.docker.io/datadog/agent:7":               "datadog/agent",
		"public.ecr.aws/datadog/agent:7":                     "datadog/agent",
		"public.ecr.aws/nginx/nginx@sha256:abc":              "nginx/nginx",
		"localhost:5000/team/app:1":                          "team/app",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1": "app",
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/hub/datadog/agent:7": "hub/datadog/agent",
		"Quay.io/Sysdig/Agent-Slim:13":                                     "sysdig/agent-slim",
		"":                                                                 "library/",
	} {
		if got := imageRepository(ref); got != want {
			t.Errorf("imageRepository(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestRepoMatches(t *testing.T) {
	tests := []struct {
		image, pattern string
		want           bool
	}{
		{"public.ecr.aws/datadog/agent:7", "datadog/agent", true},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/hub/datadog/agent:7", "datadog/agent", true},
		{"mycompany/datadog-dashboard-api:3", "datadog/agent", false},
		{"mycompany/datadog-agent-config:1", "datadog-agent", false},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/datadog-agent:7", "datadog-agent", true},
		{"datadog/agent:7", "agent", true}, // one segment: the last one, whole
		{"datadog/agentx:7", "agent", false},
		{"nginx:1", "library/nginx", true},
		{"public.ecr.aws/docker/library/nginx:1", "library/nginx", true},
		{"mycompany/nginx:1", "library/nginx", false},
		{"public.ecr.aws/nginx/nginx:1", "nginx/nginx", true},
		{"nginx:1", "docker.io/library/nginx:latest", true}, // a reference as pattern
		{"public.ecr.aws/datadog/agent:7", "public.ecr.aws/datadog/agent", true},
		{"public.ecr.aws/datadog/agent:7", "", false},
		{"", "datadog/agent", false},
	}
	for _, tc := range tests {
		if got := repoMatches(imageRepository(tc.image), tc.pattern); got != tc.want {
			t.Errorf("repoMatches(%q, %q) = %v, want %v", tc.image, tc.pattern, got, tc.want)
		}
	}
}

func TestRecogniseWorkload(t *testing.T) {
	in := func(mods ...func(*ecs.RegisterTaskDefinitionInput)) *ecs.RegisterTaskDefinitionInput {
		r := &ecs.RegisterTaskDefinitionInput{Family: aws.String("tools"), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("c"), Image: aws.String("example/app:1")}}}
		for _, m := range mods {
			m(r)
		}
		return r
	}
	image := func(s string) func(*ecs.RegisterTaskDefinitionInput) {
		return func(r *ecs.RegisterTaskDefinitionInput) { r.ContainerDefinitions[0].Image = aws.String(s) }
	}
	name := func(s string) func(*ecs.RegisterTaskDefinitionInput) {
		return func(r *ecs.RegisterTaskDefinitionInput) { r.ContainerDefinitions[0].Name = aws.String(s) }
	}
	hostMount := func(src string) func(*ecs.RegisterTaskDefinitionInput) {
		return func(r *ecs.RegisterTaskDefinitionInput) {
			r.Volumes = append(r.Volumes, ecstypes.Volume{Name: aws.String("h"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String(src)}})
			r.ContainerDefinitions[0].MountPoints = append(r.ContainerDefinitions[0].MountPoints, ecstypes.MountPoint{SourceVolume: aws.String("h"), ContainerPath: aws.String("/h")})
		}
	}
	daemon := []*ecstypes.Service{{ServiceName: aws.String("agents"), SchedulingStrategy: ecstypes.SchedulingStrategyDaemon}}
	tests := []struct {
		name      string
		in        *ecs.RegisterTaskDefinitionInput
		services  []*ecstypes.Service
		wo        WorkloadOptions
		agent     bool
		privilege bool
		why       string
	}{
		{name: "a plain application", in: in()},
		{name: "by image", in: in(image("public.ecr.aws/datadog/agent:7")), agent: true, why: "is the Datadog Agent"},
		{name: "an image that only resembles one", in: in(image("mycompany/datadog-dashboard-api:3"))},
		{name: "by exact name, any case, without an image", in: in(name("NewRelic-Infra"), image("")), agent: true, why: "container name NewRelic-Infra is that of the New Relic infrastructure agent"},
		{name: "by name, the image agreeing from another registry", in: in(name("datadog-agent"), image("registry.acme.internal:5000/mirror/datadog/agent:7")), agent: true, why: "container name datadog-agent is that of the Datadog Agent"},
		{name: "not by name on another image", in: in(name("NewRelic-Infra"))},
		{name: "not by name: xray running teddysun/xray", in: in(name("xray"), image("teddysun/xray:1.8"))},
		{name: "not by name: machine-agent running acme/billing", in: in(name("machine-agent"), image("acme/billing:3"))},
		{name: "not by image from an unknown registry", in: in(name("miner"), image("evil.example.com:5000/anything/DATADOG/Agent:latest"))},
		{name: "not by image from ghcr.io", in: in(image("ghcr.io/acme/falcon-sensor:7"))},
		{name: "not by image from a registry host without dots", in: in(image("registry:5000/datadog/agent"))},
		{name: "not by a Docker Hub path that only ends like one", in: in(image("myrepo/fluentd:1"))},
		{name: "not by a Docker Hub path of another namespace", in: in(image("docker.io/linux/oneagent:1"))},
		{name: "not by an ECR Public path of another alias", in: in(image("public.ecr.aws/evil/datadog/agent:7"))},
		{name: "not by a one-segment name on Docker Hub", in: in(image("acme/falcon-sensor:7"))},
		{name: "by Docker Hub, any spelling", in: in(image("index.docker.io/datadog/agent@sha256:ab")), agent: true, why: "is the Datadog Agent"},
		{name: "by Docker Hub's official image", in: in(image("fluentd:v1.16")), agent: true, why: "is Fluentd"},
		{name: "by ECR Public's Docker Hub mirror", in: in(image("public.ecr.aws/docker/library/fluentd:v1.16")), agent: true, why: "is Fluentd"},
		{name: "by the vendor's registry", in: in(image("gcr.io/datadoghq/agent:7")), agent: true, why: "is the Datadog Agent"},
		{name: "by the vendor's registry, quay.io", in: in(image("quay.io/sysdig/agent-slim:13")), agent: true, why: "is the Sysdig agent"},
		{name: "by the vendor's registry with a token segment", in: in(image("registry-auth.twistlock.com/tw_abc123/twistlock/defender:defender_32_02")), agent: true, why: "Prisma Cloud"},
		{name: "by the vendor's tenant registry", in: in(image("abc12345.live.dynatrace.com/linux/oneagent:latest")), agent: true, why: "Dynatrace OneAgent"},
		{name: "not by another path on the vendor's registry host", in: in(image("gcr.io/evil/datadoghq/agent:7"))},
		{name: "not by a host that only ends like the vendor's", in: in(image("evil-live.dynatrace.com.example/linux/oneagent:1"))},
		{name: "by the account's ECR, a pull-through cache of the vendor's registry", in: in(image("123456789012.dkr.ecr.us-east-1.amazonaws.com/quay/sysdig/agent:13")), agent: true, why: "is the Sysdig agent"},
		{name: "by the account's ECR, a mirror of a tenant path", in: in(image("123456789012.dkr.ecr.us-east-1.amazonaws.com/linux/oneagent:1")), agent: true, why: "Dynatrace OneAgent"},
		{name: "by the account's ECR, a pull-through prefix", in: in(image("123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/datadog/agent:7")), agent: true, why: "is the Datadog Agent"},
		{name: "by the account's ECR, a one-segment name", in: in(image("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/falcon-sensor:7.10")), agent: true, why: "CrowdStrike"},
		{name: "by the account's ECR in China", in: in(image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/newrelic/infrastructure:1")), agent: true, why: "New Relic"},
		{name: "not by a host posing as ECR", in: in(image("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example/datadog/agent:7"))},
		{name: "configured image with its registry", in: in(image("registry.acme.internal/platform/telemetry:9")), wo: WorkloadOptions{AgentImages: []string{"registry.acme.internal/platform/telemetry"}}, agent: true, why: "fix.workloads.agent_images"},
		{name: "configured image with its registry, another registry", in: in(image("evil.example.com/platform/telemetry:9")), wo: WorkloadOptions{AgentImages: []string{"registry.acme.internal/platform/telemetry"}}},
		{name: "configured image without a registry, any registry", in: in(image("ghcr.io/acme/platform/telemetry:9")), wo: WorkloadOptions{AgentImages: []string{"platform/telemetry"}}, agent: true, why: "fix.workloads.agent_images"},
		{name: "a name that only contains one", in: in(name("datadog-falco-exporter"))},
		{name: "by DAEMON scheduling", in: in(), services: daemon, agent: true, why: "service agents runs it as a DAEMON"},
		{name: "by a host mount of /proc", in: in(hostMount("/proc")), agent: true, why: "mounts the host's /proc"},
		{name: "by a host mount of the Docker socket", in: in(hostMount("/var/run/docker.sock")), agent: true, why: "/var/run/docker.sock"},
		{name: "by a host mount of the whole /var/log", in: in(hostMount("/var/log/")), agent: true, why: "mounts the host's /var/log"},
		{name: "not by its own log directory", in: in(hostMount("/var/log/app"))},
		{name: "configured image", in: in(image("123456789012.dkr.ecr.us-east-1.amazonaws.com/platform/telemetry:9")), wo: WorkloadOptions{AgentImages: []string{"platform/telemetry"}}, agent: true, why: "fix.workloads.agent_images"},
		{name: "configured name", in: in(name("telemetry")), wo: WorkloadOptions{AgentContainers: []string{"telemetry"}}, agent: true, why: "fix.workloads.agent_containers"},
		{name: "configured privileged family", in: in(), wo: WorkloadOptions{PrivilegedFamilies: []string{"tools"}}, privilege: true, why: "fix.workloads.privileged_families"},
		{name: "not an agent, by image, over the table and a DAEMON", in: in(image("datadog/agent:7")), services: daemon, wo: WorkloadOptions{NotAgents: []string{"datadog/agent"}}},
		{name: "not an agent, by name, over a host mount", in: in(hostMount("/proc")), wo: WorkloadOptions{NotAgents: []string{"c"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := &revisionContext{inv: &detect.Inventory{}, services: tc.services, opts: Options{Workloads: tc.wo}}
			w := recogniseWorkload(ctx, tc.in, 0)
			if w.Agent != tc.agent || w.Privileged != tc.privilege || !strings.Contains(w.Why, tc.why) {
				t.Errorf("got %+v, want agent %v privileged %v why %q", w, tc.agent, tc.privilege, tc.why)
			}
		})
	}
}
