package detect

import "time"

// Status is a verdict. PASSED, FAILED and NOT_APPLICABLE are Security Hub's compliance statuses;
// NOT_EVALUATED is ecsfix's own: the inventory lacked the data the control needs (a snapshot without the
// service's task definition, a role whose policies were not exported). It is never PASSED.
type Status string

const (
	Passed        Status = "PASSED"
	Failed        Status = "FAILED"
	NotApplicable Status = "NOT_APPLICABLE"
	NotEvaluated  Status = "NOT_EVALUATED"
)

// Severity is Security Hub's severity label for a control.
type Severity string

const (
	SeverityCritical Severity = "CRITICAL"
	SeverityHigh     Severity = "HIGH"
	SeverityMedium   Severity = "MEDIUM"
	SeverityLow      Severity = "LOW"
	SeverityInfo     Severity = "INFORMATIONAL"
)

// Offender names one thing that made a control fail: a container and a field, with a short,
// non-secret detail. Offenders never carry a secret value — for credentials, Detail names the kind of
// credential, not the value.
type Offender struct {
	Container string `json:"container,omitempty"`
	Field     string `json:"field"`
	Detail    string `json:"detail,omitempty"`
}

// Verdict is what a control decides about one resource.
type Verdict struct {
	Status    Status
	Reason    string
	Offenders []Offender
}

// Result is one (control, resource) verdict. What it says of its control (id, title, aliases, severity,
// resource type) is one ControlInfo shared by every result of that control in an evaluation, embedded:
// r.Control, r.Title… read it, and the JSON document lists its fields first, as members of the result.
// Results of the same control share it, so it is not written through a result: a result about another
// control gets a ControlInfo of its own (r.ControlInfo = &ControlInfo{…}).
type Result struct {
	*ControlInfo
	ResourceArn string      `json:"resourceArn"`
	Region      string      `json:"region"`
	Status      Status      `json:"status"`
	Reason      string      `json:"reason"`
	Offenders   []Offender  `json:"offenders,omitempty"`
	Suppressed  *Suppressed `json:"suppressed,omitempty"`
}

// ControlInfo is what a result says of its control.
type ControlInfo struct {
	Control      string   `json:"control"`
	Title        string   `json:"title"`
	Aliases      []string `json:"aliases,omitempty"`
	Severity     Severity `json:"severity"`
	ResourceType string   `json:"resourceType"`
}

// Info is the ControlInfo of the control's results.
func (c *Control) Info() *ControlInfo {
	return &ControlInfo{Control: c.ID, Title: c.Title, Aliases: c.Aliases, Severity: c.Severity, ResourceType: c.ResourceType}
}

// Suppressed says which exemption covers a FAILED result. Suppressed results are shown, not hidden, and
// do not count as failures for the exit code.
type Suppressed struct {
	By      string     `json:"by"`
	Reason  string     `json:"reason,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
}

// Pass, Fail, NA and Unknown build verdicts.
func Pass(reason string) Verdict { return Verdict{Status: Passed, Reason: reason} }

func Fail(reason string, offenders ...Offender) Verdict {
	return Verdict{Status: Failed, Reason: reason, Offenders: offenders}
}

func NA(reason string) Verdict { return Verdict{Status: NotApplicable, Reason: reason} }

func Unknown(reason string) Verdict { return Verdict{Status: NotEvaluated, Reason: reason} }
