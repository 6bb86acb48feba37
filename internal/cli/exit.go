package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Exit codes. They are part of the command-line contract: exitCodes documents each, and the README's
// "Exit codes" table and every command's help are made from it (exit_test.go checks that they agree).
const (
	exitOK = 0
	// exitError: bad input (snapshot, config, plan, journal), the AWS API unreachable, an API error, or
	// any other failure.
	exitError = 1
	// exitUsage: bad flags or arguments, a configuration value given by a flag included.
	exitUsage = 2
	// exitIncomplete: the scan ran but some resources (or snapshot files) could not be read; the output lists them.
	exitIncomplete = 3
	// exitLeftForApproval: apply --auto applied what it may and left actions that need an approval.
	exitLeftForApproval = 4
	// exitStale: the plan's resources changed since it was made; nothing was changed.
	exitStale = 5
	// exitNotApproved: the plan has actions above the unattended risk and no valid approval.
	exitNotApproved = 6
	// exitDeploymentFailed: with --wait, a service did not reach a steady state.
	exitDeploymentFailed = 7
	// exitJournalLocked: another apply or rollback holds the journal's lock; nothing was changed.
	exitJournalLocked = 8
	// exitJournalRefused: the journal is not this plan's, not a journal, fails its chain (edited,
	// reordered, pieced together from another journal), or rollback was given another plan; nothing
	// was changed.
	exitJournalRefused = 9
)

// verbs are ecsfix's commands, in the order of the README.
var verbs = []string{"scan", "plan", "show", "approve", "apply", "rollback", "version"}

// exitCodeDoc documents one exit code: which commands exit with it and what it means (markdown, as the
// README's table shows it).
type exitCodeDoc struct {
	code     string // a number, or N for scan --exit-code
	commands []string
	meaning  string
}

// exitCodes is the exit-code table of every command.
var exitCodes = []exitCodeDoc{
	{fmt.Sprint(exitOK), verbs, "done: the command did what it was asked (`scan`: whatever it found, unless `--exit-code`; `apply --auto`: applied everything it found, or there was nothing to do)"},
	{fmt.Sprint(exitError), verbs, "an error: bad input (a snapshot, configuration file or `ECSFIX_*` variable, plan, journal that is missing or empty, key), " +
		"the AWS API unreachable or refusing the credentials (the first call, `sts:GetCallerIdentity`, fails within about 20 seconds), an API failure, " +
		"a plan for another account or region, an interrupted run; `apply`: some actions failed (run it again to resume from the journal); " +
		"`rollback`: some steps were refused or failed (each is listed; the others were rolled back); " +
		"`--update-findings`: some Security Hub findings could not be updated (each is listed with why; the changes were made); " +
		"the message names the input and what to do"},
	{fmt.Sprint(exitUsage), verbs, "bad flags or arguments: an unknown command or flag, a flag value of the wrong form (`--format`, `--control`, " +
		"`--region`, `--log-level`, `--log-format`, `--exit-code`, …), flags that do not go together; the message names the flag; nothing was changed " +
		"(a file a flag names that cannot be read is 1)"},
	{fmt.Sprint(exitIncomplete), []string{"scan", "plan", "apply --auto"}, "the scan ran but some resources (or, in a snapshot folder, some files) could not be read; they are listed, results " +
		"for the rest are printed (`plan` still prints and saves the plan for what was read; `apply --auto` applies it)"},
	{fmt.Sprint(exitLeftForApproval), []string{"apply --auto"}, "it applied what it may and left actions that need an approval (listed on stdout)"},
	{fmt.Sprint(exitStale), []string{"apply"}, "the plan is stale (its resources changed since planning); nothing was changed"},
	{fmt.Sprint(exitNotApproved), []string{"apply", "rollback"}, "the plan (for `rollback`, the plan and the reversed changes) has actions above " +
		"the unattended risk and not enough approvals that count (none, unsigned or unlisted with `approvals.allowed_signers`, quorum not reached, " +
		"an approval or the plan too old); the message names each approval refused and why; nothing was changed. `apply --dry-run` exits 0 " +
		"when only an approval is missing (it prints the calls and what needs approving), and 6 when the plan is too old for any approval"},
	{fmt.Sprint(exitDeploymentFailed), []string{"apply"}, "`--wait`: a service's deployment failed or did not settle within `fix.wait_timeout`"},
	{fmt.Sprint(exitJournalLocked), []string{"apply", "rollback"}, "another apply or rollback holds the journal's lock; nothing was changed"},
	{fmt.Sprint(exitJournalRefused), []string{"apply", "rollback"}, "the journal is another plan's (or `rollback` was given another plan), records a " +
		"rollback of the plan (`apply`: give a new `--journal` to apply it again), is not an ecsfix journal (a plan given in its place), or fails its integrity check (a record edited, reordered, removed or from another " +
		"journal; the message names the line); nothing was changed"},
	{"N", []string{"scan"}, "`scan --exit-code N`: there are unsuppressed FAILED results (and the scan is complete)"},
}

