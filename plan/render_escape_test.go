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
	const hostile, escaped, mdEscaped = "\x1b[2J\u202e\u0085", `\x1b[2J\u202e\u0085`, `\x1b\[2J\u202e\u0085`
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
		name    string
		render  func(*bytes.Buffer) error
		escaped string
	}{
		{"text", func(b *bytes.Buffer) error { return RenderText(b, p, RenderOptions{UnattendedRisk: RiskLow}) }, escaped},
		{"text in colour", func(b *bytes.Buffer) error {
			return RenderText(b, p, RenderOptions{Color: true, UnattendedRisk: RiskLow})
		}, escaped},
		// Markdown escapes the [ too (no link)
		{"markdown", func(b *bytes.Buffer) error { return RenderMarkdown(b, p, RenderOptions{UnattendedRisk: RiskLow}) }, mdEscaped},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			escaped := tt.escaped
			for _, want := range []string{"note" + escaped, "eve" + escaped, "OPS-1" + escaped, "reason" + escaped} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x1b\\[2J") || strings.Contains(out, "\u202e") || strings.Contains(out, "\u0085") {
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
	// show --format json: what JSON keeps raw that acts on a terminal (U+202E, U+0085) is a JSON escape
	if out := b.String(); strings.Contains(out, "\u202e") || strings.Contains(out, "\u0085") || !strings.Contains(out, `reason\u001b[2J\u202e\u0085`) {
		t.Errorf("JSON holds a raw bidi override or C1 control, or lacks its escape:\n%q", out)
	}
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Approvals[len(back.Approvals)-1].By != "eve"+hostile || back.Skipped[len(back.Skipped)-1].Reason != "reason"+hostile {
		t.Errorf("JSON does not round-trip: %+v", back)
	}
}

// TestMarkdownNeutralisesLinks: text a plan holds (a reason, a note, a summary) cannot carry a link, an
// image (a tracking pixel a ticket would fetch) or an autolink into a ticket: its markup characters are
// escaped, so it renders as the text it is.
func TestMarkdownNeutralisesLinks(t *testing.T) {
	for in, want := range map[string]string{
		"see [the runbook](https://evil.example/x)": `see \[the runbook\](https\://evil.example/x)`,
		"![](https://evil.example/pixel.png)":       `\!\[\](https\://evil.example/pixel.png)`,
		"[ref]: https://evil.example":               `\[ref\]: https\://evil.example`,
		"<https://evil.example>":                    `\<https\://evil.example\>`,
		"go to www.evil.example now":                `go to www\.evil.example now`,
		"mail ops@evil.example":                     `mail ops\@evil.example`,
		"plain text: stays, mostly (as it was)":     `plain text: stays, mostly (as it was)`,
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}

	p := renderFixture(t)
	const link, image = "[click](https://evil.example/a)", "![x](https://evil.example/p.png)"
	p.Actions[0].Notes = append(p.Actions[0].Notes, "note "+link)
	p.Actions[0].Summary += " " + image
	p.Skipped = append(p.Skipped, Skipped{Control: "ECS.5", Resource: "arn:x", Reason: "reason " + link + " " + image + " https://evil.example/b"})
	var b bytes.Buffer
	if err := RenderMarkdown(&b, p, RenderOptions{UnattendedRisk: RiskLow}); err != nil {
		t.Fatal(err)
	}
	// what is left once the escaped markup characters are taken out must hold no markup
	out := strings.NewReplacer(`\[`, "", `\]`, "", `\!`, "").Replace(b.String())
	for _, raw := range []string{"](", "![", "[click", "https://evil"} {
		if strings.Contains(out, raw) {
			t.Errorf("markdown holds %q unescaped:\n%s", raw, out)
		}
	}
}
