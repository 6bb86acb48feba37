package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ecsfix.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaults(t *testing.T) {
	t.Setenv("ECSFIX_CONFIG", "")
	t.Chdir(t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	c, err := Load(New(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Scan.Concurrency != DefaultConcurrency || c.Scan.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("scan defaults = %+v", c.Scan)
	}
	if c.Log.Level != "info" || c.Log.Format != "text" {
		t.Errorf("log defaults = %+v", c.Log)
	}
	s := c.Settings()
	if len(s.RequiredTags[detect.TypeService]) != 0 || len(s.Exemptions) != 0 {
		t.Errorf("settings = %+v", s)
	}
}

func TestEveryKeyHasADefault(t *testing.T) {
	v := New()
	for _, k := range Keys() {
		if k == "exemptions" || k == "fix.risk" || k == "fix.network.replacement_subnets" || k == "fix.host_network.awsvpc" {
			continue // a list of objects: file only
		}
		if !v.IsSet(k) {
			t.Errorf("key %s has no default, so ECSFIX_%s would be ignored", k, strings.ToUpper(strings.ReplaceAll(k, ".", "_")))
		}
	}
}

func TestFileAndEnvironment(t *testing.T) {
	p := writeFile(t, `
scan:
  concurrency: 4
controls: [ECS.5, exposure.privileged]
required_tags:
  service: [team, owner]
exemptions:
  - control: ECS.5
    arn: arn:aws:ecs:eu-west-1:123456789012:task-definition/legacy:7
    reason: vendor image writes to /
    expires: 2026-12-31
  - tag: ecsfix/exempt=true
`)
	t.Setenv("ECSFIX_SCAN_CONCURRENCY", "16")
	t.Setenv("ECSFIX_REQUIRED_TAGS_CLUSTER", "team,cost-center")
	c, err := Load(New(), p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Scan.Concurrency != 16 {
		t.Errorf("environment should override the file: concurrency = %d", c.Scan.Concurrency)
	}
	if got := strings.Join(c.RequiredTags.Cluster, "|"); got != "team|cost-center" {
		t.Errorf("cluster tags from environment = %q", got)
	}
	s := c.Settings()
	if got := s.RequiredTags[detect.TypeService]; len(got) != 2 {
		t.Errorf("service tags = %v", got)
	}
	if len(s.Exemptions) != 2 {
		t.Fatalf("exemptions = %+v", s.Exemptions)
	}
	if e := s.Exemptions[0]; !e.Expires.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a date expiry lasts through that day, got %v", e.Expires)
	}
	if e := s.Exemptions[1]; e.TagKey != "ecsfix/exempt" || e.TagValue != "true" {
		t.Errorf("tag exemption = %+v", e)
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"unknown key", "scann:\n  concurrency: 3\n", "scann"},
		{"unknown control", "controls: [ECS.99]\n", `unknown control id "ECS.99"`},
		{"unknown exemption control", "exemptions:\n  - control: ECS.7\n    arn: x\n", `exemptions[0].control`},
		{"exemption without target", "exemptions:\n  - control: ECS.5\n", "set exactly one of arn and tag"},
		{"bad expiry", "exemptions:\n  - arn: a\n    expires: soon\n", "exemptions[0].expires"},
		{"bad log format", "log:\n  format: xml\n", "log.format"},
		{"bad concurrency", "scan:\n  concurrency: 0\n", "scan.concurrency"},
		{"malformed yaml", "scan: [\n", "config file"},
		{"wrong type", "scan:\n  concurrency: many\n", "concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.body)
			_, err := Load(New(), p)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q should name %q and the file", err, tt.want)
			}
		})
	}
}

func TestMissingExplicitFile(t *testing.T) {
	_, err := Load(New(), filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v", err)
	}
}

func TestExpiredExemptions(t *testing.T) {
	c := &Config{Exemptions: []Exemption{{ARN: "a", Expires: "2020-01-01"}, {ARN: "b", Expires: "2999-01-01"}, {ARN: "c"}}}
	got := c.ExpiredExemptions(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if len(got) != 1 || got[0].ARN != "a" {
		t.Errorf("expired = %+v", got)
	}
}

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
	for _, bad := range []struct{ body, want string }{
		{"fix:\n  risk:\n    - control: ECS.5\n      risk: extreme\n", "fix.risk[0].risk"},
		{"fix:\n  unattended_risk: all\n", "fix.unattended_risk"},
		{"fix:\n  writable_paths: [tmp]\n", "fix.writable_paths[0]"},
		{"fix:\n  host_path: delete\n", "fix.host_path"},
		{"fix:\n  controls: [ECS.6]\n", "fix.controls"},
		{"fix:\n  secrets:\n    kms_key_id: alias/app\n", "fix.secrets.kms_key_id"},
		{"fix:\n  network:\n    replacement_subnets:\n      - vpc: vpc-1\n        subnets: [sn-1]\n", "fix.network.replacement_subnets[0].subnets"},
	} {
		if _, err := Load(New(), writeFile(t, bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want %q", bad.body, err, bad.want)
		}
	}
}

func TestUnknownEnvironmentVariable(t *testing.T) {
	t.Setenv("ECSFIX_FIX_UNATENDED_RISK", "none") // a typo of ECSFIX_FIX_UNATTENDED_RISK
	_, err := Load(New(), writeFile(t, ""))
	if err == nil || !strings.Contains(err.Error(), "ECSFIX_FIX_UNATENDED_RISK") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvironmentOverridesFixKeys(t *testing.T) {
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "none")
	t.Setenv("ECSFIX_FIX_WRITABLE_PATHS", "/tmp,/var/run")
	c, err := Load(New(), writeFile(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if c.Fix.UnattendedRisk != "none" || len(c.Fix.WritablePaths) != 2 {
		t.Errorf("fix = %+v", c.Fix)
	}
}
