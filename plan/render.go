package plan

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/aymanbagabas/go-udiff/lcs"

	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/internal/ordered"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// Renderers format a Plan; they decide nothing and call nothing (terraform's views). One file per format:
// render_text.go (what `ecsfix plan` prints), render_markdown.go (for a ticket), render_json.go (the plan
// file's content with each action's effective risk and why, derived when rendering).

// RenderOptions shape the human renderings.
type RenderOptions struct {
	// Color uses ANSI colours (only when the stream is a terminal and NO_COLOR is unset).
	Color bool
	// UnattendedRisk is the highest risk applied without approval (configuration, not part of the plan);
	// RiskNone or empty: every action needs approval.
	UnattendedRisk Risk
	// RiskOverrides are the configuration's risk overrides, by control id. Actions are shown with, and
	// judged against UnattendedRisk by, their effective risk (Plan.EffectiveRisk).
	RiskOverrides map[string]Risk
	// Quotas are the API's token buckets (awsclient.DefaultQuotaTable, or the configured one): with them,
	// the summary says how long applying the plan takes at least (ExpectedApply) when that is
	// EstimateThreshold or more, and the JSON view gives it always. Nil: no estimate.
	Quotas *awsclient.QuotaTable
}

// expectedApply is the estimate the renderings show: none without quotas, for a plan without actions, or
// for one whose task definitions are files (apply refuses it).
func expectedApply(p *Plan, o RenderOptions) (ApplyEstimate, bool) {
	if o.Quotas == nil || len(p.Actions) == 0 || len(p.FileTaskDefinitions()) > 0 {
		return ApplyEstimate{}, false
	}
	return p.ExpectedApply(o.Quotas), true
}

// expectedApplyLine is the summary's sentence on how long applying takes, when it is EstimateThreshold
// or more ("" otherwise: a plan of a few fixes keeps its output short).
func expectedApplyLine(p *Plan, o RenderOptions) string {
	e, ok := expectedApply(p, o)
	if !ok || e.Duration < EstimateThreshold {
		return ""
	}
	return "Applying takes " + e.Sentence() + "."
}

// Renderer renders a plan in one format.
type Renderer interface {
	Render(w io.Writer, p *Plan) error
}

// The renderers, one per format.
type (
	TextRenderer     struct{ Options RenderOptions }
	MarkdownRenderer struct{ Options RenderOptions }
	JSONRenderer     struct{ Options RenderOptions }
)

var (
	_ Renderer = (*TextRenderer)(nil)
	_ Renderer = (*MarkdownRenderer)(nil)
	_ Renderer = (*JSONRenderer)(nil)
)

// Formats are the names NewRenderer accepts.
var Formats = []string{"text", "markdown", "json"}

