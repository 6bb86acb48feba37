package fix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecsfix/ecsfix/plan"
)

// dryRun prints the calls Apply would make, with their parameters; a registration is printed as the
// plan's After, whose secret-bearing values are placeholders. It writes nothing.
func (r *run) dryRun(rep *Report) {
	r.printf("dry run: nothing will be changed; the calls an apply would make:")
	for _, a := range r.p.Actions {
		ar := ActionReport{ID: a.ID, Type: a.Type, Resource: a.Resource, Status: StatusWouldDo}
		var done *Record
		r.j.view(func(st *journalState) { done = st.done[a.ID] })
		if done != nil {
			ar.Status, ar.Detail = StatusSkipped, "done in an earlier run (journal)"
			if done.Result != nil {
				ar.TaskDefinitionArn = done.Result.TaskDefinitionArn
			}
			r.printf("%s: skipped, done in an earlier run (journal)", a.ID)
			rep.Actions = append(rep.Actions, ar)
			continue
		}
		switch a.Type {
		case plan.RegisterTaskDefinition:
			c := a.RegisterTaskDefinition
			r.printf("%s: would call ecs:RegisterTaskDefinition (a new revision of %s from %s, %d edit(s); tags %s=%s, %s=%s added) with:\n%s",
				a.ID, c.Family, c.SourceArn, len(c.Edits), TagPlan, r.short, TagAction, a.ID, indentJSON(c.After))
		case plan.UpdateService:
			c := a.UpdateService
			td := c.After.TaskDefinition
			if c.TaskDefinitionFrom != "" {
				td = fmt.Sprintf("(the revision %s registers)", c.TaskDefinitionFrom)
			}
			params := map[string]string{"cluster": c.Cluster, "service": c.Service}
			if td != "" {
				params["taskDefinition"] = td
			}
			if c.After.PlatformVersion != "" {
				params["platformVersion"] = c.After.PlatformVersion
			}
			b, _ := json.Marshal(params)
			r.printf("%s: would call ecs:UpdateService %s", a.ID, b)
		case plan.UpdateClusterSettings:
			c := a.UpdateClusterSettings
			b, _ := json.Marshal(map[string]any{"cluster": c.Cluster, "settings": c.After})
			r.printf("%s: would call ecs:UpdateCluster %s", a.ID, b)
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
