package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func describeService(t *testing.T, cfg aws.Config) (taskDef, platform string) {
	t.Helper()
	return describeServiceNamed(t, cfg, "web")
}

func describeServiceNamed(t *testing.T, cfg aws.Config, name string) (taskDef, platform string) {
	t.Helper()
	out, err := ecs.NewFromConfig(cfg).DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{name}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("describe service: %v", err)
	}
	return aws.ToString(out.Services[0].TaskDefinition), aws.ToString(out.Services[0].PlatformVersion)
}

func insights(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := ecs.NewFromConfig(cfg).DescribeClusters(context.Background(), &ecs.DescribeClustersInput{Clusters: []string{"prod"}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings}})
	if err != nil || len(out.Clusters) != 1 {
		t.Fatalf("describe cluster: %v", err)
	}
	for _, s := range out.Clusters[0].Settings {
		if s.Name == "containerInsights" {
			return aws.ToString(s.Value)
		}
	}
	return ""
}

// TestTicketWorkflow runs the approve-then-apply workflow against the emulator: plan --out, show
// markdown, apply refused without approval, approve, a tampered plan refused, apply, re-plan empty for
// what was fixed, rollback.
func TestTicketWorkflow(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")

	out, errOut, code := runCLI(t, "plan", "--out", planFile)
	if code != exitOK { // a complete scan
		t.Fatalf("plan: exit %d, want %d\n%s", code, exitOK, errOut)
	}
	for _, want := range []string{"register-task-definition", "update-service", "update-cluster-settings", "ECS.4", "ECS.10", "ECS.12", "-      \"privileged\": true"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q", want)
		}
	}
	if _, err := os.Stat(planFile); err != nil {
		t.Fatalf("plan file not written: %v", err)
	}

	md, _, code := runCLI(t, "show", planFile, "--format", "markdown")
	if code != 0 || !strings.Contains(md, "```diff") {
		t.Errorf("show --format markdown: exit %d\n%s", code, md)
	}

	tdBefore, pvBefore := describeService(t, cfg)
	_, errOut, code = runCLI(t, "apply", planFile)
	if code != exitNotApproved {
		t.Fatalf("unapproved apply: exit %d, want %d\n%s", code, exitNotApproved, errOut)
	}
	if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore || insights(t, cfg) == "enabled" {
		t.Fatal("an unapproved apply changed something")
	}

	// Lowering the risk labels of an unapproved plan does not skip the approval: risk is recomputed
	// from what each action does.
	unapproved, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	lowered := strings.NewReplacer(`"risk": "high"`, `"risk": "low"`, `"risk": "medium"`, `"risk": "low"`).Replace(string(unapproved))
	loweredFile := filepath.Join(dir, "lowered.json")
	if err := os.WriteFile(loweredFile, []byte(lowered), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "apply", loweredFile); code != exitNotApproved {
		t.Errorf("a plan with lowered risk labels: exit %d, want %d\n%s", code, exitNotApproved, errOut)
	}
	if td, _ := describeService(t, cfg); td != tdBefore {
		t.Fatal("a plan with lowered risk labels changed the service")
	}

	out, errOut, code = runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-1")
	if code != 0 || !strings.Contains(out, "by alice for OPS-1") {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	data, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	// Editing an approved plan voids the approval (content changed) or is refused (not canonical). An
	// edit of what an action writes is refused before the approval is looked at: its after-state is not
	// re-derived (exit 1, naming the action and the field).
	for name, edit := range map[string]string{
		"content":    strings.Replace(string(data), `"summary": "`, `"summary": "(edited) `, 1),
		"after":      strings.Replace(string(data), `"LATEST"`, `"1.3.0"`, 1),
		"formatting": strings.Replace(string(data), "{\n", "{ \n", 1),
	} {
		tampered := filepath.Join(dir, name+".json")
		if err := os.WriteFile(tampered, []byte(edit), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := runCLI(t, "apply", tampered)
		if code == 0 {
			t.Errorf("apply accepted an approved plan with its %s edited", name)
		}
		if name == "content" && code != exitNotApproved {
			t.Errorf("edited content: exit %d, want %d (approval void)\n%s", code, exitNotApproved, errOut)
		}
		if name == "after" && (code != exitError || !strings.Contains(errOut, "field updateService.after.platformVersion")) {
			t.Errorf("edited after-state: exit %d, want %d naming the field\n%s", code, exitError, errOut)
		}
		if name == "formatting" && !strings.Contains(errOut, "modified outside ecsfix") {
			t.Errorf("edited formatting: stderr %q", errOut)
		}
	}
	if td, _ := describeService(t, cfg); td != tdBefore {
		t.Fatal("a refused apply changed the service")
	}
	out, errOut, code = runCLI(t, "apply", planFile, "--dry-run")
	if code != 0 || !strings.Contains(out, "RegisterTaskDefinition") {
		t.Fatalf("dry run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if td, _ := describeService(t, cfg); td != tdBefore {
		t.Fatal("a dry run changed the service")
	}

	out, errOut, code = runCLI(t, "apply", planFile)
	if code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	tdAfter, pvAfter := describeService(t, cfg)
	if tdAfter == tdBefore || pvAfter != "LATEST" || insights(t, cfg) != "enabled" {
		t.Fatalf("after apply: service on %s (%s), insights %q", tdAfter, pvAfter, insights(t, cfg))
	}
	journal := planFile + ".journal"
	jdata, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plantedSecrets {
		for name, text := range map[string]string{"plan": string(data), "journal": string(jdata), "stdout": out, "stderr": errOut} {
			if strings.Contains(text, s) {
				t.Errorf("the %s holds a planted secret value", name)
			}
		}
	}

	// Re-planning finds nothing left to do for what was fixed.
	out, errOut, code = runCLI(t, "plan", "--out", filepath.Join(dir, "again.json"))
	if code != exitOK {
		t.Errorf("re-plan: exit %d, want %d\n%s", code, exitOK, errOut)
	}
	again, err := os.ReadFile(filepath.Join(dir, "again.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p2 struct {
		Actions []struct{ Controls []string }
	}
	if err := json.Unmarshal(again, &p2); err != nil {
		t.Fatal(err)
	}
	for _, a := range p2.Actions {
		for _, c := range a.Controls {
			switch c {
			case "ECS.4", "ECS.10", "ECS.12", "ECS.5", "EXPOSURE.privileged":
				t.Errorf("re-plan after apply still fixes %s:\n%s", c, out)
			}
		}
	}

	out, errOut, code = runCLI(t, "rollback", journal)
	if code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errOut)
	}
	if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore {
		t.Errorf("after rollback the service runs %s on %s, want %s on %s", td, pv, tdBefore, pvBefore)
	}
	if got := insights(t, cfg); got == "enabled" {
		t.Errorf("after rollback containerInsights = %q", got)
	}
}

// TestAutoAppliesOnlyUnattendedRisk runs apply --auto: the low-risk fixes (Container Insights, Fargate
// platform, also on a service whose other fixes are riskier) are applied; the rest is left for approval
// with exit code 4.
func TestAutoAppliesOnlyUnattendedRisk(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	tdBefore, _ := describeService(t, cfg)
	journal := filepath.Join(t.TempDir(), "auto.journal")

	out, errOut, code := runCLI(t, "apply", "--auto", "--journal", journal)
	if code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitLeftForApproval, out, errOut)
	}
	if !strings.Contains(out, "left for approval") {
		t.Errorf("apply --auto should list what it left:\n%s", out)
	}
	if insights(t, cfg) != "enabled" {
		t.Errorf("Container Insights (low risk) not enabled by apply --auto")
	}
	if _, pv := describeServiceNamed(t, cfg, "api"); pv != "LATEST" {
		t.Errorf("service api (only ECS.10, low risk) is on platform %s, want LATEST", pv)
	}
	// Service web has a low-risk part (ECS.10, its own update) and a high-risk one (the move to a
	// revision without privileged): the low part is applied, the other left for approval.
	if td, pv := describeService(t, cfg); td != tdBefore || pv != "LATEST" {
		t.Errorf("after apply --auto service web runs %s on %s, want %s (its move is high risk) on LATEST (ECS.10 is low risk)", td, pv, tdBefore)
	}
	if !strings.Contains(out, "high   update service web: move to") {
		t.Errorf("apply --auto does not list web's move as left for approval:\n%s", out)
	}
	if strings.Contains(out[strings.Index(out, "Left for approval"):], "update service web: platform version LATEST") {
		t.Errorf("apply --auto lists web's platform update as left for approval:\n%s", out)
	}
}
