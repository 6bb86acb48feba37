// Package cli is ecsfix's command tree: every command, its flags and configuration, and the paths from
// input to plan to applied change. cmd/ecsfix runs it from a terminal, cron or CI; cmd/ecsfix-lambda
// runs the same commands from an AWS Lambda function, so both take one path to every write.
package cli

import (
	"context"
	"fmt"
	"io"
)

// Streams are what a command reads and writes: standard input, standard output (the product) and
// standard error (logs and progress), and whether each output is a terminal.
type Streams = streams

// SystemStreams are the process's own standard streams.
func SystemStreams() *Streams { return systemStreams() }

// BufferStreams are streams that are not terminals: in is standard input, out and errOut receive
// standard output and standard error.
func BufferStreams(in io.Reader, out, errOut io.Writer) *Streams {
	return &streams{In: in, Out: out, ErrOut: errOut, NoColor: true}
}

// Run executes the ecsfix command line args (without the program name) and returns its exit code, as
// the README's table of exit codes gives them.
func Run(ctx context.Context, args []string, io *Streams) int { return run(ctx, args, io) }

// The exit codes of a run that did its job: everything done (ExitOK), or done but for what waits for an
// approval (ExitLeftForApproval, apply --auto). Every other code is a failure (see ExitMeaning).
const (
	ExitOK              = exitOK
	ExitLeftForApproval = exitLeftForApproval
)

// ExitMeaning is what an exit code means, as the README's "Exit codes" table says it (markdown); "" for a
// code ecsfix does not document.
func ExitMeaning(code int) string {
	for _, d := range exitCodes {
		if d.code == fmt.Sprint(code) {
			return d.meaning
		}
	}
	return ""
}
