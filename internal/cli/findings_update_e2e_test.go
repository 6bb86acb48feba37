// End-to-end tests of apply --update-findings, apply --auto --findings and rollback --update-findings on
// the emulator: the findings in Security Hub after each command.

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// shStates reads each finding's workflow status and note.
func shStates(t *testing.T, cfg aws.Config) map[string][2]string {
	t.Helper()
	out, err := securityhub.NewFromConfig(cfg).GetFindings(context.Background(), &securityhub.GetFindingsInput{MaxResults: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	st := map[string][2]string{}
	for _, f := range out.Findings {
		note := ""
		if f.Note != nil {
			note = aws.ToString(f.Note.Text) + " (by " + aws.ToString(f.Note.UpdatedBy) + ")"
		}
		st[aws.ToString(f.Id)] = [2]string{string(f.Workflow.Status), note}
	}
	return st
}

// findingsEstate builds the small estate and imports two live findings (ECS.12 on cluster prod, ECS.10 on
// service api) and a stale one.
func findingsEstate(t *testing.T) (aws.Config, string) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	account := mototest.AccountID(cfg)
	arn := func(rest string) string { return "arn:aws:ecs:us-east-1:" + account + ":" + rest }
	failedNew := func(id, control, rtype, res string) shFinding {
		return shFinding{id: id, control: control, rtype: rtype, arn: res, compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew}
	}
	importSH(t, ctx, cfg,
		failedNew("live-ecs12", "ECS.12", "AwsEcsCluster", arn("cluster/prod")),
		failedNew("live-ecs10", "ECS.10", "AwsEcsService", arn("service/prod/api")),
		failedNew("stale-ecs5", "ECS.5", "AwsEcsTaskDefinition", arn("task-definition/api:1")),
	)
	liveEnv(t, cfg)
	return cfg, account
}

// plan --findings securityhub, approve, apply --update-findings: the fixed findings are RESOLVED with a
// note naming the plan's hash and the approver, the stale one untouched; --dry-run updates nothing;
// rollback --update-findings sets them back to NEW.
func TestApplyUpdateFindings(t *testing.T) {
	cfg, _ := findingsEstate(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "plan.json")
	if stdout, stderr, code := runCLI(t, "plan", "--findings", "securityhub", "--out", out); code != exitOK {
		t.Fatalf("plan: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, errOut, code := runCLI(t, "approve", out, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	p, err := plan.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	hash := p.ContentHash()

	stdout, stderr, code := runCLI(t, "apply", out, "--dry-run", "--update-findings")
	if code != exitOK || !strings.Contains(stdout, "would update finding live-ecs12: workflow status RESOLVED") {
		t.Fatalf("apply --dry-run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for id, s := range shStates(t, cfg) {
		if s != [2]string{"NEW", ""} {
			t.Errorf("--dry-run changed finding %s: %v", id, s)
		}
	}

	stdout, stderr, code = runCLI(t, "apply", out, "--update-findings")
	if code != exitOK {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	st := shStates(t, cfg)
	for _, id := range []string{"live-ecs12", "live-ecs10"} {
		s := st[id]
		if s[0] != "RESOLVED" || !strings.Contains(s[1], hash) || !strings.Contains(s[1], "approved by alice") || !strings.HasSuffix(s[1], "(by ecsfix)") {
			t.Errorf("%s = %v, want RESOLVED with a note naming %s and alice, by ecsfix", id, s, hash)
		}
	}
	if st["stale-ecs5"] != [2]string{"NEW", ""} {
		t.Errorf("the stale finding was updated: %v", st["stale-ecs5"])
	}
	if !strings.Contains(stdout, "finding live-ecs12: workflow status RESOLVED") {
		t.Errorf("apply does not say what it updated:\n%s", stdout)
	}

	stdout, stderr, code = runCLI(t, "rollback", out+".journal", "--update-findings")
	if code != exitOK {
		t.Fatalf("rollback: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	st = shStates(t, cfg)
	for _, id := range []string{"live-ecs12", "live-ecs10"} {
		if s := st[id]; s[0] != "NEW" || !strings.Contains(s[1], "rolled back plan "+hash) {
			t.Errorf("after rollback %s = %v, want NEW with a note", id, s)
		}
	}
}

// apply --auto --findings securityhub --update-findings applies the low-risk fix and resolves its
// finding, and marks the finding whose fix waits for approval NOTIFIED, naming what waits.
func TestApplyAutoFindingsNotified(t *testing.T) {
	cfg, _ := findingsEstate(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "ecsfix.yaml") // ECS.10's fix (service api) needs an approval
	if err := os.WriteFile(conf, []byte("fix:\n  risk:\n    - {control: ECS.10, risk: high}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, "--config", conf, "apply", "--auto", "--findings", "securityhub", "--update-findings",
		"--journal", filepath.Join(dir, "auto.journal"), "--out", filepath.Join(dir, "auto.plan.json"))
	if code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitLeftForApproval, stdout, stderr)
	}
	st := shStates(t, cfg)
	if s := st["live-ecs12"]; s[0] != "RESOLVED" || !strings.Contains(s[1], "unattended") {
		t.Errorf("live-ecs12 (low risk) = %v, want RESOLVED, unattended", s)
	}
	if s := st["live-ecs10"]; s[0] != "NOTIFIED" || !strings.Contains(s[1], "waits for approval") {
		t.Errorf("live-ecs10 (left for approval) = %v, want NOTIFIED naming what waits", s)
	}
	if st["stale-ecs5"] != [2]string{"NEW", ""} {
		t.Errorf("the stale finding was updated: %v", st["stale-ecs5"])
	}
	if insights(t, cfg) != "enabled" {
		t.Errorf("the low-risk fix was not applied")
	}
}

// A finding Security Hub does not hold (read from a file) cannot be updated: the apply is made, the
// finding is named, and the exit is 1. securityhub.update_findings turns the updates on.
func TestApplyAutoUnknownFindingExits1(t *testing.T) {
	cfg, account := findingsEstate(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "findings.json")
	body := `{"Findings":[{"Id":"not-in-security-hub","ProductArn":"` + shProductArn + `","AwsAccountId":"` + account +
		`","Region":"us-east-1","Compliance":{"Status":"FAILED","SecurityControlId":"ECS.12"},"RecordState":"ACTIVE",` +
		`"Workflow":{"Status":"NEW"},"Resources":[{"Type":"AwsEcsCluster","Id":"arn:aws:ecs:us-east-1:` + account + `:cluster/prod"}]}]}`
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_SECURITYHUB_UPDATE_FINDINGS", "true") // securityhub.update_findings, in place of --update-findings
	stdout, stderr, code := runCLI(t, "apply", "--auto", "--findings", file, "--journal", filepath.Join(dir, "auto.journal"))
	if code != exitError || !strings.Contains(stdout, "finding not-in-security-hub: not updated") ||
		!strings.Contains(stderr, "some Security Hub findings were not updated") {
		t.Fatalf("exit %d, want 1 naming the finding\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if insights(t, cfg) != "enabled" {
		t.Errorf("the fix was not applied")
	}
}
