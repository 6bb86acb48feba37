// The AWS Security Finding Format (ASFF): the findings of GetFindings, of `aws securityhub
// get-findings` and of the EventBridge Imported event, read from JSON or from the SDK's types.
package findings

import (
	"encoding/json"
	"fmt"
	"strings"

	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

// asffFinding holds the ASFF fields ecsfix reads; the others are ignored.
type asffFinding struct {
	ID           *string `json:"Id"`
	ProductArn   *string `json:"ProductArn"`
	AwsAccountID *string `json:"AwsAccountId"`
	Region       *string `json:"Region"`
	GeneratorID  *string `json:"GeneratorId"`
	Compliance   *struct {
		Status            *string `json:"Status"`
		SecurityControlID *string `json:"SecurityControlId"`
	} `json:"Compliance"`
	RecordState *string `json:"RecordState"`
	Workflow    *struct {
		Status *string `json:"Status"`
	} `json:"Workflow"`
	Resources []struct {
		Type   *string `json:"Type"`
		ID     *string `json:"Id"`
		Region *string `json:"Region"`
	} `json:"Resources"`
}

func parseASFF(raw json.RawMessage) (Finding, error) {
	var a asffFinding
	if err := json.Unmarshal(raw, &a); err != nil {
		return Finding{}, jsonErr(err)
	}
	f := Finding{
		Format:      ASFF,
		ID:          str(a.ID),
		Product:     str(a.ProductArn),
		Account:     str(a.AwsAccountID),
		Region:      str(a.Region),
		RecordState: strings.ToUpper(str(a.RecordState)),
	}
	if a.Compliance != nil {
		f.Compliance = strings.ToUpper(str(a.Compliance.Status))
		f.Control = str(a.Compliance.SecurityControlID)
	}
	if f.Control == "" {
		f.Control = generatorControl(str(a.GeneratorID))
	}
	if a.Workflow != nil {
		f.Workflow = strings.ToUpper(str(a.Workflow.Status))
	}
	for _, r := range a.Resources {
		f.Resources = append(f.Resources, Resource{Type: str(r.Type), ID: str(r.ID)})
	}
	if f.ID == "" {
		return Finding{}, fmt.Errorf("Id is required")
	}
	return f, nil
}

// generatorControl reads the control id from a consolidated-controls GeneratorId
// ("security-control/ECS.5"), for a finding without Compliance.SecurityControlId.
func generatorControl(g string) string {
	if c, ok := strings.CutPrefix(g, "security-control/"); ok {
		return c
	}
	return ""
}

// FromASFF converts and checks findings as the SDK returns them from GetFindings.
func FromASFF(in []shtypes.AwsSecurityFinding) ([]Finding, error) {
	out := make([]Finding, 0, len(in))
	for i := range in {
		a := &in[i]
		f := Finding{
			Format:      ASFF,
			ID:          str(a.Id),
			Product:     str(a.ProductArn),
			Account:     str(a.AwsAccountId),
			Region:      str(a.Region),
			RecordState: string(a.RecordState),
		}
		if c := a.Compliance; c != nil {
			f.Compliance = string(c.Status)
			f.Control = str(c.SecurityControlId)
		}
		if f.Control == "" {
			f.Control = generatorControl(str(a.GeneratorId))
		}
		if a.Workflow != nil {
			f.Workflow = string(a.Workflow.Status)
		}
		for _, r := range a.Resources {
			f.Resources = append(f.Resources, Resource{Type: str(r.Type), ID: str(r.Id)})
		}
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("finding %d: %w", i, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
