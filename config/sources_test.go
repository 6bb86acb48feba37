// Tests that configuration errors name where each bad value came from (flag, variable, file), and that
// LoadFrom says which file it read.

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProblemsNameTheirSource(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("ECSFIX_CONFIG", "")
	p := writeFile(t, "log:\n  level: loud\nregions: [eu-west-1, moon-1]\n")
	v := New()
	v.Set("log.format", "xml") // stands for a flag: the highest precedence
	t.Setenv("ECSFIX_SCAN_MAX_ATTEMPTS", "0")
	_, _, err := LoadFrom(v, p, map[string]string{"log.format": "--log-format"})
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *Error", err)
	}
	want := map[string]Problem{
		"log.format":        {Source: "--log-format", Flag: true},
		"log.level":         {Source: "config file " + p},
		"regions[1]":        {Source: "config file " + p},
		"scan.max_attempts": {Source: "environment variable ECSFIX_SCAN_MAX_ATTEMPTS"},
	}
	for _, pr := range ce.Problems {
		w, ok := want[pr.Key]
		if !ok {
			t.Errorf("unexpected problem %+v", pr)
			continue
		}
		delete(want, pr.Key)
		if pr.Source != w.Source || pr.Flag != w.Flag {
			t.Errorf("problem %s: source %q flag %v, want %q %v", pr.Key, pr.Source, pr.Flag, w.Source, w.Flag)
		}
	}
	for k := range want {
		t.Errorf("no problem reported for %s", k)
	}
	if !ce.FromFlags() {
		t.Error("FromFlags is false with a flag's bad value")
	}
	if msg := err.Error(); !strings.Contains(msg, `--log-format: "xml" is not one of text, json (log.format)`) ||
		!strings.Contains(msg, "environment variable ECSFIX_SCAN_MAX_ATTEMPTS: scan.max_attempts: 0 is outside 1..50") {
		t.Errorf("message:\n%s", msg)
	}
}

func TestRegionNames(t *testing.T) {
	for _, r := range []string{"eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "il-central-1", "us-isob-east-1", "eu-isoe-west-1"} {
		if !regionName.MatchString(r) {
			t.Errorf("%s is refused", r)
		}
	}
	for _, r := range []string{"", "eu-west", "EU-WEST-1", "eu west 1", "eu-west-1a", "https://x", "moon"} {
		if regionName.MatchString(r) {
			t.Errorf("%q is accepted", r)
		}
	}
}

func TestLoadedSaysWhichFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("ECSFIX_CONFIG", "")
	_, l, err := LoadFrom(New(), "", nil)
	if err != nil || l.File != "" || l.From != "" {
		t.Fatalf("no file: %+v, %v", l, err)
	}
	user := filepath.Join(xdg, "ecsfix", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(user), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(user, []byte("scan:\n  concurrency: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, l, err = LoadFrom(New(), "", nil); err != nil || l.File != user || l.From != "user configuration" {
		t.Fatalf("user file: %+v, %v", l, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ecsfix.yaml"), []byte("scan:\n  concurrency: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, l, err = LoadFrom(New(), "", nil); err != nil || l.File != "ecsfix.yaml" || l.From != "working directory" || l.PolicyFile != user {
		t.Fatalf("working-directory file: %+v, %v", l, err)
	}
	explicit := writeFile(t, "")
	t.Setenv("ECSFIX_CONFIG", explicit)
	if _, l, err = LoadFrom(New(), "", nil); err != nil || l.File != explicit || l.From != "$ECSFIX_CONFIG" || len(l.Ignored) != 2 {
		t.Fatalf("$ECSFIX_CONFIG: %+v, %v", l, err)
	}
}
