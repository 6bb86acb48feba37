package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
)

// estimatePlan is the plan of n families whose containers write their root filesystem (ECS.5): n
// registrations.
func estimatePlan(t *testing.T, n int) *Plan {
	t.Helper()
	var tds []detect.TaskDefinition
	for i := range n {
		tds = append(tds, bTD(fmt.Sprintf("app%02d", i), 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.ReadonlyRootFilesystem = aws.Bool(false) })))
	}
	return buildPlan(t, bInventory(tds, nil), bOptions(func(o *Options) { o.Fix = []string{detect.ECS5ID} }))
}

// TestRenderExpectedApply: the summary says how long applying takes at least, naming the bucket that sets
// it, once that is EstimateThreshold or more; the JSON view gives the seconds whatever they are.
func TestRenderExpectedApply(t *testing.T) {
	o := RenderOptions{UnattendedRisk: RiskLow, Quotas: awsclient.DefaultQuotaTable()}
	p := estimatePlan(t, 25) // 25 registrations: 20 at once, then 1 a second
	if e := p.ExpectedApply(o.Quotas); e.Duration.Seconds() != 5 {
		t.Fatalf("ExpectedApply = %s, want 5s", e.Duration)
	}
	const line = "Applying takes at least 5s at AWS's documented pace (25 ecs task-definition-modify calls such as RegisterTaskDefinition: 20 at once, then 1 a second)."

	var text bytes.Buffer
	if err := RenderText(&text, p, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "registrations.\n"+line+"\n") && !strings.Contains(text.String(), "approval (unattended risk: low).\n"+line+"\n") {
		t.Errorf("the text summary is not followed by the estimate %q:\n%s", line, tail(text.String()))
	}
	checkGolden(t, "plan-estimate.txt", text.Bytes())

	var md bytes.Buffer
	if err := RenderMarkdown(&md, p, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "**\n\n"+mdText(line)+"\n\n") {
		t.Errorf("the markdown summary is not followed by the estimate:\n%s", md.String()[:min(md.Len(), 800)])
	}

	var js bytes.Buffer
	if err := RenderJSON(&js, p, o); err != nil {
		t.Fatal(err)
	}
	var v struct {
		ExpectedApplySeconds *int64 `json:"expectedApplySeconds"`
	}
	if err := json.Unmarshal(js.Bytes(), &v); err != nil || v.ExpectedApplySeconds == nil || *v.ExpectedApplySeconds != 5 {
		t.Errorf("expectedApplySeconds = %v (%v), want 5", v.ExpectedApplySeconds, err)
	}

	// Below the threshold the text says nothing of it; the JSON view still gives it. Without quotas,
	// neither does.
	small := estimatePlan(t, 20)
	text.Reset()
	if err := RenderText(&text, small, o); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "Applying takes") {
		t.Errorf("a plan applied within the buckets' bursts mentions the time:\n%s", tail(text.String()))
	}
	js.Reset()
	v.ExpectedApplySeconds = nil
	// 20 registrations fit their bucket's burst; so do the 40 task-definition reads of the checks
	// (each revision and its family's latest) and, after them, the actions' 40 (the latest again, the
	// list): the apply is within the bursts.
	if err := RenderJSON(&js, small, o); err != nil || json.Unmarshal(js.Bytes(), &v) != nil || v.ExpectedApplySeconds == nil || *v.ExpectedApplySeconds != 0 {
		t.Errorf("expectedApplySeconds of 20 registrations = %v, want 0", js.String()[max(0, js.Len()-200):])
	}
	for _, render := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return RenderText(b, p, RenderOptions{}) },
		func(b *bytes.Buffer) error { return RenderMarkdown(b, p, RenderOptions{}) },
		func(b *bytes.Buffer) error { return RenderJSON(b, p, RenderOptions{}) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Applying takes") || strings.Contains(b.String(), "expectedApplySeconds") {
			t.Errorf("rendered without quotas, it gives an estimate:\n%s", tail(b.String()))
		}
	}
}

func tail(s string) string { return s[max(0, len(s)-600):] }
