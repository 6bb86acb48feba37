package plan

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ecsfix/ecsfix/internal/ordered"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// RenderMarkdown writes the plan for a ticket: a title, a summary table, each action with its diff in a
// ```diff block, the findings not fixed, the content hash and the approvals (valid or not for this
// content).
func RenderMarkdown(w io.Writer, p *Plan, o RenderOptions) error {
	pr := &renderPrinter{w: w}
	// The content hash is computed alongside the actions.
	hashed := make(chan string, 1)
	go func() { hashed <- p.ContentHash() }()
	hash, received := "", false
	defer func() {
		if !received {
			<-hashed // no hashing left running on p once RenderMarkdown returns
		}
	}()
	pr.printf("# ecsfix plan\n\n")
	pr.printf("Made by %s %s at %s from %s.\n\n", mdText(p.Tool.Name), mdText(p.Tool.Version),
		p.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), mdText(describeSource(p.Source)))
	if len(p.Actions) == 0 {
		pr.printf("**No changes.** Nothing that ecsfix fixes needs a change.\n")
	} else {
		risks := actionRisks(p, o)
		pr.printf("**Plan: %s.**\n\n", mdText(planSummaryOf(p, o, risks)))
		if line := expectedApplyLine(p, o); line != "" {
			pr.printf("%s\n\n", mdText(line))
		}
		needs := needsApprovalSet(p, o, risks)
		pr.printf("| id | action | resource | controls | risk |\n|---|---|---|---|---|\n")
		for i := range p.Actions {
			a, _ := shownAction(p, i, risks)
			pr.printf("| %s | %s | %s | %s | %s |\n", mdCell(a.ID), mdCell(string(a.Type)), mdCode(actionLabel(a)),
				mdCell(strings.Join(a.Controls, ", ")), mdRisk(a.Risk, needs[a.ID]))
		}
		if pr.err != nil {
			return pr.err
		}
		// Each action into a buffer of its own, in parallel, written in plan order (ordered.Write).
		err := ordered.Write(w, len(p.Actions), func(i int, b *bytes.Buffer) error {
			a, why := shownAction(p, i, risks)
			return mdAction(&renderPrinter{w: b}, a, why, needs[p.Actions[i].ID])
		})
		if err != nil {
			return err
		}
	}
	if len(p.Skipped) > 0 {
		pr.printf("\n## Not fixed\n\n| control | resource | reason |\n|---|---|---|\n")
		for _, s := range p.Skipped {
			pr.printf("| %s | %s | %s |\n", mdCell(s.Control), mdCode(s.Resource), mdCell(s.Reason))
		}
	}
	hash, received = <-hashed, true
	pr.printf("\n## Content hash\n\n%s\n\nApprovals are bound to this hash: any change to the plan's content voids them.\n", mdCode(hash))
	pr.printf("\n## Approvals\n\n")
	if len(p.Approvals) == 0 {
		pr.printf("None yet: `ecsfix approve PLAN --by NAME --ticket ID`.\n")
	}
	for _, a := range p.Approvals {
		if approvalValid(a, hash) {
			pr.printf("- %s: **valid** for this content\n", mdText(describeApproval(a)))
		} else {
			pr.printf("- %s: **not valid** for this content (it approved %s)\n", mdText(describeApproval(a)), mdCode(a.PlanHash))
		}
	}
	return pr.err
}

func mdAction(pr *renderPrinter, a *Action, why []string, needsApproval bool) error {
	pr.printf("\n## %s: %s %s\n\n", mdText(a.ID), mdText(string(a.Type)), mdCode(actionLabel(a)))
	pr.printf("%s\n\n", mdText(a.Summary))
	pr.printf("- **Resource:** %s (account %s, %s)\n", mdCode(a.Resource), mdText(a.Account), mdText(a.Region))
	pr.printf("- **Risk:** %s\n", mdRisk(a.Risk, needsApproval))
	for _, w := range why {
		pr.printf("  - why %s: %s\n", mdText(string(a.Risk)), mdText(w))
	}
	pr.printf("- **Fixes:** %s\n", mdText(strings.Join(a.Controls, ", ")))
	if len(a.Findings) > 0 {
		pr.printf("- **Findings:** %s\n", mdText(strings.Join(a.Findings, ", ")))
	}
	if len(a.DependsOn) > 0 {
		pr.printf("- **Depends on:** %s\n", mdText(strings.Join(a.DependsOn, ", ")))
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		pr.printf("\n%s:\n\n", title)
		for _, it := range items {
			pr.printf("- %s\n", it)
		}
	}
	var notes, checks, edits, masked []string
	for _, n := range a.Notes {
		notes = append(notes, mdText(n))
	}
	for _, c := range a.Preconditions {
		checks = append(checks, mdText(c.Check)+": "+mdText(c.Result))
	}
	d := actionDetails(a)
	for _, e := range d.edits {
		edits = append(edits, mdText(e.Control)+" "+mdCode(e.Path)+": "+mdText(e.Change))
	}
	for _, m := range d.masked {
		masked = append(masked, mdCode(m.Path)+" in the new revision (from "+mdCode(m.SourcePath)+" in "+mdCode(d.source)+")")
	}
	var details, refs []string
	for _, r := range d.rows {
		details = append(details, mdText(r[0])+": "+mdCode(r[1]))
	}
	for _, ref := range d.secretRefs {
		refs = append(refs, mdText(secretRefText(ref)))
	}
	list("Notes", notes)
	list("Details", details)
	list("Secret references", refs)
	list("Checked", checks)
	list("Edits", edits)
	list("Masked values", masked)
	if len(masked) > 0 {
		pr.printf("\n%s\n", mdText(maskedExplanation))
	}
	diff, err := actionDiff(a)
	if err != nil {
		return err
	}
	if diff != "" {
		fence := mdFence(diff)
		pr.printf("\n%sdiff\n%s%s\n", fence, textsafe.Safe(textsafe.Text(diff)), fence)
	}
	return nil
}

func mdRisk(r Risk, needsApproval bool) string {
	s := string(r)
	if r == RiskHigh {
		s = "**high**"
	}
	if needsApproval {
		return s + " (needs approval)"
	}
	return s
}

// mdFence is a code fence longer than any run of backticks in s.
func mdFence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mdText escapes the characters that would turn text into markup: emphasis, code, table cells, HTML and
// autolinks (<…>), links and images ([text](url), ![alt](url), [text][ref], [ref]: url), and the
// extended autolinks of GitHub-flavoured Markdown (a bare scheme:// URL, www., an e-mail address), so that
// text a plan holds (a reason, a note) renders as the text it is, never as a link or an image a ticket
// would show or fetch.
func mdText(s string) string {
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "|", `\|`, "<", `\<`, ">", `\>`, "\n", " ",
	"[", `\[`, "]", `\]`, "!", `\!`, "://", `\://`, "@", `\@`,
	"www.", `www\.`, "WWW.", `WWW\.`, "Www.", `Www\.`)

// mdCell is text for a table cell.
func mdCell(s string) string { return mdText(s) }

// mdCode is an inline code span holding s.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fmt.Sprintf("%s%s%s%s%s", fence, pad, strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " "), pad, fence)
}
