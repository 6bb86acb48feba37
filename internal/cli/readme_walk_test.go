// Tests of README promises met while following it top to bottom as a new operator: the configuration
// example loads as written; rollback --dry-run changes nothing; a journal that recorded a rollback is
// refused by apply with exit 9 and a message that says to use a new journal; an apply --auto run is
// rolled back with the plan --out saved; a partly refused rollback exits 1 in its own words; the
// launcher's mends are all listed.

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// readmeConfigExample is the README's example configuration: the first yaml block of "## Configuration".
func readmeConfigExample(t *testing.T) string {
	t.Helper()
	text := readme(t)
	start := strings.Index(text, "\n## Configuration\n")
	if start < 0 {
		t.Fatal("the README has no ## Configuration section")
	}
	section := text[start:]
	open := strings.Index(section, "```yaml\n")
	if open < 0 {
		t.Fatal("the README's Configuration section has no yaml block")
	}
	body := section[open+len("```yaml\n"):]
	end := strings.Index(body, "```")
	if end < 0 {
		t.Fatal("the README's configuration example is not closed")
	}
	return body[:end]
}

// TestReadmeConfigExampleLoads: the README's example configuration, passed as written, is accepted by
// scan and plan on the demo, with no warning (an unknown key, an expired exemption, a value refused).
func TestReadmeConfigExampleLoads(t *testing.T) {
	demo := absDemo(t)
	example := readmeConfigExample(t) // before leaving the package's folder
	dir := t.TempDir()
	t.Chdir(dir)
	for _, key := range []string{"regions:", "scan:", "snapshot:", "exemptions:", "fix:", "approvals:"} {
		if !strings.Contains(example, key) {
			t.Fatalf("the README's configuration example lacks %s; is it still the full example?\n%s", key, example)
		}
	}
	cfg := writeText(t, filepath.Join(dir, "example.yaml"), example)
	for _, verb := range []string{"scan", "plan"} {
		_, errOut, code := runCLI(t, verb, "--snapshot", demo, "--config", cfg)
		if code != exitOK {
			t.Errorf("ecsfix %s with the README's example configuration: exit %d\n%s", verb, code, errOut)
		}
		if !strings.Contains(errOut, "configuration file="+cfg+" from=--config") {
			t.Errorf("ecsfix %s does not say it read the example configuration:\n%s", verb, errOut)
		}
		for _, line := range strings.Split(errOut, "\n") {
			if strings.Contains(line, " WRN ") || strings.HasPrefix(line, "warning:") {
				t.Errorf("ecsfix %s warns on the README's example configuration: %s", verb, line)
			}
		}
	}
}

// TestReadmeApplyAfterRollbackNeedsANewJournal: the exit-code table says that apply refuses a journal
// that recorded a rollback of its plan (exit 9), and the message says what to do.
func TestReadmeApplyAfterRollbackNeedsANewJournal(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	journal, planFile := filepath.Join(dir, "run.journal"), filepath.Join(dir, "run.plan.json")

	out, errOut, code := runCLI(t, "apply", "--auto", "--journal", journal, "--out", planFile)
	if code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitLeftForApproval, out, errOut)
	}
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	// rollback --dry-run prints the calls and changes nothing: not the cluster, not the journal.
	before, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCLI(t, "rollback", journal, "--dry-run")
	if code != exitOK || !strings.Contains(out, "would call ecs:UpdateCluster") {
		t.Errorf("rollback --dry-run: exit %d, want %d and the calls\nstdout:\n%s\nstderr:\n%s", code, exitOK, out, errOut)
	}
	if after, err := os.ReadFile(journal); err != nil || !bytes.Equal(before, after) {
		t.Errorf("rollback --dry-run changed the journal (%v)", err)
	}
	if insights(t, cfg) != "enabled" {
		t.Error("rollback --dry-run changed the cluster")
	}
	if out, errOut, code := runCLI(t, "rollback", journal); code != exitOK {
		t.Fatalf("rollback: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if insights(t, cfg) == "enabled" {
		t.Fatal("the rollback did not turn Container Insights back off")
	}
	_, errOut, code = runCLI(t, "apply", planFile, "--journal", journal)
	if code != exitJournalRefused || !strings.Contains(errOut, "records a rollback of this plan") || !strings.Contains(errOut, "new journal") ||
		strings.Contains(errOut, "another plan") {
		t.Errorf("apply with a journal that recorded a rollback: exit %d, want %d naming the rollback and a new journal\n%s", code, exitJournalRefused, errOut)
	}
	if insights(t, cfg) == "enabled" {
		t.Error("the refused apply changed the cluster")
	}
	var row string
	for _, d := range exitCodes {
		if d.code == "9" {
			row = d.markdownRow()
		}
	}
	if !strings.Contains(row, "records a rollback") {
		t.Errorf("the exit-code table's row 9 does not say that a journal recording a rollback is refused:\n%s", row)
	}
}

