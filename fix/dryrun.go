package fix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The dry run: the calls an apply would make, printed with their parameters, and, for a plan not yet
// approved, what an approval must cover.

// dryRun prints the calls Apply would make, with their parameters; a registration is printed as the
// plan's After, whose secret-bearing values are placeholders. It writes nothing.
func (r *run) dryRun(rep *Report) {
	r.printf("dry run: nothing will be changed; the calls an apply would make:")
	for _, a := range r.p.Actions {
		ar := ActionReport{ID: a.ID, Type: a.Type, Resource: a.Resource, Status: StatusWouldDo}
		if r.doneEarlier(a.ID, &ar) != nil {
			r.printf("%s: skipped, done in an earlier run (journal)", a.ID)
			rep.Actions = append(rep.Actions, ar)
			continue
		}
		if ex, ok := executors[a.Type]; ok {
			ex.dryRun(r, &a)
		}
		rep.Actions = append(rep.Actions, ar)
	}
}

// dryRunApproval says, after a dry run's calls, what an apply of the plan needs that it lacks: the
// actions above the unattended risk with their risks, the quorum their highest risk needs, the approvals
// that count and those that do not (and why), and how to approve. A rule that no approval can satisfy
// (a plan older than approvals.max_plan_age) is said as such.
func (r *run) dryRunApproval(e *NotApprovedError) {
	if e.Rule != "" {
		rule := e.Rule
		if !strings.Contains(rule, "make a new plan") {
			rule += " (make a new plan)"
		}
		r.printf("dry run: an apply would refuse this plan whatever its approvals: %s", rule)
		return
	}
	r.printf("dry run: an apply needs an approval first (without one it refuses the plan, exit code 6): %d action(s) above the unattended risk %s (fix.unattended_risk):",
		len(e.Actions), e.Unattended)
	for _, a := range e.Actions {
		r.printf("  %-4s %-6s %s  %s", a.ID, a.Risk, a.Summary, a.Resource)
	}
	r.printf("  %s risk needs %d distinct signer(s) (approvals.quorum.%s); %d approval(s) count", e.Level, e.Quorum, e.Level, len(e.Counted))
	for _, c := range e.Counted {
		r.printf("  counts: %s", c)
	}
	for _, c := range e.Refused {
		r.printf("  does not count: %s", c)
	}
	file := r.o.PlanPath
	if file == "" {
		file = "FILE"
	}
	r.printf("  to approve: ecsfix approve %s --by NAME [--ticket ID] [--key PATH] (one per signer the quorum needs), then ecsfix apply %s", file, file)
}

func indentJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "    ", "  "); err != nil {
		return "    " + strings.TrimSpace(string(raw))
	}
	return "    " + b.String()
}

// setJSON is v as compact JSON with only its set fields: null members are left out, and so are the
// objects that held nothing else, so that an SDK input prints as the parameters a call sends.
func setJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(cannot print: %v)", err)
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return string(raw)
	}
	tree, _ = dropUnset(tree)
	out, err := json.Marshal(tree)
	if err != nil {
		return string(raw)
	}
	return string(out)
}

// dropUnset removes null members, and the objects left empty by removing them; keep is false when v
// itself is null or such an object.
func dropUnset(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		if len(x) == 0 {
			return x, true
		}
		for k, m := range x {
			if m2, keep := dropUnset(m); keep {
				x[k] = m2
			} else {
				delete(x, k)
			}
		}
		return x, len(x) > 0
	case []any:
		out := make([]any, 0, len(x))
		for _, m := range x {
			if m2, keep := dropUnset(m); keep {
				out = append(out, m2)
			}
		}
		return out, true
	}
	return v, true
}
