// Tests of validation: each bad value is refused with its key (and the file) in the error.

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/plan"
)

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
		{"zero snapshot file limit", "snapshot:\n  max_file_bytes: 0\n", "snapshot.max_file_bytes"},
		{"negative snapshot file count", "snapshot:\n  max_files: -1\n", "snapshot.max_files"},
		{"malformed yaml", "scan: [\n", "config file"},
		{"wrong type", "scan:\n  concurrency: many\n", "concurrency"},
		{"bad role name", "accounts:\n  role_name: \"arn:aws:iam::111111111111:role/x\"\n", "accounts.role_name"},
		{"role name too long", "accounts:\n  role_name: " + strings.Repeat("r", 65) + "\n", "accounts.role_name"},
		{"bad external id", "accounts:\n  external_id: \"a b\"\n", "accounts.external_id"},
		{"bad account concurrency", "accounts:\n  concurrency: 0\n", "accounts.concurrency"},
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

func TestFixSectionRejects(t *testing.T) {
	for _, bad := range []struct{ body, want string }{
		{"fix:\n  risk:\n    - control: ECS.5\n      risk: extreme\n", "fix.risk[0].risk"},
		{"fix:\n  unattended_risk: all\n", "fix.unattended_risk"},
		{"fix:\n  writable_paths: [tmp]\n", "fix.writable_paths[0]"},
		{"fix:\n  host_path: delete\n", "fix.host_path"},
		{"fix:\n  writable_paths: [/]\n", "fix.writable_paths[0]"},
		{"fix:\n  workloads:\n    agent_images: [\"datadog/*\"]\n", "fix.workloads.agent_images[0]"},
		{"fix:\n  workloads:\n    not_agents: [ok, \"two words\"]\n", "fix.workloads.not_agents[1]"},
		{"fix:\n  workloads:\n    privileged_families: [\"\"]\n", "fix.workloads.privileged_families[0]"},
		{"fix:\n  controls: [ECS.6]\n", "fix.controls"},
		{"fix:\n  secrets:\n    kms_key_id: alias/app\n", "fix.secrets.kms_key_id"},
		{"fix:\n  network:\n    replacement_subnets:\n      - vpc: vpc-1\n        subnets: [sn-1]\n", "fix.network.replacement_subnets[0].subnets"},
	} {
		if _, err := Load(New(), writeFile(t, bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want %q", bad.body, err, bad.want)
		}
	}
}

func TestApprovalsSection(t *testing.T) {
	dir := t.TempDir()
	signers := filepath.Join(dir, "allowed_signers")
	key := "AAAAC3NzaC1lZDI1NTE5AAAAIJ0QvYVxRGcz2hYHkcI4+Ek3x8W/6ZyCDQaDtclp3sR3"
	if err := os.WriteFile(signers, []byte("alice ssh-ed25519 "+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# nobody yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ body, want string }{
		{"approvals:\n  allowed_signers: " + filepath.Join(dir, "missing") + "\n", "approvals.allowed_signers: open"},
		{"approvals:\n  allowed_signers: " + empty + "\n", "no allowed signer"},
		{"approvals:\n  allowed_signers: " + dir + "\n", "approvals.allowed_signers"},
		{"approvals:\n  quorum:\n    high: 0\n", "approvals.quorum.high: 0 is outside 1..10"},
		{"approvals:\n  quorum:\n    medium: -1\n", "approvals.quorum.medium"},
		{"approvals:\n  max_plan_age: soon\n", "max_plan_age"},
		{"approvals:\n  max_approval_age: -1h\n", "approvals.max_approval_age: -1h0m0s is negative"},
		{"approvals:\n  signers: x\n", "signers"},
	} {
		if _, err := Load(New(), writeFile(t, bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want %q", bad.body, err, bad.want)
		}
	}

	c, err := Load(New(), writeFile(t, "approvals:\n  allowed_signers: "+signers+
		"\n  quorum: {low: 1, medium: 1, high: 2}\n  max_plan_age: 72h\n  max_approval_age: 24h\n"))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.ApprovalPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if pol.Signers == nil || len(pol.Signers.Signers) != 1 || pol.QuorumFor(plan.RiskHigh) != 2 || pol.QuorumFor(plan.RiskMedium) != 1 ||
		pol.MaxPlanAge != 72*time.Hour || pol.MaxApprovalAge != 24*time.Hour {
		t.Errorf("policy = %+v", pol)
	}

	// The environment sets each key too.
	t.Setenv("ECSFIX_APPROVALS_QUORUM_HIGH", "3")
	t.Setenv("ECSFIX_APPROVALS_MAX_APPROVAL_AGE", "90m")
	c, err = Load(New(), writeFile(t, "{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if pol, err := c.ApprovalPolicy(); err != nil || pol.Signers != nil || pol.QuorumFor(plan.RiskHigh) != 3 || pol.MaxApprovalAge != 90*time.Minute || pol.MaxPlanAge != 0 {
		t.Errorf("policy from the environment = %+v, %v", pol, err)
	}
}

// TestNamesThatBecomeGrantsRejects: the names and ARNs that become the resources of the grants ecsfix
// writes are refused, naming the key, when AWS would refuse them or IAM would read them as a pattern.
func TestNamesThatBecomeGrantsRejects(t *testing.T) {
	for _, bad := range []struct{ body, want string }{
		{"fix:\n  logs:\n    group_template: \"*{container}*\"\n", "fix.logs.group_template"},
		{"fix:\n  logs:\n    group_template: /ecs/{family}?\n", "character '?'"},
		{"fix:\n  logs:\n    group_template: /ecs/../{family}\n", `".." path segment`},
		{"fix:\n  logs:\n    group_template: aws/{family}\n", "reserves"},
		{"fix:\n  logs:\n    group_template: /ecs/{family}/{task}\n", "character '{'"},
		{"fix:\n  logs:\n    group_template: /ecs/{family}/" + strings.Repeat("x", 510) + "\n", "AWS allows 512"},
		{"fix:\n  logs:\n    kms_key_id: \"*\"\n", "fix.logs.kms_key_id"},
		{"fix:\n  secrets:\n    name_prefix: ../..\n", "fix.secrets.name_prefix"},
		{"fix:\n  secrets:\n    name_prefix: \"ecsfix/*\"\n", "character '*'"},
		{"fix:\n  secrets:\n    name_prefix: /ecsfix\n", "starts with /"},
		{"fix:\n  secrets:\n    name_prefix: ecsfix/./x\n", `"." path segment`},
		{"fix:\n  secrets:\n    name_prefix: \"\"\n", "fix.secrets.name_prefix"},
		{"fix:\n  secrets:\n    kms_key_id: \"*\"\n", "fix.secrets.kms_key_id"},
		{"fix:\n  secrets:\n    kms_key_id: arn:aws:kms:eu-west-1:111122223333:key/*\n", "fix.secrets.kms_key_id"},
		{"fix:\n  secrets:\n    execution_role: arn:aws:iam::111122223333:role/*\n", "fix.secrets.execution_role"},
		{"fix:\n  secrets:\n    execution_role: \"arn:aws:iam::*:role/exec\"\n", "fix.secrets.execution_role"},
	} {
		p := writeFile(t, bad.body)
		_, err := Load(New(), p)
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%q: err = %v, want %q and the file", bad.body, err, bad.want)
		}
	}
	ok := "fix:\n  logs:\n    group_template: /ecs/{family}/{container}\n  secrets:\n    name_prefix: team/ecsfix/\n" +
		"    kms_key_id: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\n" +
		"    execution_role: arn:aws:iam::111122223333:role/service/ecsTaskExecutionRole\n"
	if _, err := Load(New(), writeFile(t, ok)); err != nil {
		t.Errorf("valid names refused: %v", err)
	}
}

func TestAccountsSection(t *testing.T) {
	p := writeFile(t, "accounts:\n  role_name: /ops/ecsfix-member\n  external_id: Shh-7f3a9\n  concurrency: 2\n")
	c, err := Load(New(), p)
	if err != nil {
		t.Fatal(err)
	}
	if c.Accounts.RoleName != "/ops/ecsfix-member" || c.Accounts.ExternalID != "Shh-7f3a9" || c.Accounts.Concurrency != 2 {
		t.Errorf("accounts = %+v", c.Accounts)
	}
	d, err := Load(New(), writeFile(t, "regions: [eu-west-1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Accounts.Concurrency != DefaultAccountConcurrency || d.Accounts.RoleName != "" {
		t.Errorf("default accounts = %+v", d.Accounts)
	}
	// A bad external id is refused without repeating it.
	_, err = Load(New(), writeFile(t, "accounts:\n  external_id: \"Shh secret\"\n"))
	if err == nil || !strings.Contains(err.Error(), "accounts.external_id") || strings.Contains(err.Error(), "Shh secret") {
		t.Errorf("error = %v, want one naming accounts.external_id without its value", err)
	}
}

// TestUsersValidated: fix.linux_user and fix.windows_user name a non-root, non-administrator user, or
// the key names the bad value.
func TestUsersValidated(t *testing.T) {
	for _, tt := range []struct {
		key, value string
		ok         bool
	}{
		{"fix.linux_user", "1000", true}, {"fix.linux_user", "1000:1000", true}, {"fix.linux_user", "app:app", true}, {"fix.linux_user", "nobody", true},
		{"fix.linux_user", "root", false}, {"fix.linux_user", "0", false}, {"fix.linux_user", "00", false}, {"fix.linux_user", "0:1000", false},
		{"fix.linux_user", "a b", false}, {"fix.linux_user", "1000:", false}, {"fix.linux_user", "+0", false},
		{"fix.windows_user", "ContainerUser", true},
		{"fix.windows_user", "ContainerAdministrator", false}, {"fix.windows_user", "containeradministrator", false}, {"fix.windows_user", "bad\nname", false},
	} {
		check := checkLinuxUser
		if tt.key == "fix.windows_user" {
			check = checkWindowsUser
		}
		err := check(tt.key, tt.value)
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), tt.key)) {
			t.Errorf("%s %q: %v, want ok=%v naming the key", tt.key, tt.value, err, tt.ok)
		}
	}
}
