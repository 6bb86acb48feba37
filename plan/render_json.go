package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// RenderJSON writes the plan as `ecsfix show --format json` prints it: the plan file's content in
// canonical form (see Write), each action with two more members derived when rendering, never read from
// the file: effectiveRisk (Plan.EffectiveRisk with o's overrides) and riskWhy (why, when medium or high).
// The output is a view, not a plan file: the plan file is what `plan --out` wrote. Characters JSON keeps
// raw that act on a terminal or on how text reads (bidi overrides, C1 controls) are written as JSON
// escapes (textsafe.JSON): the values are the same.
func RenderJSON(w io.Writer, p *Plan, o RenderOptions) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	canon, err := canonicalPlan(p, true)
	if err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	var c Plan // the canonical content: absent lists as [] (canonicalPlan)
	if err := json.Unmarshal(canon, &c); err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	v := jsonView{FormatVersion: c.FormatVersion, Tool: c.Tool, CreatedAt: c.CreatedAt, Source: c.Source,
		Actions: make([]jsonViewAction, len(c.Actions)), State: c.State, Skipped: c.Skipped, Approvals: c.Approvals}
	if e, ok := expectedApply(p, o); ok {
		secs := int64(e.Duration / time.Second) // whole seconds, rounded down: a least time
		v.ExpectedApplySeconds = &secs
	}
	for i, a := range c.Actions {
		f := p.RiskOf(p.Actions[i], o.RiskOverrides)
		v.Actions[i] = jsonViewAction{Action: a, EffectiveRisk: f.Risk, RiskWhy: riskShown(f)}
	}
	b, err := json.MarshalIndent(&v, "", "  ")
	if err != nil {
		return fmt.Errorf("render plan: %w", err)
	}
	// what JSON keeps raw that acts on a terminal or on how text reads (U+202E, U+0085), as \uXXXX
	_, err = w.Write(append(textsafe.JSON(b), '\n'))
	return err
}

// jsonView is Plan's members, in Plan's order, with each action's derived risk (TestJSONViewHasPlanFields
// keeps the two lists of members the same).
type jsonView struct {
	FormatVersion int              `json:"formatVersion"`
	Tool          Tool             `json:"tool"`
	CreatedAt     time.Time        `json:"createdAt"`
	Source        Source           `json:"source"`
	Actions       []jsonViewAction `json:"actions"`
	State         []Fingerprint    `json:"state"`
	Skipped       []Skipped        `json:"skipped"`
	Approvals     []Approval       `json:"approvals,omitempty"`

	// Derived when rendering, after the plan's members (jsonViewDerived names them).

	// ExpectedApplySeconds is the least time applying the plan takes under the API's token buckets
	// (Plan.ExpectedApply), in whole seconds rounded down; absent without quotas, for a plan without actions, or one
	// of task-definition files.
	ExpectedApplySeconds *int64 `json:"expectedApplySeconds,omitempty"`
}

// jsonViewDerived are the members of jsonView that are not Plan's.
var jsonViewDerived = []string{"ExpectedApplySeconds"}

// jsonViewAction is an action as the file holds it, then its effective risk and why.
type jsonViewAction struct {
	Action
	EffectiveRisk Risk     `json:"effectiveRisk"`
	RiskWhy       []string `json:"riskWhy,omitempty"`
}
