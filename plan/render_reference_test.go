package plan

// The renderings and the canonical encoding as first written (one action after another, the whole plan
// encoded by json.MarshalIndent, each task-definition diff through encoding/json): the references the
// faster versions must agree with byte for byte (render_parallel_test.go).

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// refUnifiedDiff is unifiedDiff as first written: go-udiff's line diff of the whole texts.
func refUnifiedDiff(fromLabel, toLabel, before, after string) (string, error) {
	edits := udiff.Lines(before, after)
	return udiff.ToUnified(fromLabel, toLabel, before, edits, diffContext)
}

// refEncodeGenericJSON is encodeGenericJSON through encoding/json.
func refEncodeGenericJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// refRegisterDiff is RegisterTaskDefinitionChange.diff as first written.
func refRegisterDiff(r *RegisterTaskDefinitionChange) (string, error) {
	before, err := decodeObject(r.Before)
	if err != nil {
		return "", fmt.Errorf("task definition %s: before: %w", r.SourceArn, err)
	}
	after, err := decodeObject(r.After)
	if err != nil {
		return "", fmt.Errorf("task definition %s: after: %w", r.SourceArn, err)
	}
	for _, m := range r.Masked {
		if _, set, ok := lookupJSONPath(before, m.SourcePath); ok {
			set(MaskedValue)
		}
		if _, set, ok := lookupJSONPath(after, m.Path); ok {
			set(MaskedValue)
		}
	}
	normalizeTaskDefinitionDoc(before)
	normalizeTaskDefinitionDoc(after)
	b, err := refEncodeGenericJSON(before)
	if err != nil {
		return "", err
	}
	aj, err := refEncodeGenericJSON(after)
	if err != nil {
		return "", err
	}
	from := "task-definition/" + detect.ShortARN(r.SourceArn)
	to := "task-definition/" + r.Family + " (new revision)"
	return refUnifiedDiff(from, to, string(b), string(aj))
}

// refRemovePolicyDiff is RemovePolicyStatementsChange.diff as first written.
func refRemovePolicyDiff(c *RemovePolicyStatementsChange) (string, error) {
	indent := func(which, doc string) (string, error) {
		v, err := decodeGenericJSON([]byte(doc))
		if err != nil {
			return "", fmt.Errorf("role %s policy %s: %s: %w", c.Role, c.PolicyName, which, err)
		}
		b, err := refEncodeGenericJSON(v)
		return string(b), err
	}
	before, err := indent("before", c.Before)
	if err != nil {
		return "", err
	}
	after := deletedPolicyText
	if c.After != "" {
		if after, err = indent("after", c.After); err != nil {
			return "", err
		}
	}
	name := "role/" + detect.ShortARN(c.Role) + " policy " + c.PolicyName
	return refUnifiedDiff(name+" (now)", name+" (after)", before, after)
}

// refActionDiff is actionDiff with the first versions of the diffs that changed.
func refActionDiff(a *Action) (string, error) {
	switch c := a.Change().(type) {
	case nil:
		return "", nil
	case *RegisterTaskDefinitionChange:
		return refRegisterDiff(c)
	case *RemovePolicyStatementsChange:
		return refRemovePolicyDiff(c)
	default:
		return c.diff()
	}
}

