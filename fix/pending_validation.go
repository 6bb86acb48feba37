package fix

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/ecsfix/ecsfix/detect"
)

// Rules of a remove-policy-statements action that plan.Validate does not enforce yet: After is Before less
// some of its statements (same Version, every statement of After one of Before's, at least one removed),
// and every statement removed is an administrative Allow of * on *. They go once plan's validation
// enforces them (then Apply refuses such a plan up front, ErrInvalidPlan, instead of failing the action).

// policyStatements returns a policy document's Version and statements (a single statement object counts
// as a list of one).
func policyStatements(doc string) (version any, stmts []any, err error) {
	var d map[string]any
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, nil, fmt.Errorf("the document is not a JSON object: %v", err)
	}
	switch s := d["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	case nil:
	default:
		return nil, nil, errors.New("its Statement is neither an object nor a list")
	}
	return d["Version"], stmts, nil
}

// onlyRemoves checks that after is before less some of its statements: a statement removal never grants
// anything new, whatever the plan says.
func onlyRemoves(before, after string) error {
	bv, bs, err := policyStatements(before)
	if err != nil {
		return fmt.Errorf("before: %w", err)
	}
	if after == "" {
		return nil
	}
	av, as, err := policyStatements(after)
	if err != nil {
		return fmt.Errorf("after: %w", err)
	}
	if !reflect.DeepEqual(av, bv) && av != nil {
		return fmt.Errorf("after changes the policy's Version (%v, was %v)", av, bv)
	}
	used := make([]bool, len(bs))
	for i, s := range as {
		found := false
		for j, t := range bs {
			if !used[j] && reflect.DeepEqual(s, t) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return fmt.Errorf("after's statement %d is not one of the policy's statements: a statement removal may only remove", i+1)
		}
	}
	if len(as) == len(bs) {
		return errors.New("after removes no statement")
	}
	// Only administrative Allow */* statements may go: removing a Deny, or a narrower Allow, is not what
	// this action is for (a Deny removed would widen access).
	typed, err := detect.ParsePolicy(before)
	if err != nil || len(typed) != len(bs) {
		return fmt.Errorf("before: cannot read its statements: %v", err)
	}
	for j := range bs {
		if !used[j] && !detect.IsAdminStatement(typed[j]) {
			return fmt.Errorf("before's statement %d is removed but is not an Allow of * on *: only administrative statements may be removed", j+1)
		}
	}
	return nil
}
