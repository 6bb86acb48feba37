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
			params := map[string]any{"cluster": c.Cluster, "service": c.Service}
			if td != "" {
				params["taskDefinition"] = td
			}
			if c.After.PlatformVersion != "" {
				params["platformVersion"] = c.After.PlatformVersion
			}
			if n := c.After.Network; n != nil {
				// The whole awsvpc configuration, as UpdateService takes it (and replaces the service's).
				params["networkConfiguration"] = map[string]any{"awsvpcConfiguration": map[string]any{
					"subnets": nonNil(n.Subnets), "securityGroups": nonNil(n.SecurityGroups), "assignPublicIp": n.AssignPublicIp,
				}}
			}
			b, _ := json.Marshal(params)
			r.printf("%s: would call ecs:UpdateService %s", a.ID, b)
		case plan.UpdateClusterSettings:
			c := a.UpdateClusterSettings
			b, _ := json.Marshal(map[string]any{"cluster": c.Cluster, "settings": c.After})
			r.printf("%s: would call ecs:UpdateCluster %s", a.ID, b)
		case plan.CreateSecret:
			// The value is never printed, not even in a dry run: only how many keys, and where from.
			c := a.CreateSecret
			params := map[string]any{"name": c.Name, "tags": secretTags(c, r.short, a.ID)}
			if c.KmsKeyID != "" {
				params["kmsKeyId"] = c.KmsKeyID
			}
			b, _ := json.Marshal(params)
			r.printf("%s: would call secretsmanager:CreateSecret %s SecretString: (%s) (unless this plan created it earlier), then read it back", a.ID, b, secretSources(c))
		case plan.PutRolePolicy:
			c := a.PutRolePolicy
			name := c.PolicyName
			if name == "" {
				name = plan.OwnedPolicyName
			}
			role, _ := roleName(c.Role)
			stmts := make([]map[string]any, 0, len(c.Statements))
			for _, st := range c.Statements {
				res := append([]string(nil), st.Resources...)
				for _, id := range st.ResourcesFrom {
					res = append(res, fmt.Sprintf("(the secret %s creates)", id))
				}
				stmts = append(stmts, map[string]any{"Sid": st.Sid, "Effect": "Allow", "Action": st.Actions, "Resource": res})
			}
			b, _ := json.Marshal(map[string]any{"roleName": role, "policyName": name})
			s, _ := json.Marshal(stmts)
			r.printf("%s: would call iam:PutRolePolicy %s merging these statements into the policy's other statements: %s", a.ID, b, s)
		case plan.EnsureLogGroup:
			c := a.EnsureLogGroup
			params := map[string]any{"logGroupName": c.Name, "tags": map[string]string{TagPlan: r.short, TagAction: a.ID}}
			if c.KmsKeyID != "" {
				params["kmsKeyId"] = c.KmsKeyID
			}
			b, _ := json.Marshal(params)
			line := fmt.Sprintf("%s: would call logs:CreateLogGroup %s (an existing group is left as it is)", a.ID, b)
			if c.RetentionDays > 0 {
				line += fmt.Sprintf(", then logs:PutRetentionPolicy {\"logGroupName\":%q,\"retentionInDays\":%d}", c.Name, c.RetentionDays)
			}
			r.printf("%s", line)
		case plan.DeregisterTaskDefinition:
			for _, td := range a.DeregisterTaskDefinition.TaskDefinitions {
				b, _ := json.Marshal(map[string]string{"taskDefinition": td})
				r.printf("%s: would call ecs:DeregisterTaskDefinition %s (unless a service of the plan still runs it)", a.ID, b)
			}
		case plan.DetachRolePolicy, plan.RemovePolicyStatements:
			r.dryRunAdminRole(&a)
		case plan.UpdateSecurityGroupIngress, plan.CreateSecurityGroup:
			r.dryRunSecurityGroup(&a)
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

// nonNil returns s, or an empty list for nil (printed as [], not null).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