// refRenderText is RenderText as first written.
func refRenderText(w io.Writer, p *Plan, o RenderOptions) error {
	pr := &renderPrinter{w: w, color: o.Color}
	pr.printf("%s\n\n", pr.paint(ansiBoldCode, "ecsfix plan, made by "+p.Tool.Name+" "+p.Tool.Version+" at "+
		p.CreatedAt.UTC().Format("2006-01-02 15:04 MST")+" from "+describeSource(p.Source)))
	if len(p.Actions) == 0 {
		pr.printf("No changes. Nothing that ecsfix fixes needs a change.\n")
		textSkipped(pr, p)
		return pr.err
	}
	needs := refNeedsApprovalSet(p, o)
	for i := range p.Actions {
		a, why := refShownAction(p, i, o)
		if err := refTextAction(pr, a, why, needs[p.Actions[i].ID]); err != nil {
			return err
		}
	}
	pr.printf("%s\n", pr.paint(ansiBoldCode, "Plan: "+refPlanSummary(p, o)+"."))
	if line := expectedApplyLine(p, o); line != "" {
		pr.printf("%s\n", line)
	}
	hash := refContentHash(p)
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

func refTextAction(pr *renderPrinter, a *Action, why []string, needsApproval bool) error {
	header := "# " + a.ID + ": " + string(a.Type) + " " + actionLabel(a)
	pr.printf("%s", pr.paint(ansiBoldCode, header))
	if a.Risk == RiskHigh {
		pr.printf("  %s", pr.paint(ansiRedCode, "[HIGH RISK]"))
	}
	pr.printf("\n")
	field := func(label, value string) {
		if label != "" {
			label += ":"
		}
		pr.printf("  %-*s%s\n", textLabelWidth, label, value)
	}
	field("resource", a.Resource+" (account "+a.Account+", "+a.Region+")")
	risk := string(a.Risk)
	if needsApproval {
		risk += " (needs approval)"
	} else {
		risk += " (applies unattended)"
	}
	field("risk", risk)
	for _, w := range why {
		field("why "+string(a.Risk), w)
	}
	field("fixes", strings.Join(a.Controls, ", "))
	if len(a.Findings) > 0 {
		field("findings", strings.Join(a.Findings, ", "))
	}
	field("summary", a.Summary)
	for _, n := range a.Notes {
		field("note", n)
	}
	for _, c := range a.Preconditions {
		field("checked", c.Check+": "+c.Result)
	}
	if len(a.DependsOn) > 0 {
		field("depends on", strings.Join(a.DependsOn, ", "))
	}
	d := actionDetails(a)
	for _, e := range d.edits {
		field("edit", e.Control+"  "+e.Path+": "+e.Change)
	}
	for _, m := range d.masked {
		field("masked", maskedPlace(m, d.source))
	}
	if len(d.masked) > 0 {
		field("", maskedExplanation)
	}
	for _, ref := range d.secretRefs {
		field("secret ref", secretRefText(ref))
	}
	for _, r := range d.rows {
		field(r[0], r[1])
	}
	for _, g := range d.grants {
		field(g[0], g[1])
	}
	diff, err := refActionDiff(a)
	if err != nil {
		return err
	}
	if diff != "" {
		pr.printf("\n")
		for _, line := range strings.SplitAfter(strings.TrimSuffix(diff, "\n"), "\n") {
			pr.printf("    %s\n", refTextDiffLine(pr, strings.TrimSuffix(line, "\n")))
		}
	}
	pr.printf("\n")
	return nil
}

func refTextDiffLine(pr *renderPrinter, line string) textsafe.Safe {
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

// refContentHash is Plan.ContentHash through refCanonicalPlan.
func refContentHash(p *Plan) string {
	b, err := refCanonicalPlan(p, false)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// refCanonicalPlan is canonicalPlan as first written: the whole plan through json.MarshalIndent.
func refCanonicalPlan(p *Plan, withApprovals bool) ([]byte, error) {
	c := *p
	if !withApprovals {
		c.Approvals = nil
	}
	c.Actions = make([]Action, len(p.Actions))
	for i, a := range p.Actions {
		a.Controls = nonNil(a.Controls)
		if r := a.RegisterTaskDefinition; r != nil {
			rc := *r
			rc.Edits = nonNil(rc.Edits)
			a.RegisterTaskDefinition = &rc
		}
		if u := a.UpdateClusterSettings; u != nil {
			uc := *u
			uc.Before, uc.After = nonNil(uc.Before), nonNil(uc.After)
			a.UpdateClusterSettings = &uc
		}
		c.Actions[i] = a
	}
	c.State = make([]Fingerprint, len(p.State))
	for i, f := range p.State {
		if f.Facts == nil {
			f.Facts = map[string]string{}
		}
		c.State[i] = f
	}
	c.Skipped = nonNil(c.Skipped)
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// refRenderMarkdown is RenderMarkdown as first written.
func refRenderMarkdown(w io.Writer, p *Plan, o RenderOptions) error {
	pr := &renderPrinter{w: w}
	pr.printf("# ecsfix plan\n\n")
	pr.printf("Made by %s %s at %s from %s.\n\n", mdText(p.Tool.Name), mdText(p.Tool.Version),
		p.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), mdText(describeSource(p.Source)))
	if len(p.Actions) == 0 {
		pr.printf("**No changes.** Nothing that ecsfix fixes needs a change.\n")
	} else {
		pr.printf("**Plan: %s.**\n\n", mdText(refPlanSummary(p, o)))
		if line := expectedApplyLine(p, o); line != "" {
			pr.printf("%s\n\n", mdText(line))
		}
		needs := refNeedsApprovalSet(p, o)
		pr.printf("| id | action | resource | controls | risk |\n|---|---|---|---|---|\n")
		for i := range p.Actions {
			a, _ := refShownAction(p, i, o)
			pr.printf("| %s | %s | %s | %s | %s |\n", mdCell(a.ID), mdCell(string(a.Type)), mdCode(actionLabel(a)),
				mdCell(strings.Join(a.Controls, ", ")), mdRisk(a.Risk, needs[a.ID]))
		}
		for i := range p.Actions {
			a, why := refShownAction(p, i, o)
			if err := refMdAction(pr, a, why, needs[p.Actions[i].ID]); err != nil {
				return err
			}
		}
	}
	if len(p.Skipped) > 0 {
		pr.printf("\n## Not fixed\n\n| control | resource | reason |\n|---|---|---|\n")
		for _, s := range p.Skipped {
			pr.printf("| %s | %s | %s |\n", mdCell(s.Control), mdCode(s.Resource), mdCell(s.Reason))
		}
	}
	hash := refContentHash(p)
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
func refMdAction(pr *renderPrinter, a *Action, why []string, needsApproval bool) error {
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
	diff, err := refActionDiff(a)
	if err != nil {
		return err
	}
	if diff != "" {
		fence := mdFence(diff)
		pr.printf("\n%sdiff\n%s%s\n", fence, textsafe.Safe(textsafe.Text(diff)), fence)
	}
	return nil
}

// refPlanSummary, refShownAction and refNeedsApprovalSet are planSummary, shownAction and
// needsApprovalSet as first written (each deriving the actions' risks itself).
func refPlanSummary(p *Plan, o RenderOptions) string {
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
	needs := p.NeedsApproval(unattended, o.RiskOverrides)
	if len(needs) == 0 {
		return s + fmt.Sprintf("every action is within the unattended risk (%s)", level)
	}
	byRisk := map[Risk]int{}
	for _, a := range needs {
		byRisk[p.EffectiveRisk(a, o.RiskOverrides)]++
	}
	var parts []string
	for _, r := range []Risk{RiskHigh, RiskMedium, RiskLow} {
		if byRisk[r] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s-risk", byRisk[r], r))
		}
	}
	verb := "actions need"
	if len(needs) == 1 {
		verb = "action needs"
	}
	return s + fmt.Sprintf("%s %s approval (unattended risk: %s)", strings.Join(parts, " and "), verb, level)
}
func refShownAction(p *Plan, i int, o RenderOptions) (*Action, []string) {
	a := p.Actions[i]
	f := p.RiskOf(a, o.RiskOverrides)
	a.Risk = f.Risk
	return &a, riskShown(f)
}
func refNeedsApprovalSet(p *Plan, o RenderOptions) map[string]bool {
	m := map[string]bool{}
	for _, a := range p.NeedsApproval(o.UnattendedRisk, o.RiskOverrides) {
		m[a.ID] = true
	}
	return m
}
