package cli

// Tests of the README's workflow promises: an operator's dry run of a plan not yet approved (every call,
// then what needs approval; exit 0, while apply still exits 6), apply --auto applying a service's
// low-risk part (ECS.10) apart from its riskier ones, --control meaning "only these controls" on scan
// and plan alike, and hints that name the setting that fixes what they report.
import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// An operator's dry run of a plan nobody approved yet: every check runs, every call is printed, then
// what an approval must cover; exit 0. Apply still refuses it (exit 6), changing nothing.
func TestDryRunBeforeApproval(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	tdBefore, pvBefore := describeService(t, cfg)

	out, errOut, code := runCLI(t, "apply", planFile, "--dry-run")
	if code != exitOK {
		t.Fatalf("dry run of an unapproved plan: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitOK, out, errOut)
	}
	for _, want := range []string{
		"none changed since the plan was made", "re-derived from the state read",
		"would call ecs:RegisterTaskDefinition", `would call ecs:UpdateService {"cluster":`, "would call ecs:UpdateCluster",
		"dry run: an apply needs an approval first (without one it refuses the plan, exit code 6)",
		"high   register a new revision of web",
		"high risk needs 1 distinct signer(s) (approvals.quorum.high); 0 approval(s) count",
		"to approve: ecsfix approve " + planFile + " --by NAME",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run does not print %q:\n%s", want, out)
		}
	}
	for _, s := range plantedSecrets {
		if strings.Contains(out, s) || strings.Contains(errOut, s) {
			t.Error("the dry run prints a planted secret value")
		}
	}
	if _, err := os.Stat(planFile + ".journal"); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote a journal (%v)", err)
	}

	if _, errOut, code := runCLI(t, "apply", planFile); code != exitNotApproved || !strings.Contains(errOut, "not approved") {
		t.Errorf("apply of the unapproved plan: exit %d, want %d\n%s", code, exitNotApproved, errOut)
	}
	if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore || insights(t, cfg) == "enabled" {
		t.Fatal("the dry run or the refused apply changed something")
	}

	// An approval of the plan, then the plan edited (its content hash changes): the approval is named
	// as another plan's, with both hashes, and what to do.
	if _, errOut, code := runCLI(t, "approve", planFile, "--by", "alice"); code != exitOK {
		t.Fatalf("approve: exit %d\n%s", code, errOut)
	}
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	approved := p.ContentHash()
	p.Actions[0].Summary += " (edited)"
	if err := writePlanFile(planFile, p); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "apply", planFile)
	for _, want := range []string{"approval 1 by alice", "is an approval of another plan", "it approved " + approved, "this plan is " + p.ContentHash(), "ecsfix approve " + planFile} {
		if !strings.Contains(errOut, want) {
			t.Errorf("apply with an approval of another plan does not say %q (exit %d):\n%s", want, code, errOut)
		}
	}
	if code != exitNotApproved {
		t.Errorf("apply with an approval of another plan: exit %d, want %d", code, exitNotApproved)
	}
}

// On the demo, service web's ECS.10 fix is an update of its own, at low risk: the plan's unattended
// subset (what apply --auto applies) holds it, and not web's riskier updates.
func TestDemoPlatformUpdateIsItsOwnLowRiskAction(t *testing.T) {
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--snapshot", demo, "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	const web = "arn:aws:ecs:eu-west-1:123456789012:service/storefront-prod/web"
	var updates []plan.Action
	for _, a := range p.Actions {
		if a.Type == plan.UpdateService && a.Resource == web {
			updates = append(updates, a)
		}
	}
	if len(updates) < 2 {
		t.Fatalf("service web has %d update(s), want its platform version apart from its other fixes", len(updates))
	}
	pv := updates[0]
	if pv.UpdateService.After != (plan.ServiceSettings{PlatformVersion: "LATEST"}) || strings.Join(pv.Controls, ",") != "ECS.10" || pv.Risk != plan.RiskLow {
		t.Errorf("web's first update is %+v (%s, %s), want platform version LATEST alone, low risk", pv.UpdateService.After, pv.Controls, pv.Risk)
	}
	for _, a := range updates[1:] {
		if a.UpdateService.After.PlatformVersion != "" || a.Risk == plan.RiskLow {
			t.Errorf("web's update %s also sets the platform, or is low risk: %+v (%s)", a.ID, a.UpdateService.After, a.Risk)
		}
	}
	kept, _ := p.Subset(plan.RiskLow, nil)
	found := false
	for _, a := range kept.Actions {
		if a.Resource == web {
			found = found || a.ID == pv.ID
			if a.ID != pv.ID {
				t.Errorf("the low-risk subset holds web's %s (%s)", a.ID, a.Summary)
			}
		}
	}
	if !found {
		t.Errorf("the low-risk subset does not hold web's platform update %s", pv.ID)
	}
}

