package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// TestShowSaysWhy: `show` derives each medium or high action's reasons from the plan file's content and
// the configuration it runs with (text, Markdown and JSON), not from anything stored in the file.
func TestShowSaysWhy(t *testing.T) {
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--snapshot", "../../testdata/demo", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	file, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(file), "riskWhy") || strings.Contains(string(file), "why high") {
		t.Fatal("the plan file stores risk reasons")
	}

	out, errOut, code := runCLI(t, "show", planFile)
	if code != 0 {
		t.Fatalf("show: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"  why high:    containerDefinitions[web].readonlyRootFilesystem: set readonlyRootFilesystem to true (was absent); stays writable: /tmp (fix.writable_paths) (ECS.5: container web: the paths image ",
		"  why high:    assignPublicIp ENABLED → DISABLED: the tasks reach ECR, S3, CloudWatch Logs",
		"  why high:    the service moves to a copy of the shared group sg-0b2c3d4e5f6071829 without its world-open rules",
		"  why medium:  3 edits of ECS.5: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show does not say %q:\n%s", want, out)
		}
	}
	// Every action shown as high says why, right under its risk.
	high := regexp.MustCompile(`(?m)^  risk:        high .*\n(  why high:    .*)?`)
	for _, m := range high.FindAllStringSubmatch(out, -1) {
		if m[1] == "" {
			t.Errorf("a high-risk action says not why: %q", m[0])
		}
	}

	md, errOut, code := runCLI(t, "show", planFile, "--format", "markdown")
	if code != 0 || !strings.Contains(md, "- **Risk:** **high** (needs approval)\n  - why high: containerDefinitions\\[agent\\].readonlyRootFilesystem") {
		t.Errorf("show --format markdown: exit %d\n%s%s", code, md, errOut)
	}

	// With fix.risk raising ECS.5, the same file shows the ECS.5 registrations high, and why.
	conf := filepath.Join(dir, "ecsfix.yaml")
	if err := os.WriteFile(conf, []byte("fix:\n  risk:\n    - control: ECS.5\n      risk: high\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	js, errOut, code := runCLI(t, "--config", conf, "show", planFile, "--format", "json")
	if code != 0 {
		t.Fatalf("show --format json: exit %d\n%s", code, errOut)
	}
	var view struct {
		Actions []struct {
			ID, Type      string
			Risk          string   `json:"risk"`
			EffectiveRisk string   `json:"effectiveRisk"`
			RiskWhy       []string `json:"riskWhy"`
			Controls      []string `json:"controls"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(js), &view); err != nil {
		t.Fatal(err)
	}
	raised := 0
	for _, a := range view.Actions {
		if a.EffectiveRisk != "low" && len(a.RiskWhy) == 0 {
			t.Errorf("%s (%s, %s): no riskWhy", a.ID, a.Type, a.EffectiveRisk)
		}
		if a.Type == "register-task-definition" && a.Risk == "medium" && strings.Contains(strings.Join(a.Controls, ","), "ECS.5") {
			raised++
			if a.EffectiveRisk != "high" || !strings.Contains(strings.Join(a.RiskWhy, "\n"), "ECS.5: fix.risk sets it to high") {
				t.Errorf("%s: effectiveRisk %s, riskWhy %q; want high because of fix.risk", a.ID, a.EffectiveRisk, a.RiskWhy)
			}
		}
	}
	if raised == 0 {
		t.Fatalf("no medium ECS.5 registration in the plan: the case tests nothing\n%s", js)
	}
	viewFile := filepath.Join(dir, "view.json")
	if err := os.WriteFile(viewFile, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, code := runCLI(t, "show", viewFile); code == 0 {
		t.Error("the JSON view was read as a plan file")
	}
}

// TestAutoSaysWhyLeftForApproval: apply --auto lists each action it leaves for approval with its
// effective risk and why.
func TestAutoSaysWhyLeftForApproval(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	out, errOut, code := runCLI(t, "apply", "--auto", "--journal", filepath.Join(t.TempDir(), "auto.journal"))
	if code != exitLeftForApproval {
		t.Fatalf("apply --auto: exit %d, want %d\n%s%s", code, exitLeftForApproval, out, errOut)
	}
	i := strings.Index(out, "Left for approval")
	if i < 0 {
		t.Fatalf("nothing left for approval:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out[i:]), "\n")[1:]
	if len(lines) < 2 || len(lines)%2 != 0 {
		t.Fatalf("want each action followed by why:\n%s", out[i:])
	}
	for k := 0; k < len(lines); k += 2 {
		if !strings.HasPrefix(lines[k+1], "       left for approval: ") {
			t.Errorf("action %q is not followed by why: %q", lines[k], lines[k+1])
		}
		if f := strings.Fields(lines[k]); len(f) > 1 && f[1] != "low" && !strings.Contains(lines[k+1], "left for approval: risk "+f[1]+": ") &&
			!strings.Contains(lines[k+1], "depends on") && !strings.Contains(lines[k+1], "registers family") {
			t.Errorf("%q: %q does not give its risk's reasons", lines[k], lines[k+1])
		}
	}
}
