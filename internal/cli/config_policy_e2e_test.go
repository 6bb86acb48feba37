// End-to-end tests, on the emulator, of the approval policy's sources: an ecsfix.yaml in the working
// directory cannot waive an approval (a higher unattended risk, a lowered risk override), and a
// tightening one takes effect.

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestWorkingDirectoryConfigCannotWaiveApproval(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	t.Chdir(dir)
	writeLocal := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "ecsfix.yaml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// A plan fixing only ECS.4 (high risk: it needs an approval) and one fixing only ECS.12 (low risk).
	highPlan, lowPlan := filepath.Join(dir, "ecs4.json"), filepath.Join(dir, "ecs12.json")
	for file, control := range map[string]string{highPlan: "ECS.4", lowPlan: "ECS.12"} {
		t.Setenv("ECSFIX_FIX_CONTROLS", control)
		if _, errOut, code := runCLI(t, "plan", "--out", file); code != exitOK {
			t.Fatalf("plan %s: exit %d\n%s", control, code, errOut)
		}
	}
	t.Setenv("ECSFIX_FIX_CONTROLS", "")
	data, err := os.ReadFile(highPlan)
	if err != nil || !strings.Contains(string(data), `"ECS.4"`) {
		t.Fatalf("the ECS.4 plan: %v\n%s", err, data)
	}
	tdBefore, _ := describeService(t, cfg)
	insightsBefore := insights(t, cfg)

	// Loosening files in the working directory: ignored with a warning naming the file and key.
	for name, c := range map[string]struct{ body, key string }{
		"unattended risk high": {"fix:\n  unattended_risk: high\n", "fix.unattended_risk"},
		"ECS.4 lowered to low": {"fix:\n  risk:\n    - {control: ECS.4, risk: low}\n    - {control: EXPOSURE.privileged, risk: low}\n", "fix.risk[0]"},
	} {
		writeLocal(c.body)
		_, errOut, code := runCLI(t, "apply", highPlan)
		if code != exitNotApproved {
			t.Errorf("%s: exit %d, want %d\n%s", name, code, exitNotApproved, errOut)
		}
		if !strings.Contains(errOut, "config file ecsfix.yaml: "+c.key) || !strings.Contains(errOut, "ignored") {
			t.Errorf("%s: no warning naming ecsfix.yaml and %s:\n%s", name, c.key, errOut)
		}
		if td, _ := describeService(t, cfg); td != tdBefore {
			t.Fatalf("%s: the unapproved high-risk plan changed the service", name)
		}
	}

	// The same settings from a trusted source do waive the approval (so the refusals above are the
	// working directory rule's doing): checked with a dry run, which changes nothing.
	if err := os.Remove(filepath.Join(dir, "ecsfix.yaml")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "high")
	if out, errOut, code := runCLI(t, "apply", highPlan, "--dry-run"); code != exitOK || strings.Contains(errOut, "ignored") {
		t.Errorf("trusted unattended risk high: exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv("ECSFIX_FIX_UNATTENDED_RISK", "")

	// Tightening files take effect: the low-risk plan now needs an approval, and nothing warns.
	for name, body := range map[string]string{
		"unattended risk none": "fix:\n  unattended_risk: none\n",
		"ECS.12 raised":        "fix:\n  risk:\n    - {control: ECS.12, risk: high}\n",
	} {
		writeLocal(body)
		_, errOut, code := runCLI(t, "apply", lowPlan)
		if code != exitNotApproved {
			t.Errorf("%s: exit %d, want %d\n%s", name, code, exitNotApproved, errOut)
		}
		if strings.Contains(errOut, "ignored") {
			t.Errorf("%s: a tightening warned:\n%s", name, errOut)
		}
		if got := insights(t, cfg); got != insightsBefore {
			t.Fatalf("%s: the refused plan changed the cluster (insights %q)", name, got)
		}
	}

	// Without the tightening file the low-risk plan applies unattended.
	if err := os.Remove(filepath.Join(dir, "ecsfix.yaml")); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "apply", lowPlan); code != exitOK {
		t.Fatalf("low-risk plan: exit %d\n%s%s", code, out, errOut)
	}
	if got := insights(t, cfg); got != "enabled" {
		t.Errorf("after apply, containerInsights = %q", got)
	}
	if td, _ := describeService(t, cfg); td != tdBefore {
		t.Error("the service changed")
	}
}
