// Package findings reads Security Hub findings (ASFF from GetFindings, OCSF from GetFindingsV2, and the
// EventBridge "Security Hub Findings - Imported" event) as untrusted input, and re-verifies each one
// against ecsfix's own evaluation of the estate before anything is planned for it.
package findings

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// Format is the schema a finding came in.
type Format string

const (
	ASFF Format = "asff" // AWS Security Finding Format: GetFindings, the Imported event
	OCSF Format = "ocsf" // Open Cybersecurity Schema Framework: GetFindingsV2
)

// Finding is the part of a Security Hub finding ecsfix acts on. Every string in it was checked when it was
// read (bounded, printable), but it still comes from outside: print it through textsafe.
type Finding struct {
	Format Format `json:"format"`
	// ID is the ASFF Id or the OCSF finding_info.uid.
	ID string `json:"id"`
	// Product is the ASFF ProductArn or the OCSF metadata.product.uid: with ID and Account, what
	// BatchUpdateFindings(V2) needs to name the finding.
	Product string `json:"product,omitempty"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// Control is the security control id (Compliance.SecurityControlId, compliance.control), e.g.
	// "ECS.5"; empty for an exposure finding.
	Control string `json:"control,omitempty"`
	// Exposure marks an exposure finding (OCSF): it names a resource, not a control, and stands for
	// every exposure trait of that resource.
	Exposure bool `json:"exposure,omitempty"`
	// Trait is the exposure trait an exposure finding's title names (detect.TraitByTitle: Security Hub's
	// current title or the seed's older one); empty when the title names none, and the finding stands for
	// every trait of its resource.
	Trait string `json:"trait,omitempty"`
	// Compliance is the compliance status, upper case (PASSED, FAILED, WARNING, NOT_AVAILABLE), when
	// the finding has one.
	Compliance string `json:"compliance,omitempty"`
	// RecordState is ACTIVE or ARCHIVED (ASFF); empty for OCSF.
	RecordState string `json:"recordState,omitempty"`
	// Workflow is the workflow status, upper case: NEW, NOTIFIED, RESOLVED, SUPPRESSED (ASFF), or the
	// OCSF status mapped to those (New → NEW, In Progress → NOTIFIED, Resolved → RESOLVED,
	// Suppressed → SUPPRESSED).
	Workflow  string     `json:"workflow,omitempty"`
	Resources []Resource `json:"resources"`
}

// Resource is one resource a finding names.
type Resource struct {
	// Type is the ASFF resource type (AwsEcsService...); an OCSF type in CloudFormation form
	// (AWS::ECS::Service) is read as its ASFF equivalent.
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Open reports whether the finding is one to act on: FAILED (or an exposure finding), ACTIVE, and NEW
// or NOTIFIED; when it is not, the reason says why.
func (f *Finding) Open() (bool, string) {
	if !f.Exposure && f.Compliance != "FAILED" {
		return false, "compliance status is " + orNone(f.Compliance) + ", not FAILED"
	}
	if f.Format == ASFF && f.RecordState != "ACTIVE" {
		return false, "record state is " + orNone(f.RecordState) + ", not ACTIVE"
	}
	if f.Workflow != "NEW" && f.Workflow != "NOTIFIED" {
		return false, "workflow status is " + orNone(f.Workflow) + ", not NEW or NOTIFIED"
	}
	return true, ""
}

func orNone(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

// ECSResources are the resources of the finding whose type is an ECS one (AwsEcs...).
func (f *Finding) ECSResources() []Resource {
	var out []Resource
	for _, r := range f.Resources {
		if strings.HasPrefix(r.Type, "AwsEcs") {
			out = append(out, r)
		}
	}
	return out
}

// Label names the finding in messages: its control (or "exposure"), its id, escaped for a terminal.
func (f *Finding) Label() string {
	c := f.Control
	if f.Exposure {
		c = "exposure"
	}
	if c == "" {
		c = "no control"
	}
	return fmt.Sprintf("%s finding %s", textsafe.Line(c), textsafe.Line(f.ID))
}

// Limits on what one finding may hold. Security Hub's own limits are lower (an Id is at most 512
// characters, a finding at most 240 KB); anything beyond these is refused, not truncated.
const (
	MaxIDLen        = 512
	MaxFieldLen     = 2048
	MaxResources    = 32
	MaxFindings     = 100000
	MaxInputBytes   = 64 << 20
	MaxNestingDepth = 64
)

var (
	accountRe = regexp.MustCompile(`^[0-9]{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	controlRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// check validates a finding read from any source; the error names the field.
func (f *Finding) check() error {
	if err := checkText("id", f.ID, MaxIDLen, true); err != nil {
		return err
	}
	if err := checkText("product", f.Product, MaxFieldLen, false); err != nil {
		return err
	}
	if !accountRe.MatchString(f.Account) {
		return fmt.Errorf("account \"%s\" is not a 12-digit AWS account id", textsafe.Line(textsafe.Clip(f.Account, 80)))
	}
	if !regionRe.MatchString(f.Region) {
		return fmt.Errorf("region \"%s\" is not an AWS region", textsafe.Line(textsafe.Clip(f.Region, 80)))
	}
	if f.Control != "" && !controlRe.MatchString(f.Control) {
		return fmt.Errorf("control \"%s\" is not a security control id", textsafe.Line(textsafe.Clip(f.Control, 80)))
	}
	for _, s := range []struct{ name, v string }{{"compliance status", f.Compliance}, {"record state", f.RecordState}, {"workflow status", f.Workflow}} {
		if err := checkText(s.name, s.v, 64, false); err != nil {
			return err
		}
	}
	if len(f.Resources) == 0 {
		return fmt.Errorf("no resources")
	}
	if len(f.Resources) > MaxResources {
		return fmt.Errorf("%d resources (at most %d)", len(f.Resources), MaxResources)
	}
	for i, r := range f.Resources {
		if err := checkText(fmt.Sprintf("resource %d type", i), r.Type, 256, true); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("resource %d id", i), r.ID, MaxFieldLen, true); err != nil {
			return err
		}
	}
	return nil
}

// checkText refuses a value that is too long, not UTF-8, or holds a control or format character (a
// newline in an id would forge a line of output; a bidi override would hide what follows).
func checkText(name, v string, max int, required bool) error {
	if v == "" {
		if required {
			return fmt.Errorf("%s is required", name)
		}
		return nil
	}
	if len(v) > max {
		return fmt.Errorf("%s is %d bytes long (at most %d)", name, len(v), max)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s \"%s\" is not UTF-8", name, textsafe.Line(textsafe.Clip(v, 80)))
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("%s \"%s\" holds a control character", name, textsafe.Line(textsafe.Clip(v, 80)))
		}
	}
	return nil
}

// asffType maps an OCSF resource type in CloudFormation form (AWS::ECS::TaskDefinition) to its ASFF
// form (AwsEcsTaskDefinition); any other type is returned as is.
func asffType(t string) string {
	parts := strings.Split(t, "::")
	if len(parts) != 3 || parts[0] != "AWS" {
		return t
	}
	svc := strings.ToLower(parts[1])
	if svc == "" {
		return t
	}
	return "Aws" + strings.ToUpper(svc[:1]) + svc[1:] + parts[2]
}
