package plan

// Pins the ECS.3 remedy (pidMode host) as the planner applies it: the edit, and the note naming the
// containers that look like monitoring agents (each once, by the first fragment it matches).

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
	const tail = " looks like a monitoring agent, which usually needs the host's PID namespace: check it still works without pidMode host, or exempt this task definition from ECS.3"
	tests := []struct {
		name  string
		mods  []tdMod
		notes []string
	}{
		{"no agent, no note", nil, nil},
		{"an agent by image after a plain container", []tdMod{ctr("collector", "public.ecr.aws/datadog/agent:7")},
			[]string{`container "collector" (datadog)` + tail}},
		{"an agent by name, upper case", []tdMod{ctr("Node-Exporter", "example/metrics:1")},
			[]string{`container "Node-Exporter" (node-exporter)` + tail}},
		{"a container matching two fragments is named once, by the first fragment listed", []tdMod{ctr("sysdig", "falcosecurity/falco:0.37")},
			[]string{`container "sysdig" (falco)` + tail}},
		{"two agents, in container order", []tdMod{ctr("apm", "newrelic/infrastructure:1"), ctr("plain", "nginx:1"), ctr("sec", "wazuh/agent:4")},
			[]string{`container "apm" (newrelic), "sec" (wazuh)` + tail}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pinPlan(t, []detect.TaskDefinition{bTD("web", 1, append([]tdMod{hostPID}, tc.mods...)...)})
			a := pinOnlyRegistration(t, p)
			pinSameLines(t, "edits", pinEdits(a), []string{`ECS.3 pidMode: remove pidMode "host" (containers get their own process namespace)`})
			pinSameLines(t, "notes", a.Notes, tc.notes)
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
