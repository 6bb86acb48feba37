package plan

import "errors"

// ValidateAction checks one action of p against the plan and the actions before it, as Validate does for
// each action. Temporary: the change-kind branch supersedes it with its own ValidateAction.
func ValidateAction(p *Plan, a *Action) error {
	earlier := map[string]*Action{}
	for i := range p.Actions {
		if &p.Actions[i] == a || p.Actions[i].ID == a.ID {
			break
		}
		if id := p.Actions[i].ID; id != "" {
			if _, dup := earlier[id]; !dup {
				earlier[id] = &p.Actions[i]
			}
		}
	}
	return errors.Join(validateAction(a, earlier)...)
}
