// Tests of the approval policy's sources: a ./ecsfix.yaml in the working directory may tighten
// fix.unattended_risk, fix.risk and approvals.*, never loosen them; the trusted sources (an explicit
// file, the user's file, the environment) decide.

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/viper"

	"github.com/ecsfix/ecsfix/plan"
)

// inWorkDir runs in a fresh working directory holding ./ecsfix.yaml (local, unless empty) and a user
// configuration file (user, unless empty), with no $ECSFIX_CONFIG.
func inWorkDir(t *testing.T, local, user string) {
	t.Helper()
	t.Setenv("ECSFIX_CONFIG", "")
	t.Chdir(t.TempDir())
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	if local != "" {
		if err := os.WriteFile("ecsfix.yaml", []byte(local), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if user != "" {
		if err := os.MkdirAll(filepath.Join(xdg, "ecsfix"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(xdg, "ecsfix", "config.yaml"), []byte(user), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func riskOf(c *Config, control string) plan.Risk {
	return plan.ControlRisk(control, c.PlanOptions().Risk)
}

func TestWorkingDirectoryFileMayOnlyTighten(t *testing.T) {
	tests := []struct {
		name        string
		local, user string
		env         map[string]string
		explicit    bool // pass ./ecsfix.yaml as --config: trusted
		unattended  plan.Risk
		risks       map[string]plan.Risk
		warn        []string // each warning names the file and the key
	}{
		{name: "loosening unattended risk ignored", local: "fix:\n  unattended_risk: high\n",
			unattended: "low", warn: []string{"fix.unattended_risk"}},
		{name: "tightening unattended risk kept", local: "fix:\n  unattended_risk: none\n", unattended: "none"},
		{name: "the user's file is the policy", local: "scan:\n  concurrency: 2\n", user: "fix:\n  unattended_risk: medium\n", unattended: "medium"},
		{name: "looser than the user's file ignored", local: "fix:\n  unattended_risk: high\n", user: "fix:\n  unattended_risk: medium\n",
			unattended: "medium", warn: []string{"fix.unattended_risk"}},
		{name: "tighter than the user's file kept", local: "fix:\n  unattended_risk: low\n", user: "fix:\n  unattended_risk: medium\n", unattended: "low"},
		{name: "the environment decides", local: "fix:\n  unattended_risk: none\n", env: map[string]string{"ECSFIX_FIX_UNATTENDED_RISK": "medium"}, unattended: "medium"},
		{name: "an explicit file is trusted", local: "fix:\n  unattended_risk: high\n  risk:\n    - {control: ECS.4, risk: low}\n", explicit: true,
			unattended: "high", risks: map[string]plan.Risk{"ECS.4": "low", "EXPOSURE.privileged": "low"}},
		{name: "lowering risk override ignored", local: "fix:\n  risk:\n    - {control: ECS.4, risk: low}\n    - {control: ECS.12, risk: high}\n",
			unattended: "low", risks: map[string]plan.Risk{"ECS.4": "high", "EXPOSURE.privileged": "high", "ECS.12": "high"}, warn: []string{"fix.risk[0]", "ECS.4"}},
		{name: "lowering through a related control ignored", local: "fix:\n  risk:\n    - {control: EXPOSURE.privileged, risk: low}\n",
			unattended: "low", risks: map[string]plan.Risk{"EXPOSURE.privileged": "high"}, warn: []string{"fix.risk[0]"}},
		{name: "the README's example lowering ECS.5 ignored", local: "fix:\n  risk:\n    - {control: ECS.5, risk: low}\n",
			unattended: "low", risks: map[string]plan.Risk{"ECS.5": "medium"}, warn: []string{"fix.risk[0]", "ECS.5"}},
		{name: "the user's overrides apply, the local file raises one", local: "fix:\n  risk:\n    - {control: ECS.10, risk: medium}\n",
			user: "fix:\n  risk:\n    - {control: ECS.5, risk: low}\n", unattended: "low", risks: map[string]plan.Risk{"ECS.5": "low", "ECS.10": "medium"}},
		{name: "the local file cannot undo the user's raise", local: "fix:\n  risk:\n    - {control: ECS.10, risk: low}\n",
			user: "fix:\n  risk:\n    - {control: ECS.10, risk: high}\n", unattended: "low", risks: map[string]plan.Risk{"ECS.10": "high"}, warn: []string{"fix.risk[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inWorkDir(t, tt.local, tt.user)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			file := ""
			if tt.explicit {
				file = "ecsfix.yaml"
			}
			c, warnings, err := LoadWithWarnings(New(), file)
			if err != nil {
				t.Fatal(err)
			}
			if c.Fix.UnattendedRisk != string(tt.unattended) {
				t.Errorf("unattended risk %q, want %q", c.Fix.UnattendedRisk, tt.unattended)
			}
			for id, want := range tt.risks {
				if got := riskOf(c, id); got != want {
					t.Errorf("risk of %s = %s, want %s", id, got, want)
				}
			}
			text := strings.Join(warnings, "\n")
			if len(tt.warn) == 0 && text != "" {
				t.Errorf("unexpected warnings: %s", text)
			}
			for _, w := range tt.warn {
				if !strings.Contains(text, w) || !strings.Contains(text, "config file ecsfix.yaml") {
					t.Errorf("warnings %q should name ecsfix.yaml and %q", text, w)
				}
			}
		})
	}
}

// TestWorkingDirectoryFileStillConfigures: other keys of ./ecsfix.yaml keep working, and a bad policy
// value there is still refused, naming the file.
func TestWorkingDirectoryFileStillConfigures(t *testing.T) {
	inWorkDir(t, "scan:\n  concurrency: 3\nfix:\n  unattended_risk: high\n", "")
	c, err := Load(New(), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Scan.Concurrency != 3 {
		t.Errorf("concurrency %d", c.Scan.Concurrency)
	}
	inWorkDir(t, "fix:\n  unattended_risk: everything\n", "")
	if _, err := Load(New(), ""); err == nil || !strings.Contains(err.Error(), "ecsfix.yaml") || !strings.Contains(err.Error(), "fix.unattended_risk") {
		t.Errorf("err = %v", err)
	}
	inWorkDir(t, "fix:\n  risk:\n    - {control: ECS.99, risk: low}\n", "")
	if _, err := Load(New(), ""); err == nil || !strings.Contains(err.Error(), "ecsfix.yaml") || !strings.Contains(err.Error(), "ECS.99") {
		t.Errorf("err = %v", err)
	}
}

// TestApprovalsKeysMayOnlyTighten drives trustPolicy with approvals.* keys as the approvals settings
// hold them: quorums may grow, maximum ages shrink, the allowed signers never change.
func TestApprovalsKeysMayOnlyTighten(t *testing.T) {
	read := func(body string) *viper.Viper {
		t.Helper()
		v := New()
		v.SetConfigType("yaml")
		if err := v.ReadConfig(strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		return v
	}
	inWorkDir(t, "", `approvals:
  allowed_signers: /etc/ecsfix/allowed_signers
  quorum: {high: 2}
  max_plan_age: 72h
  max_approval_age: 24h
`)
	user := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "ecsfix", "config.yaml")
	v := read(`approvals:
  allowed_signers: ./my_signers
  quorum: {high: 1, medium: 2}
  max_plan_age: 0
  max_approval_age: 1h
`)
	warnings, err := trustPolicy(v, "ecsfix.yaml", user)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"approvals.allowed_signers":  "/etc/ecsfix/allowed_signers", // never from the working directory
		"approvals.quorum.high":      2,                             // 1 would loosen
		"approvals.quorum.medium":    2,                             // tighter than none
		"approvals.max_plan_age":     "72h",                         // 0 (no limit) would loosen
		"approvals.max_approval_age": "1h",                          // shorter: kept
	}
	for k, w := range want {
		if !sameValue(v.Get(k), w) {
			t.Errorf("%s = %v, want %v", k, v.Get(k), w)
		}
	}
	text := strings.Join(warnings, "\n")
	for _, k := range []string{"approvals.allowed_signers", "approvals.quorum.high", "approvals.max_plan_age"} {
		if !strings.Contains(text, "ecsfix.yaml: "+k+":") {
			t.Errorf("no warning for %s: %s", k, text)
		}
	}
	for _, k := range []string{"approvals.quorum.medium", "approvals.max_approval_age"} {
		if strings.Contains(text, k) {
			t.Errorf("a tightening %s warned: %s", k, text)
		}
	}
}

// TestConfiguredValuesForApplyComeFromTrustedSources: the values a plan is re-derived against when applying
// (trusted CIDRs, replacement subnets, host-network networks, the log group template) are the trusted
// sources' alone: a ./ecsfix.yaml of the working directory shapes what plan proposes, never what apply accepts.
func TestConfiguredValuesForApplyComeFromTrustedSources(t *testing.T) {
	inWorkDir(t, `fix:
  network:
    trusted_cidrs: [203.0.113.0/24]
  logs:
    group_template: /attacker/{family}
`, `fix:
  network:
    trusted_cidrs: [10.0.0.0/8]
`)
	c, err := Load(New(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.PlanOptions().TrustedCIDRs; len(got) != 1 || got[0] != "203.0.113.0/24" {
		t.Errorf("plan's trusted CIDRs = %v, want the working directory's", got)
	}
	cv := c.ConfiguredValues()
	if len(cv.TrustedCIDRs) != 1 || cv.TrustedCIDRs[0] != "10.0.0.0/8" {
		t.Errorf("apply's trusted CIDRs = %v, want the user's file's only", cv.TrustedCIDRs)
	}
	if cv.LogGroupTemplate == "/attacker/{family}" {
		t.Errorf("apply's log group template is the working directory's %q", cv.LogGroupTemplate)
	}

	// With an explicit file, that file is the trusted source.
	t.Setenv("ECSFIX_CONFIG", "ecsfix.yaml")
	c, err = Load(New(), "")
	if err != nil {
		t.Fatal(err)
	}
	if cv := c.ConfiguredValues(); len(cv.TrustedCIDRs) != 1 || cv.TrustedCIDRs[0] != "203.0.113.0/24" {
		t.Errorf("apply's trusted CIDRs with an explicit file = %v, want that file's", cv.TrustedCIDRs)
	}
}

// TestAllowedSignersOnlyInWorkDir: allowed_signers set only in ./ecsfix.yaml is not taken, and the warning
// says the trusted configuration sets none (not "a tightening of the trusted ", with nothing after it).
func TestAllowedSignersOnlyInWorkDir(t *testing.T) {
	inWorkDir(t, "", "fix:\n  unattended_risk: low\n")
	user := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "ecsfix", "config.yaml")
	v := New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader("approvals:\n  allowed_signers: ./my_signers\n")); err != nil {
		t.Fatal(err)
	}
	warnings, err := trustPolicy(v, "ecsfix.yaml", user)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.GetString("approvals.allowed_signers"); got != "" {
		t.Errorf("approvals.allowed_signers = %q, taken from the working directory", got)
	}
	text := strings.Join(warnings, "\n")
	if !strings.Contains(text, "approvals.allowed_signers: ./my_signers is not taken from this file (the trusted configuration sets none") ||
		strings.Contains(text, "trusted ;") {
		t.Errorf("warnings: %s", text)
	}
}
