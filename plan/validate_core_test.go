package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
)

// Tests of the validation core (validate.go) and the decode table's helpers (change.go): the plan's
// common fields, each action's common fields, ValidateAction's view of earlier actions, and the checks
// every kind shares.

func TestValidatePlanFields(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Plan)
		want string // "" for a valid plan
	}{
		{"the fixture", func(*Plan) {}, ""},
		{"format version", func(p *Plan) { p.FormatVersion++ }, "formatVersion is"},
		{"no tool name", func(p *Plan) { p.Tool.Name = "" }, "tool: name and version are required"},
		{"no tool version", func(p *Plan) { p.Tool.Version = "" }, "tool: name and version are required"},
		{"no createdAt", func(p *Plan) { p.CreatedAt = time.Time{} }, "createdAt is required"},
		{"an action without id", func(p *Plan) { p.Actions[1].ID = "" }, "action 2: id is required"},
		{"where names the id", func(p *Plan) { p.Actions[1].Resource = "" }, "action 2 (a2): resource is required"},
		{"a duplicate id", func(p *Plan) { p.Actions[1].ID = "a1" }, `action 2 (a1): id "a1" is used by an earlier action`},
		{"a state without resource", func(p *Plan) { p.State[1].Resource = "" }, "state 2: resource is required"},
		{"an approval without by", func(p *Plan) { p.Approvals[1].By = "" }, "approval 2: by, at and planHash are required"},
		{"an approval without hash", func(p *Plan) { p.Approvals[0].PlanHash = "" }, "approval 1: by, at and planHash are required"},
		{"an approval without time", func(p *Plan) { p.Approvals[0].At = time.Time{} }, "approval 1: by, at and planHash are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			tt.edit(p)
			err := p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
	// The id of the first of two duplicates is the one later actions depend on.
	p := renderFixture(t)
	p.Actions[1].ID = "a1"
	if err := p.Validate(); err == nil || strings.Contains(err.Error(), "action 3") {
		t.Errorf("Validate with a2 renamed a1 = %v; a3 depends on the first a1", err)
	}
}

func TestValidateActionFields(t *testing.T) {
	ok := Action{ID: "c1", Type: UpdateClusterSettings, Resource: fxCluster, Controls: []string{"ECS.12"}, Risk: RiskLow,
		UpdateClusterSettings: &UpdateClusterSettingsChange{Cluster: fxCluster, After: []ClusterSetting{{Name: containerInsights, Value: "enabled"}}}}
	with := func(f func(a *Action)) Action {
		a := ok
		a.UpdateClusterSettings = &UpdateClusterSettingsChange{Cluster: fxCluster}
		f(&a)
		return a
	}
	first := Action{ID: "c0", Type: EnsureLogGroup, Resource: "lg", Controls: []string{"ECS.9"}, Risk: RiskLow, EnsureLogGroup: &EnsureLogGroupChange{Name: "/ecs/x"}}
	cases := []vcase{
		{"valid", nil, ok, ""},
		{"medium", nil, with(func(a *Action) { a.Risk = RiskMedium }), ""},
		{"high", nil, with(func(a *Action) { a.Risk = RiskHigh }), ""},
		{"no id", nil, with(func(a *Action) { a.ID = "" }), "id is required"},
		{"no resource", nil, with(func(a *Action) { a.Resource = "" }), "resource is required"},
		{"no risk", nil, with(func(a *Action) { a.Risk = "" }), "risk is required"},
		{"unknown risk", nil, with(func(a *Action) { a.Risk = "none" }), `risk "none" is not one of low, medium, high`},
		{"depends on itself", nil, with(func(a *Action) { a.DependsOn = []string{"c1"} }), "depends on itself"},
		{"depends on a later action", nil, with(func(a *Action) { a.DependsOn = []string{"c9"} }), `depends on "c9", which is not an earlier action`},
		{"depends on an earlier action", []Action{first}, with(func(a *Action) { a.DependsOn = []string{"c0"} }), ""},
		{"the second dependency", []Action{first}, with(func(a *Action) { a.DependsOn = []string{"c0", "c9"} }), `depends on "c9"`},
		{"no type", nil, with(func(a *Action) { a.Type = "" }), "type is required"},
		{"unknown type", nil, with(func(a *Action) { a.Type = "nope" }), `type "nope" is unknown`},
		{"no payload", nil, with(func(a *Action) { a.UpdateClusterSettings = nil }), "type update-cluster-settings needs its updateClusterSettings payload"},
		{"two payloads", nil, with(func(a *Action) { a.EnsureLogGroup = &EnsureLogGroupChange{Name: "x"} }), "type update-cluster-settings may carry only its updateClusterSettings payload"},
		{"no control", nil, with(func(a *Action) { a.Controls = nil }), "controls: an action fixes at least one control"},
		{"payload checked", nil, with(func(a *Action) { a.UpdateClusterSettings.Cluster = "" }), "updateClusterSettings: cluster is required"},
		{"controls checked", nil, with(func(a *Action) { a.Controls = []string{"ECS.12", "ECS.9"} }), `"ECS.9" is not a control that a cluster settings update fixes`},
	}
	checkValidate(t, cases)

	// Nothing else is said of an action without or with an unknown type.
	p := emptyFixture()
	p.Actions = []Action{with(func(a *Action) { a.Type = ""; a.Controls = nil })}
	if err := p.Validate(); err == nil || strings.Contains(err.Error(), "controls") || strings.Contains(err.Error(), "payload") {
		t.Errorf("no type: %v", err)
	}
	p.Actions[0].Type = "nope"
	if err := p.Validate(); err == nil || strings.Contains(err.Error(), "controls") || strings.Contains(err.Error(), "payload") {
		t.Errorf("unknown type: %v", err)
	}
	// A missing payload is not also said to lack controls.
	p.Actions[0] = with(func(a *Action) { a.UpdateClusterSettings = nil; a.Controls = nil })
	if err := p.Validate(); err == nil || strings.Contains(err.Error(), "controls") {
		t.Errorf("no payload: %v", err)
	}
}

// TestValidateActionNotInPlan: an action that is not in the plan is checked against all of its actions;
// one found by id only against those before it.
func TestValidateActionNotInPlan(t *testing.T) {
	p := renderFixture(t)
	last := p.Actions[len(p.Actions)-1]
	extra := Action{ID: "a12", Type: DeregisterTaskDefinition, Resource: fxWorker7, Controls: []string{"ECS.8"}, Risk: RiskHigh,
		DependsOn: []string{last.ID}, DeregisterTaskDefinition: &DeregisterTaskDefinitionChange{TaskDefinitions: []string{fxWorker7}}}
	if err := ValidateAction(p, &extra); err != nil {
		t.Errorf("an action after the plan: %v", err)
	}
	extra.ID = ""
	if err := ValidateAction(p, &extra); err == nil || !strings.Contains(err.Error(), "id is required") || strings.Contains(err.Error(), "earlier action") {
		t.Errorf("an action without id after the plan: %v", err)
	}
	// A copy of a2 that depends on a3 is found by its id: a3 is not earlier.
	cp := p.Actions[1]
	cp.DependsOn = []string{"a3"}
	if err := ValidateAction(p, &cp); err == nil || !strings.Contains(err.Error(), `depends on "a3"`) {
		t.Errorf("a copy of a2: %v", err)
	}
	// An action of the plan without id is found by identity.
	q := renderFixture(t)
	q.Actions[1].ID = ""
	if err := ValidateAction(q, &q.Actions[1]); err == nil || strings.Contains(err.Error(), "earlier action") {
		t.Errorf("a2 without id: %v", err)
	}
	if err := ValidateAction(q, &q.Actions[2]); err != nil {
		t.Errorf("a3 after an action without id: %v", err)
	}
	// With two actions a1, the first is what later ones see, and the second is a duplicate.
	r := renderFixture(t)
	r.Actions[1].ID = "a1"
	if err := ValidateAction(r, &r.Actions[2]); err != nil {
		t.Errorf("a3 after two a1: %v", err)
	}
	if err := ValidateAction(r, &r.Actions[1]); err == nil || !strings.Contains(err.Error(), `id "a1" is used by an earlier action`) {
		t.Errorf("the second a1: %v", err)
	}
	// The first a1, by identity or as a copy found by its id, has no earlier duplicate.
	if err := ValidateAction(r, &r.Actions[0]); err != nil {
		t.Errorf("the first a1: %v", err)
	}
	first := r.Actions[0]
	if err := ValidateAction(r, &first); err != nil {
		t.Errorf("a copy of the first a1: %v", err)
	}
}

func TestValidateHelpers(t *testing.T) {
	for _, tt := range []struct {
		raw, want string
	}{
		{"", "missing"}, {"  \n", "missing"}, {"[1]", "not a JSON object"}, {"{", ""}, {`{"a":1}`, "ok"},
	} {
		m, err := decodeObject([]byte(tt.raw))
		switch {
		case tt.want == "ok" && (err != nil || m["a"] == nil):
			t.Errorf("decodeObject(%q) = %v, %v", tt.raw, m, err)
		case tt.want != "ok" && (err == nil || !strings.Contains(err.Error(), tt.want) || m != nil):
			t.Errorf("decodeObject(%q) = %v, %v; want error %q", tt.raw, m, err, tt.want)
		}
	}
	d := distinct{}
	if err := d.check("item 1", "key", "k", "item"); err != nil {
		t.Error(err)
	}
	if err := d.check("item 2", "key", "", "item"); err == nil || err.Error() != "item 2: key is required" {
		t.Errorf("empty key: %v", err)
	}
	if err := d.check("item 3", "key", "k", "item"); err == nil || err.Error() != "item 3: key k is used by an earlier item" {
		t.Errorf("duplicate key: %v", err)
	}
	if err := d.check("item 4", "key", "j", "item"); err != nil {
		t.Error(err)
	}
}

func TestControlsAmong(t *testing.T) {
	a := &Action{Controls: []string{"ecs.9", "ECS.8", "ECS.12", "EXPOSURE.x"}}
	errs := controlsAmong(a, "a thing", "ECS.9", "ECS.8")
	if len(errs) != 2 || errs[0].Error() != `controls: "ECS.12" is not a control that a thing fixes (ECS.9, ECS.8)` ||
		!strings.Contains(errs[1].Error(), `"EXPOSURE.x"`) {
		t.Errorf("controlsAmong = %v", errs)
	}
	errs = controlsAmong(&Action{Controls: []string{"ECS.9", "ECS.8"}}, "a thing", "ECS.9")
	if len(errs) != 1 || errs[0].Error() != `controls: "ECS.8" is not a control that a thing fixes (only ECS.9)` {
		t.Errorf("controlsAmong, one allowed = %v", errs)
	}
	for _, tt := range []struct {
		controls []string
		want     bool
	}{
		{nil, false}, {[]string{"ecs.9"}, true}, {[]string{"ECS.9", "ECS.8"}, true}, {[]string{"ECS.9", "ECS.1"}, false}, {[]string{"ECS.1", "ECS.9"}, false},
	} {
		if got := controlsWithin(tt.controls, "ECS.8", "ECS.9"); got != tt.want {
			t.Errorf("controlsWithin(%v) = %v", tt.controls, got)
		}
	}
	if got := uniqueStrings("a", "", "b", "a", "c", "b"); strings.Join(got, ",") != "a,b,c" {
		t.Errorf("uniqueStrings = %v", got)
	}
	if payloadField("nope") != "nope" || kindOf("nope") != nil {
		t.Error("an unknown type has a decode-table row")
	}
}

// TestChangeResources: what each kind of the fixture touches, writes and needs found before writing.
func TestChangeResources(t *testing.T) {
	p := renderFixture(t)
	want := map[string]struct {
		touches, writes []string
		facts           string
	}{
		"a1":  {[]string{fxWeb3}, []string{fxWeb3}, fxWeb3 + " " + detect.TypeTaskDefinition + " status,latestActiveRevision"},
		"a3":  {[]string{fxCluster, fxWebSvc, fxWeb3}, []string{fxWebSvc}, fxWebSvc + " " + detect.TypeService + " taskDefinition,platformVersion,status,network,primaryDeploymentId,primaryDeploymentUpdatedAt"},
		"a5":  {[]string{fxCluster}, []string{fxCluster}, fxCluster + " " + detect.TypeCluster + " settings,status"},
		"a6":  {[]string{fxWeb3, fxWeb3, fxWeb3}, []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecsfix/web/web", "ecsfix/web/web"}, fxWeb3 + " " + detect.TypeTaskDefinition + " status"},
		"a7":  {nil, []string{"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/worker", "/ecs/worker"}, ""},
		"a8":  {[]string{"arn:aws:iam::123456789012:role/ecsTaskExecutionRole"}, []string{"arn:aws:iam::123456789012:role/ecsTaskExecutionRole"}, "arn:aws:iam::123456789012:role/ecsTaskExecutionRole " + detect.TypeRole + " ownedPolicySha256"},
		"a9":  {[]string{fxWeb3}, []string{fxWeb3}, fxWeb3 + " " + detect.TypeTaskDefinition + " status"},
		"a10": {[]string{fxWebRole}, []string{fxWebRole}, fxWebRole + " " + detect.TypeRole + " attachedPolicies,inlinePolicies"},
		"a11": {[]string{fxWebRole}, []string{fxWebRole}, fxWebRole + " " + detect.TypeRole + " attachedPolicies,inlinePolicies"},
	}
	factsText := func(fc []FactCheck) string {
		var s []string
		for _, f := range fc {
			s = append(s, f.Resource+" "+f.ResourceType+" "+strings.Join(f.Facts, ","))
		}
		return strings.Join(s, "; ")
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		w, ok := want[a.ID]
		if !ok {
			continue
		}
		c := a.Change()
		if got := c.Touches(); strings.Join(got, " ") != strings.Join(w.touches, " ") {
			t.Errorf("%s: Touches = %v, want %v", a.ID, got, w.touches)
		}
		if got := c.Writes(a); strings.Join(got, " ") != strings.Join(w.writes, " ") {
			t.Errorf("%s: Writes = %v, want %v", a.ID, got, w.writes)
		}
		if got := factsText(c.Facts(a)); got != w.facts {
			t.Errorf("%s: Facts = %s, want %s", a.ID, got, w.facts)
		}
	}
	// Two revisions deregistered: both written, each checked once.
	d := &DeregisterTaskDefinitionChange{TaskDefinitions: []string{fxWeb3, fxWorker7, fxWeb3}}
	if got := d.Writes(&Action{Resource: fxWeb3}); strings.Join(got, " ") != fxWeb3+" "+fxWorker7 {
		t.Errorf("deregister Writes = %v", got)
	}
	if got := factsText(d.Facts(nil)); got != fxWeb3+" "+detect.TypeTaskDefinition+" status; "+fxWorker7+" "+detect.TypeTaskDefinition+" status" {
		t.Errorf("deregister Facts = %s", got)
	}
	// A secret from two revisions: each checked once.
	cs := &CreateSecretChange{Values: []SecretValueSource{{SourceArn: fxWeb3}, {SourceArn: fxWorker7}, {SourceArn: fxWeb3}}}
	if got := factsText(cs.Facts(nil)); got != fxWeb3+" "+detect.TypeTaskDefinition+" status; "+fxWorker7+" "+detect.TypeTaskDefinition+" status" {
		t.Errorf("create-secret Facts = %s", got)
	}
	// The security-group kinds.
	ing := &UpdateSecurityGroupIngressChange{GroupID: "sg-1"}
	if got := ing.Writes(&Action{Resource: "sg-1"}); strings.Join(got, " ") != "sg-1" || ing.Touches() != nil ||
		factsText(ing.Facts(nil)) != "sg-1 "+detect.TypeSecurityGroup+" ingress,egress" {
		t.Errorf("ingress: %v %v %s", got, ing.Touches(), factsText(ing.Facts(nil)))
	}
	cg := &CreateSecurityGroupChange{CopyOf: "sg-2"}
	if got := cg.Writes(&Action{Resource: "sg-2"}); strings.Join(got, " ") != "sg-2" || cg.Touches() != nil ||
		factsText(cg.Facts(nil)) != "sg-2 "+detect.TypeSecurityGroup+" ingress,egress" {
		t.Errorf("copy: %v %v %s", got, cg.Touches(), factsText(cg.Facts(nil)))
	}
}