// NewRenderer returns the renderer of a format: text, markdown or json.
func NewRenderer(format string, o RenderOptions) (Renderer, error) {
	switch format {
	case "text":
		return &TextRenderer{Options: o}, nil
	case "markdown":
		return &MarkdownRenderer{Options: o}, nil
	case "json":
		return &JSONRenderer{Options: o}, nil
	}
	return nil, fmt.Errorf("unknown plan format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// Render implements Renderer.
func (r *TextRenderer) Render(w io.Writer, p *Plan) error { return RenderText(w, p, r.Options) }

// Render implements Renderer.
func (r *MarkdownRenderer) Render(w io.Writer, p *Plan) error { return RenderMarkdown(w, p, r.Options) }

// Render implements Renderer.
func (r *JSONRenderer) Render(w io.Writer, p *Plan) error { return RenderJSON(w, p, r.Options) }

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// actionDiff is the unified diff of what an action changes (its change kind's diff), or "" when it has
// no payload or its kind shows none.
func actionDiff(a *Action) (string, error) {
	if c := a.Change(); c != nil {
		return c.diff()
	}
	return "", nil
}

// actionDetails are what the renderers show of an action's change besides its common fields.
func actionDetails(a *Action) changeDetails {
	if c := a.Change(); c != nil {
		return c.details()
	}
	return changeDetails{}
}

// unifiedDiff is go-udiff's unified diff of two texts line by line (udiff.Lines, then udiff.ToUnified
// with diffContext lines of context), the same bytes (TestUnifiedDiffAgreesWithUdiff) for less: the
// lines are found by searching for newlines, compared by go-udiff's own algorithm (lcs.DiffLines, what
// udiff.Lines calls), and the hunks laid out directly from the lines that algorithm says differ. Where
// udiff.ToUnified would widen its edits to whole lines (an edit at the end of a text, or a text whose
// last line has no newline where an edit touches it), the edits go to udiff.ToUnified as udiff.Lines
// makes them.
func unifiedDiff(fromLabel, toLabel, before, after string) (string, error) {
	w := getTreeWork()
	defer w.put()
	d, err := w.unifiedDiff(fromLabel, toLabel, before, after)
	return string(d), err
}

// unifiedDiff is unifiedDiff with w's lists and buffer (the texts' lines, the hunk's lines, the diff
// laid out): the diff is w's until w is put back; before and after may be w's texts.
func (w *treeWork) unifiedDiff(fromLabel, toLabel, before, after string) ([]byte, error) {
	bl := appendDiffLines(w.bl[:0], before)
	al := appendDiffLines(w.al[:0], after)
	w.bl, w.al = bl, al
	diffs := lcs.DiffLines(bl, al)
	if len(diffs) == 0 {
		return nil, nil
	}
	for _, d := range diffs {
		// udiff.lineEdits' test for edits that are whole lines already (its fast path): not one that
		// starts at the end of before (an insertion there), or that ends after a last line without a
		// newline, or that inserts such a line. (An edit that starts inside before starts after a newline.)
		if d.Start >= len(bl) || d.End > 0 && !strings.HasSuffix(bl[d.End-1], "\n") ||
			d.ReplEnd > d.ReplStart && !strings.HasSuffix(al[d.ReplEnd-1], "\n") {
			d, err := udiffUnified(fromLabel, toLabel, before, bl, al, diffs)
			return []byte(d), err
		}
	}
	w.out, w.lines = appendUnified(w.out[:0], fromLabel, toLabel, bl, al, diffs, w.lines[:0])
	return w.out, nil
}

// udiffUnified is udiff.ToUnified of the edits udiff.Lines makes of diffs.
func udiffUnified(fromLabel, toLabel, before string, bl, al []string, diffs []lcs.Diff) (string, error) {
	offsets := make([]int, len(bl)+1) // of each line's start, and the text's end
	for i, l := range bl {
		offsets[i+1] = offsets[i] + len(l)
	}
	edits := make([]udiff.Edit, len(diffs))
	for i, d := range diffs {
		edits[i] = udiff.Edit{Start: offsets[d.Start], End: offsets[d.End], New: strings.Join(al[d.ReplStart:d.ReplEnd], "")}
	}
	return udiff.ToUnified(fromLabel, toLabel, before, edits, diffContext)
}

// splitDiffLines splits text into lines as udiff does: each with its newline, and a last line without
// one if the text does not end with a newline.
func splitDiffLines(text string) []string {
	return appendDiffLines(make([]string, 0, strings.Count(text, "\n")+1), text)
}

// appendDiffLines appends the lines of text (splitDiffLines) to lines.
func appendDiffLines(lines []string, text string) []string {
	for start := 0; start < len(text); {
		end := len(text)
		if i := strings.IndexByte(text[start:], '\n'); i >= 0 {
			end = start + i + 1
		}
		lines = append(lines, text[start:end])
		start = end
	}
	return lines
}

// diffLine is a line of a hunk: its kind (' ', '-' or '+') and its text.
type diffLine struct {
	kind byte
	text string
}

// appendUnified appends the unified diff of before's lines bl and after's lines al, whose differences
// diffs are whole lines (see unifiedDiff), as udiff.ToUnified lays it out: hunks joined when fewer than
// twice diffContext lines apart, diffContext lines of context around them. lines is room for the lines of
// a hunk, returned grown.
func appendUnified(b []byte, fromLabel, toLabel string, bl, al []string, diffs []lcs.Diff, lines []diffLine) ([]byte, []diffLine) {
	const gap = diffContext * 2
	b = append(b, "--- "...)
	b = append(b, fromLabel...)
	b = append(b, "\n+++ "...)
	b = append(b, toLabel...)
	b = append(b, '\n')
	fromLine, toLineStart := 0, 0
	open := false
	equal := func(start, end int) int { // udiff's addEqualLines
		delta := 0
		for i := start; i < end; i++ {
			if i < 0 {
				continue
			}
			if i >= len(bl) {
				return delta
			}
			lines = append(lines, diffLine{' ', bl[i]})
			delta++
		}
		return delta
	}
	last, toLine := 0, 0
	for _, d := range diffs {
		start, end := d.Start, d.End
		switch {
		case open && start == last:
		case open && start <= last+gap:
			equal(last, start)
		default:
			if open {
				equal(last, last+diffContext)
				b = appendHunk(b, fromLine, toLineStart, lines)
				lines = lines[:0]
			}
			toLine += start - last
			open = true
			fromLine, toLineStart = start+1, toLine+1
			delta := equal(start-diffContext, start)
			fromLine -= delta
			toLineStart -= delta
		}
		last = start
		for i := start; i < end; i++ {
			lines = append(lines, diffLine{'-', bl[i]})
			last++
		}
		for _, l := range al[d.ReplStart:d.ReplEnd] {
			lines = append(lines, diffLine{'+', l})
			toLine++
		}
	}
	equal(last, last+diffContext)
	return appendHunk(b, fromLine, toLineStart, lines), lines
}

// appendHunk appends a hunk as udiff's unified.String writes it.
func appendHunk(b []byte, fromLine, toLine int, lines []diffLine) []byte {
	fromCount, toCount := 0, 0
	for _, l := range lines {
		switch l.kind {
		case '-':
			fromCount++
		case '+':
			toCount++
		default:
			fromCount++
			toCount++
		}
	}
	b = append(b, "@@"...)
	b = appendHunkRange(b, " -", fromLine, fromCount)
	b = appendHunkRange(b, " +", toLine, toCount)
	b = append(b, " @@\n"...)
	for _, l := range lines {
		b = append(b, l.kind)
		b = append(b, l.text...)
		if !strings.HasSuffix(l.text, "\n") {
			b = append(b, "\n\\ No newline at end of file\n"...)
		}
	}
	return b
}

func appendHunkRange(b []byte, sign string, line, count int) []byte {
	b = append(b, sign...)
	switch {
	case count > 1:
		b = strconv.AppendInt(b, int64(line), 10)
		b = append(b, ',')
		return strconv.AppendInt(b, int64(count), 10)
	case line == 1 && count == 0: // udiff: "Match odd GNU diff -u behavior adding to empty file."
		return append(b, "0,0"...)
	}
	return strconv.AppendInt(b, int64(line), 10)
}

// maskedPlace says where a masked value is: "containerDefinitions[1].environment[1].value in the new
// revision (from containerDefinitions[0].environment[1].value in web:3)".
func maskedPlace(m Masked, source string) string {
	return m.Path + " in the new revision (from " + m.SourcePath + " in " + source + ")"
}

// maskedExplanation follows the list of masked places.
const maskedExplanation = "Masked values are not in the plan, nor anything derived from them: ecsfix reads each from its place " +
	"in the source revision (immutable, named by its ARN) when applying."

// actionLabel names an action's resource briefly: "task-definition/web:3", "service/prod/web".
func actionLabel(a *Action) string {
	if s := a.Resource; strings.HasPrefix(s, "arn:") {
		// what follows the fifth colon (strings.SplitN(s, ":", 6)[5]), when there are five
		at := 0
		for range 5 {
			i := strings.IndexByte(s[at:], ':')
			if i < 0 {
				return s
			}
			at += i + 1
		}
		return s[at:]
	}
	return a.Resource
}

// planSummary is the counting part of the summary line: "3 task definitions, 2 services, 1 cluster to
// change; 2 high-risk actions need approval (unattended risk: low)". It counts resources, not actions:
// a service updated by several actions (each part of its fix with its own risk) is one service.
func planSummary(p *Plan, o RenderOptions) string { return planSummaryOf(p, o, actionRisks(p, o)) }

// planSummaryOf is planSummary with the actions' risks (actionRisks) already known.
func planSummaryOf(p *Plan, o RenderOptions, risks []RiskFloor) string {
	unattended := o.UnattendedRisk
	counts := map[ActionType]int{}
	seen := map[[2]string]bool{}
	for _, a := range p.Actions {
		if k := [2]string{string(a.Type), a.Resource}; !seen[k] {
			seen[k] = true
			counts[a.Type]++
		}
	}
	var what []string
	for _, k := range changeKinds {
		if n := counts[k.typ]; n > 0 {
			what = append(what, plural(n, k.single, k.plural))
		}
	}
	s := strings.Join(what, ", ") + " to change; "
	level := unattendedLabel(unattended)
	needs := 0
	byRisk := map[Risk]int{}
	for i := range p.Actions {
		if r := risks[i].Risk; !withinRisk(r, unattended) { // as Plan.NeedsApproval
			needs++
			byRisk[r]++
		}
	}
	if needs == 0 {
		return s + fmt.Sprintf("every action is within the unattended risk (%s)", level)
	}
	var parts []string
	for _, r := range []Risk{RiskHigh, RiskMedium, RiskLow} {
		if byRisk[r] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s-risk", byRisk[r], r))
		}
	}
	verb := "actions need"
	if needs == 1 {
		verb = "action needs"
	}
	return s + fmt.Sprintf("%s %s approval (unattended risk: %s)", strings.Join(parts, " and "), verb, level)
}

// actionRisks are the actions' effective risks and why (Plan.RiskOf with o's overrides), each derived
// once, in parallel, for the renderers to share.
func actionRisks(p *Plan, o RenderOptions) []RiskFloor {
	risks := make([]RiskFloor, len(p.Actions))
	ordered.For(len(p.Actions), func(i int) { risks[i] = p.RiskOf(p.Actions[i], o.RiskOverrides) })
	return risks
}

func unattendedLabel(r Risk) string {
	switch r {
	case RiskLow, RiskMedium, RiskHigh:
		return string(r)
	}
	return string(RiskNone)
}

func plural(n int, single, many string) string {
	if n == 1 {
		return "1 " + single
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shownAction is an action as the renderers show it: with its effective risk (risks[i], actionRisks),
// and why when that is medium or high (riskShown).
func shownAction(p *Plan, i int, risks []RiskFloor) (*Action, []string) {
	a := p.Actions[i]
	a.Risk = risks[i].Risk
	return &a, riskShown(risks[i])
}

// riskShown are the reasons the renderers show for a risk: those of a medium or high risk (or of one
// that is not low, medium or high); none for a low one.
func riskShown(f RiskFloor) []string {
	if f.Risk == RiskLow {
		return nil
	}
	return f.Why
}

// approvalValid says whether an approval counts for content of the given hash.
func approvalValid(a Approval, hash string) bool { return hash != "" && a.PlanHash == hash }

// describeApproval is "alice (ticket CHG-1234) at 2026-05-01 10:00 UTC".
func describeApproval(a Approval) string {
	s := a.By
	if a.Ticket != "" {
		s += " (ticket " + a.Ticket + ")"
	}
	return s + " at " + a.At.UTC().Format("2006-01-02 15:04 MST")
}

// describeSource is "snapshot testdata/demo" or "live eu-west-1, us-east-1".
func describeSource(s Source) string {
	out := s.Kind
	if s.Path != "" {
		out += " " + s.Path
	}
	if len(s.Regions) > 0 {
		out += " (" + strings.Join(s.Regions, ", ") + ")"
	}
	return out
}

// needsApprovalSet is the ids of the actions above the unattended risk (Plan.NeedsApproval), from their
// risks (actionRisks).
func needsApprovalSet(p *Plan, o RenderOptions, risks []RiskFloor) map[string]bool {
	m := map[string]bool{}
	for i, a := range p.Actions {
		if !withinRisk(risks[i].Risk, o.UnattendedRisk) {
			m[a.ID] = true
		}
	}
	return m
}

// renderPrinter remembers the first write error so that rendering code stays linear. It is the output
// boundary of the text and Markdown renderers: every string it prints is escaped (textsafe.Args), so a
// control character or bidi override in a plan's names, notes, reasons or approvals is shown, not obeyed.
type renderPrinter struct {
	w     io.Writer
	color bool
	err   error
}

func (p *renderPrinter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, textsafe.Args(args)...)
	}
}

// paint escapes s and colours it; the colour codes survive printf.
func (p *renderPrinter) paint(code, s string) textsafe.Safe {
	if !p.color || s == "" {
		return textsafe.Safe(textsafe.Line(s))
	}
	return textsafe.Safe(code + textsafe.Line(s) + ansiResetCode)
}

const (
	ansiRedCode    = "\x1b[31m"
	ansiGreenCode  = "\x1b[32m"
	ansiYellowCode = "\x1b[33m"
	ansiCyanCode   = "\x1b[36m"
	ansiBoldCode   = "\x1b[1m"
	ansiResetCode  = "\x1b[0m"
)

// secretRefText says what fills a secret reference: "containerDefinitions[0].secrets[0].valueFrom: the
// ARN of the secret created by a1 followed by :DB_PASSWORD:: (key DB_PASSWORD)" for a JSON secret, "…:
// the bare ARN of the secret created by a1" for a secret per variable.
func secretRefText(r SecretRef) string {
	if r.Key != "" {
		return r.Path + ": the ARN of the secret created by " + r.From + " followed by :" + r.Key + ":: (key " + r.Key + ")"
	}
	return r.Path + ": the bare ARN of the secret created by " + r.From
}
