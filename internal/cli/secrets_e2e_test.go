package cli

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// leakValues are planted in a task definition: credentials in environment variables, a password in the
// command, a token in a Docker label and a log option, and a weak password (which a dictionary attack
// recovers from any digest of it) in the environment. None may appear anywhere ecsfix writes, nor any
// digest of one (leakDigests).
var leakValues = []string{
	"AKIAIOSFODNN7EXAMPLE",
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"s3cr3t-Db-Passw0rd-4711",
	"hunter2-in-the-command-line",
	"label-token-9f8e7d6c5b4a",
	"splunk-token-0a1b2c3d4e5f",
	"Summer2024!",
}

// leakDigests are the forms in which a public digest of a value could be written: the hex of its SHA-256,
// SHA-1 and MD5 in lower case (a text is searched in lower case, which covers upper case too) cut to 12
// digits, the shortest prefix a renderer would show (any longer prefix contains it), and their base64
// (standard and URL alphabets, padded or not).
func leakDigests(v string) []string {
	s256, s1, m5 := sha256.Sum256([]byte(v)), sha1.Sum([]byte(v)), md5.Sum([]byte(v))
	var out []string
	for _, sum := range [][]byte{s256[:], s1[:], m5[:]} {
		out = append(out, hex.EncodeToString(sum)[:12])
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			out = append(out, enc.EncodeToString(sum))
		}
	}
	return out
}

// TestNoSecretLeaksEndToEnd runs scan, plan, show, approve, apply and rollback at debug log level on an
// estate with planted secret values, and fails if any value appears in stdout, stderr, the plan or the
// journal. It also checks that apply moved the credentials into Secrets Manager with their values intact.
func TestNoSecretLeaksEndToEnd(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	cs, im := ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	role, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("exec"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("billing"), ExecutionRoleArn: role.Role.Arn, NetworkMode: ecstypes.NetworkModeBridge,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityEc2},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("billing:7"), Memory: aws.Int32(256), User: aws.String("1000"),
			ReadonlyRootFilesystem: aws.Bool(true),
			Command:                []string{"serve", "--db-password", leakValues[3]},
			DockerLabels:           map[string]string{"com.example.token": leakValues[4]},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverSplunk,
				Options: map[string]string{"splunk-url": "https://splunk.example.com", "splunk-token": leakValues[5]}},
			Environment: []ecstypes.KeyValuePair{
				{Name: aws.String("AWS_ACCESS_KEY_ID"), Value: aws.String(leakValues[0])},
				{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String(leakValues[1])},
				{Name: aws.String("DB_PASSWORD"), Value: aws.String(leakValues[2])},
				{Name: aws.String("ADMIN_PASSWORD"), Value: aws.String(leakValues[6])},
				{Name: aws.String("LOG_LEVEL"), Value: aws.String("info")},
			},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("billing"),
		TaskDefinition: aws.String("billing"), DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile, journal := filepath.Join(dir, "plan.json"), filepath.Join(dir, "plan.journal")

	var seen []string
	step := func(wantCodes []int, args ...string) string {
		t.Helper()
		out, errOut, code := runCLI(t, append(args, "--log-level", "debug")...)
		seen = append(seen, "ecsfix "+strings.Join(args, " ")+"\n"+out+errOut)
		for _, c := range wantCodes {
			if c == code {
				return out
			}
		}
		t.Fatalf("ecsfix %s: exit %d, want one of %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCodes, out, errOut)
		return out
	}
	step([]int{exitOK}, "scan", "--all")
	step([]int{exitOK}, "scan", "--format", "json")
	step([]int{exitOK}, "scan", "--format", "sarif")
	out := step([]int{exitOK}, "plan", "--out", planFile)
	for _, want := range []string{"create-secret", "put-role-policy", "register-task-definition"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks a %s action:\n%s", want, out)
		}
	}
	step([]int{0}, "show", planFile)
	step([]int{0}, "show", planFile, "--format", "markdown")
	step([]int{0}, "show", planFile, "--format", "json")

	// A plan of format version 1 (which held digests of the values) is refused: make it again.
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	v1 := filepath.Join(dir, "v1.json")
	if err := os.WriteFile(v1, []byte(strings.Replace(string(data), `"formatVersion": 2,`, `"formatVersion": 1,`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "apply", v1, "--journal", filepath.Join(dir, "v1.journal")); code != exitError ||
		!strings.Contains(errOut, "plan format version 1") || !strings.Contains(errOut, "make the plan again") {
		t.Errorf("a version 1 plan: exit %d, want %d with a message saying to plan again\n%s", code, exitError, errOut)
	}
	if revs, err := cs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("billing")}); err != nil || len(revs.TaskDefinitionArns) != 1 {
		t.Fatalf("a refused version 1 plan registered a revision: %v %v", revs, err)
	}

	step([]int{0}, "approve", planFile, "--by", "alice")
	step([]int{0}, "apply", planFile, "--journal", journal, "--dry-run")
	step([]int{0}, "apply", planFile, "--journal", journal)

	// The credentials now live in Secrets Manager, with their values intact.
	sm := secretsmanager.NewFromConfig(cfg)
	list, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) == 0 {
		t.Fatalf("no secret was created: %v", err)
	}
	var all string
	for _, sec := range list.SecretList {
		v, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: sec.ARN})
		if err != nil {
			t.Fatal(err)
		}
		all += aws.ToString(v.SecretString)
	}
	for _, v := range append(leakValues[:3:3], leakValues[6]) {
		if !strings.Contains(all, v) {
			t.Errorf("a moved credential is not in Secrets Manager with its value")
		}
	}
	step([]int{0}, "rollback", journal)

	for _, f := range []string{planFile, journal} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, f+"\n"+string(data))
	}
	for _, text := range seen {
		lower := strings.ToLower(text)
		for _, v := range leakValues {
			if strings.Contains(text, v) {
				t.Errorf("a planted secret value appears in:\n%.300s", text)
			}
			for _, d := range leakDigests(v) {
				if strings.Contains(text, d) || strings.Contains(lower, strings.ToLower(d)) && len(d) == 12 {
					t.Errorf("a digest of planted value %q (%s) appears in:\n%.300s", v, d, text)
				}
			}
		}
	}
}
