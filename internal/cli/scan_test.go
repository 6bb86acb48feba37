package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// demo is the demo estate; its planted credentials use AWS's documented example values.
const demo = "../../testdata/demo"

// plantedSecrets are values present in the demo estate that must never be printed.
var plantedSecrets = []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

// runCLI runs ecsfix with args and in-memory streams, isolated from the user's configuration.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("ECSFIX_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test ./internal/cli -update after checking the change):\n%s", path, got)
	}
}

// versionRE blanks the tool version, which differs between builds.
var versionRE = regexp.MustCompile(`"version": "[^"]*"`)

func TestScanDemoGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"scan-demo.txt", []string{"scan", "--snapshot", demo}},
		{"scan-demo-all.txt", []string{"scan", "--snapshot", demo, "--all"}},
		{"scan-demo.json", []string{"scan", "--snapshot", demo, "--format", "json"}},
		{"scan-demo.sarif", []string{"scan", "--snapshot", demo, "--format", "sarif"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			golden(t, tt.name, versionRE.ReplaceAllString(out, `"version": "X"`))
		})
	}
}

func TestScanJSONContract(t *testing.T) {
	out, errOut, code := runCLI(t, "scan", "--snapshot", demo, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Results []struct {
			Control, ResourceType, ResourceArn, Status, Reason, Region, Severity string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Results) == 0 {
		t.Fatal("no results")
	}
	seen := map[string]bool{}
	for _, r := range doc.Results {
		if r.Control == "" || r.ResourceType == "" || r.ResourceArn == "" || r.Reason == "" || r.Severity == "" || r.Region == "" {
			t.Errorf("incomplete result %+v", r)
		}
		switch r.Status {
		case "PASSED", "FAILED", "NOT_APPLICABLE":
		default:
			t.Errorf("status %q in results", r.Status)
		}
		key := r.Control + " " + r.ResourceArn
		if seen[key] {
			t.Errorf("duplicate result for %s", key)
		}
		seen[key] = true
	}
}

func TestScanNeverPrintsSecrets(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif"} {
		out, errOut, _ := runCLI(t, "scan", "--snapshot", demo, "--all", "--format", format, "--log-level", "debug")
		for _, s := range plantedSecrets {
			if strings.Contains(out, s) || strings.Contains(errOut, s) {
				t.Errorf("format %s printed a planted secret value", format)
			}
		}
	}
}

func TestScanExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"services": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "ecsfix.yaml")
	if err := os.WriteFile(cfg, []byte("controls: [ECS.77]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		args        []string
		code        int
		stderrHas   string
		emptyStdout bool
	}{
		{"findings do not fail by default", []string{"scan", "--snapshot", demo}, 0, "", false},
		{"--exit-code on failures", []string{"scan", "--snapshot", demo, "--exit-code", "4"}, 4, "", false},
		{"--exit-code without failures", []string{"scan", "--snapshot", demo, "--control", "ECS.16", "--exit-code", "4", "--format", "json"}, 0, "", false},
		{"malformed snapshot names the file", []string{"scan", "--snapshot", bad}, 1, "bad.json", true},
		{"missing snapshot", []string{"scan", "--snapshot", "does-not-exist"}, 1, "does-not-exist", true},
		{"unknown control", []string{"scan", "--snapshot", demo, "--control", "ECS.99"}, 2, `unknown control id "ECS.99"`, true},
		{"unknown format", []string{"scan", "--snapshot", demo, "--format", "xml"}, 2, "xml", true},
		{"unknown flag", []string{"scan", "--frobnicate"}, 2, "frobnicate", true},
		{"bad config", []string{"--config", cfg, "scan", "--snapshot", demo}, 1, "ECS.77", true},
		{"region with snapshot", []string{"scan", "--snapshot", demo, "--region", "eu-west-1"}, 2, "--region", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.stderrHas) {
				t.Errorf("stderr %q lacks %q", errOut, tt.stderrHas)
			}
			if tt.emptyStdout && out != "" {
				t.Errorf("stdout should be empty on error, got:\n%s", out)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "ecsfix ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// planVolatile blanks what changes between runs of `ecsfix plan`: the time, the tool version, and the
// content hash (which covers the time).
var planVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`made by ecsfix \S+ at [^)]*? from`), "made by ecsfix X at TIME from"},
	{regexp.MustCompile(`sha256:[0-9a-f]{64}`), "sha256:HASH"},
	{regexp.MustCompile(`-\d{8}T\d{6}\b`), "-TIME"}, // the plan's time in the names of security-group copies
}

func TestPlanDemoGolden(t *testing.T) {
	out, errOut, code := runCLI(t, "plan", "--snapshot", demo)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, v := range planVolatile {
		out = v.re.ReplaceAllString(out, v.with)
	}
	golden(t, "plan-demo.txt", out)
	for _, s := range plantedSecrets {
		if strings.Contains(out, s) {
			t.Error("the demo plan prints a planted secret value")
		}
	}
}