// exitPrecedence says, per command, which code wins when several hold (markdown, as in the README).
var exitPrecedence = []struct{ command, rule string }{
	{"every command", "bad flags (2) are found before anything is changed; an interrupted run (Ctrl-C, SIGTERM) exits 1"},
	{"scan", "3 wins over `--exit-code N`: an incomplete scan cannot say that nothing fails"},
	{"apply", "the checks run in this order, and the first that fails decides: an invalid plan (1), the journal locked (8), " +
		"another account or region (1), the journal refused (9), a stale plan (5), an action that does not re-derive from the live state (1), " +
		"not approved (6); once changes were made, a failed deployment (7) wins over failed actions (1)"},
	{"apply --auto", "an error of the apply itself (1, 5, 7, 8, 9) wins over 3, and 3 wins over 4: with 3 or 4, everything at or below " +
		"the unattended risk that was read was applied"},
	{"rollback", "the journal locked (8), the journal missing or empty (1) or refused (9), the plan invalid (1) or another's (9), " +
		"another account (1, or 9 when the journal records another), not approved (6); then steps refused or failed (1)"},
}

// forCommand reports whether the code applies to the command (apply --auto is a form of apply).
func (d exitCodeDoc) forCommand(name string) bool {
	return slices.ContainsFunc(d.commands, func(c string) bool { return c == name || strings.HasPrefix(c, name+" ") })
}

// markdownRow is the README table row of the code.
func (d exitCodeDoc) markdownRow() string {
	cmds := make([]string, len(d.commands))
	for i, c := range d.commands {
		cmds[i] = "`" + c + "`"
	}
	commands := strings.Join(cmds, ", ")
	if len(d.commands) == len(verbs) {
		commands = "all"
	}
	return fmt.Sprintf("| %s | %s | %s |", d.code, commands, d.meaning)
}

// exitHelp is the "Exit codes" section of a command's help.
func exitHelp(name string) string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, d := range exitCodes {
		if d.forCommand(name) {
			b.WriteString(wrap(fmt.Sprintf("  %-2s ", d.code), plainText(d.meaning), "     "))
		}
	}
	for _, p := range exitPrecedence {
		if p.command == "every command" || p.command == name || strings.HasPrefix(p.command, name+" ") {
			b.WriteString(wrap("When several hold ("+p.command+"): ", plainText(p.rule)+".", "  "))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// wrap breaks first+text at spaces before 100 columns; the lines after the first start with indent.
func wrap(first, text, indent string) string {
	const width = 100
	var b strings.Builder
	b.WriteString(first)
	col := len(first)
	for i, w := range strings.Fields(text) {
		switch {
		case i > 0 && col+1+len(w) > width:
			b.WriteString("\n" + indent)
			col = len(indent)
		case i > 0:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String() + "\n"
}

// plainText drops the markdown code quotes of a table text, for the terminal.
func plainText(s string) string { return strings.ReplaceAll(s, "`", "") }

// exitCodeError ends the command with a code and, when err is set, a message.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitCodeError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error to the process exit code, in one place.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	return exitError
}
