package main

import (
	"errors"
	"fmt"
)

// Exit codes. They are part of the command-line contract (README, "Exit codes").
const (
	exitOK = 0
	// exitError: bad input (snapshot, config, plan), an API error, or any other failure.
	exitError = 1
	// exitUsage: bad flags or arguments.
	exitUsage = 2
	// exitIncomplete: the scan ran but some resources could not be read; the output lists them.
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
	// exitJournalRefused: the journal is not this plan's, fails its chain (edited, reordered, pieced
	// together from another journal), or rollback was given no plan or another plan; nothing was changed.
	exitJournalRefused = 9
)

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
