package plan

// The well-known host agents, kept as data: what recognises each (image repositories, container names)
// and where that comes from. A host agent watches or serves the instance it runs on (metrics, logs,
// traces, security events): it usually needs the host's PID namespace, its network, privileged and host
// mounts, so the fixes that take those away leave it alone and say why (workload.go).
//
// Images match by registry and repository path (agentImageMatches): on Docker Hub and Amazon ECR Public
// the path is one of Images exactly ("datadog/agent" is public.ecr.aws/datadog/agent:7, never
// evil/datadog/agent nor mycompany/datadog-dashboard-api); in the account's private ECR it ends with one
// (a mirror's 123456789012.dkr.ecr.eu-west-1.amazonaws.com/hub/datadog/agent, a pull-through cache's
// prefix); and Registries are the vendor's own registries. Any other registry is not the agent's by image.
// A one-segment Docker Hub name is "library/NAME". Names match a container's name exactly (case aside),
// never a part of it, and only when its image agrees (a repository path of Images, any registry) or it
// has none.
//
// Deliberately absent: HashiCorp Consul (hashicorp/consul runs client agents and servers alike; a server
// is no host agent) and service-mesh proxies (Envoy, App Mesh), which are sidecars of one task.

// agentEntry is one well-known host agent.
type agentEntry struct {
	// Name is what the plan calls it.
	Name string
	// Images are repository paths on Docker Hub or Amazon ECR Public (matched exactly there, by trailing
	// path segments in the account's private ECR).
	Images []string
	// Registries are where the vendor's own registries serve the agent's images: "HOST/PATH", matched
	// exactly ("gcr.io/datadoghq/agent"; PATH by trailing segments in the account's private ECR, a
	// pull-through cache of quay.io for one); HOST may start with "*." (a tenant's subdomain) and a PATH
	// segment may be "*" (one segment: a token, a cloud region).
	Registries []string
	// Names are container names the agent's documented task definitions use.
	Names []string
	// Source is where the images and names come from.
	Source string
}

