package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// TestAttackCanonicalOddDocumentsAndStrings: a plan whose registration documents and strings an attacker
// chose (odd white space, duplicate keys, escapes, deep nesting, invalid documents, U+2028, HTML and
// control characters) is encoded by writeCanonical as encoding/json encodes it (or refused as it
// refuses it), and a plan file of those bytes reads back to the same content hash.
func TestAttackCanonicalOddDocumentsAndStrings(t *testing.T) {
	td := bTD("canon", 2, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Privileged = boolPtr(true) }))
	base := buildPlan(t, bInventory([]detect.TaskDefinition{td}, nil), bOptions())
	reg := -1
	for i, a := range base.Actions {
		if a.RegisterTaskDefinition != nil {
			reg = i
		}
	}
	if reg < 0 {
		t.Fatal("no registration planned: the test checks nothing")
	}
	deep := func(n int, open, close string) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	docs := []string{
		`{"a":1,"a":2}`, " {\t\"a\" :\r\n \"\u2028<>&\u2029\" } ", `"\ud800"`, `"\uD834\uDD1E"`, `1E+2`, `-0`, `0.0e-0`,
		`{"a":"` + "\xff\xfe" + `"}`, `"\/"`, `[1,]`, `{ }`, `[ ]`, `{"a":[ ],"b":{ }}`, `"\u00E9"`, " {} \x00", "nul", "truex",
		`{"a":1}{"b":2}`, "", " ", `{"a" 1}`, `{"a":1,}`, `01`, `1.`, `.5`, `-`, `1e`, "\"a\tb\"", "\"\x7f\"",
		deep(999, "[", "]"), deep(1000, "[", "]"), deep(1001, "[", "]"), deep(10001, "[", "]"),
		`[` + deep(998, `{"k":`, `}`) + `]`, `{"` + "\xe2\x80" + `":1}`, "\"\xe2\x80\xa8\xe2\x80\"", `null`, `true`,
	}
	strs := []string{"", "<script>&amp;</script>", "\u2028\u2029", "\x00\x1f\x7f", "\xff", "é\"\\\b\f\n\r\t", "\xe2\x80", "\ufeff"}
	read, encoded := 0, 0
	for _, doc := range docs {
		for _, s := range strs {
			p := *base
			p.Actions = append([]Action(nil), base.Actions...)
			a := &p.Actions[reg]
			r := *a.RegisterTaskDefinition
			r.Before, r.After = json.RawMessage(doc), json.RawMessage(doc)
			r.Edits = append([]Edit(nil), r.Edits...)
			r.Edits[0].Change, r.Edits[0].Why = s+r.Edits[0].Change, s
			a.RegisterTaskDefinition = &r
			a.Summary, a.Notes = s, []string{s, s}
			p.Skipped = append(append([]Skipped(nil), p.Skipped...), Skipped{Control: detect.ECS5ID, Resource: a.Resource, Reason: s + "reason"})
			if s != "" {
				p.State = append(append([]Fingerprint(nil), p.State...), Fingerprint{Resource: s, Facts: map[string]string{s: s, s + "x": s}})
			}
			got, gotErr := canonicalPlan(&p, false)
			want, wantErr := refCanonicalPlan(&p, false)
			if (gotErr != nil) != (wantErr != nil) {
				t.Errorf("doc %.40q, string %q: error %v, encoding/json's %v", doc, s, gotErr, wantErr)
				continue
			}
			if gotErr == nil && !bytes.Equal(got, want) {
				t.Errorf("doc %.40q, string %q: the canonical form differs from encoding/json's", doc, s)
				continue
			}
			if gotErr != nil {
				continue
			}
			encoded++
			// the bytes as a plan file: read back (or refused), and of the same hash
			back, err := Read("attack", got)
			if err != nil {
				if s == "" && strings.HasPrefix(strings.TrimSpace(doc), "{") {
					t.Logf("doc %.20q: %v", doc, err)
				}
				continue // refused (Validate): nothing to compare
			}
			read++
			if back.ContentHash() != p.ContentHash() {
				t.Errorf("doc %.40q, string %q: read back, hash %s; written %s", doc, s, back.ContentHash(), p.ContentHash())
			}
		}
	}
	if read == 0 || encoded == 0 {
		t.Errorf("%d plans encoded, %d read back: the test checks nothing", encoded, read)
	}
	t.Logf("%d plans encoded, %d read back", encoded, read)
}

func boolPtr(b bool) *bool { return &b }
