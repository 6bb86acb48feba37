package plan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// updateGolden rewrites the golden files under testdata/golden (go test ./plan -update).
var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// checkGolden compares got with the golden file testdata/golden/name at the repository root.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plan -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./plan -update after checking the change):\n%s", path, got)
	}
}

func TestRenderGolden(t *testing.T) {
	opts := RenderOptions{UnattendedRisk: RiskLow}
	tests := []struct {
		name   string
		plan   func(testing.TB) *Plan
		render func(*bytes.Buffer, *Plan) error
	}{
		{"plan-fixture.txt", renderFixture, func(b *bytes.Buffer, p *Plan) error { return RenderText(b, p, opts) }},
		{"plan-fixture.md", renderFixture, func(b *bytes.Buffer, p *Plan) error { return RenderMarkdown(b, p, opts) }},
		{"plan-fixture.json", renderFixture, func(b *bytes.Buffer, p *Plan) error { return RenderJSON(b, p, opts) }},
		{"plan-empty.txt", func(testing.TB) *Plan { return emptyFixture() }, func(b *bytes.Buffer, p *Plan) error { return RenderText(b, p, opts) }},
		{"plan-empty.md", func(testing.TB) *Plan { return emptyFixture() }, func(b *bytes.Buffer, p *Plan) error { return RenderMarkdown(b, p, opts) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b, tt.plan(t)); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, b.Bytes())
		})
	}
}

// TestGoldenFilesHoldNoSecret reads every plan golden file and fuzz seed back: none may hold a value the
// fixture's masked places stand for.
func TestGoldenFilesHoldNoSecret(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "plan-*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no plan golden files (%v)", err)
	}
	corpus, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzRead", "*"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, corpus...)
	var secrets []string
	for _, s := range fixtureSecrets {
		secrets = append(secrets, s)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds a secret value of the fixture", f)
			}
		}
	}
}

func TestRenderTextColour(t *testing.T) {
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := RenderText(&b, renderFixture(t), RenderOptions{Color: color, UnattendedRisk: RiskLow}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "\x1b["); got != color {
			t.Errorf("color=%v: output has ANSI codes: %v", color, got)
		}
		if color && !strings.Contains(b.String(), ansiRedCode+"-") {
			t.Errorf("color=true: removed lines are not red")
		}
	}
}

func TestRenderSummaryLine(t *testing.T) {
	tests := []struct {
		name       string
		unattended Risk
		want       string
	}{
		{"low", RiskLow, "Plan: 2 task definitions, 2 services, 1 cluster, 1 secret, 1 log group, 1 role policy, 1 deregistration, 1 policy detachment, 1 inline policy edit to change; 4 high-risk and 5 medium-risk actions need approval (unattended risk: low)."},
		{"medium", RiskMedium, "Plan: 2 task definitions, 2 services, 1 cluster, 1 secret, 1 log group, 1 role policy, 1 deregistration, 1 policy detachment, 1 inline policy edit to change; 4 high-risk actions need approval (unattended risk: medium)."},
		{"high", RiskHigh, "Plan: 2 task definitions, 2 services, 1 cluster, 1 secret, 1 log group, 1 role policy, 1 deregistration, 1 policy detachment, 1 inline policy edit to change; every action is within the unattended risk (high)."},
		{"none", RiskNone, "4 high-risk and 5 medium-risk and 2 low-risk actions need approval (unattended risk: none)."},
		{"unset means none", "", "(unattended risk: none)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderText(&b, renderFixture(t), RenderOptions{UnattendedRisk: tt.unattended}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, b.String())
			}
		})
	}
}

// TestRenderMasksDeclaredPlaces: even if a plan held a value at a masked place (Write refuses such a
// plan), the renderers show the placeholder.
func TestRenderMasksDeclaredPlaces(t *testing.T) {
	p := renderFixture(t)
	leaky := strings.Replace(string(p.Actions[0].RegisterTaskDefinition.Before), `"value":"(masked)"`,
		`"value":"`+fixtureSecrets["AWS_SECRET_ACCESS_KEY"]+`"`, 1)
	if leaky == string(p.Actions[0].RegisterTaskDefinition.Before) {
		t.Fatal("fixture changed: no masked value to replace")
	}
	p.Actions[0].RegisterTaskDefinition.Before = []byte(leaky)
	for _, format := range []string{"text", "markdown"} {
		r, err := NewRenderer(format, RenderOptions{UnattendedRisk: RiskLow})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.Render(&b, p); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), fixtureSecrets["AWS_SECRET_ACCESS_KEY"]) {
			t.Errorf("%s rendering shows a masked value", format)
		}
	}
	var b bytes.Buffer
	if err := RenderJSON(&b, p, RenderOptions{}); err == nil || strings.Contains(err.Error(), fixtureSecrets["AWS_SECRET_ACCESS_KEY"]) {
		t.Errorf("RenderJSON of a plan holding a value at a masked place: err = %v, want a refusal that does not show it", err)
	}
}

func TestRenderEmptyPlan(t *testing.T) {
	var b bytes.Buffer
	if err := RenderText(&b, emptyFixture(), RenderOptions{UnattendedRisk: RiskLow}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No changes.", "Not fixed:", "ECS.2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "Plan:") {
		t.Errorf("an empty plan has no summary line:\n%s", b.String())
	}
}

func TestNewRendererRejectsUnknownFormat(t *testing.T) {
	if _, err := NewRenderer("yaml", RenderOptions{}); err == nil {
		t.Error("NewRenderer(yaml) should fail")
	}
}
