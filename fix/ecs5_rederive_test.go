package fix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// ecs5PlanOf plans ECS.5 alone for service api's revision (image api:1: its writable paths are unknown,
// so its read-only-root edit is high risk).
func ecs5PlanOf(t *testing.T, e *estate) *plan.Plan {
	t.Helper()
	src := e.taskDef(t, e.apiRev)
	in := &detect.Inventory{TaskDefinitions: []detect.TaskDefinition{*src}, Services: []ecstypes.Service{e.service(t, "api")}}
	p, err := plan.Build(in, detect.Evaluate(in, &detect.Settings{Now: time.Now()}), plan.Options{ToolVersion: "test", Now: time.Now(),
		Fix: []string{detect.ECS5ID}, Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// An edited plan cannot apply an unknown image's read-only root as ECS.5's medium (its edit's risk
// removed), nor mount an empty task volume where the applier's configuration keeps nothing writable:
// both are refused before anything is written, and the plan as made needs an approval.
func TestApplyECS5RederivesRiskAndPaths(t *testing.T) {
	t.Parallel()
	e := seed(t)
	forge := map[string]func(t *testing.T, a *plan.Action){
		"risk removed": func(t *testing.T, a *plan.Action) {
			for j := range a.RegisterTaskDefinition.Edits {
				a.RegisterTaskDefinition.Edits[j].Risk, a.RegisterTaskDefinition.Edits[j].Why = "", ""
			}
			a.Risk = plan.RiskMedium
		},
		"a scratch volume over /etc": func(t *testing.T, a *plan.Action) {
			c := a.RegisterTaskDefinition
			var after map[string]any
			if err := json.Unmarshal(c.After, &after); err != nil {
				t.Fatal(err)
			}
			c0 := after["containerDefinitions"].([]any)[0].(map[string]any)
			mps, _ := c0["mountPoints"].([]any)
			c0["mountPoints"] = append(mps, map[string]any{"sourceVolume": "ecsfix-api-etc", "containerPath": "/etc", "readOnly": false})
			vols, _ := after["volumes"].([]any)
			after["volumes"] = append(vols, map[string]any{"name": "ecsfix-api-etc"})
			b, err := json.Marshal(after)
			if err != nil {
				t.Fatal(err)
			}
			c.After = b
			c.Edits = append(c.Edits,
				plan.Edit{Control: detect.ECS5ID, Path: "volumes[ecsfix-api-etc]", Change: "add task volume ecsfix-api-etc"},
				plan.Edit{Control: detect.ECS5ID, Path: "containerDefinitions[api].mountPoints[/etc]", Change: "mount volume ecsfix-api-etc read-write at /etc"})
		},
	}
	for name, f := range forge {
		p := ecs5PlanOf(t, e)
		n := 0
		for i := range p.Actions {
			if a := &p.Actions[i]; a.Type == plan.RegisterTaskDefinition {
				f(t, a)
				n++
			} else if name == "risk removed" {
				a.Risk = plan.RiskMedium // the service's move too
			}
		}
		if n != 1 {
			t.Fatalf("%s: %d registrations in %+v", name, n, p.Actions)
		}
		var out bytes.Buffer
		rep, err := Apply(context.Background(), e.cfg, p, opts(t, &out))
		var re *plan.RederiveError
		if !errors.Is(err, ErrInvalidPlan) || !errors.As(err, &re) {
			t.Errorf("%s: err = %v, want a refusal\n%s", name, err, out.String())
		}
		if name == "risk removed" && err != nil && !strings.Contains(err.Error(), "high") {
			t.Errorf("%s: the refusal does not say the edit re-derives as high: %v", name, err)
		}
		if rep != nil && len(writes(rep.Calls)) != 0 {
			t.Errorf("%s: the refused plan wrote %v", name, writes(rep.Calls))
		}
		if got := aws.ToString(e.service(t, "api").TaskDefinition); got != e.apiRev {
			t.Errorf("%s: service api runs %s after the refusal, want %s", name, got, e.apiRev)
		}
	}
	// The plan as made is re-derived, and is high: not applied unattended at medium.
	var out bytes.Buffer
	_, err := Apply(context.Background(), e.cfg, ecs5PlanOf(t, e), opts(t, &out))
	var na *NotApprovedError
	if !errors.As(err, &na) {
		t.Errorf("the plan as made: err = %v, want it held for an approval\n%s", err, out.String())
	}
}
