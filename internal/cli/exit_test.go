// Tests that the exit-code contract is one: the README's "Exit codes" section, every command's help and
// the code's constants say the same thing.

package cli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/config"
)

// exitCodesMarkdown is the README's "Exit codes" section as exitCodes and exitPrecedence make it.
func exitCodesMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | commands | meaning |\n|---|---|---|\n")
	for _, d := range exitCodes {
		b.WriteString(d.markdownRow() + "\n")
	}
	b.WriteString("\nWhen several hold:\n")
	for _, p := range exitPrecedence {
		name := p.command
		if name != "every command" {
			name = "`" + name + "`"
		}
		fmt.Fprintf(&b, "- %s: %s.\n", name, p.rule)
	}
	return b.String()
}

func TestReadmeExitCodesAreTheCodes(t *testing.T) {
	text := readme(t)
	start := strings.Index(text, "### Exit codes\n")
	if start < 0 {
		t.Fatal("the README has no ### Exit codes section")
	}
	section := text[start:]
	if end := strings.Index(section[1:], "\n#"); end >= 0 {
		section = section[:end+1]
	}
	if want := exitCodesMarkdown(); !strings.Contains(section, want) {
		t.Errorf("the README's Exit codes section differs from the table in exit.go; it should hold:\n%s\nit holds:\n%s", want, section)
	}
}

func TestExitCodeConstantsAreDocumented(t *testing.T) {
	constants := []int{exitOK, exitError, exitUsage, exitIncomplete, exitLeftForApproval, exitStale, exitNotApproved,
		exitDeploymentFailed, exitJournalLocked, exitJournalRefused}
	var documented []string
	for _, d := range exitCodes {
		documented = append(documented, d.code)
		if len(d.commands) == 0 {
			t.Errorf("exit code %s names no command", d.code)
		}
		for _, c := range d.commands {
			if name, _, _ := strings.Cut(c, " "); !slices.Contains(verbs, name) {
				t.Errorf("exit code %s names %q, not a command", d.code, c)
			}
		}
	}
	for _, c := range constants {
		if n := slices.Index(documented, fmt.Sprint(c)); n < 0 {
			t.Errorf("exit code %d is not in exitCodes", c)
		}
	}
	if len(documented) != len(constants)+1 { // and N, for scan --exit-code
		t.Errorf("exitCodes documents %v, the constants are %v and N", documented, constants)
	}
}

// Each command's help ends with the codes it exits with, and no other "Exit codes" text.
func TestHelpShowsEachCommandsExitCodes(t *testing.T) {
	root := newCmdRoot(&globalOptions{viper: config.New()})
	var names []string
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		names = append(names, c.Name())
		if n := strings.Count(c.Long, "Exit codes"); n != 1 {
			t.Errorf("%s's help has %d Exit codes sections, want 1", c.Name(), n)
		}
		if !strings.HasSuffix(c.Long, exitHelp(c.Name())) {
			t.Errorf("%s's help does not end with its exit codes:\n%s", c.Name(), c.Long)
		}
		for _, d := range exitCodes {
			has := strings.Contains(c.Long, "\n  "+fmt.Sprintf("%-2s ", d.code))
			if has != d.forCommand(c.Name()) {
				t.Errorf("%s's help lists exit code %s: %v, want %v", c.Name(), d.code, has, d.forCommand(c.Name()))
			}
		}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(verbs))
	if !slices.Equal(names, want) {
		t.Errorf("commands %v, the exit-code table knows %v", names, want)
	}
	// The commands each code is documented for are the ones whose help shows it.
	out, _, code := runCLI(t, "help", "apply")
	if code != 0 || !strings.Contains(out, "  4  it applied what it may") || !strings.Contains(out, "When several hold (apply --auto)") {
		t.Errorf("ecsfix help apply (exit %d) lacks code 4 or its precedence:\n%s", code, out)
	}
}

// The scheduled job's list of apply --auto's exit codes names every code apply --auto can exit with but 2
// (6 cannot happen: it applies only what needs no approval), and no other.
func TestReadmeScheduledJobExitCodes(t *testing.T) {
	text := readme(t)
	start := strings.Index(text, "### A scheduled job\n")
	if start < 0 {
		t.Fatal("the README has no ### A scheduled job section")
	}
	section := text[start:]
	section = section[:strings.Index(section, "\nAnd a CI gate")]
	listed := map[string]bool{}
	item := regexp.MustCompile(`(?m)^- ([0-9, or]+):`)
	for _, m := range item.FindAllStringSubmatch(section, -1) {
		for _, c := range regexp.MustCompile(`[0-9]+`).FindAllString(m[1], -1) {
			listed[c] = true
		}
	}
	for _, d := range exitCodes {
		want := d.forCommand("apply") && d.code != "2" && d.code != "6"
		if listed[d.code] != want {
			t.Errorf("the scheduled job lists exit code %s: %v, want %v", d.code, listed[d.code], want)
		}
	}
	if !strings.Contains(section, "3 wins over 4") {
		t.Error("the scheduled job does not say that 3 wins over 4")
	}
}
