package cli

// The opt-in vulnerabilities remedy on the emulator: a service runs an ECR image with a CRITICAL Inspector
// finding; a newer image of the repository, scanned, has none. The plan moves the container to it, pinned
// by digest; apply re-reads the images and registers it. The same plan edited to name another image of
// the repository is refused at apply, before anything is written. Off by default: "Not fixed".

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// pushTagged pushes an image of platform linux/amd64 under tag ("" for none), with its configuration
// blob (the remedy reads it to check the platform); label makes it unique.
func pushTagged(t *testing.T, c *ecr.Client, repo, tag string) string {
	t.Helper()
	return pushPlatform(t, c, repo, tag, "amd64", tag)
}

func pushPlatform(t *testing.T, c *ecr.Client, repo, tag, arch, label string) string {
	t.Helper()
	return mototest.PushImage(t, c, repo, tag, []byte(`{"architecture":"`+arch+`","os":"linux","config":{"Labels":{"build":"`+label+`"}},"rootfs":{"type":"layers","diff_ids":[]}}`))
}

func TestVulnerableImageRemedyE2E(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	account := mototest.AccountID(cfg)
	ec := ecr.NewFromConfig(cfg)
	if _, err := ec.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	repo := account + ".dkr.ecr." + cfg.Region + ".amazonaws.com/shop"
	d1 := pushTagged(t, ec, "shop", "1")
	time.Sleep(1100 * time.Millisecond) // moto's push times are whole seconds
	d2 := pushTagged(t, ec, "shop", "2")
	time.Sleep(1100 * time.Millisecond)
	// Newer still, scanned and clean, but not for this service: an arm64 image, and an untagged manifest.
	arm := pushPlatform(t, ec, "shop", "2-arm64", "arm64", "2")
	untagged := pushPlatform(t, ec, "shop", "", "amd64", "2.1")
	time.Sleep(1100 * time.Millisecond)
	d3 := pushTagged(t, ec, "shop", "3") // newest, never scanned
	for _, d := range []string{d2, arm, untagged} {
		if _, err := ec.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: aws.String("shop"), ImageId: &ecrtypes.ImageIdentifier{ImageDigest: aws.String(d)}}); err != nil {
			t.Fatal(err)
		}
	}
	mototest.SeedInspectorFindings(t, cfg,
		mototest.ImageFinding{Repository: "shop", Digest: d1, Tags: []string{"1"}, Severity: "CRITICAL", CVE: "CVE-2024-0001", Vector: "CVSS:3.1/AV:N/AC:L", Exploit: true, Fix: true},
		mototest.ImageFinding{Repository: "shop", Digest: d2, Tags: []string{"2"}, Severity: "LOW", CVE: "CVE-2024-0002", Vector: "CVSS:3.1/AV:L/AC:L"},
	)
	cs := ecs.NewFromConfig(cfg)
	if _, err := cs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	td, err := cs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("shop"), ContainerDefinitions: []ecstypes.ContainerDefinition{{
		Name: aws.String("app"), Image: aws.String(repo + ":1"), Memory: aws.Int32(256), User: aws.String("1000"), ReadonlyRootFilesystem: aws.Bool(true),
		LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "/ecs/shop", "awslogs-region": cfg.Region, "awslogs-stream-prefix": "app"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	srcArn := aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	if _, err := cs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("shop"), TaskDefinition: aws.String(srcArn), DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	liveEnv(t, cfg)
	dir := t.TempDir()

	// Off by default: Not fixed, with what to do.
	offFile := filepath.Join(dir, "off.json")
	if _, errOut, code := runCLI(t, "plan", "--out", offFile); code != exitOK && code != exitLeftForApproval {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	off, err := plan.ReadFile(offFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range off.Actions {
		if a.RegisterTaskDefinition != nil {
			for _, e := range a.RegisterTaskDefinition.Edits {
				if e.Control == detect.ExposureVulnerabilitiesID {
					t.Errorf("planned off by default: %+v", e)
				}
			}
		}
	}
	found := false
	for _, s := range off.Skipped {
		found = found || s.Control == detect.ExposureVulnerabilitiesID && strings.Contains(s.Reason, "fix.vulnerabilities.upgrade_image")
	}
	if !found {
		t.Errorf("the vulnerabilities finding is not under Not fixed with the key: %+v", off.Skipped)
	}

	// Opted in: the newest tagged image serving linux/amd64, scanned, without CRITICAL/HIGH (2: not 3,
	// never scanned, nor the arm64 image or the untagged manifest), pinned by digest.
	t.Setenv("ECSFIX_FIX_VULNERABILITIES_UPGRADE_IMAGE", "true")
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK && code != exitLeftForApproval {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	reg := firstOf(t, p, plan.RegisterTaskDefinition, "shop")
	var in ecs.RegisterTaskDefinitionInput
	editRegistration(t, reg, func(x *ecs.RegisterTaskDefinitionInput) { in = *x })
	if got, want := aws.ToString(in.ContainerDefinitions[0].Image), repo+"@"+d2; got != want || reg.Risk != plan.RiskHigh {
		t.Fatalf("image %s (risk %s), want %s", got, reg.Risk, want)
	}

	keyPath, pub := writeKey(t, dir, "alice", "")
	signers := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(signers, []byte("alice "+pub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)

	// Edited to the newest image (never scanned): refused before anything is written.
	tampered, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	editRegistration(t, firstOf(t, tampered, plan.RegisterTaskDefinition, "shop"), func(x *ecs.RegisterTaskDefinitionInput) {
		x.ContainerDefinitions[0].Image = aws.String(repo + "@" + d3)
	})
	tf := filepath.Join(dir, "tampered.json")
	if err := writePlanFile(tf, tampered); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "approve", tf, "--by", "alice", "--ticket", "OPS-9", "--key", keyPath); code != 0 {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code := runCLI(t, "apply", tf)
	if code == exitOK || !strings.Contains(errOut, "action "+reg.ID+":") || !strings.Contains(errOut, "image") {
		t.Errorf("tampered apply: exit %d\n%s%s", code, out, errOut)
	}
	svcTD := func() string {
		s, err := cs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"shop"}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(s.Services[0].TaskDefinition)
	}
	if got := svcTD(); got != srcArn {
		t.Fatalf("the tampered apply moved the service to %s", got)
	}

	// Edited to the arm64 image (scanned, clean): refused, its configuration is read at apply time.
	armPlan, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	editRegistration(t, firstOf(t, armPlan, plan.RegisterTaskDefinition, "shop"), func(x *ecs.RegisterTaskDefinitionInput) {
		x.ContainerDefinitions[0].Image = aws.String(repo + "@" + arm)
	})
	af := filepath.Join(dir, "arm.json")
	if err := writePlanFile(af, armPlan); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "approve", af, "--by", "alice", "--ticket", "OPS-9", "--key", keyPath); code != 0 {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runCLI(t, "apply", af); code == exitOK || !strings.Contains(errOut, "action "+reg.ID+":") {
		t.Errorf("apply of the plan edited to the arm64 image: exit %d\n%s%s", code, out, errOut)
	}
	if got := svcTD(); got != srcArn {
		t.Fatalf("the apply edited to arm64 moved the service to %s", got)
	}

	// The plan as made applies: the applier re-reads the images and registers the pinned one.
	if out, errOut, code := runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-9", "--key", keyPath); code != 0 {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := runCLI(t, "apply", planFile); code != exitOK {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	moved := svcTD()
	got, err := cs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(moved)})
	if err != nil {
		t.Fatal(err)
	}
	if moved == srcArn || aws.ToString(got.TaskDefinition.ContainerDefinitions[0].Image) != repo+"@"+d2 {
		t.Errorf("service runs %s with image %s, want %s", moved, aws.ToString(got.TaskDefinition.ContainerDefinitions[0].Image), repo+"@"+d2)
	}
}
