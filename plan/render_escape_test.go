// Tests that the text and Markdown renderers escape control characters and bidi overrides in what a
// plan holds (notes, summaries, skipped reasons, approvals), keep their own colour codes, and that the
// JSON renderer round-trips them.

package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRenderEscapesControlCharacters(t *testing.T) {
	const hostile, escaped = "\x1b[2J\u202e", `\x1b[2J\u202e`
	p := renderFixture(t)
	p.Actions[0].Notes = append(p.Actions[0].Notes, "note"+hostile)
	p.Actions[0].Summary += hostile
	p.Skipped = append(p.Skipped, Skipped{Control: "ECS.5", Resource: "arn:x" + hostile, Reason: "reason" + hostile})
	// Approve refuses such a name; one written into the file by other means is still shown escaped.
	if err := p.Approve("eve"+hostile, "OPS-1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err == nil {
		t.Fatal("Approve took a name holding a control character")
	}
	p.Approvals = append(p.Approvals, Approval{By: "eve" + hostile, Ticket: "OPS-1" + hostile,
		At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), PlanHash: p.ContentHash()})
	for _, tt := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"text", func(b *bytes.Buffer) error { return RenderText(b, p, RenderOptions{UnattendedRisk: RiskLow}) }},
		{"text in colour", func(b *bytes.Buffer) error {
			return RenderText(b, p, RenderOptions{Color: true, UnattendedRisk: RiskLow})
		}},
		{"markdown", func(b *bytes.Buffer) error { return RenderMarkdown(b, p, RenderOptions{UnattendedRisk: RiskLow}) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range []string{"note" + escaped, "eve" + escaped, "OPS-1" + escaped, "reason" + escaped} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\u202e") {
				t.Errorf("output holds the raw sequence:\n%q", out)
			}
			if strings.HasSuffix(tt.name, "colour") && !strings.Contains(out, ansiRedCode) {
				t.Error("the renderer's own colour codes were escaped")
			}
		})
	}

	var b bytes.Buffer
	if err := RenderJSON(&b, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Approvals []Approval
		Skipped   []Skipped
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Approvals[len(back.Approvals)-1].By != "eve"+hostile || back.Skipped[len(back.Skipped)-1].Reason != "reason"+hostile {
		t.Errorf("JSON does not round-trip: %+v", back)
	}
}
