package cli

// The README's IAM policies, exactly as printed, on an emulator that enforces IAM: each verb runs as an IAM
// user holding only the policies the README says it needs.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// readmePolicies returns the README's IAM policy documents (the JSON blocks that hold an "Effect"), keyed
// by the Sid of their first statement, with the placeholders filled for the emulated account: ACCOUNT,
// REGION, the role lists (the test's roles are web-task, the task role, and web-exec, the execution role)
// and KEY-ID.
func readmePolicies(t *testing.T, account string) map[string]string {
	t.Helper()
	fill := strings.NewReplacer(
		"ACCOUNT", account, "REGION", mototest.Region,
		"role/TASK-AND-EXECUTION-ROLES", "role/web-*", "role/EXECUTION-ROLES", "role/web-exec", "role/TASK-ROLES", "role/web-task",
		"KEY-ID", "00000000-0000-0000-0000-000000000000",
	)
	out := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(readme(t), -1) {
		if !strings.Contains(m[1], `"Effect"`) {
			continue
		}
		var doc struct{ Statement []struct{ Sid string } }
		if err := json.Unmarshal([]byte(m[1]), &doc); err != nil || len(doc.Statement) == 0 {
			t.Fatalf("a README policy does not parse (%v):\n%s", err, m[1])
		}
		out[doc.Statement[0].Sid] = fill.Replace(m[1])
	}
	for _, sid := range []string{"EcsfixScan", "EcsfixApply", "EcsfixSecrets", "EcsfixDeregister", "EcsfixDetachAdmin", "EcsfixSecurityGroups", "EcsfixUpdateFindings"} {
		if out[sid] == "" {
			t.Fatalf("the README has no policy starting with statement %s", sid)
		}
	}
	return out
}

// without returns policy with one action removed (to check that the emulator refuses what it lacks).
func without(t *testing.T, policy, action string) string {
	t.Helper()
	q := `"` + action + `"`
	if !strings.Contains(policy, q) {
		t.Fatalf("the policy has no action %s", action)
	}
	return regexp.MustCompile(regexp.QuoteMeta(q)+`,\s*`).ReplaceAllString(policy, "")
}

// asUser points the CLI's default AWS chain at the IAM-enforcing emulator with a user's keys.
func asUser(t *testing.T, env []string) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("ECSFIX_SCAN_MAX_ATTEMPTS", "2")
}

