package plan

import (
	"strings"
	"testing"
)

// Helpers for the table-driven tests of the change kinds: validating one action after earlier ones, and
// its effective risk.

// vcase is one action validated after earlier actions: want is a substring of the error ("" when the
// action is valid).
type vcase struct {
	name    string
	earlier []Action
	a       Action
	want    string
}

// checkValidate validates each case's action after its earlier actions, with Plan.Validate and with
// ValidateAction, and checks both against want.
func checkValidate(t *testing.T, cases []vcase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			p := emptyFixture()
			p.Actions = append(append([]Action{}, tt.earlier...), tt.a)
			for which, err := range map[string]error{"Validate": p.Validate(), "ValidateAction": ValidateAction(p, &p.Actions[len(p.Actions)-1])} {
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("%s: %v", which, err)
				case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
					t.Errorf("%s: %v, want an error with %q", which, err, tt.want)
				}
			}
		})
	}
}

// rcase is one action's effective risk, labelled low, in a plan of earlier actions then it.
type rcase struct {
	name      string
	earlier   []Action
	a         Action
	overrides map[string]Risk
	want      Risk
}

func checkRisk(t *testing.T, cases []rcase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			p := emptyFixture()
			a := tt.a
			a.Risk = RiskLow
			p.Actions = append(append([]Action{}, tt.earlier...), a)
			if got := p.EffectiveRisk(a, tt.overrides); got != tt.want {
				t.Errorf("EffectiveRisk = %q, want %q", got, tt.want)
			}
		})
	}
}

// fixtureAction is the action of the render fixture with the given id.
func fixtureAction(t *testing.T, id string) Action {
	t.Helper()
	for _, a := range renderFixture(t).Actions {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("the render fixture has no action %s", id)
	return Action{}
}
