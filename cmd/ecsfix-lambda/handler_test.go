// Unit tests of the handler: the exit-code outcome, the variables' flags, and the record's parts.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/internal/cli"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// 0 and 4 are successes; every other exit code is a failed invocation that names the code.
func TestOutcome(t *testing.T) {
	for code := range 12 {
		err := outcome(code)
		if code == 0 || code == 4 {
			if err != nil {
				t.Errorf("exit %d: %v, want success", code, err)
			}
			continue
		}
		var ee *ExitError
		if !errors.As(err, &ee) || ee.Code != code || !strings.Contains(err.Error(), fmt.Sprintf("exited %d:", code)) {
			t.Errorf("exit %d: %v, want a failure naming the code", code, err)
		}
	}
}

// The handler returns the command's exit code and, for a failure, an error; the run's flags come from the
// function's variables.
func TestInvokeExitCodes(t *testing.T) {
	sched := []byte(`{"id":"e","source":"aws.events","detail-type":"Scheduled Event","detail":{}}`)
	for _, c := range []struct {
		code int
		fail bool
	}{{0, false}, {4, false}, {1, true}, {3, true}, {5, true}, {7, true}, {8, true}} {
		var got []string
		var out, errOut bytes.Buffer
		h := &Handler{
			Run: func(_ context.Context, args []string, _ *cli.Streams) int { got = args; return c.code },
			Out: &out, ErrOut: &errOut, TempDir: t.TempDir(), Now: time.Now,
			Environ: func() []string {
				return []string{"ECSFIXFN_ORG=true", "ECSFIXFN_EXCLUDE_ACCOUNTS=111111111111", "ECSFIXFN_WAIT=false", "ECSFIX_LOG_FORMAT=json"}
			},
		}
		b, err := h.Invoke(context.Background(), sched)
		var res Result
		if jerr := json.Unmarshal(b, &res); jerr != nil || res.ExitCode != c.code {
			t.Errorf("exit %d: result %q", c.code, b)
		}
		if (err != nil) != c.fail {
			t.Errorf("exit %d: error %v, want failure %v", c.code, err, c.fail)
		}
		if !slices.Contains(got, "--org") || !slices.Contains(got, "--exclude-account=111111111111") || slices.Contains(got, "--wait") ||
			!slices.Contains(got, "securityhub") {
			t.Errorf("ran %q", got)
		}
	}
}

// A file larger than a record part is cut into parts on character boundaries, which give it back whole.
func TestRecordParts(t *testing.T) {
	dir := t.TempDir()
	data := []byte(strings.Repeat(`{"é":"a\"b"}`+"\n", 3*recordPartBytes/13))
	path := filepath.Join(dir, "r.journal")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeRecord(&out, "run", "journal", path); err != nil {
		t.Fatal(err)
	}
	var whole []byte
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for i, l := range lines {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Part != i+1 || r.Parts != len(lines) || r.File != "r.journal" || r.Kind != "journal" || len(l) > 256<<10 {
			t.Errorf("line %d: %+v (%d bytes)", i, r, len(l))
		}
		whole = append(whole, r.Text...)
	}
	if len(lines) < 3 || !bytes.Equal(whole, data) {
		t.Errorf("%d parts do not give the file back", len(lines))
	}
	if err := writeRecord(&out, "run", "journal", filepath.Join(dir, "none")); err != nil {
		t.Errorf("a file the run did not write: %v", err)
	}
}

// Both Security Hub findings events, ASFF and OCSF, are findings input; a schedule is not.
func TestParseEventKinds(t *testing.T) {
	for _, c := range []struct {
		payload  string
		findings bool
	}{
		{`{"id":"a","source":"aws.securityhub","detail-type":"Security Hub Findings - Imported","detail":{"findings":[]}}`, true},
		{`{"id":"b","source":"aws.securityhub","detail-type":"Findings Imported V2","detail":{"findings":[]}}`, true},
		{`{"id":"c","source":"aws.events","detail-type":"Scheduled Event","detail":{}}`, false},
	} {
		ev, err := parseEvent([]byte(c.payload))
		if err != nil || ev.findings != c.findings {
			t.Errorf("%s: %+v, %v; want findings %v", c.payload, ev, err, c.findings)
		}
	}
}
