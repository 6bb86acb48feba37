package cli

// Rollback needs the approval an apply of the reversed changes would need: what apply --auto applied
// unattended is not undone unattended.

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestRollbackOfUnattendedApplyNeedsApproval(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	journal, planFile := filepath.Join(dir, "auto.journal"), filepath.Join(dir, "auto.plan.json")

	if out, errOut, code := runCLI(t, "apply", "--auto", "--journal", journal, "--out", planFile); code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if insights(t, cfg) != "enabled" {
		t.Fatalf("Container Insights not enabled by apply --auto")
	}
	// Undoing turns Container Insights off and pins the platform again: high risk, as an apply of it.
	out, errOut, code := runCLI(t, "rollback", "--plan", planFile, journal)
	if code != exitNotApproved || !strings.Contains(errOut, "rollback restores the state before") {
		t.Fatalf("unapproved rollback: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitNotApproved, out, errOut)
	}
	if insights(t, cfg) != "enabled" {
		t.Errorf("the unapproved rollback changed Container Insights")
	}
	if _, pv := describeServiceNamed(t, cfg, "api"); pv != "LATEST" {
		t.Errorf("the unapproved rollback moved service api to platform %s", pv)
	}
	if out, errOut, code := runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-1"); code != 0 {
		t.Fatalf("approve: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code := runCLI(t, "rollback", "--plan", planFile, journal); code != 0 {
		t.Fatalf("approved rollback: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if v := insights(t, cfg); v == "enabled" {
		t.Errorf("Container Insights still enabled after the approved rollback")
	}
	if _, pv := describeServiceNamed(t, cfg, "api"); pv != "1.3.0" {
		t.Errorf("service api on platform %s after the approved rollback, want 1.3.0", pv)
	}
}