// TestReadmeAutoRollbackNeedsItsSavedPlan: rollback of an apply --auto run reads the plan --out saved;
// without --out, rollback says so, and the help's scheduled example saves the plan.
func TestReadmeAutoRollbackNeedsItsSavedPlan(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	t.Chdir(t.TempDir())
	out, errOut, code := runCLI(t, "apply", "--auto", "--journal", "run.journal")
	if code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitLeftForApproval, out, errOut)
	}
	_, errOut, code = runCLI(t, "rollback", "run.journal")
	if code != exitUsage || !strings.Contains(errOut, "does not name its plan") || !strings.Contains(errOut, "--out") {
		t.Errorf("rollback of an apply --auto run without --out: exit %d, want %d naming --out\n%s", code, exitUsage, errOut)
	}
	if insights(t, cfg) != "enabled" {
		t.Error("the refused rollback changed the cluster")
	}
	help, _, _ := runCLI(t, "help", "apply")
	for _, line := range strings.Split(help, "\n") {
		if strings.Contains(line, "ecsfix apply --auto") && !strings.Contains(line, "--out") {
			t.Errorf("the help's example of apply --auto saves no plan, so its run cannot be rolled back: %s", line)
		}
	}
}

// TestReadmeListsEveryMend: the README's "Development" section lists every mend the launcher applies to
// moto. A mend added to MENDS without a README entry fails here: add its bullet and its phrase below.
func TestReadmeListsEveryMend(t *testing.T) {
	text := readme(t)
	start := strings.Index(text, "It mends:\n")
	end := strings.Index(text, "`detect/mototest` embeds the script")
	if start < 0 || end < start {
		t.Fatal("the README's Development section has no list of the launcher's mends")
	}
	list := text[start:end]
	// What the README's list must say for each mend (the call or the subject of its bullet).
	phrase := map[string]string{
		"mend_ecs_describe_capacity_providers":        "`DescribeCapacityProviders` without names",
		"mend_kms_get_public_key":                     "KMS `GetPublicKey`",
		"mend_ecs_service_assign_public_ip":           "created without `assignPublicIp`",
		"mend_ecs_update_service_deployment":          "ECS `UpdateService`",
		"mend_iam_resource_arns":                      "evaluate the resource ARNs of secrets",
		"mend_iam_conditions":                         "the condition keys `iam:PolicyARN`",
		"mend_iam_access_denied_errors":               "answer denials as each service does",
		"mend_ecs_register_task_definition_pass_role": "`iam:PassRole` on the roles a",
		"mend_securityhub_batch_update_findings":      "Security Hub `BatchUpdateFindings`",
		"mend_securityhub_get_findings_v2":            "Security Hub `GetFindingsV2`",
		"mend_securityhub_batch_update_findings_v2":   "Security Hub `BatchUpdateFindingsV2`",
		"mend_sts_assume_role_of_missing_role":        "STS `AssumeRole` of a role that does not exist",
		"mend_ecr_image_digest":                       "ECR `PutImage` digests",
		"mend_ecr_batch_get_image":                    "ECR `BatchGetImage`",
		"mend_ecr_layers":                             "ECR layer upload and download",

		"mend_ecs_capacity_provider_termination_protection": "ECS `UpdateCapacityProvider` and `CreateCapacityProvider` with managed termination protection",
		"mend_inspector2_list_findings":                     "Amazon Inspector `ListFindings`",
		"mend_ecr_describe_images_scan_status":              "ECR `DescribeImages` of a scanned image",
	}
	script, err := os.ReadFile("../../detect/mototest/launcher/ecsfix_moto.py")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(script), "\nMENDS = [")
	if i < 0 {
		t.Fatal("the launcher has no MENDS list")
	}
	body, _, _ := strings.Cut(string(script)[i+len("\nMENDS = ["):], "]")
	var n int
	for _, name := range strings.FieldsFunc(body, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
		n++
		p, ok := phrase[name]
		if !ok {
			t.Errorf("the launcher's mend %s is not in the README's list (and not in this test's phrases)", name)
			continue
		}
		if !strings.Contains(strings.Join(strings.Fields(list), " "), p) {
			t.Errorf("the README's list of mends does not say %q (mend %s)", p, name)
		}
	}
	if n != len(phrase) {
		t.Errorf("MENDS lists %d mends, this test knows %d: a mend was removed, drop its phrase", n, len(phrase))
	}
}

