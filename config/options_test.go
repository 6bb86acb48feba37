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
