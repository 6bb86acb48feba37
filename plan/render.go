package plan

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// Renderers format a Plan; they decide nothing and call nothing (terraform's views). One file per format:
// render_text.go (what `ecsfix plan` prints), render_markdown.go (for a ticket), render_json.go (the plan
// file itself).

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
}

// Renderer renders a plan in one format.
type Renderer interface {
	Render(w io.Writer, p *Plan) error
}

// The renderers, one per format.
type (
	TextRenderer     struct{ Options RenderOptions }
	MarkdownRenderer struct{ Options RenderOptions }
	JSONRenderer     struct{}
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
		return &JSONRenderer{}, nil
	}
	return nil, fmt.Errorf("unknown plan format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// Render implements Renderer.
func (r *TextRenderer) Render(w io.Writer, p *Plan) error { return RenderText(w, p, r.Options) }

// Render implements Renderer.
func (r *MarkdownRenderer) Render(w io.Writer, p *Plan) error { return RenderMarkdown(w, p, r.Options) }

// Render implements Renderer.
func (r *JSONRenderer) Render(w io.Writer, p *Plan) error { return RenderJSON(w, p) }

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// actionDiff is the unified diff of what an action changes, or "" when it has no payload.
// Registrations diff the normalised task definitions; service and cluster updates diff their settings.
func actionDiff(a *Action) (string, error) {
	switch {
	case a.RegisterTaskDefinition != nil:
		return registrationDiff(a.RegisterTaskDefinition)
	case a.UpdateService != nil:
		u := a.UpdateService
		name := "service/" + shortName(u.Service)
		if !strings.HasPrefix(u.Service, "arn:") {
			name = "service/" + shortName(u.Cluster) + "/" + u.Service
		}
		return unifiedDiff(name+" (now)", name+" (after)", serviceLines(u, false), serviceLines(u, true))
	case a.UpdateClusterSettings != nil:
		c := a.UpdateClusterSettings
		name := "cluster/" + shortName(c.Cluster)
		before, after := clusterLines(c)
		return unifiedDiff(name+" (now)", name+" (after)", before, after)
	case a.PutRolePolicy != nil:
		return policyDiff(a.PutRolePolicy)
	case a.RemovePolicyStatements != nil:
		return removedStatementsDiff(a.RemovePolicyStatements)
	case a.UpdateSecurityGroupIngress != nil:
		u := a.UpdateSecurityGroupIngress
		return ingressDiff("security-group/"+u.GroupID+" ingress (now)", "security-group/"+u.GroupID+" ingress (after)", u.Revoke, u.Authorize)
	}
	return "", nil
}

// deletedPolicyText stands for the document after a remove-policy-statements action that leaves no
// statement.
const deletedPolicyText = "(the inline policy is deleted)\n"

// removedStatementsDiff diffs an inline policy before and after a remove-policy-statements action, both
// documents indented alike so that only the removed statements show.
func removedStatementsDiff(c *RemovePolicyStatementsChange) (string, error) {
	indent := func(which, doc string) (string, error) {
		v, err := decodeGenericJSON([]byte(doc))
		if err != nil {
			return "", fmt.Errorf("role %s policy %s: %s: %w", c.Role, c.PolicyName, which, err)
		}
		b, err := encodeGenericJSON(v)
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
	name := "role/" + shortName(c.Role) + " policy " + c.PolicyName
	return unifiedDiff(name+" (now)", name+" (after)", before, after)
}

// policyDiff diffs the owned policy's document before and after a put-role-policy action, the ARNs of
// secrets still to be created shown as "(ARN of the secret created by aN)".
func policyDiff(c *PutRolePolicyChange) (string, error) {
	placeholders := map[string]string{}
	for _, st := range c.Statements {
		for _, id := range st.ResourcesFrom {
			placeholders[id] = resourcePlaceholder(id)
		}
	}
	before := ""
	if strings.TrimSpace(c.Before) != "" {
		b, _, err := MergePolicy(c.Before, nil)
		if err != nil {
			return "", fmt.Errorf("role %s: before: %w", c.Role, err)
		}
		before = b
	}
	after, err := c.Document(c.Before, placeholders)
	if err != nil {
		return "", fmt.Errorf("role %s: %w", c.Role, err)
	}
	name := "role/" + shortName(c.Role) + " policy " + c.PolicyName
	return unifiedDiff(name+" (now)", name+" (after)", before, after)
}

// actionDetails are the lines that describe what a create-secret, ensure-log-group, deregister,
// detach-role-policy or remove-policy-statements action
// does (label, value), never a secret value: a secret's keys show the first 12 hex digits of each hash.
func actionDetails(a *Action) [][2]string {
	var out [][2]string
	if c := a.CreateSecret; c != nil {
		out = append(out, [2]string{"secret", c.Name})
		if c.JSON {
			out = append(out, [2]string{"holds", "a JSON object, one key per variable"})
		} else {
			out = append(out, [2]string{"holds", "one value, as plain text"})
		}
		for _, v := range c.Values {
			h := v.SHA256
			if len(h) > 12 {
				h = h[:12]
			}
			out = append(out, [2]string{"key", v.Key + "  sha256 " + h + "…  from " + v.SourcePath + " in " + shortName(v.SourceArn)})
		}
		kms := "aws/secretsmanager (the account's default key)"
		if c.KmsKeyID != "" {
			kms = c.KmsKeyID
		}
		out = append(out, [2]string{"kms key", kms})
		for _, k := range sortedKeys(c.Tags) {
			out = append(out, [2]string{"tag", k + "=" + c.Tags[k]})
		}
	}
	if g := a.EnsureLogGroup; g != nil {
		out = append(out, [2]string{"log group", g.Name})
		keep := "never expire"
		if g.RetentionDays > 0 {
			keep = fmt.Sprintf("%d days", g.RetentionDays)
		}
		out = append(out, [2]string{"retention", keep})
		if g.KmsKeyID != "" {
			out = append(out, [2]string{"kms key", g.KmsKeyID})
		}
	}
	if d := a.DeregisterTaskDefinition; d != nil {
		for _, td := range d.TaskDefinitions {
			out = append(out, [2]string{"deregister", td})
		}
	}
	if d := a.DetachRolePolicy; d != nil {
		out = append(out, [2]string{"role", d.Role}, [2]string{"detach", d.PolicyArn})
	}
	if u := a.UpdateSecurityGroupIngress; u != nil {
		out = append(out, [2]string{"security group", u.GroupID + " (" + u.VpcID + ")"})
		for _, r := range u.Authorize {
			out = append(out, [2]string{"authorize", ruleText(r)})
		}
		for _, r := range u.Revoke {
			out = append(out, [2]string{"revoke", ruleText(r)})
		}
	}
	if c := a.CreateSecurityGroup; c != nil {
		out = append(out, [2]string{"copy of", c.CopyOf + " (not edited)"}, [2]string{"name", c.GroupName}, [2]string{"vpc", c.VpcID})
		for _, r := range c.Ingress {
			out = append(out, [2]string{"ingress", ruleText(r)})
		}
		for _, r := range c.Egress {
			out = append(out, [2]string{"egress", ruleText(r)})
		}
		for _, k := range sortedKeys(c.Tags) {
			out = append(out, [2]string{"tag", k + "=" + c.Tags[k]})
		}
	}
	if r := a.RemovePolicyStatements; r != nil {
		out = append(out, [2]string{"role", r.Role}, [2]string{"policy", r.PolicyName + " (inline)"})
		for _, st := range r.Removed {
			what := "statement " + st
			if !strings.HasPrefix(st, "#") {
				what = "statement " + strconv.Quote(st)
			}
			out = append(out, [2]string{"remove", what})
		}
		if r.After == "" {
			out = append(out, [2]string{"then", "no statement remains: the inline policy is deleted"})
		}
	}
	return out
}

func unifiedDiff(fromLabel, toLabel, before, after string) (string, error) {
	edits := udiff.Lines(before, after)
	return udiff.ToUnified(fromLabel, toLabel, before, edits, diffContext)
}

// registrationDiff diffs the normalised Before and After, with every masked place showing MaskedValue
// (the plan holds placeholders there already; masking again costs nothing and keeps a mistake out of
// the output).
func registrationDiff(c *RegisterTaskDefinitionChange) (string, error) {
	before, err := decodeObject(c.Before)
	if err != nil {
		return "", fmt.Errorf("task definition %s: before: %w", c.SourceArn, err)
	}
	after, err := decodeObject(c.After)
	if err != nil {
		return "", fmt.Errorf("task definition %s: after: %w", c.SourceArn, err)
	}
	for _, m := range c.Masked {
		if _, set, ok := lookupJSONPath(before, m.SourcePath); ok {
			set(MaskedValue)
		}
		if _, set, ok := lookupJSONPath(after, m.Path); ok {
			set(MaskedValue)
		}
	}
	normalizeTaskDefinitionDoc(before)
	normalizeTaskDefinitionDoc(after)
	b, err := encodeGenericJSON(before)
	if err != nil {
		return "", err
	}
	a, err := encodeGenericJSON(after)
	if err != nil {
		return "", err
	}
	from := "task-definition/" + shortName(c.SourceArn)
	to := "task-definition/" + c.Family + " (new revision)"
	return unifiedDiff(from, to, string(b), string(a))
}

// serviceLines renders the settings a service update touches, one "name: value" line each; after
// overlays After on Before (unset fields of After are left as they are).
func serviceLines(u *UpdateServiceChange, after bool) string {
	type field struct{ name, before, after string }
	fields := []field{
		{"taskDefinition", u.Before.TaskDefinition, u.After.TaskDefinition},
		{"platformVersion", u.Before.PlatformVersion, u.After.PlatformVersion},
	}
	var b strings.Builder
	for _, f := range fields {
		if f.before == "" && f.after == "" {
			continue
		}
		v := f.before
		if after && f.after != "" {
			v = f.after
			if f.name == "taskDefinition" && u.TaskDefinitionFrom != "" {
				v += " (the revision " + u.TaskDefinitionFrom + " registers)"
			}
		}
		if v == "" {
			v = "(not set)"
		}
		fmt.Fprintf(&b, "%s: %s\n", f.name, v)
	}
	if u.Before.Network != nil || u.After.Network != nil {
		n := u.Before.Network
		if after && u.After.Network != nil {
			n = u.After.Network
		}
		list := func(s []string) string {
			if len(s) == 0 {
				return "(none)"
			}
			return strings.Join(s, ", ")
		}
		if n == nil {
			b.WriteString("network: (not set)\n")
		} else {
			fmt.Fprintf(&b, "network.subnets: %s\nnetwork.securityGroups: %s\nnetwork.assignPublicIp: %s\n",
				list(n.Subnets), list(n.SecurityGroups), n.AssignPublicIp)
		}
	}
	return b.String()
}

// clusterLines renders a cluster's settings before and after (After overlaid on Before), sorted by name.
func clusterLines(c *UpdateClusterSettingsChange) (before, after string) {
	bm, am := map[string]string{}, map[string]string{}
	for _, s := range c.Before {
		bm[s.Name], am[s.Name] = s.Value, s.Value
	}
	for _, s := range c.After {
		am[s.Name] = s.Value
	}
	lines := func(m map[string]string) string {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "%s: %s\n", n, m[n])
		}
		return b.String()
	}
	return lines(bm), lines(am)
}

