package plan

import (
	"strings"
	"testing"
)

func TestValidateControlsMatchType(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Plan)
		want string
	}{
		{"registration labelled with a service control", func(p *Plan) { p.Actions[0].Controls = []string{"ECS.10"} }, `action 1 (a1): controls: "ECS.10"`},
		{"registration without controls", func(p *Plan) { p.Actions[1].Controls = nil }, "action 2 (a2): controls: an action fixes at least one control"},
		{"registration edit with an unknown control", func(p *Plan) { p.Actions[1].RegisterTaskDefinition.Edits[0].Control = "ECS.12" }, `action 2 (a2): registerTaskDefinition: edit 1: control "ECS.12"`},
		{"cluster update labelled ECS.5", func(p *Plan) { p.Actions[4].Controls = []string{"ECS.5"} }, `action 5 (a5): controls: "ECS.5" is not a control that a cluster settings update fixes`},
		{"service update labelled with a control its registration does not fix", func(p *Plan) { p.Actions[2].Controls = []string{"ECS.4"} },
			`action 3 (a3): controls: "ECS.4" is not among the controls of registration a1`},
		{"platform update labelled ECS.5", func(p *Plan) { p.Actions[3].Controls = []string{"ECS.5"} }, `action 4 (a4): controls: "ECS.5" is not fixed by a service update that does not change the task definition`},
		{"ECS.10 without a platform version", func(p *Plan) { p.Actions[2].Controls = []string{"ECS.5", "ECS.10"} }, "action 3 (a3): controls: ECS.10 is fixed by setting the platform version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			if err := p.Validate(); err != nil {
				t.Fatalf("the fixture does not validate: %v", err)
			}
			tt.edit(p)
			b, err := canonicalPlan(p, true)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Read("edited.json", b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Read = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