var wellKnownAgents = []agentEntry{
	{Name: "the New Relic infrastructure agent",
		Images: []string{"newrelic/infrastructure", "newrelic/infrastructure-bundle", "newrelic/nri-ecs", "newrelic/infrastructure-k8s"},
		Names:  []string{"newrelic-infra", "newrelic-infrastructure", "newrelic-infra-agent"},
		Source: "docs.newrelic.com, Install the ECS integration (newrelic-infra daemon task definition: privileged, host network, pid host)"},
	{Name: "the Datadog Agent",
		Images:     []string{"datadog/agent", "datadog/docker-dd-agent", "datadog-agent"},
		Registries: []string{"gcr.io/datadoghq/agent", "eu.gcr.io/datadoghq/agent", "asia.gcr.io/datadoghq/agent", "datadoghq.azurecr.io/agent", "gcr.io/datadoghq/docker-dd-agent"},
		Names:      []string{"datadog-agent", "dd-agent"},
		Source:     "docs.datadoghq.com, Amazon ECS (datadog-agent daemon task definition mounting docker.sock, /proc, /sys/fs/cgroup)"},
	{Name: "the Amazon CloudWatch agent",
		Images: []string{"amazon/cloudwatch-agent", "cloudwatch-agent/cloudwatch-agent"},
		Names:  []string{"cloudwatch-agent", "cwagent", "ecs-cwagent", "ecs-cwagent-daemon-service"},
		Source: "docs.aws.amazon.com, Deploy the CloudWatch agent to collect EC2 instance-level metrics on Amazon ECS (daemon cwagent)"},
	{Name: "the AWS X-Ray daemon",
		Images: []string{"amazon/aws-xray-daemon", "xray/aws-xray-daemon"},
		Names:  []string{"xray-daemon", "aws-xray-daemon", "x-ray-daemon", "xray"},
		Source: "docs.aws.amazon.com, Running the X-Ray daemon on Amazon ECS"},
	{Name: "the AWS Distro for OpenTelemetry collector",
		Images: []string{"aws-observability/aws-otel-collector", "amazon/aws-otel-collector"},
		Names:  []string{"aws-otel-collector", "adot-collector"},
		Source: "aws-otel.github.io, Deploying the ADOT collector on Amazon ECS (sidecar or daemon, ECS container metrics)"},
	{Name: "Fluent Bit (log router)",
		Images:     []string{"fluent/fluent-bit", "aws-observability/aws-for-fluent-bit", "amazon/aws-for-fluent-bit"},
		Registries: []string{"cr.fluentbit.io/fluent/fluent-bit", "ghcr.io/fluent/fluent-bit"},
		Names:      []string{"log_router", "log-router", "fluent-bit", "fluentbit"},
		Source:     "docs.aws.amazon.com, Custom log routing (FireLens: the log_router container of aws-for-fluent-bit)"},
	{Name: "Fluentd (log router)",
		Images: []string{"fluent/fluentd", "library/fluentd"},
		Names:  []string{"fluentd"},
		Source: "docs.fluentd.org, Docker image (fluent/fluentd)"},
	{Name: "the Prometheus node exporter",
		Images:     []string{"prom/node-exporter", "prometheus/node-exporter", "bitnami/node-exporter"},
		Registries: []string{"quay.io/prometheus/node-exporter"},
		Names:      []string{"node-exporter", "node_exporter"},
		Source:     "github.com/prometheus/node_exporter README (Docker: --net=host --pid=host -v /:/host:ro)"},
	{Name: "cAdvisor",
		Images:     []string{"google/cadvisor", "cadvisor/cadvisor"},
		Registries: []string{"gcr.io/cadvisor/cadvisor", "gcr.io/google-containers/cadvisor"},
		Names:      []string{"cadvisor"},
		Source:     "github.com/google/cadvisor README (privileged, mounts /, /var/run, /sys, /var/lib/docker, /dev/disk)"},
	{Name: "Dynatrace OneAgent",
		Images:     []string{"dynatrace/oneagent"},
		Registries: []string{"*.live.dynatrace.com/linux/oneagent", "*.apps.dynatrace.com/linux/oneagent"},
		Names:      []string{"oneagent", "dynatrace-oneagent"},
		Source:     "docs.dynatrace.com, Deploy OneAgent on Amazon ECS (privileged daemon, pid host, host network, / at /mnt/root)"},
	{Name: "the Sysdig agent",
		Images:     []string{"sysdig/agent", "sysdig/agent-slim", "sysdig/agent-kmodule"},
		Registries: []string{"quay.io/sysdig/agent", "quay.io/sysdig/agent-slim", "quay.io/sysdig/agent-kmodule"},
		Names:      []string{"sysdig-agent"},
		Source:     "docs.sysdig.com, Install the agent on Amazon ECS (privileged daemon)"},
	{Name: "Falco",
		Images: []string{"falcosecurity/falco", "falcosecurity/falco-no-driver"},
		Names:  []string{"falco"},
		Source: "falco.org docs, Deploy as a container (privileged, /proc and /dev mounted)"},
	{Name: "the Elastic Agent or a Beat",
		Images:     []string{"elastic/elastic-agent", "elastic/metricbeat", "elastic/filebeat", "elastic/auditbeat"},
		Registries: []string{"docker.elastic.co/beats/elastic-agent", "docker.elastic.co/elastic-agent/elastic-agent", "docker.elastic.co/beats/metricbeat", "docker.elastic.co/beats/filebeat", "docker.elastic.co/beats/auditbeat"},
		Names:      []string{"elastic-agent", "metricbeat", "filebeat", "auditbeat"},
		Source:     "elastic.co docs, Run Metricbeat/Filebeat/Elastic Agent on Docker (host /proc, /sys/fs/cgroup, docker.sock)"},
	{Name: "the Wazuh agent",
		Images: []string{"wazuh/wazuh-agent", "wazuh/agent"},
		Names:  []string{"wazuh-agent"},
		Source: "documentation.wazuh.com, Wazuh agent in Docker"},
	{Name: "the Instana agent",
		Images:     []string{"instana/agent"},
		Registries: []string{"icr.io/instana/agent", "containers.instana.io/instana/release/agent/static", "containers.instana.io/instana/release/agent/dynamic"},
		Names:      []string{"instana-agent"},
		Source:     "ibm.com/docs/instana, Installing the host agent on Amazon ECS (privileged daemon)"},
	{Name: "the AppDynamics machine agent",
		Images: []string{"appdynamics/machine-agent", "appdynamics/machine-agent-analytics"},
		Names:  []string{"appdynamics-machine-agent", "machine-agent"},
		Source: "docs.appdynamics.com, Machine Agent in a Docker container"},
	{Name: "the Splunk OpenTelemetry collector (SignalFx)",
		Images:     []string{"signalfx/splunk-otel-collector", "signalfx/signalfx-agent"},
		Registries: []string{"quay.io/signalfx/splunk-otel-collector", "quay.io/signalfx/signalfx-agent"},
		Names:      []string{"splunk-otel-collector", "signalfx-agent"},
		Source:     "docs.splunk.com, Deploy the Collector on Amazon ECS EC2"},
	{Name: "the Prisma Cloud (Twistlock) defender",
		Images:     []string{"twistlock/defender", "twistlock/private"},
		Registries: []string{"registry-auth.twistlock.com/*/twistlock/defender", "registry.twistlock.com/*/twistlock/defender"},
		Names:      []string{"twistlock-defender", "twistlock_defender"},
		Source:     "docs.prismacloud.io, Install a single Container Defender on Amazon ECS (privileged daemon)"},
	{Name: "the Aqua enforcer",
		Images:     []string{"aquasec/enforcer"},
		Registries: []string{"registry.aquasec.com/enforcer"},
		Names:      []string{"aqua-enforcer"},
		Source:     "docs.aquasec.com, Aqua Enforcer on Amazon ECS (privileged daemon)"},
	{Name: "the CrowdStrike Falcon sensor",
		Images:     []string{"crowdstrike/falcon-sensor", "falcon-sensor", "falcon-container"},
		Registries: []string{"registry.crowdstrike.com/falcon-sensor/*/release/falcon-sensor", "registry.crowdstrike.com/falcon-container/*/release/falcon-sensor"},
		Names:      []string{"falcon-sensor", "crowdstrike-falcon-sensor"},
		Source:     "falcon.crowdstrike.com docs, Falcon sensor for Linux on Amazon ECS (privileged daemon)"},
	{Name: "the GuardDuty runtime monitoring agent",
		Images: []string{"aws-guardduty-agent-fargate", "aws-guardduty-agent"},
		Names:  []string{"aws-gd-agent", "aws-guardduty-agent"},
		Source: "docs.aws.amazon.com, GuardDuty Runtime Monitoring for Amazon ECS (the sidecar AWS adds)"},
}

// hostMountsUnder are host paths whose mount (the path itself or one under it) marks a container as one
// that watches the host: its processes, devices, kernel, container runtime.
var hostMountsUnder = []string{
	"/proc", "/sys", "/dev", "/var/run/docker.sock", "/run/docker.sock", "/var/lib/docker", "/run/containerd",
	"/var/run/containerd", "/lib/modules",
}

// hostMountsExact are host paths whose mount marks a container as a host agent only when mounted whole:
// the host's root, all of its logs (a log shipper; an application's own /var/log/app is not), its runtime
// directory.
var hostMountsExact = []string{"/", "/var/log", "/var/run", "/run"}
