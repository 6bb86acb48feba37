package plan

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFixture is the canonical file of the render fixture.
func writeFixture(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, renderFixture(t)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeUnchecked writes a plan in canonical form without validating it, to make invalid files.
func encodeUnchecked(t testing.TB, p *Plan) []byte {
	t.Helper()
	b, err := canonicalPlan(p, true)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWriteReadRoundTrip(t *testing.T) {
	orig := renderFixture(t)
	data := writeFixture(t)
	if !bytes.HasSuffix(data, []byte("}\n")) || !bytes.Contains(data, []byte("\n  \"tool\": {\n    \"name\"")) {
		t.Fatalf("not two-space indented with a trailing newline:\n%s", data)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := Write(&again, p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Errorf("Write(Read(file)) differs from file:\n%s", again.Bytes())
	}
	if p.ContentHash() != orig.ContentHash() || !strings.HasPrefix(p.ContentHash(), "sha256:") || len(p.ContentHash()) != 71 {
		t.Errorf("ContentHash after round trip = %s, before %s", p.ContentHash(), orig.ContentHash())
	}
	if v := p.ValidApprovals(); len(v) != 1 || v[0].By != "alice" {
		t.Errorf("ValidApprovals after round trip = %+v, want alice's", v)
	}
	if len(p.Actions) != 11 || p.Actions[2].UpdateService.TaskDefinitionFrom != "a1" || len(p.State) != 5 || len(p.Skipped) != 3 {
		t.Errorf("round trip lost content: %+v", p)
	}
}

func TestWriteEmptyPlanHasEmptyLists(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, emptyFixture()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"actions": []`, `"state": []`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("empty plan lacks %s:\n%s", want, b.String())
		}
	}
	if _, err := Read("empty.json", b.Bytes()); err != nil {
		t.Error(err)
	}
}

// TestReadRefusesNonCanonical: an edit that keeps the content but changes the bytes is refused.
func TestReadRefusesNonCanonical(t *testing.T) {
	data := string(writeFixture(t))
	tests := []struct {
		name string
		edit func(string) string
	}{
		{"trailing space", func(s string) string { return strings.Replace(s, `"id": "a1",`, `"id": "a1", `, 1) }},
		{"indentation", func(s string) string { return strings.Replace(s, "\n  \"tool\"", "\n\t\"tool\"", 1) }},
		{"compact", func(s string) string { return strings.Replace(s, "\"formatVersion\": 2", "\"formatVersion\":2", 1) }},
		{"reordered keys", func(s string) string {
			return strings.Replace(s, "\"id\": \"a1\",\n      \"type\": \"register-task-definition\",",
				"\"type\": \"register-task-definition\",\n      \"id\": \"a1\",", 1)
		}},
		{"no trailing newline", func(s string) string { return strings.TrimSuffix(s, "\n") }},
		{"two trailing newlines", func(s string) string { return s + "\n" }},
		{"CRLF", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
		{"key in other case", func(s string) string { return strings.Replace(s, `"summary":`, `"Summary":`, 1) }},
		{"escaped character", func(s string) string { return strings.Replace(s, `"ecsfix"`, `"\u0065csfix"`, 1) }},
		{"time offset", func(s string) string {
			return strings.Replace(s, `"2026-05-01T10:00:00Z"`, `"2026-05-01T10:00:00+00:00"`, 1)
		}},
		{"explicit null", func(s string) string {
			return strings.Replace(s, `"path": "testdata/demo"`, `"path": "testdata/demo", "regions": null`, 1)
		}},
		{"empty list for an absent one", func(s string) string {
			return strings.Replace(s, `"risk": "low",`, `"risk": "low", "dependsOn": [],`, 1)
		}},
		{"duplicate key", func(s string) string { return strings.Replace(s, `"id": "a1",`, `"id": "a1", "id": "a1",`, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(data)
			if edited == data {
				t.Fatal("the edit changed nothing; fix the test")
			}
			_, err := Read("plan.json", []byte(edited))
			if !errors.Is(err, ErrModified) {
				t.Fatalf("Read = %v, want ErrModified", err)
			}
			if want := "plan plan.json was modified outside ecsfix (it is not in canonical form)"; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		})
	}
}

// TestEveryByteMatters flips each byte of a plan file in turn: the result is refused, or its content
// hash differs (which voids the approvals), or the byte was inside the approvals (which are bound to a
// hash, not part of it).
func TestEveryByteMatters(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the plan file once per byte")
	}
	// The fixture without its largest registration (a1) and the service update depending on it, to
	// keep the test quick; every action type and a masked-free registration remain.
	p := renderFixture(t)
	p.Actions = []Action{p.Actions[1], p.Actions[3], p.Actions[4]}
	p.Approvals = nil
	if err := p.Approve("alice", "CHG-1234", time.Date(2026, 5, 1, 11, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	hash := p.ContentHash()
	approvalsAt := bytes.Index(data, []byte(`  "approvals": [`))
	if approvalsAt < 0 {
		t.Fatal("fixture has no approvals")
	}
	for i := range data {
		edited := bytes.Clone(data)
		edited[i] ^= 0x01
		p, err := Read("plan.json", edited)
		if err != nil {
			continue
		}
		if p.ContentHash() == hash && i < approvalsAt {
			t.Fatalf("byte %d (%q → %q) changed neither the content nor the canonical form", i, data[i], edited[i])
		}
	}
}

func TestContentChangeVoidsApprovals(t *testing.T) {
	data := string(writeFixture(t))
	edited := strings.Replace(data, `web:1.4.2`, `web:1.4.3`, 1)
	if edited == data {
		t.Fatal("fixture changed; fix the test")
	}
	p, err := Read("plan.json", []byte(edited))
	if err != nil {
		t.Fatalf("a canonical edit of a value should parse: %v", err)
	}
	if p.ContentHash() == renderFixture(t).ContentHash() {
		t.Error("changing a value left the content hash as it was")
	}
	if v := p.ValidApprovals(); len(v) != 0 {
		t.Errorf("ValidApprovals after a content change = %+v, want none", v)
	}
}

func TestReadRefusesInvalidPlans(t *testing.T) {
	tests := []struct {
		name    string
		file    func(t *testing.T) []byte
		wantErr string
		is      error
	}{
		{"unknown field", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"formatVersion": 2,`, `"formatVersion": 2, "extra": true,`, 1))
		}, `unknown field "extra"`, nil},
		{"unknown nested field", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"risk": "low",`, `"risk": "low", "force": true,`, 1))
		}, `unknown field "force"`, nil},
		{"newer format version", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"formatVersion": 2,`, `"formatVersion": 3, "newField": 1,`, 1))
		}, "unsupported plan format version 3: this ecsfix reads plan format version 2 only", ErrFormatVersion},
		{"format version 1 (digests of secret values)", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"formatVersion": 2,`, `"formatVersion": 1,`, 1))
		}, "unsupported plan format version 1: this ecsfix reads plan format version 2 only; a version 1 plan records SHA-256 digests of secret values: make the plan again with this ecsfix", ErrFormatVersion},
		{"no format version", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"formatVersion": 2,`, ``, 1))
		}, "no formatVersion", nil},
		{"format version not a number", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"formatVersion": 2,`, `"formatVersion": "1",`, 1))
		}, "is not a version number", nil},
		{"not JSON", func(*testing.T) []byte { return []byte("formatVersion = 1\n") }, "not a plan file", nil},
		{"trailing value", func(t *testing.T) []byte { return append(writeFixture(t), "{}\n"...) }, "unexpected data after the plan", nil},
		{"no tool", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Tool = Tool{}
			return encodeUnchecked(t, p)
		}, "tool: name and version are required", nil},
		{"no createdAt", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.CreatedAt = time.Time{}
			return encodeUnchecked(t, p)
		}, "createdAt is required", nil},
		{"null actions", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(encodeUnchecked(t, emptyFixture())), `"actions": []`, `"actions": null`, 1))
		}, "actions is required", nil},
		{"missing payload", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[3].UpdateService = nil
			return encodeUnchecked(t, p)
		}, "action 4 (a4): type update-service needs its updateService payload", nil},
		{"payload of another type", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[4].UpdateService, p.Actions[4].UpdateClusterSettings = p.Actions[3].UpdateService, nil
			return encodeUnchecked(t, p)
		}, "action 5 (a5): type update-cluster-settings needs its updateClusterSettings payload", nil},
		{"two payloads", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[4].UpdateService = p.Actions[3].UpdateService
			return encodeUnchecked(t, p)
		}, "may carry only its updateClusterSettings payload", nil},
		{"unknown type", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[4].Type = "delete-cluster"
			return encodeUnchecked(t, p)
		}, `type "delete-cluster" is unknown`, nil},
		{"no id", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[3].ID = ""
			return encodeUnchecked(t, p)
		}, "action 4: id is required", nil},
		{"duplicate ids", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[3].ID = "a1"
			return encodeUnchecked(t, p)
		}, `action 4 (a1): id "a1" is used by an earlier action`, nil},
		{"dangling dependsOn", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[2].DependsOn = []string{"a9"}
			return encodeUnchecked(t, p)
		}, `action 3 (a3): depends on "a9", which is not an earlier action`, nil},
		{"dependsOn a later action", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[0].DependsOn = []string{"a3"}
			return encodeUnchecked(t, p)
		}, `action 1 (a1): depends on "a3", which is not an earlier action`, nil},
		{"depends on itself", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[0].DependsOn = []string{"a1"}
			return encodeUnchecked(t, p)
		}, "depends on itself", nil},
		{"taskDefinitionFrom not a registration", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[2].UpdateService.TaskDefinitionFrom = "a9"
			return encodeUnchecked(t, p)
		}, `taskDefinitionFrom "a9" is not an earlier registration`, nil},
		{"invalid risk", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[1].Risk = "critical"
			return encodeUnchecked(t, p)
		}, `risk "critical" is not one of low, medium, high`, nil},
		{"no risk", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[1].Risk = ""
			return encodeUnchecked(t, p)
		}, "risk is required", nil},
		{"after is not an object", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Actions[1].RegisterTaskDefinition.After = []byte(`[]`)
			return encodeUnchecked(t, p)
		}, "after: not a JSON object", nil},
		{"masked value with its digest (format version 1)", func(t *testing.T) []byte {
			return []byte(strings.Replace(string(writeFixture(t)), `"sourcePath": "containerDefinitions[0].environment[0].value"`,
				`"sourcePath": "containerDefinitions[0].environment[0].value", "sha256": "`+strings.Repeat("ab", 32)+`"`, 1))
		}, `unknown field "sha256"`, nil},
		{"approval without a name", func(t *testing.T) []byte {
			p := renderFixture(t)
			p.Approvals[0].By = ""
			return encodeUnchecked(t, p)
		}, "approval 1: by, at and planHash are required", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read("plan.json", tt.file(t))
			if err == nil {
				t.Fatal("Read accepted the file")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "plan plan.json") {
				t.Errorf("error %q does not name the file", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("ReadFile of a missing file = %v", err)
	}
}

func TestWriteRefusesInvalidPlan(t *testing.T) {
	p := renderFixture(t)
	p.Actions[0].ID = ""
	var b bytes.Buffer
	if err := Write(&b, p); err == nil || b.Len() != 0 {
		t.Errorf("Write of an invalid plan = %v, wrote %d bytes", err, b.Len())
	}
}

// TestWriteRefusesValueAtMaskedPlace: a plan whose masked place holds anything but the placeholder is
// refused, and the error says where, never what.
func TestWriteRefusesValueAtMaskedPlace(t *testing.T) {
	secret := fixtureSecrets["DB_PASSWORD"]
	for _, doc := range []string{"before", "after"} {
		t.Run(doc, func(t *testing.T) {
			p := renderFixture(t)
			r := p.Actions[0].RegisterTaskDefinition
			raw := &r.Before
			if doc == "after" {
				raw = &r.After
			}
			leaky := strings.Replace(string(*raw), `{"name":"DB_PASSWORD","value":"(masked)"}`, `{"name":"DB_PASSWORD","value":"`+secret+`"}`, 1)
			if leaky == string(*raw) {
				t.Fatal("fixture changed; fix the test")
			}
			*raw = []byte(leaky)
			var b bytes.Buffer
			err := Write(&b, p)
			if err == nil || !strings.Contains(err.Error(), "holds a value at masked path") {
				t.Fatalf("Write = %v, want a refusal", err)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(b.String(), secret) {
				t.Error("the refusal shows the value")
			}
		})
	}
}
