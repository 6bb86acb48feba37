package plan

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/ecsfix/ecsfix/internal/ordered"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// RenderText writes the plan as `ecsfix plan` prints it, like `terraform plan`: each action in apply
// order with its risk, the controls it fixes, notes, preconditions and dependencies, then a unified diff
// of what it changes; then a summary line, the approvals, and the findings not fixed.
func RenderText(w io.Writer, p *Plan, o RenderOptions) error {
	pr := &renderPrinter{w: w, color: o.Color}
	pr.printf("%s\n\n", pr.paint(ansiBoldCode, "ecsfix plan, made by "+p.Tool.Name+" "+p.Tool.Version+" at "+
		p.CreatedAt.UTC().Format("2006-01-02 15:04 MST")+" from "+describeSource(p.Source)))
	if len(p.Actions) == 0 {
		pr.printf("No changes. Nothing that ecsfix fixes needs a change.\n")
		textSkipped(pr, p)
		return pr.err
	}
	if pr.err != nil {
		return pr.err
	}
	// The content hash is computed alongside the actions (once: the summary and the approvals use it).
	hashed := make(chan string, 1)
	go func() { hashed <- p.ContentHash() }()
	risks := actionRisks(p, o)
	needs := needsApprovalSet(p, o, risks)
	// Each action into a buffer of its own, in parallel, written in plan order (ordered.Write).
	// A few actions to a buffer (textBatch): fewer hand-overs between the workers and the writer. An
	// action that fails stops its batch there, as it stops the rendering.
	err := ordered.Write(w, (len(p.Actions)+textBatch-1)/textBatch, func(j int, b *bytes.Buffer) error {
		pr := &renderPrinter{w: b, color: o.Color}
		for i := j * textBatch; i < min(len(p.Actions), (j+1)*textBatch); i++ {
			a := &p.Actions[i] // shown with its effective risk (shownAction), not copied
			if err := textAction(pr, a, risks[i].Risk, riskShown(risks[i]), needs[a.ID]); err != nil {
				return err
			}
		}
		return nil
	})
	hash := <-hashed
	if err != nil {
		return err
	}
	pr.printf("%s\n", pr.paint(ansiBoldCode, "Plan: "+planSummaryOf(p, o, risks)+"."))
	if line := expectedApplyLine(p, o); line != "" {
		pr.printf("%s\n", line)
	}
	pr.printf("Content: %s\n", hash)
	for _, a := range p.Approvals {
		if approvalValid(a, hash) {
			pr.printf("%s\n", pr.paint(ansiGreenCode, "Approved by "+describeApproval(a)+"."))
		} else {
			pr.printf("%s\n", pr.paint(ansiYellowCode, "Approval by "+describeApproval(a)+" is for other content ("+
				a.PlanHash+") and does not count."))
		}
	}
	textSkipped(pr, p)
	return pr.err
}

const textLabelWidth = 13

// textBatch is the number of actions RenderText renders into one buffer.
const textBatch = 4

// field prints "  label value" as printf("  %-*s%s\n", textLabelWidth, label, value) does (label and
// value escaped, the label padded to textLabelWidth characters), without fmt: a 10,000-action plan
// prints hundreds of thousands of them.
func (p *renderPrinter) field(label, value string) {
	if p.err != nil {
		return
	}
	l := escapedLine(label)
	pad := textLabelWidth - utf8.RuneCountInString(l)
	if b, ok := p.w.(*bytes.Buffer); ok { // an action's own buffer: no error, no need to join first
		b.WriteString("  ")
		b.WriteString(l)
		for ; pad > 0; pad-- {
			b.WriteByte(' ')
		}
		b.WriteString(escapedLine(value))
		b.WriteByte('\n')
		return
	}
	s := "  " + l
	if pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	_, p.err = io.WriteString(p.w, s+escapedLine(value)+"\n")
}

// escapedLine is textsafe.Line(s), without looking at each rune when s is printable ASCII.
func escapedLine(s string) string {
	if printableASCII(s) {
		return s
	}
	return textsafe.Line(s)
}

// safeLine prints prefix, s (escaped already) and a newline: printf("%s%s\n", …) without fmt.
func (p *renderPrinter) safeLine(prefix string, s textsafe.Safe) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, prefix+string(s)+"\n")
	}
}

