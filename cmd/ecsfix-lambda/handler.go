// The function's handler: which EventBridge events it takes, the ecsfix command line it runs for each
// (apply --auto --update-findings, as a cron job runs it), the variables that add to that command line,
// and how the command's exit code becomes the invocation's outcome. Everything else — reading the
// findings, re-verifying them, planning, applying, updating Security Hub — is the command's own.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/ecsfix/ecsfix/internal/cli"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// MaxEventBytes is the largest event the function takes (EventBridge caps an event at 1 MiB; a Security Hub
// event holds one finding).
const MaxEventBytes = 1 << 20

// The events the function takes.
const (
	sourceSecurityHub = "aws.securityhub"
	typeFindings      = "Security Hub Findings - Imported" // ASFF findings, from Security Hub CSPM
	typeFindingsV2    = "Findings Imported V2"             // OCSF findings, from Security Hub
	sourceSchedule    = "aws.events"
	typeSchedule      = "Scheduled Event" // an EventBridge rule with a schedule expression
)

// EnvPrefix starts the function's own environment variables. They cannot start with ECSFIX_: ecsfix
// refuses an ECSFIX_ variable that is not a configuration key.
const EnvPrefix = "ECSFIXFN_"

// The function's variables: each adds a flag of apply --auto.
var (
	listVars = []struct{ name, flag string }{
		{"ACCOUNTS", "--accounts"},                // 12-digit ids, comma-separated
		{"EXCLUDE_ACCOUNTS", "--exclude-account"}, // 12-digit ids, comma-separated
	}
	boolVars = []struct{ name, flag string }{
		{"ORG", "--org"},
		{"WAIT", "--wait"},
		{"ROLLBACK_ON_FAILURE", "--rollback-on-failure"},
		{"DRY_RUN", "--dry-run"},
	}
)

// Handler runs ecsfix for one EventBridge event (lambda.Handler). Its fields are what a test replaces.
type Handler struct {
	// Run runs an ecsfix command line and returns its exit code (cli.Run).
	Run func(ctx context.Context, args []string, io *cli.Streams) int
	// Out and ErrOut are the function's log: the command's standard output and error.
	Out, ErrOut io.Writer
	// TempDir holds each run's plan and journal while it runs (Lambda can write only /tmp).
	TempDir string
	// Environ lists the environment (os.Environ).
	Environ func() []string
	// Now is the clock that names runs.
	Now func() time.Time
}

// NewHandler is the function's handler, on the process's streams and environment.
func NewHandler() *Handler {
	return &Handler{Run: cli.Run, Out: os.Stdout, ErrOut: os.Stderr, TempDir: os.TempDir(), Environ: os.Environ, Now: time.Now}
}

// Result is what an invocation that ran returns (to a Lambda destination, say).
type Result struct {
	Run      string `json:"run"`
	ExitCode int    `json:"exitCode"`
}

// event is what the handler reads of an EventBridge event: its envelope, for the choice and the log.
type event struct {
	id, source, detailType, account, region string
	findings                                bool // a findings event (else a schedule)
}

// name names the event in messages (its id and type come from the event: escaped and clipped).
func (e event) name() string {
	id := "without an id"
	if e.id != "" {
		id = strconv.Quote(textsafe.Clip(e.id, 80)) // Quote escapes control characters and bidi overrides
	}
	return fmt.Sprintf("event %s (source %q, detail-type %q)", id, textsafe.Clip(e.source, 80), textsafe.Clip(e.detailType, 80))
}

// Invoke handles one event: it refuses what is not a Security Hub findings event or a scheduled event,
// runs ecsfix apply --auto --update-findings on it, logs the run's plan and journal, and returns an
// error when the exit code is a failure (see outcome).
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ev, err := parseEvent(payload)
	var flags []string
	if err == nil {
		if flags, err = h.flags(); err != nil {
			err = fmt.Errorf("%s: %w", ev.name(), err)
		}
	}
	if err != nil {
		err = fmt.Errorf("ecsfix-lambda: refused %w; nothing was run", err)
		fmt.Fprintln(h.ErrOut, err)
		return nil, err
	}
	return h.run(ctx, ev, payload, flags)
}

// run runs the command for ev.
func (h *Handler) run(ctx context.Context, ev event, payload []byte, flags []string) ([]byte, error) {
	run := h.runName(ctx)
	dir, err := os.MkdirTemp(h.TempDir, "ecsfix-run-")
	if err != nil {
		return nil, fmt.Errorf("ecsfix-lambda: run %s for %s: a folder for its plan and journal: %w; nothing was run", run, ev.name(), err)
	}
	defer os.RemoveAll(dir) // the record is in the log; /tmp outlives the invocation in a warm sandbox
	planFile, journal := filepath.Join(dir, run+".plan.json"), filepath.Join(dir, run+".journal")
	args := []string{"apply", "--auto", "--update-findings", "--journal", journal, "--out", planFile}
	in := io.Reader(strings.NewReader(""))
	if ev.findings {
		args = append(args, "--findings", "-")
		in = bytes.NewReader(payload)
	} else {
		args = append(args, "--findings", "securityhub")
	}
	args = append(args, flags...)
	fmt.Fprintf(h.ErrOut, "ecsfix-lambda: run %s: %s, account %s, region %s: ecsfix %s\n", run, ev.name(),
		textsafe.Line(textsafe.Clip(ev.account, 80)), textsafe.Line(textsafe.Clip(ev.region, 80)), strings.Join(args, " "))

	// The command stops a little before the function's deadline, so that the record is logged.
	runCtx, cancel := ctx, context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) > 2*recordMargin {
		runCtx, cancel = context.WithDeadline(ctx, deadline.Add(-recordMargin))
	}
	code := h.Run(runCtx, args, cli.BufferStreams(in, h.Out, h.ErrOut))
	cancel()

	for _, f := range []struct{ kind, path string }{{"plan", planFile}, {"journal", journal}} {
		if err := writeRecord(h.Out, run, f.kind, f.path); err != nil {
			fmt.Fprintf(h.ErrOut, "ecsfix-lambda: run %s: the %s is not in the log: %v\n", run, f.kind, err)
		}
	}
	fail := outcome(code)
	if fail != nil {
		fail = fmt.Errorf("ecsfix-lambda: run %s for %s: %w", run, ev.name(), fail)
		fmt.Fprintln(h.ErrOut, fail)
	} else {
		fmt.Fprintf(h.ErrOut, "ecsfix-lambda: run %s: exit %d (%s)\n", run, code, cli.ExitMeaning(code))
	}
	out, err := json.Marshal(Result{Run: run, ExitCode: code})
	if err != nil {
		return nil, err
	}
	return out, fail
}