// maskedPlace says where a masked value is: "containerDefinitions[1].environment[1].value in the new
// revision (from containerDefinitions[0].environment[1].value in web:3)".
func maskedPlace(m Masked, source string) string {
	return m.Path + " in the new revision (from " + m.SourcePath + " in " + source + ")"
}

// maskedExplanation follows the list of masked places.
const maskedExplanation = "Masked values are not in the plan: ecsfix reads them from the source revision when applying " +
	"and checks each against the SHA-256 the plan records."

// shortName is the part of an ARN after the resource type ("task-definition/web:3" → "web:3",
// "service/prod/web" → "prod/web"); anything that is not an ARN is returned as it is.
func shortName(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return arn
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := parts[5]
	if i := strings.IndexByte(res, '/'); i >= 0 {
		return res[i+1:]
	}
	return res
}

// actionLabel names an action's resource briefly: "task-definition/web:3", "service/prod/web".
func actionLabel(a *Action) string {
	if strings.HasPrefix(a.Resource, "arn:") {
		parts := strings.SplitN(a.Resource, ":", 6)
		if len(parts) == 6 {
			return parts[5]
		}
	}
	return a.Resource
}

// planSummary is the counting part of the summary line: "3 task definitions, 2 services, 1 cluster to
// change; 2 high-risk actions need approval (unattended risk: low)".
func planSummary(p *Plan, o RenderOptions) string {
	unattended := o.UnattendedRisk
	var tds, svcs, clusters, secrets, groups, roles, deregs, detaches, removes, sgEdits, sgCopies int
	for _, a := range p.Actions {
		switch a.Type {
		case RegisterTaskDefinition:
			tds++
		case UpdateService:
			svcs++
		case UpdateClusterSettings:
			clusters++
		case CreateSecret:
			secrets++
		case EnsureLogGroup:
			groups++
		case PutRolePolicy:
			roles++
		case DeregisterTaskDefinition:
			deregs++
		case DetachRolePolicy:
			detaches++
		case RemovePolicyStatements:
			removes++
		case UpdateSecurityGroupIngress:
			sgEdits++
		case CreateSecurityGroup:
			sgCopies++
		}
	}
	var what []string
	for _, c := range []struct {
		n              int
		single, plural string
	}{{tds, "task definition", "task definitions"}, {svcs, "service", "services"}, {clusters, "cluster", "clusters"},
		{secrets, "secret", "secrets"}, {groups, "log group", "log groups"}, {roles, "role policy", "role policies"},
		{deregs, "deregistration", "deregistrations"}, {detaches, "policy detachment", "policy detachments"},
		{removes, "inline policy edit", "inline policy edits"}, {sgEdits, "security group", "security groups"},
		{sgCopies, "security group copy", "security group copies"}} {
		if c.n > 0 {
			what = append(what, plural(c.n, c.single, c.plural))
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

// shownAction is an action as the renderers show it: with its effective risk.
func shownAction(p *Plan, i int, o RenderOptions) *Action {
	a := p.Actions[i]
	a.Risk = p.EffectiveRisk(a, o.RiskOverrides)
	return &a
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

// needsApprovalSet is the ids of the actions above the unattended risk.
func needsApprovalSet(p *Plan, o RenderOptions) map[string]bool {
	m := map[string]bool{}
	for _, a := range p.NeedsApproval(o.UnattendedRisk, o.RiskOverrides) {
		m[a.ID] = true
	}
	return m
}

// renderPrinter remembers the first write error so that rendering code stays linear.
type renderPrinter struct {
	w     io.Writer
	color bool
	err   error
}

func (p *renderPrinter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *renderPrinter) paint(code, s string) string {
	if !p.color || s == "" {
		return s
	}
	return code + s + ansiResetCode
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

// ingressDiff diffs rule lists: removed rules on the left, added ones on the right.
func ingressDiff(fromLabel, toLabel string, removed, added []IngressRule) (string, error) {
	var before, after strings.Builder
	for _, r := range removed {
		before.WriteString(ruleText(r) + "\n")
	}
	for _, r := range added {
		after.WriteString(ruleText(r) + "\n")
	}
	return unifiedDiff(fromLabel, toLabel, before.String(), after.String())
}
