package plan

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// monitoringAgents are name fragments of containers that usually need the host's PID namespace.
var monitoringAgents = []string{
	"datadog", "newrelic", "new-relic", "dynatrace", "oneagent", "cadvisor", "node-exporter", "node_exporter",
	"falco", "sysdig", "twistlock", "prisma", "aquasec", "crowdstrike", "instana", "signalfx", "appdynamics",
	"elastic-agent", "wazuh",
}

// fixECS3 removes pidMode host (ECS.3, host-PID exposure). Monitoring agents usually need the host's
// process namespace: containers that look like one are named in a note.
func fixECS3(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	if in.PidMode != ecstypes.PidModeHost {
		return fixOutcome{}
	}
	in.PidMode = ""
	out := fixOutcome{Edits: []Edit{{Control: detect.ECS3ID, Path: "pidMode", Change: `remove pidMode "host" (containers get their own process namespace)`}}}
	var agents []string
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		text := strings.ToLower(aws.ToString(c.Name) + " " + aws.ToString(c.Image))
		for _, a := range monitoringAgents {
			if strings.Contains(text, a) {
				agents = append(agents, fmt.Sprintf("%q (%s)", containerLabel(c, i), a))
				break
			}
		}
	}
	if len(agents) > 0 {
		out.Notes = append(out.Notes, "container "+strings.Join(agents, ", ")+
			" looks like a monitoring agent, which usually needs the host's PID namespace: check it still works without pidMode host, or exempt this task definition from ECS.3")
	}
	return out
}
