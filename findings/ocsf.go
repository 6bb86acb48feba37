// The Open Cybersecurity Schema Framework (OCSF) form of findings: GetFindingsV2 and `aws securityhub
// get-findings-v2`, where Security Hub's exposure findings live.
package findings

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/securityhub/document"

	"github.com/ecsfix/ecsfix/detect"
)

// ocsfFinding holds the OCSF fields ecsfix reads; the others are ignored.
type ocsfFinding struct {
	FindingInfo *struct {
		UID      *string  `json:"uid"`
		Title    *string  `json:"title"`
		Types    []string `json:"types"`
		Analytic *struct {
			Name *string `json:"name"`
		} `json:"analytic"`
	} `json:"finding_info"`
	Metadata *struct {
		Product *struct {
			UID     *string `json:"uid"`
			Feature *struct {
				UID *string `json:"uid"`
			} `json:"feature"`
		} `json:"product"`
	} `json:"metadata"`
	Cloud *struct {
		Account *struct {
			UID *string `json:"uid"`
		} `json:"account"`
		Region *string `json:"region"`
	} `json:"cloud"`
	Compliance *struct {
		Control *string `json:"control"`
		Status  *string `json:"status"`
	} `json:"compliance"`
	Status    *string `json:"status"`
	Resources []struct {
		Type *string `json:"type"`
		UID  *string `json:"uid"`
	} `json:"resources"`
}

// exposureFeature is metadata.product.feature.uid of Security Hub's exposure findings.
const exposureFeature = "security-hub/Exposure"

func parseOCSF(raw json.RawMessage) (Finding, error) {
	var o ocsfFinding
	if err := json.Unmarshal(raw, &o); err != nil {
		return Finding{}, jsonErr(err)
	}
	if o.FindingInfo == nil || str(o.FindingInfo.UID) == "" {
		return Finding{}, fmt.Errorf("finding_info.uid is required")
	}
	f := Finding{Format: OCSF, ID: str(o.FindingInfo.UID), Workflow: ocsfWorkflow(str(o.Status))}
	if o.FindingInfo.Analytic != nil && str(o.FindingInfo.Analytic.Name) == "Exposure" {
		f.Exposure = true
	}
	if m := o.Metadata; m != nil && m.Product != nil {
		f.Product = str(m.Product.UID)
		if m.Product.Feature != nil && str(m.Product.Feature.UID) == exposureFeature {
			f.Exposure = true
		}
	}
	if f.Exposure && o.FindingInfo.Title != nil {
		// An exposure finding titled as one trait (Security Hub's current wording or the older one) stands
		// for that trait; any other title, for every trait of the resource.
		if c, ok := detect.TraitByTitle(str(o.FindingInfo.Title)); ok {
			f.Trait = c.ID
		}
	}
	if c := o.Cloud; c != nil {
		if c.Account != nil {
			f.Account = str(c.Account.UID)
		}
		f.Region = str(c.Region)
	}
	if c := o.Compliance; c != nil {
		f.Control = str(c.Control)
		f.Compliance = ocsfCompliance(str(c.Status))
	}
	for _, r := range o.Resources {
		f.Resources = append(f.Resources, Resource{Type: asffType(str(r.Type)), ID: str(r.UID)})
	}
	return f, nil
}

// ocsfWorkflow maps OCSF's status to the ASFF workflow status it corresponds to; an unknown status is
// kept, upper case, and so is not NEW or NOTIFIED.
func ocsfWorkflow(s string) string {
	switch strings.ToLower(s) {
	case "new":
		return "NEW"
	case "in progress", "in_progress":
		return "NOTIFIED"
	case "resolved":
		return "RESOLVED"
	case "suppressed":
		return "SUPPRESSED"
	}
	return strings.ToUpper(s)
}

// ocsfCompliance maps OCSF's compliance status (Pass, Fail, Warning...) to the ASFF one.
func ocsfCompliance(s string) string {
	switch strings.ToLower(s) {
	case "fail", "failed":
		return "FAILED"
	case "pass", "passed":
		return "PASSED"
	case "warning":
		return "WARNING"
	}
	return strings.ToUpper(s)
}

// FromOCSF converts and checks findings as the SDK returns them from GetFindingsV2 (smithy documents).
func FromOCSF(in []document.Interface) ([]Finding, error) {
	out := make([]Finding, 0, len(in))
	for i, d := range in {
		if d == nil {
			return nil, fmt.Errorf("finding %d: empty", i)
		}
		raw, err := d.MarshalSmithyDocument()
		if err != nil {
			return nil, fmt.Errorf("finding %d: %w", i, err)
		}
		if len(raw) > MaxInputBytes {
			return nil, fmt.Errorf("finding %d: larger than %d MiB", i, MaxInputBytes>>20)
		}
		if err := checkDepth(raw); err != nil {
			return nil, fmt.Errorf("finding %d: %w", i, err)
		}
		f, err := parseOCSF(raw)
		if err == nil {
			err = f.check()
		}
		if err != nil {
			return nil, fmt.Errorf("finding %d: %w", i, err)
		}
		out = append(out, f)
	}
	return out, nil
}
