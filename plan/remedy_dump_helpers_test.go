package plan

// Helpers for the tests that pin the larger remedies (secrets, logs, public IP, security groups, host
// network, admin role) through Build: a plan flattened to one "path=value" line per leaf, compared with
// the lines a scenario expects.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// remedyFlat is a plan's actions and skipped findings, one "path=value" line per leaf, sorted; the
// registrations' before-state is left out (it is the source revision as read).
func remedyFlat(t *testing.T, p *Plan) string {
	t.Helper()
	raw, err := json.Marshal(struct {
		Actions []Action  `json:"actions"`
		Skipped []Skipped `json:"skipped"`
	}{p.Actions, p.Skipped})
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var lines []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "before" && strings.HasSuffix(path, ".registerTaskDefinition") {
					continue
				}
				if (k == "after") && strings.HasSuffix(path, ".registerTaskDefinition") {
					if s, ok := e.(string); ok {
						var inner any
						if json.Unmarshal([]byte(s), &inner) == nil {
							e = inner
						}
					}
				}
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		default:
			b, _ := json.Marshal(x)
			lines = append(lines, strings.TrimPrefix(path, ".")+"="+string(b))
		}
	}
	walk("", doc)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// remedyBuild builds and validates the plan of an inventory from these results (the detector's when
// results is nil).
func remedyBuild(t *testing.T, in *detect.Inventory, results []detect.Result, mods ...func(*Options)) *Plan {
	t.Helper()
	if results == nil {
		results = detect.Evaluate(in, bSettings())
	}
	p, err := Build(in, results, bOptions(mods...))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the plan does not validate: %v", err)
	}
	return p
}

// remedyPin compares a plan's flat lines with the test's pin, testdata/pins/<test name>.txt (a "/" of the
// name as "__"); -update rewrites the pin instead (to be reviewed line by line, as any golden file).
func remedyPin(t *testing.T, p *Plan) {
	t.Helper()
	got := remedyFlat(t, p)
	file := filepath.Join("testdata", "pins", strings.NewReplacer("/", "__").Replace(t.Name())+".txt")
	if *updateGolden {
		if err := os.WriteFile(file, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no pin for %s: %v", t.Name(), err)
	}
	want := string(raw)
	want = strings.Trim(want, "\n")
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	in := map[string]bool{}
	for _, l := range w {
		in[l] = true
	}
	has := map[string]bool{}
	for _, l := range g {
		has[l] = true
	}
	var diff []string
	for _, l := range w {
		if !has[l] {
			diff = append(diff, "- "+l)
		}
	}
	for _, l := range g {
		if !in[l] {
			diff = append(diff, "+ "+l)
		}
	}
	t.Errorf("plan differs from its pin (- wanted, + got):\n%s", strings.Join(diff, "\n"))
}