// recordMargin is how long before the function's deadline the command is stopped.
const recordMargin = 5 * time.Second

// runName names a run by its time and the invocation's request id: its plan and journal are RUN.plan.json
// and RUN.journal, and the log's records name it.
func (h *Handler) runName(ctx context.Context) string {
	name := h.Now().UTC().Format("20060102T150405Z")
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		id := strings.Map(func(r rune) rune {
			if r < 128 && (r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return r
			}
			return -1
		}, lc.AwsRequestID)
		if id != "" {
			name += "-" + id[:min(len(id), 64)]
		}
	}
	return name
}

// parseEvent reads the envelope of an EventBridge event and says which of the function's events it is.
func parseEvent(payload []byte) (event, error) {
	if len(payload) > MaxEventBytes {
		return event{}, fmt.Errorf("event of %d bytes: larger than %d KiB", len(payload), MaxEventBytes>>10)
	}
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	err := dec.Decode(&top)
	if err == nil {
		if _, after := dec.Token(); after != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err == nil && top == nil {
		err = errors.New("null")
	}
	if err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			err = fmt.Errorf("malformed JSON at byte %d", syn.Offset)
		}
		return event{}, fmt.Errorf("event of %d bytes: not a JSON object: %v", len(payload), err)
	}
	var ev event
	var errs []error
	for _, f := range []struct {
		key string
		v   *string
	}{{"id", &ev.id}, {"source", &ev.source}, {"detail-type", &ev.detailType}, {"account", &ev.account}, {"region", &ev.region}} {
		if raw, ok := top[f.key]; ok && json.Unmarshal(raw, f.v) != nil {
			errs = append(errs, fmt.Errorf("its %s is not a string", f.key))
		}
	}
	if len(errs) > 0 {
		return ev, fmt.Errorf("%s: %w", ev.name(), errors.Join(errs...))
	}
	switch {
	case ev.source == sourceSecurityHub && (ev.detailType == typeFindings || ev.detailType == typeFindingsV2):
		ev.findings = true
	case ev.source == sourceSchedule && ev.detailType == typeSchedule:
	default:
		return ev, fmt.Errorf("%s: not a %q or %q event from %s, nor a %q from %s", ev.name(),
			typeFindings, typeFindingsV2, sourceSecurityHub, typeSchedule, sourceSchedule)
	}
	return ev, nil
}

// flags are the flags the function's variables add; an unknown ECSFIXFN_ variable or a value that is not
// a boolean where one is expected is an error.
func (h *Handler) flags() ([]string, error) {
	var flags []string
	var errs []error
	seen := map[string]bool{}
	for _, kv := range h.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		suffix, ok := strings.CutPrefix(name, EnvPrefix)
		if !ok || value == "" {
			continue
		}
		seen[suffix] = true
		if i := slices.IndexFunc(listVars, func(v struct{ name, flag string }) bool { return v.name == suffix }); i >= 0 {
			flags = append(flags, listVars[i].flag+"="+value) // one argument: a value cannot pass for a flag
			continue
		}
		i := slices.IndexFunc(boolVars, func(v struct{ name, flag string }) bool { return v.name == suffix })
		if i < 0 {
			errs = append(errs, fmt.Errorf("environment variable %s is not one of the function's (%s)", textsafe.Line(textsafe.Clip(name, 80)), knownVars()))
			continue
		}
		on, err := strconv.ParseBool(value)
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %q is not true or false", name, textsafe.Clip(value, 80)))
			continue
		}
		if on {
			flags = append(flags, boolVars[i].flag)
		}
	}
	slices.Sort(flags) // the environment's order is not the command's
	return flags, errors.Join(errs...)
}

func knownVars() string {
	var names []string
	for _, v := range listVars {
		names = append(names, EnvPrefix+v.name)
	}
	for _, v := range boolVars {
		names = append(names, EnvPrefix+v.name)
	}
	return strings.Join(names, ", ")
}

// ExitError is a run whose exit code is a failure of the function.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	meaning := cli.ExitMeaning(e.Code)
	if meaning == "" {
		meaning = "an exit code ecsfix does not document"
	}
	return fmt.Sprintf("ecsfix apply --auto exited %d: %s (the log above says why)", e.Code, meaning)
}

// outcome is the invocation's outcome for an exit code of apply --auto: 0 (done) and 4 (what waits for
// an approval is listed, and its findings are NOTIFIED) are successes; every other code is a failure, so
// that Lambda counts the invocation as failed, retries it and then hands the event to the failure
// destination: 3 (some resources not read) included, as something stays unfixed that nobody approved to
// leave.
func outcome(code int) error {
	if code == cli.ExitOK || code == cli.ExitLeftForApproval {
		return nil
	}
	return &ExitError{Code: code}
}
