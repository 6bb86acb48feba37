// Tests of validation: each bad value is refused with its key (and the file) in the error.

package config

import (
	"strings"
	"testing"
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
		{"fix:\n  controls: [ECS.6]\n", "fix.controls"},
		{"fix:\n  secrets:\n    kms_key_id: alias/app\n", "fix.secrets.kms_key_id"},
		{"fix:\n  network:\n    replacement_subnets:\n      - vpc: vpc-1\n        subnets: [sn-1]\n", "fix.network.replacement_subnets[0].subnets"},
	} {
		if _, err := Load(New(), writeFile(t, bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want %q", bad.body, err, bad.want)
		}
	}
}
