// Tests of reading the configuration: defaults, file, environment and their precedence, unknown
// variables, a missing file.

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

func TestMissingExplicitFile(t *testing.T) {
	_, err := Load(New(), filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v", err)
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
