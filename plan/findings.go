// The Security Hub findings a plan resolves: the Action.Findings field's limits, and the plan limited to
// the actions that resolve given findings (plan --findings).
package plan

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on Action.Findings: Security Hub's finding ids are at most 512 characters.
const (
	MaxActionFindings = 1000
	MaxFindingIDLen   = 512
)

// validateFindings checks an action's finding ids: bounded in number and length, printable, unique.
func validateFindings(ids []string) []error {
	var errs []error
	if len(ids) > MaxActionFindings {
		errs = append(errs, fmt.Errorf("findings: %d ids (at most %d)", len(ids), MaxActionFindings))
		return errs
	}
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case id == "":
			errs = append(errs, fmt.Errorf("findings %d: empty id", i+1))
		case len(id) > MaxFindingIDLen:
			errs = append(errs, fmt.Errorf("findings %d: id is %d bytes long (at most %d)", i+1, len(id), MaxFindingIDLen))
		case !printable(id):
			errs = append(errs, fmt.Errorf("findings %d: id holds a control character or is not UTF-8", i+1))
		case seen[id]:
			errs = append(errs, fmt.Errorf("findings %d: id %q is listed twice", i+1, id))
		}
		seen[id] = true
	}
	return errs
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// ForFindings returns the plan of the actions that resolve findings, and what they depend on.
// targets maps a FAILED result, keyed control + "\x00" + resource ARN, to the ids of the findings it
// stands for (re-verified beforehand). An action resolves the findings of the results it fixes on its own
// resource (one of its controls, its resource); those ids are recorded in its Findings. The actions it
// depends on are kept too, and the registrations of one family are kept together, as Subset keeps them.
// The new plan's State holds the fingerprints of the resources the kept actions touch, Skipped only the
// findings' resources, and it carries no approval.
func (p *Plan) ForFindings(targets map[string][]string) *Plan {
	k := *p
	k.Approvals = nil
	byID := map[string]*Action{}
	for i := range p.Actions {
		byID[p.Actions[i].ID] = &p.Actions[i]
	}
	keep := map[string]bool{}
	ids := map[string][]string{}
	// A control a remedy fixed only in part (a host agent keeps privileged while the task's other
	// containers lose it) still fails once the action is applied: its findings are not the action's.
	unfixed := func(a *Action, c string) bool {
		if p.partly[strings.ToUpper(c)+"\x00"+a.Resource] {
			return true
		}
		return a.UpdateService != nil && p.partly[strings.ToUpper(c)+"\x00"+a.UpdateService.Before.TaskDefinition]
	}
	for _, a := range p.Actions {
		var found []string
		for _, c := range a.Controls {
			if unfixed(&a, c) {
				continue
			}
			for _, id := range targets[c+"\x00"+a.Resource] {
				if !slices.Contains(found, id) {
					found = append(found, id)
				}
			}
		}
		if len(found) > 0 {
			slices.Sort(found)
			ids[a.ID] = found
			keep[a.ID] = true
		}
	}
	for changed := true; changed; {
		changed = false
		add := func(id string) {
			if !keep[id] && byID[id] != nil {
				keep[id], changed = true, true
			}
		}
		families := map[string]bool{}
		for _, a := range p.Actions {
			if f, ok := registrationFamily(&a); ok && keep[a.ID] {
				families[f] = true
			}
		}
		for _, a := range p.Actions {
			if f, ok := registrationFamily(&a); ok && families[f] {
				add(a.ID)
			}
			if keep[a.ID] {
				for _, d := range actionDependencies(&a) {
					add(d)
				}
			}
		}
	}
	k.Actions = []Action{}
	for _, a := range p.Actions {
		if !keep[a.ID] {
			continue
		}
		a.Findings = ids[a.ID]
		k.Actions = append(k.Actions, a)
	}
	k.State = p.stateOf(k.Actions)
	k.Skipped = []Skipped{}
	for _, s := range p.Skipped {
		if len(targets[s.Control+"\x00"+s.Resource]) > 0 {
			k.Skipped = append(k.Skipped, s)
		}
	}
	return &k
}
