package fix

import (
	"bytes"
	"encoding/json"
	"strings"
)

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

func indentJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "    ", "  "); err != nil {
		return "    " + strings.TrimSpace(string(raw))
	}
	return "    " + b.String()
}
