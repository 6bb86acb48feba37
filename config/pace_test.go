// Tests of the pace section: overrides reach the table and the pacer; bad ones are refused naming the key.

package config

import (
	"strings"
	"testing"
)

func TestPaceSection(t *testing.T) {
	c, err := Load(New(), writeFile(t, "pace:\n  quotas:\n    - {service: ecs, group: task-definition-modify, burst: 40, rate: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Pace.Adaptive {
		t.Error("pace.adaptive defaults to true")
	}
	table, err := c.QuotaTable()
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := table.Lookup("ecs", "RegisterTaskDefinition"); q.Burst != 40 || q.Rate != 2 {
		t.Errorf("the override did not reach the table: %+v", q)
	}
	if q, _ := table.Lookup("ecs", "UpdateService"); q.Burst != 50 || q.Rate != 5 {
		t.Errorf("another group changed: %+v", q)
	}
	p, err := c.NewPacer()
	if err != nil {
		t.Fatal(err)
	}
	if r := p.Rate("111111111111", "eu-west-1", "ecs", "DeregisterTaskDefinition"); r != 2 {
		t.Errorf("the pacer's rate = %v, want the override's 2", r)
	}

	t.Setenv("ECSFIX_PACE_ADAPTIVE", "false")
	c, err = Load(New(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Pace.Adaptive {
		t.Error("ECSFIX_PACE_ADAPTIVE=false was ignored")
	}
}

func TestPaceSectionRejects(t *testing.T) {
	for _, bad := range []struct{ body, want string }{
		{"pace:\n  quotas:\n    - {service: ecs, group: task-definitions, burst: 40, rate: 2}\n", "pace.quotas[0]: no quota group ecs/task-definitions (groups: ecs/cluster-read"},
		{"pace:\n  quotas:\n    - {service: ecs, burst: 40, rate: 2}\n", "pace.quotas[0]: service and group are required"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: 0, rate: 2}\n", "pace.quotas[0].burst"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: 10, rate: 0}\n", "pace.quotas[0].rate"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: 10, rate: -1}\n", "pace.quotas[0].rate"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: 10, rate: 1e9}\n", "pace.quotas[0].rate"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: 10, rate: 1}\n    - {service: ecs, group: service-read, burst: 20, rate: 1}\n", "pace.quotas[1]: ecs/service-read is set by pace.quotas[0] too"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: many, rate: 1}\n", "burst"},
		{"pace:\n  quotas:\n    - {service: ecs, group: service-read, burst: 10, rate: 1, size: 3}\n", "size"},
		{"pace:\n  adaptive: sometimes\n", "pace.adaptive"},
	} {
		p := writeFile(t, bad.body)
		_, err := Load(New(), p)
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: err = %v, want %q and the file", bad.body, err, bad.want)
		}
	}
}
