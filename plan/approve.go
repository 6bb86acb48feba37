package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// RiskNone is the unattended risk level at which no action applies unattended: every action needs an
// approval. It is never the risk of an action.
const RiskNone Risk = "none"

// ValidApprovals returns the approvals bound to the plan's current content (their PlanHash equals
// ContentHash). An approval of other content does not count.
func (p *Plan) ValidApprovals() []Approval {
	h, err := p.contentHash()
	if err != nil {
		return nil
	}
	var valid []Approval
	for _, a := range p.Approvals {
		if a.PlanHash == h {
			valid = append(valid, a)
		}
	}
	return valid
}

// Approve records an unsigned approval by `by` (required), for ticket (optional), at `at`, bound to the
// plan's current content hash. ApproveSigned records a signed one.
func (p *Plan) Approve(by, ticket string, at time.Time) error {
	a, err := p.newApproval(by, ticket, at)
	if err != nil {
		return err
	}
	p.Approvals = append(p.Approvals, a)
	return nil
}

// newApproval is the unsigned approval Approve would record. Names and tickets holding control
// characters are refused: they would be printed raw, and the signed statement is one line a field.
func (p *Plan) newApproval(by, ticket string, at time.Time) (Approval, error) {
	by, ticket = strings.TrimSpace(by), strings.TrimSpace(ticket)
	if by == "" {
		return Approval{}, errors.New("approve plan: who approves is required")
	}
	if at.IsZero() {
		return Approval{}, errors.New("approve plan: the time of approval is required")
	}
	for _, f := range []struct{ name, value string }{{"who approves", by}, {"ticket", ticket}} {
		if err := checkStatementField(f.name, f.value); err != nil {
			return Approval{}, fmt.Errorf("approve plan: %w", err)
		}
	}
	h, err := p.contentHash()
	if err != nil {
		return Approval{}, err
	}
	return Approval{By: by, Ticket: ticket, At: at.UTC(), PlanHash: h}, nil
}

// NeedsApproval lists, in plan order, the actions whose effective risk (EffectiveRisk, with the
// configuration's risk overrides) is above the unattended level. With RiskNone, or a level that is not
// low, medium or high (fail closed), every action needs approval.
func (p *Plan) NeedsApproval(unattended Risk, overrides map[string]Risk) []Action {
	var out []Action
	for _, a := range p.Actions {
		if !withinRisk(p.EffectiveRisk(a, overrides), unattended) {
			out = append(out, a)
		}
	}
	return out
}

// withinRisk reports whether an action of risk r is at or below the level limit. Nothing is within
// RiskNone or an unknown level; an unknown risk is within nothing.
func withinRisk(r, limit Risk) bool {
	switch limit {
	case RiskLow, RiskMedium, RiskHigh:
	default:
		return false
	}
	switch r {
	case RiskLow, RiskMedium, RiskHigh:
	default:
		return false
	}
	return r.Rank() <= limit.Rank()
}