// TestReadmePoliciesOnIAMEnforcingEmulator runs every verb the README's IAM section covers as an IAM user
// holding exactly the README's policies for it, on an emulator that refuses what a user's policies do not
// allow: scan and plan with the scan policy; apply (the stale check, re-derivation and every write of the
// secrets, logging, admin-role, security-group and deregistration fixes, and Container Insights and the
// platform version), apply --dry-run and rollback with the apply policy and the blocks of the fixes the
// configuration enables; apply --auto, as the scheduled job, with the scan and apply policies. A user
// lacking one action of the scan policy gets a read error, so the emulator does enforce them.
//
// What the emulator evaluates (see the launcher's mend_iam_* functions): every request's action; the
// resource ARN of secrets, log groups and roles; the iam:PolicyARN condition of the admin detach and
// iam:PassRole (with iam:PassedToService) for the roles a registration names. Not evaluated: resource
// ARNs of ECS, EC2 and ELB requests (their README statements are on "*" anyway) and the KMS key policy
// block (Secrets Manager uses the key on the caller's behalf, which the emulator does not model).
func TestReadmePoliciesOnIAMEnforcingEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a second emulator and a full apply and rollback")
	}
	ctx := context.Background()
	admin := mototest.IAMEnforced(t)
	account := mototest.IAMAccount
	buildSmallEstate(t, ctx, admin)
	im := iam.NewFromConfig(admin)
	if _, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-exec"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	// No revision uses web-exec: the scan reads it because fix.secrets.execution_role names it, so the
	// plan fingerprints the role it grants.
	adminPolicy := "arn:aws:iam::aws:policy/AdministratorAccess"
	if _, err := im.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web-task"), PolicyArn: aws.String(adminPolicy)}); err != nil {
		t.Fatal(err)
	}
	pol := readmePolicies(t, account)
	_, scanEnv := mototest.UserConfig(t, admin, "ecsfix-scan", pol["EcsfixScan"])
	_, applyEnv := mototest.UserConfig(t, admin, "ecsfix-apply", pol["EcsfixApply"], pol["EcsfixSecrets"],
		pol["EcsfixDeregister"], pol["EcsfixDetachAdmin"], pol["EcsfixSecurityGroups"])
	_, autoEnv := mototest.UserConfig(t, admin, "ecsfix-auto", pol["EcsfixScan"], pol["EcsfixApply"])
	_, shortEnv := mototest.UserConfig(t, admin, "ecsfix-scan-short", without(t, pol["EcsfixScan"], "ecs:DescribeServices"))

	dir := t.TempDir()
	config := filepath.Join(dir, "ecsfix.yaml")
	err := os.WriteFile(config, []byte(`fix:
  secrets:
    execution_role: arn:aws:iam::`+account+`:role/web-exec
    deregister_old_revisions: true
  iam:
    detach_admin: true
  network:
    trusted_cidrs: [10.0.0.0/8]
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	planFile, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.journal")
	cli := func(env []string, want []int, args ...string) string {
		t.Helper()
		asUser(t, env)
		out, errOut, code := runCLI(t, append(args, "--config", config)...)
		for _, c := range want {
			if c == code {
				return out + errOut
			}
		}
		t.Fatalf("ecsfix %s: exit %d, want one of %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
		return ""
	}

	// scan and plan: the read-only policy.
	out := cli(scanEnv, []int{exitOK}, "scan", "--format", "json")
	var doc scanDoc
	if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &doc); err != nil || doc.Summary.Failed == 0 || len(doc.Errors) != 0 {
		t.Fatalf("scan with the README's scan policy: %v, %d failed, errors %+v", err, doc.Summary.Failed, doc.Errors)
	}
	// Enforcement is real: without ecs:DescribeServices the services are not read (exit 3).
	out = cli(shortEnv, []int{exitIncomplete}, "scan", "--format", "json")
	if !strings.Contains(out, "DescribeServices") || !strings.Contains(out, "AccessDenied") {
		t.Errorf("a scan without ecs:DescribeServices does not report the denied call:\n%s", out)
	}
	out = cli(scanEnv, []int{exitOK}, "plan", "--out", planFile)
	for _, want := range []string{"create-secret", "put-role-policy", "ensure-log-group", "register-task-definition",
		"deregister-task-definition", "detach-role-policy", "update-service", "update-cluster-settings", "security-group"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks a %s action, so its permissions are not checked:\n%s", want, out)
		}
	}
	cli(applyEnv, []int{exitOK}, "approve", planFile, "--by", "alice", "--ticket", "OPS-1")

	// apply --dry-run, apply and rollback: the apply policy and the blocks of the enabled fixes.
	cli(applyEnv, []int{exitOK}, "apply", planFile, "--dry-run", "--journal", journal)
	cli(applyEnv, []int{exitOK}, "apply", planFile, "--journal", journal)
	if td, pv := describeService(t, admin); strings.HasSuffix(td, "/web:1") || pv != "LATEST" {
		t.Errorf("apply left service web on %s, platform %s", td, pv)
	}
	if insights(t, admin) != "enabled" {
		t.Error("apply did not enable Container Insights")
	}
	secrets, err := secretsmanager.NewFromConfig(admin).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(secrets.SecretList) == 0 || !strings.HasPrefix(aws.ToString(secrets.SecretList[0].Name), "ecsfix/") {
		t.Errorf("apply made no secret under ecsfix/: %v %+v", err, secrets)
	}
	attached, err := im.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("web-task")})
	if err != nil || len(attached.AttachedPolicies) != 0 {
		t.Errorf("apply left the task role's AdministratorAccess attached: %v %+v", err, attached)
	}
	cli(applyEnv, []int{exitOK}, "rollback", "--plan", planFile, journal)
	if insights(t, admin) != "disabled" {
		t.Error("rollback did not turn Container Insights back off")
	}
	attached, err = im.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("web-task")})
	if err != nil || len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != adminPolicy {
		t.Errorf("rollback did not re-attach AdministratorAccess: %v %+v", err, attached)
	}

	// Findings in and out: plan --findings securityhub with the scan policy (its EcsfixReadFindings), apply
	// --update-findings with the apply policy and EcsfixUpdateFindings. Container Insights is off again
	// after the rollback, so an ECS.12 finding on the cluster holds.
	importSH(t, ctx, admin, shFinding{id: "iam-ecs12", control: "ECS.12", rtype: "AwsEcsCluster",
		arn: "arn:aws:ecs:" + mototest.Region + ":" + account + ":cluster/prod", compliance: shtypes.ComplianceStatusFailed, workflow: shtypes.WorkflowStatusNew})
	_, findingsApplyEnv := mototest.UserConfig(t, admin, "ecsfix-findings-apply", pol["EcsfixApply"], pol["EcsfixUpdateFindings"])
	findingsPlan := filepath.Join(dir, "findings.json")
	out = cli(scanEnv, []int{exitOK}, "plan", "--findings", "securityhub", "--out", findingsPlan)
	if !strings.Contains(out, "update-cluster-settings") || !strings.Contains(out, "iam-ecs12") {
		t.Fatalf("plan --findings securityhub with the scan policy does not fix the finding:\n%s", out)
	}
	cli(findingsApplyEnv, []int{exitOK}, "apply", findingsPlan, "--update-findings", "--journal", filepath.Join(dir, "findings.journal"))
	if st := shStates(t, admin)["iam-ecs12"]; st[0] != "RESOLVED" {
		t.Errorf("apply --update-findings with the README's policies left the finding %v", st)
	}

	// apply --auto, as the scheduled job: the scan and apply policies.
	out = cli(autoEnv, []int{exitOK, exitLeftForApproval}, "apply", "--auto", "--journal", filepath.Join(dir, "auto.journal"), "--out", filepath.Join(dir, "auto.json"))
	if insights(t, admin) != "enabled" {
		t.Errorf("apply --auto did not enable Container Insights:\n%s", out)
	}
}
