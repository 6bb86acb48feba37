// Tests of inputs that cannot hurt, through the CLI: a snapshot that leaves its folder or exceeds its
// limits is refused with exit 1 and a message naming the cause (a file of a folder over
// snapshot.max_file_bytes is a read error of its own: exit 3).

package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/plan"
)

func TestSnapshotRefusedThroughCLI(t *testing.T) {
	demoFile := func(t *testing.T, dir string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(demo, "ecs", "services-storefront-prod.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "services.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a 500 MB file", func(t *testing.T) {
		dir := t.TempDir()
		demoFile(t, dir)
		f, err := os.Create(filepath.Join(dir, "big.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(500 << 20); err != nil { // sparse: nothing is written to disk
			t.Fatal(err)
		}
		f.Close()
		// Given alone, it is refused before it is read.
		out, errOut, code := runCLI(t, "plan", "--snapshot", filepath.Join(dir, "big.json"))
		if code != exitError || !strings.Contains(errOut, "big.json") || !strings.Contains(errOut, "snapshot.max_file_bytes") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
		// In a folder, it is a read error of its own, not read (its zeros would be invalid JSON), and the
		// other file is planned: the plan is incomplete.
		out, errOut, code = runCLI(t, "plan", "--snapshot", dir)
		if code != exitIncomplete || !strings.Contains(errOut, "big.json") || !strings.Contains(errOut, "snapshot.max_file_bytes") ||
			strings.Contains(errOut, "invalid JSON") || !strings.Contains(out, "update service web") {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("too many files", func(t *testing.T) {
		dir := t.TempDir()
		for i := range 300 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.json", i)), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("ECSFIX_SNAPSHOT_MAX_FILES", "100")
		out, errOut, code := runCLI(t, "plan", "--snapshot", dir)
		if code != exitError || !strings.Contains(errOut, "more than 100 files and folders (the limit snapshot.max_files)") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})

	t.Run("a link leading outside", func(t *testing.T) {
		outside := t.TempDir()
		demoFile(t, outside)
		dir := t.TempDir()
		link := filepath.Join(dir, "services.json")
		if err := os.Symlink(filepath.Join(outside, "services.json"), link); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
		out, errOut, code := runCLI(t, "scan", "--snapshot", dir)
		if code != exitError || !strings.Contains(errOut, link) || !strings.Contains(errOut, "outside the snapshot folder") || out != "" {
			t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errOut)
		}
	})
}

// hostile is text that would clear the screen and reverse what follows if printed raw.
const hostile = "\x1b[2J\u202e"

// hostileEscaped is how text outputs print it.
const hostileEscaped = `\x1b[2J\u202e`

// TestControlCharactersEscaped: a family name, an approver and a ticket holding control characters and a
// bidi override are printed escaped by scan, plan, approve and show (text and Markdown), and come back
// unchanged from the JSON and SARIF outputs.
func TestControlCharactersEscaped(t *testing.T) {
	family := "evil" + hostile
	dir := t.TempDir()
	td := fmt.Sprintf(`{"taskDefinition": {
		"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/%[1]s:1",
		"family": "%[1]s", "revision": 1, "status": "ACTIVE", "networkMode": "awsvpc",
		"containerDefinitions": [{"name": "app%[1]s", "image": "nginx", "essential": true, "privileged": true,
			"user": "1000", "readonlyRootFilesystem": true,
			"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/x"}}}]},
		"tags": []}`, strings.ReplaceAll(strings.ReplaceAll(family, "\x1b", `\u001b`), "\u202e", `\u202e`))
	if err := os.WriteFile(filepath.Join(dir, "td.json"), []byte(td), 0o644); err != nil {
		t.Fatal(err)
	}
	raw := func(t *testing.T, what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("%s prints a control character or bidi override raw:\n%q", what, out)
		}
	}

	out, errOut, code := runCLI(t, "scan", "--snapshot", dir)
	if code != 0 || !strings.Contains(out, "evil"+hostileEscaped) {
		t.Fatalf("scan: exit %d\n%s%s", code, out, errOut)
	}
	raw(t, "scan", out+errOut)

	for _, format := range []string{"json", "sarif"} {
		out, _, code = runCLI(t, "scan", "--snapshot", dir, "--format", format)
		var doc any
		if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
			t.Fatalf("scan --format %s: exit %d\n%s", format, code, out)
		}
		if !strings.Contains(fmt.Sprint(doc), family) {
			t.Errorf("scan --format %s does not round-trip the family name", format)
		}
	}

	planFile := filepath.Join(t.TempDir(), "plan.json")
	out, errOut, code = runCLI(t, "plan", "--snapshot", dir, "--out", planFile)
	if code != 0 || !strings.Contains(out, "evil"+hostileEscaped) {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	raw(t, "plan", out+errOut)

	// approve refuses a name or ticket holding a control character (it would be signed), and says so escaped.
	by, ticket := "eve"+hostile, "OPS-1"+hostile
	out, errOut, code = runCLI(t, "approve", planFile, "--by", by, "--ticket", ticket)
	if code == 0 || !strings.Contains(errOut, "control character") {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
	}
	raw(t, "approve", out+errOut)

	// An approval written into the file by other means is shown escaped.
	p0, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	p0.Approvals = append(p0.Approvals, plan.Approval{By: by, Ticket: ticket, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), PlanHash: p0.ContentHash()})
	var buf bytes.Buffer
	if err := plan.Write(&buf, p0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(planFile, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, format := range []string{"text", "markdown"} {
		out, errOut, code = runCLI(t, "show", planFile, "--format", format)
		if code != 0 || !strings.Contains(out, "eve"+hostileEscaped) || !strings.Contains(out, "evil"+hostileEscaped) {
			t.Fatalf("show --format %s: exit %d\n%s%s", format, code, out, errOut)
		}
		raw(t, "show --format "+format, out+errOut)
	}

	out, _, code = runCLI(t, "show", planFile, "--format", "json")
	var p struct {
		Approvals []struct{ By, Ticket string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || len(p.Approvals) != 1 || p.Approvals[0].By != by || p.Approvals[0].Ticket != ticket {
		t.Errorf("show --format json does not round-trip the approval: %+v\n%s", p, out)
	}

	// An error quoting a file's content is escaped too.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"evil\u001b[2J\u202e": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "scan", "--snapshot", bad)
	if code != exitError || !strings.Contains(errOut, "evil"+hostileEscaped) {
		t.Errorf("scan of an unrecognised document: exit %d\n%s", code, errOut)
	}
	raw(t, "an error", errOut)
}

// TestLogEscapes: text logs escape attribute values (a coloured terminal log keeps its own colours);
// JSON logs round-trip them.
func TestLogEscapes(t *testing.T) {
	for _, tt := range []struct {
		format string
		tty    bool
	}{{"text", false}, {"text", true}, {"json", false}} {
		var b bytes.Buffer
		cfg := &config.Config{}
		cfg.Log.Level, cfg.Log.Format = "info", tt.format
		log := newLogger(&streams{ErrOut: &b, ErrTTY: tt.tty}, cfg)
		log.Warn("could not read", "resource", "evil"+hostile, "error", errors.New("denied"+hostile), "took", time.Second)
		out := b.String()
		if tt.format == "json" {
			var rec map[string]any
			if err := json.Unmarshal(b.Bytes(), &rec); err != nil || rec["resource"] != "evil"+hostile || rec["error"] != "denied"+hostile {
				t.Errorf("json log does not round-trip: %v %v", rec, err)
			}
			continue
		}
		if !strings.Contains(out, "evil"+hostileEscaped) || !strings.Contains(out, "denied"+hostileEscaped) || !strings.Contains(out, "1s") ||
			strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\u202e") {
			t.Errorf("text log (tty %v): %q", tt.tty, out)
		}
	}
}
