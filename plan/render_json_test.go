package plan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestJSONViewHasPlanFields: the JSON view lists Plan's members, in Plan's order, with the same JSON
// names, so that a member added to Plan is not left out of `show --format json`.
func TestJSONViewHasPlanFields(t *testing.T) {
	pt, vt := reflect.TypeOf(Plan{}), reflect.TypeOf(jsonView{})
	exported := 0
	for i := 0; i < pt.NumField(); i++ {
		if pt.Field(i).IsExported() {
			exported++
		}
	}
	if exported+len(jsonViewDerived) != vt.NumField() {
		t.Fatalf("Plan has %d exported fields, jsonView %d besides the derived %v", exported, vt.NumField()-len(jsonViewDerived), jsonViewDerived)
	}
	for i, name := range jsonViewDerived {
		if f := vt.Field(exported + i); f.Name != name {
			t.Errorf("field %d: jsonView has %s, want the derived %s after Plan's", exported+i, f.Name, name)
		}
	}
	for i := 0; i < exported; i++ {
		if pt.Field(i).Name != vt.Field(i).Name || pt.Field(i).Tag.Get("json") != vt.Field(i).Tag.Get("json") {
			t.Errorf("field %d: Plan has %s %q, jsonView %s %q", i, pt.Field(i).Name, pt.Field(i).Tag, vt.Field(i).Name, vt.Field(i).Tag)
		}
	}
}

// TestRenderJSONDerivesRisk: the JSON rendering's effectiveRisk and riskWhy come from what each action
// does and the overrides given, not from the file's labels; the plan file holds neither, and the view is
// not read back as a plan.
func TestRenderJSONDerivesRisk(t *testing.T) {
	p := relabelled(t) // every label edited to low, as a tampered file
	var file bytes.Buffer
	if err := Write(&file, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(file.String(), "riskWhy") || strings.Contains(file.String(), "effectiveRisk") {
		t.Error("the plan file holds a derived risk")
	}
	var view bytes.Buffer
	if err := RenderJSON(&view, p, RenderOptions{RiskOverrides: map[string]Risk{"ECS.12": RiskMedium}}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Actions []struct {
			ID            string   `json:"id"`
			Risk          Risk     `json:"risk"`
			EffectiveRisk Risk     `json:"effectiveRisk"`
			RiskWhy       []string `json:"riskWhy"`
		} `json:"actions"`
	}
	if err := json.Unmarshal(view.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		risk Risk
		why  string
	}{
		"a2": {RiskHigh, "containerDefinitions[worker].privileged: true → absent (ECS.4: high by default)"},
		"a4": {RiskLow, ""},
		"a5": {RiskMedium, "containerInsights enabled (ECS.12: fix.risk sets it to medium)"},
		"a9": {RiskHigh, "it deregisters web:3"},
	}
	for _, a := range got.Actions {
		w, ok := want[a.ID]
		if !ok {
			continue
		}
		if a.Risk != RiskLow || a.EffectiveRisk != w.risk {
			t.Errorf("%s: risk %s, effectiveRisk %s; want the file's label low and %s", a.ID, a.Risk, a.EffectiveRisk, w.risk)
		}
		if w.why == "" && len(a.RiskWhy) != 0 || w.why != "" && !strings.Contains(strings.Join(a.RiskWhy, "\n"), w.why) {
			t.Errorf("%s: riskWhy %q, want %q", a.ID, a.RiskWhy, w.why)
		}
	}
	if _, err := Read("view.json", view.Bytes()); err == nil {
		t.Error("the JSON view was read back as a plan file")
	}
}
