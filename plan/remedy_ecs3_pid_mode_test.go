package plan

// Pins the ECS.3 remedy (pidMode host) as the planner applies it: the edit, and the Not-fixed reason
// naming the containers that are host agents (workload.go), by image path segments or exact name.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRemedyECS3PidMode(t *testing.T) {
	hostPID := func(td *detect.TaskDefinition) { td.PidMode = ecstypes.PidModeHost }
	ctr := func(name, image string) tdMod {
		c := bContainer(name)
		c.Image = aws.String(image)
		return withContainer(c)
	}
	const tail = ", which usually needs the host's process namespace (pidMode host) to see the instance's processes: pidMode host is left as it is; " +
		"list the container in fix.workloads.not_agents to remove it anyway, or exempt this task definition from ECS.3"
	tests := []struct {
		name string
		mods []tdMod
		opts func(*Options)
		// skip is the Not-fixed reason ("" when pidMode host is removed).
		skip string
	}{
		{name: "no agent: removed"},
		{name: "an image whose name only resembles an agent's: removed", mods: []tdMod{ctr("dash", "mycompany/datadog-dashboard-api:3"), ctr("nr", "example/newrelic-infra-tools:1")}},
		{name: "an agent by image after a plain container", mods: []tdMod{ctr("collector", "public.ecr.aws/datadog/agent:7")},
			skip: `container "collector" is a host agent (image public.ecr.aws/datadog/agent:7 is the Datadog Agent (docs.datadoghq.com, Amazon ECS (datadog-agent daemon task definition mounting docker.sock, /proc, /sys/fs/cgroup)))` + tail},
		{name: "a look-alike's name on another image: removed", mods: []tdMod{ctr("Node-Exporter", "example/metrics:1"), ctr("xray", "teddysun/xray:1.8")}},
		{name: "an agent by name, upper case", mods: []tdMod{ctr("Node-Exporter", "registry.acme.internal/prom/node-exporter:1")},
			skip: `container "Node-Exporter" is a host agent (container name Node-Exporter is that of the Prometheus node exporter (github.com/prometheus/node_exporter README (Docker: --net=host --pid=host -v /:/host:ro)))` + tail},
		{name: "two agents, in container order", mods: []tdMod{ctr("apm", "newrelic/infrastructure:1"), ctr("plain", "nginx:1"), ctr("sec", "wazuh/agent:4")},
			skip: `container "apm" is a host agent (image newrelic/infrastructure:1 is the New Relic infrastructure agent (docs.newrelic.com, Install the ECS integration (newrelic-infra daemon task definition: privileged, host network, pid host))), ` +
				`"sec" is a host agent (image wazuh/agent:4 is the Wazuh agent (documentation.wazuh.com, Wazuh agent in Docker))` + tail},
		{name: "an agent declared not one: removed", mods: []tdMod{ctr("collector", "public.ecr.aws/datadog/agent:7")},
			opts: func(o *Options) { o.Workloads.NotAgents = []string{"datadog/agent"} }},
		{name: "an agent by configuration", mods: []tdMod{ctr("tel", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/telemetry:9")},
			opts: func(o *Options) { o.Workloads.AgentImages = []string{"platform/telemetry"} },
			skip: `container "tel" is a host agent (image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/telemetry:9 is a host agent (fix.workloads.agent_images platform/telemetry))` + tail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*Options)
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			tds := []detect.TaskDefinition{bTD("web", 1, append([]tdMod{hostPID}, tc.mods...)...)}
			if tc.skip != "" {
				in := bInventory(tds, nil)
				p, err := Build(in, pinResults(in, "ECS.3", bTDArn("web", 1)), bOptions(opts...))
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Actions) != 0 || !hasSkipped(p, "ECS.3", bTDArn("web", 1), tc.skip) {
					t.Errorf("actions %+v\nskipped %+v", p.Actions, p.Skipped)
				}
				return
			}
			p := pinPlan(t, tds, opts...)
			a := pinOnlyRegistration(t, p)
			pinSameLines(t, "edits", pinEdits(a), []string{`ECS.3 pidMode: remove pidMode "host" (containers get their own process namespace)`})
			if in := afterInput(t, a); in.PidMode != "" || len(in.ContainerDefinitions) != 1+len(tc.mods) {
				t.Errorf("after pidMode %q, %d containers", in.PidMode, len(in.ContainerDefinitions))
			}
		})
	}
}

// TestRemedyECS3Forged asks the planner to fix ECS.3 on revisions without pidMode host: nothing changes.
func TestRemedyECS3Forged(t *testing.T) {
	for _, mode := range []ecstypes.PidMode{"", ecstypes.PidModeTask} {
		t.Run(string(mode), func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{bTD("web", 1, func(td *detect.TaskDefinition) { td.PidMode = mode })}, nil)
			p, err := Build(in, pinResults(in, "ECS.3", bTDArn("web", 1)), bOptions())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
		})
	}
}