// TestReadmeRollbackPartlyRefusedExits1: "rollback: some steps were refused or failed (each is listed;
// the others were rolled back)" exits 1, and the message speaks of the rollback, not of an apply.
func TestReadmeRollbackPartlyRefusedExits1(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	journal, planFile := filepath.Join(dir, "run.journal"), filepath.Join(dir, "run.plan.json")
	if out, errOut, code := runCLI(t, "apply", "--auto", "--journal", journal, "--out", planFile); code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// Someone changes the cluster after the apply: its rollback step is refused, the services' go on.
	if _, err := ecs.NewFromConfig(cfg).UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String("prod"),
		Settings: []ecstypes.ClusterSetting{{Name: ecstypes.ClusterSettingNameContainerInsights, Value: aws.String("enhanced")}}}); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	out, errOut, code := runCLI(t, "rollback", journal)
	if code != exitError || !strings.Contains(errOut, "the rollback is incomplete") || strings.Contains(errOut, "the apply is incomplete") {
		t.Errorf("rollback with one step refused: exit %d, want %d saying the rollback is incomplete\nstdout:\n%s\nstderr:\n%s", code, exitError, out, errOut)
	}
	if !strings.Contains(out, "changed since the apply") {
		t.Errorf("rollback does not list the refused step with why:\n%s", out)
	}
	if insights(t, cfg) != "enhanced" {
		t.Errorf("rollback touched the cluster someone changed since the apply")
	}
	if _, pv := describeService(t, cfg); pv != "1.3.0" {
		t.Errorf("service web is on platform %s after the rollback, want 1.3.0 (its step was not refused)", pv)
	}
}

// TestReadmeWaitFailureExits7SayingWhatToDo: "--wait: a failed deployment (…, or the timeout) is
// reported with exit code 7"; the message names the services left updated and how to undo the run.
// The emulator runs no tasks, so a service that wants one never settles.
func TestReadmeWaitFailureExits7SayingWhatToDo(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	t.Setenv("ECSFIX_FIX_WAIT_TIMEOUT", "1s")
	dir := t.TempDir()
	journal, planFile := filepath.Join(dir, "run.journal"), filepath.Join(dir, "run.plan.json")
	out, errOut, code := runCLI(t, "apply", "--auto", "--wait", "--journal", journal, "--out", planFile)
	if code != exitDeploymentFailed {
		t.Fatalf("apply --auto --wait on services that never settle: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitDeploymentFailed, out, errOut)
	}
	for _, want := range []string{"a deployment failed", "still updated as the plan says", "web", "ecsfix rollback " + journal} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the exit-7 message does not say %q:\n%s", want, errOut)
		}
	}
	if _, pv := describeService(t, cfg); pv != "LATEST" {
		t.Errorf("service web is on platform %s, want LATEST (applied, then not settled)", pv)
	}
}