// --control means "only these controls" on scan and plan: plan evaluates only them, so it lists no
// finding of another control as "not selected for fixing".
func TestControlMeansTheSameOnScanAndPlan(t *testing.T) {
	for _, id := range []string{"ECS.10", "ECS.16", "ECS.5"} {
		out, errOut, code := runCLI(t, "plan", "--snapshot", demo, "--control", id)
		if code != exitOK {
			t.Fatalf("plan --control %s: exit %d\n%s", id, code, errOut)
		}
		if strings.Contains(out, "not selected for fixing") {
			t.Errorf("plan --control %s lists findings of other controls as not selected:\n%s", id, out)
		}
		scan, _, _ := runCLI(t, "scan", "--snapshot", demo, "--control", id, "--format", "json")
		for _, other := range []string{`"control": "ECS.12"`, `"control": "ECS.9"`} {
			if strings.Contains(scan, other) {
				t.Errorf("scan --control %s evaluates %s", id, other)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "  fixes:") && !strings.Contains(line, id) {
				t.Errorf("plan --control %s fixes %s", id, line)
			}
		}
	}
	out, _, _ := runCLI(t, "plan", "--snapshot", demo, "--control", "ECS.10")
	if !strings.Contains(out, "fixes:       ECS.10") || strings.Contains(out, "ECS.12") {
		t.Errorf("plan --control ECS.10 does not fix exactly ECS.10:\n%s", out)
	}
}

// A tag control selected while its required_tags list is empty is off: scan and plan say which key
// turns it on, instead of only "No failing controls.".
func TestOffTagControlIsNamed(t *testing.T) {
	out, errOut, code := runCLI(t, "scan", "--snapshot", demo, "--control", "ECS.13")
	if code != exitOK || !strings.Contains(out, "0 verdicts") {
		t.Fatalf("scan --control ECS.13: exit %d\n%s%s", code, out, errOut)
	}
	want := "warning: ECS.13 is off: required_tags.service lists no tag key, so it evaluates nothing; set the keys it requires in the configuration (required_tags.service: [team]) or the environment (ECSFIX_REQUIRED_TAGS_SERVICE=team)"
	if !strings.Contains(errOut, want) {
		t.Errorf("scan --control ECS.13 does not name required_tags.service:\n%s", errOut)
	}
	if _, errOut, _ := runCLI(t, "plan", "--snapshot", demo, "--control", "ECS.15"); !strings.Contains(errOut, "ECS.15 is off: required_tags.task_definition") {
		t.Errorf("plan --control ECS.15 does not name required_tags.task_definition:\n%s", errOut)
	}
	// With the key set, the control evaluates, and nothing is said.
	t.Setenv("ECSFIX_REQUIRED_TAGS_SERVICE", "team")
	out, errOut, _ = runCLI(t, "scan", "--snapshot", demo, "--control", "ECS.13")
	if strings.Contains(errOut, "is off") || strings.Contains(out, " 0 verdicts") {
		t.Errorf("scan --control ECS.13 with required_tags.service set:\n%s%s", out, errOut)
	}
	// Not selected by name: no warning (every tag control is off by default).
	if _, errOut, _ := runCLI(t, "scan", "--snapshot", demo); strings.Contains(errOut, "is off") {
		t.Errorf("a scan of every control warns of off tag controls:\n%s", errOut)
	}
}

// Each "Not fixed" hint of the demo about a user names the setting that fixes that revision: for its
// monitoring agent, the one that opts it out of being a host agent.
func TestNotFixedUserHintsNameTheSetting(t *testing.T) {
	out, errOut, code := runCLI(t, "plan", "--snapshot", demo)
	if code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	seen := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "ECS.21 ") && i+1 < len(lines) {
			seen = true
			hint := lines[i+1]
			// The demo's only such revision is its monitoring agent, which keeps running as root: the hint
			// says why and how to opt it out, not to set a user that would stop it (the hint of an ordinary
			// revision without operatingSystemFamily is pinned in plan's remedy_user_test.go).
			if !strings.Contains(hint, `container "agent" keeps its user: it is a host agent`) || !strings.Contains(hint, "fix.workloads.not_agents") {
				t.Errorf("the ECS.21 hint of the demo's agent: %s", hint)
			}
		}
	}
	if !seen {
		t.Fatalf("the demo plan lists no ECS.21 under Not fixed:\n%s", out)
	}
}
