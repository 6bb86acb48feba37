// This file holds the template placeholders ecsfix recognises in task-definition values (a file kept in a
// repository is often a template that a pipeline renders before it registers it) and FindPlaceholder,
// which tells whether a value is, or contains, one. A control whose verdict depends on such a value is
// NOT_EVALUATED, and a fix that would copy one into an action is refused: the value is only known once
// the template is rendered.

package detect

import (
	"fmt"
	"regexp"
	"strings"
)

// Placeholder is a template placeholder found in a value.
type Placeholder struct {
	// Text is the placeholder as it appears in the value ("${APP_USER}", "<account-id>").
	Text string
	// Syntax is the placeholder's form, as users know it ("${…}", "<…>").
	Syntax string
	// Tools names the tools that fill that form in.
	Tools string
	// Whole is set when the placeholder is the whole value (not part of a longer one).
	Whole bool
}

// Describe renders the placeholder for a reason: "the template placeholder ${APP_USER}". Values that may
// be secrets (environment values) are described with DescribeSyntax.
func (p Placeholder) Describe() string {
	return "the template placeholder " + p.Text
}

// DescribeSyntax renders the placeholder's form only, without its text, for values that must not be
// printed (environment values): "a template placeholder (${…})".
func (p Placeholder) DescribeSyntax() string {
	return "a template placeholder (" + p.Syntax + ")"
}

// placeholderForm is one recognised form: a pattern and where it comes from.
type placeholderForm struct {
	syntax string
	tools  string
	re     *regexp.Regexp
}

// placeholderForms are the forms recognised, in the order they are tried. The patterns are narrow on
// purpose: a real value may hold a "$" (a password, a regular expression), braces (a JSON document in an
// environment value) or angle brackets, and only the shapes the tools below fill in count. A value that
// is a placeholder by mistake is at worst NOT_EVALUATED, or not fixed: never PASSED.
var placeholderForms = []placeholderForm{
	// ${{ … }} first, so that it is reported as itself rather than as ${…}.
	{"${{…}}", "GitHub Actions expressions", regexp.MustCompile(`\$\{\{[^{}]*\}\}`)},
	{"{{…}}", "Go templates (ecspresso's {{ must_env \"X\" }}), Helm, Jinja and Ansible, Mustache and Handlebars, CloudFormation dynamic references {{resolve:…}}",
		regexp.MustCompile(`\{\{[^{}]*\}\}`)},
	{"${…}", "shell and envsubst, Docker Compose, Terraform and HCL interpolation, CloudFormation Fn::Sub, Maven and Gradle properties",
		regexp.MustCompile(`\$\{[^{}]+\}`)},
	{"#{…}", "Octopus Deploy variables, Azure Pipelines token replacement (#{…}#), Ruby interpolation",
		regexp.MustCompile(`#\{[^{}]+\}#?`)},
	{"%{…}", "Terraform template directives",
		regexp.MustCompile(`%\{[^{}]+\}`)},
	{"$$…$$", "token-replacement build steps with $$ delimiters",
		regexp.MustCompile(`\$\$[A-Za-z_][A-Za-z0-9_.-]*\$\$`)},
	{"$(…)", "Azure Pipelines macro variables",
		regexp.MustCompile(`\$\([A-Za-z_][A-Za-z0-9_.]*\)`)},
	{"__…__", "token-replacement build steps with double-underscore delimiters",
		regexp.MustCompile(`__[A-Z](?:[A-Z0-9_]*[A-Z0-9])?__`)},
	{"<…>", "the placeholders of documentation and examples (<YOUR_TASK_EXECUTION_ROLE>, <account-id>)",
		regexp.MustCompile(`<[A-Za-z][A-Za-z0-9 _.-]*>`)},
	// $NAME in upper case, as envsubst fills it in, only where it stands alone: the whole value, or a
	// segment of an ARN or a path (arn:aws:iam::$ACCOUNT_ID:role/x). Elsewhere a "$" is ordinary text.
	{"$NAME", "shell and envsubst",
		regexp.MustCompile(`(?:^|[:/])(\$[A-Z_][A-Z0-9_]*)(?:$|[:/])`)},
}

// placeholderChars are the characters of which every placeholder form holds one ('{', '$', "__", '<'): a
// value with none of them holds no placeholder, and no regex needs to run.
const placeholderChars = "{$_<"

// FindPlaceholder reports whether s is, or contains, a template placeholder, and the first one found
// (in the order of placeholderForms).
func FindPlaceholder(s string) (Placeholder, bool) {
	if !strings.ContainsAny(s, placeholderChars) {
		return Placeholder{}, false
	}
	for _, f := range placeholderForms {
		loc := f.re.FindStringSubmatchIndex(s)
		if loc == nil {
			continue
		}
		start, end := loc[0], loc[1]
		if len(loc) >= 4 && loc[2] >= 0 {
			start, end = loc[2], loc[3]
		}
		return Placeholder{Text: s[start:end], Syntax: f.syntax, Tools: f.tools, Whole: start == 0 && end == len(s)}, true
	}
	return Placeholder{}, false
}

// HasPlaceholder reports whether s is, or contains, a template placeholder.
func HasPlaceholder(s string) bool {
	_, ok := FindPlaceholder(s)
	return ok
}

// PlaceholderForms lists the recognised forms ("${…}", "{{…}}", …), for documentation and messages.
func PlaceholderForms() []string {
	out := make([]string, len(placeholderForms))
	for i, f := range placeholderForms {
		out[i] = f.syntax
	}
	return out
}

// placeholderText says what a value holding a placeholder is: `"${APP_USER}", a template placeholder
// (${…})` or `"1000:${GID}", which holds the template placeholder ${GID}`.
func placeholderText(value string, p Placeholder) string {
	if p.Whole {
		return fmt.Sprintf("%q, a template placeholder (%s)", value, p.Syntax)
	}
	return fmt.Sprintf("%q, which holds the template placeholder %s", value, p.Text)
}

// renderedLater ends the reason of a verdict that a placeholder made NOT_EVALUATED.
const renderedLater = "its value is only known once the template is rendered, so the control cannot decide on it"

// placeholderValue is the NOT_EVALUATED verdict for a field whose value holds a placeholder: field names
// it ("networkMode", `container "web" user`).
func placeholderValue(field, value string, p Placeholder) Verdict {
	return Unknown(field + " is " + placeholderText(value, p) + "; " + renderedLater)
}

// userPlaceholder reports a container user whose verdict a placeholder hides: the user (the part before
// a colon) holds one. In "1000:${GID}" only the group is templated and the user 1000 is judged as written.
func userPlaceholder(u string) (Placeholder, bool) {
	p, ok := FindPlaceholder(u)
	if !ok {
		return p, false
	}
	if i := strings.IndexByte(u, ':'); i > 0 && !HasPlaceholder(u[:i]) && strings.Index(u, p.Text) > i {
		return p, false
	}
	return p, true
}

// decideContainers is the verdict of a control over containers once each was judged: FAILED when one
// certainly fails (the reason also names those not judged), else NOT_EVALUATED when a placeholder hid
// one's value (unjudged says which, and why), else pass.
func decideContainers(offs []Offender, unjudged []string, pass Verdict) Verdict {
	switch {
	case len(offs) > 0:
		v := failAll(offs)
		if len(unjudged) > 0 {
			v.Reason += " (not judged: " + strings.Join(unjudged, "; ") + ")"
		}
		return v
	case len(unjudged) > 0:
		return Unknown(strings.Join(unjudged, "; ") + ": " + renderedLater)
	}
	return pass
}
