// Tests of what the configuration gives the planner and the detector.

package config

import (
	"testing"
	"time"
)

func TestFixSection(t *testing.T) {
	p := writeFile(t, `
fix:
  controls: [ECS.5, ECS.10]
  risk:
    - control: ecs.5
      risk: low
  unattended_risk: medium
  writable_paths: [/tmp, /var/cache/nginx]
  linux_user: "1000"
  wait_timeout: 90s
  workloads:
    agent_images: [myorg/telemetry-agent]
    agent_containers: [telemetry]
    not_agents: [mycompany/datadog-dashboard-api]
    privileged_families: [code-sandbox]
`)
	c, err := Load(New(), p)
	if err != nil {
		t.Fatal(err)
	}
	o := c.PlanOptions()
	if o.Risk["ECS.5"] != "low" || len(o.Risk) != 1 {
		t.Errorf("risk overrides = %v (want ECS.5 in the registry's spelling)", o.Risk)
	}
	if len(o.WritablePaths) != 2 || o.LinuxUser != "1000" || o.HostPath != "read-only" || len(o.OwnerTagKeys) == 0 {
		t.Errorf("plan options = %+v", o)
	}
	w := o.Workloads
	if len(w.AgentImages) != 1 || w.AgentImages[0] != "myorg/telemetry-agent" || len(w.AgentContainers) != 1 || w.AgentContainers[0] != "telemetry" ||
		len(w.NotAgents) != 1 || w.NotAgents[0] != "mycompany/datadog-dashboard-api" || len(w.PrivilegedFamilies) != 1 || w.PrivilegedFamilies[0] != "code-sandbox" {
		t.Errorf("workloads = %+v", w)
	}
	if cv := c.ConfiguredValues(); len(cv.Workloads.PrivilegedFamilies) != 1 {
		t.Errorf("configured values' workloads = %+v", cv.Workloads)
	}
	if cv := c.ConfiguredValues(); len(cv.WritablePaths) != 2 || cv.WritablePaths[1] != "/var/cache/nginx" {
		t.Errorf("configured values' writable paths = %v (the applier re-derives ECS.5 with them)", cv.WritablePaths)
	}
	if c.UnattendedRisk() != "medium" || c.Fix.WaitTimeout.Seconds() != 90 {
		t.Errorf("unattended %q, wait %v", c.UnattendedRisk(), c.Fix.WaitTimeout)
	}
}

func TestExpiredExemptions(t *testing.T) {
	c := &Config{Exemptions: []Exemption{{ARN: "a", Expires: "2020-01-01"}, {ARN: "b", Expires: "2999-01-01"}, {ARN: "c"}}}
	got := c.ExpiredExemptions(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if len(got) != 1 || got[0].ARN != "a" {
		t.Errorf("expired = %+v", got)
	}
}