// textAction prints action a as the text rendering shows it, with risk, its effective risk, in place of
// its own.
func textAction(pr *renderPrinter, a *Action, risk Risk, why []string, needsApproval bool) error {
	header := "# " + a.ID + ": " + string(a.Type) + " " + actionLabel(a)
	if !pr.color && printableASCII(header) {
		pr.write(header) // paint(…): escaping changes nothing, and no colour
	} else {
		pr.write(string(pr.paint(ansiBoldCode, header)))
	}
	if risk == RiskHigh {
		pr.write("  ")
		pr.write(string(pr.paint(ansiRedCode, "[HIGH RISK]")))
	}
	pr.write("\n")
	pr.fieldOf("resource", a.Resource, " (account ", a.Account, ", ", a.Region, ")")
	if needsApproval {
		pr.fieldOf("risk", string(risk), " (needs approval)")
	} else {
		pr.fieldOf("risk", string(risk), " (applies unattended)")
	}
	if len(why) > 0 {
		label := "why " + string(risk)
		for _, w := range why {
			pr.fieldOf(label, w)
		}
	}
	pr.fieldOf("fixes", strings.Join(a.Controls, ", "))
	if len(a.Findings) > 0 {
		pr.fieldOf("findings", strings.Join(a.Findings, ", "))
	}
	pr.fieldOf("summary", a.Summary)
	for _, n := range a.Notes {
		pr.fieldOf("note", n)
	}
	for _, c := range a.Preconditions {
		pr.fieldOf("checked", c.Check, ": ", c.Result)
	}
	if len(a.DependsOn) > 0 {
		pr.fieldOf("depends on", strings.Join(a.DependsOn, ", "))
	}
	d := actionDetails(a)
	for _, e := range d.edits {
		pr.fieldOf("edit", e.Control, "  ", e.Path, ": ", e.Change)
	}
	for _, m := range d.masked {
		pr.fieldOf("masked", m.Path, " in the new revision (from ", m.SourcePath, " in ", d.source, ")") // maskedPlace
	}
	if len(d.masked) > 0 {
		pr.fieldOf("", maskedExplanation)
	}
	for _, ref := range d.secretRefs {
		pr.fieldOf("secret ref", secretRefText(ref))
	}
	for _, r := range d.rows {
		pr.fieldOf(r[0], r[1])
	}
	for _, g := range d.grants {
		pr.fieldOf(g[0], g[1])
	}
	if err := textActionDiff(pr, a); err != nil {
		return err
	}
	pr.write("\n")
	return nil
}

// write prints s, escaped already (what printf("%s", textsafe.Safe(s)) prints), without fmt.
func (p *renderPrinter) write(s string) {
	if p.err != nil {
		return
	}
	if b, ok := p.w.(*bytes.Buffer); ok {
		b.WriteString(s)
		return
	}
	_, p.err = io.WriteString(p.w, s)
}

// textActionDiff prints the diff of a (actionDiff) with diffLines; a registration's from the buffer its
// diff is laid out in (diffTo), not copied to a string of its own first.
func textActionDiff(pr *renderPrinter, a *Action) error {
	r, ok := a.Change().(*RegisterTaskDefinitionChange)
	if !ok {
		diff, err := actionDiff(a)
		if err != nil {
			return err
		}
		if diff != "" {
			pr.diffLines(diff)
		}
		return nil
	}
	w := getTreeWork()
	defer w.put()
	diff, err := r.diffTo(w)
	if err != nil {
		return err
	}
	if len(diff) > 0 {
		pr.diffLines(unsafe.String(unsafe.SliceData(diff), len(diff))) // copied by diffLines before w is put back
	}
	return nil
}

// fieldOf prints field(label+":", the parts joined) as textAction printed it (label alone when ""),
// without joining the parts when they and the label are printable ASCII (escaping them one by one or
// joined is then the same: nothing).
func (p *renderPrinter) fieldOf(label string, parts ...string) {
	b, direct := p.w.(*bytes.Buffer)
	plain := direct && p.err == nil && printableASCII(label)
	for _, s := range parts {
		plain = plain && printableASCII(s)
	}
	if !plain {
		if label != "" {
			label += ":"
		}
		p.field(label, strings.Join(parts, ""))
		return
	}
	b.WriteString("  ")
	b.WriteString(label)
	pad := textLabelWidth - len(label)
	if label != "" {
		b.WriteByte(':')
		pad--
	}
	for ; pad > 0; pad-- {
		b.WriteByte(' ')
	}
	for _, s := range parts {
		b.WriteString(s)
	}
	b.WriteByte('\n')
}

// diffLines prints a blank line, then each line of diff (its last newline dropped) indented by four
// spaces, escaped and coloured as textDiffLine does, in one write.
func (p *renderPrinter) diffLines(diff string) {
	if p.err != nil {
		return
	}
	var b []byte
	bw, direct := p.w.(*bytes.Buffer) // an action's own buffer: appended to in place
	if direct {
		bw.Grow(len(diff) + len(diff)/8 + 64)
		b = bw.AvailableBuffer()
	} else {
		b = make([]byte, 0, len(diff)+len(diff)/8+64)
	}
	b = append(b, '\n')
	rest := strings.TrimSuffix(diff, "\n")
	for {
		line, more := rest, false
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest, more = rest[:i], rest[i+1:], true
		}
		b = append(b, "    "...)
		if printableASCII(line) && (!p.color || line == "") {
			b = append(b, line...) // as textDiffLine: escaping changes nothing, and no colour
		} else {
			b = append(b, textDiffLine(p, line)...)
		}
		b = append(b, '\n')
		if !more {
			break
		}
	}
	_, p.err = p.w.Write(b)
}

// printableASCII reports whether s is printable ASCII only (space to ~), which textsafe.Line leaves as
// it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func textDiffLine(pr *renderPrinter, line string) textsafe.Safe {
	switch {
	case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "+++"):
		return pr.paint(ansiBoldCode, line)
	case strings.HasPrefix(line, "@@"):
		return pr.paint(ansiCyanCode, line)
	case strings.HasPrefix(line, "-"):
		return pr.paint(ansiRedCode, line)
	case strings.HasPrefix(line, "+"):
		return pr.paint(ansiGreenCode, line)
	}
	return textsafe.Safe(textsafe.Line(line))
}

func textSkipped(pr *renderPrinter, p *Plan) {
	if len(p.Skipped) == 0 {
		return
	}
	pr.printf("\n%s\n", pr.paint(ansiYellowCode, "Not fixed:"))
	for _, s := range p.Skipped {
		pr.printf("  %s  %s\n      %s\n", s.Control, s.Resource, s.Reason)
	}
}
