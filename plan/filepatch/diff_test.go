package filepatch

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The diffs git apply takes: paths with a space or non-ASCII letters, no final newline, context that
// stops short of a line that must not be printed.

func gitApply(t *testing.T, files map[string]string, patch string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s\npatch:\n%s", args, err, out, patch)
		}
	}
	run("init", "-q")
	for name, text := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "x.patch"), []byte(patch), 0o644)
	run("apply", "--check", "x.patch")
	run("apply", "x.patch")
	out := map[string]string{}
	for name := range files {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		out[name] = string(b)
	}
	return out
}

func TestUnifiedDiffGitApplies(t *testing.T) {
	lines := func(n int, edit map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := edit[i]; ok {
				b.WriteString(s)
				continue
			}
			b.WriteString("  \"k" + string(rune('a'+i%26)) + "\": " + strings.Repeat("1", i%5+1) + ",\n")
		}
		return b.String()
	}
	old := "{\n" + lines(30, nil) + "  \"end\": 0\n}"
	new := strings.Replace(old, "\"kf\": 11,\n", "\"kf\": 2,\n", 1)
	new = strings.Replace(new, "\"end\": 0\n}", "\"end\": 0,\n  \"added\": true\n}", 1)
	for _, name := range []string{"task def.json", "dépôt/td.json", "plain.json"} {
		header := "# a header line git apply skips\n# --- not a file header either\n"
		d, err := UnifiedDiff(name, old, new, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := gitApply(t, map[string]string{name: old}, header+d)
		if got[name] != new {
			t.Errorf("%s: git apply made\n%s", name, got[name])
		}
	}
}

func TestUnifiedDiffContextSkipsHiddenLines(t *testing.T) {
	old := "{\n  \"a\": 1,\n  \"secret\": \"x\",\n  \"b\": 1,\n  \"c\": 1,\n  \"d\": 1\n}\n"
	new := strings.Replace(old, "\"b\": 1", "\"b\": 2", 1)
	hidden := func(l int) bool { return l == 2 }
	d, err := UnifiedDiff("f.json", old, new, hidden)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d, "secret") {
		t.Fatalf("the diff shows the hidden line:\n%s", d)
	}
	if got := gitApply(t, map[string]string{"f.json": old}, d); got["f.json"] != new {
		t.Fatalf("git apply made\n%s", got["f.json"])
	}
	// a change to the hidden line itself, or one whose only following context is hidden, is refused
	var h *ErrHidden
	if _, err := UnifiedDiff("f.json", old, strings.Replace(old, "\"x\"", "\"y\"", 1), hidden); !errors.As(err, &h) || h.Line != 3 {
		t.Errorf("changing the hidden line: err = %v", err)
	}
	if _, err := UnifiedDiff("f.json", old, strings.Replace(old, "\"a\": 1", "\"a\": 2", 1), hidden); !errors.As(err, &h) {
		t.Errorf("a change followed by the hidden line: err = %v", err)
	}
}

// The header is text for people: a name from a file that holds a bidi override is escaped there; the
// diff's path is quoted as git quotes it.
func TestUnifiedHeaderEscapes(t *testing.T) {
	name := "evil\u202e.json"
	p := &Patch{Files: []*File{{Name: name, Old: []byte("{\"a\":1}\n"), New: []byte("{\"a\":2}\n"), hidden: map[int]bool{},
		Fixes: []Fix{{TaskDefinition: "file:" + name + ":1:task-definition/w\u202eeb", Controls: []string{"ECS.4"}}}}}}
	out := p.Unified(func(n string) string { return n })
	head, body, _ := strings.Cut(out, "diff --git")
	if strings.ContainsRune(head, '\u202e') || !strings.Contains(head, `\u202e`) {
		t.Errorf("header not escaped:\n%s", head)
	}
	if !strings.Contains(body, `"a/evil\342\200\256.json"`) {
		t.Errorf("diff path not quoted as git quotes it:\n%s", body)
	}
}
