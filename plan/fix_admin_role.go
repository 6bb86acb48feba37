package plan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The admin task-role fix (EXPOSURE.admin-task-role): opt-in (Options.DetachAdmin), high risk, one set of
// actions per role however many services use it — a detach-role-policy action for an attached
// AdministratorAccess and a remove-policy-statements action per inline policy holding Allow statements of
// Action "*" (or "*:*") on Resource "*". Other managed policies granting that are reported, never edited.

// optInAdmin is what the Skipped reason of an admin task role says when the fix is not opted into.
const optInAdmin = "detaching is opt-in: set fix.iam.detach_admin"

var (
	iamRoleArn   = regexp.MustCompile(`^arn:[a-z0-9-]+:iam::\d{12}:role/[\w+=,.@/-]+$`)
	iamPolicyArn = regexp.MustCompile(`^arn:[a-z0-9-]+:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$`)
)

// adminRoleNoFix is why an admin task-role finding on anything but a service is not fixed.
const adminRoleNoFix = "ecsfix fixes the task roles of services only: reduce the task role's policies to what the application needs"

// adminRolePlan is the fix of one task role, asked for by the findings of the services using it.
type adminRolePlan struct {
	role     *detect.Role
	findings []detect.Result // FAILED admin-task-role results of services running a revision with the role (copies: the results are not held)
}

// adminFinding routes one FAILED, unsuppressed, selected admin-task-role result on a service: Skipped
// (cannot tell, owned, not opted into) or a request to fix its role.
func (b *builder) adminFinding(r *detect.Result) {
	skip := func(reason string) { b.skip(r.Control, r.ResourceArn, reason) }
	svc, ok := b.inv.Service(r.ResourceArn)
	if !ok {
		skip("cannot tell which task role the service uses: the service is not in the inventory")
		return
	}
	tdArn := aws.ToString(svc.TaskDefinition)
	td, ok := b.inv.TaskDefinition(tdArn)
	if !ok {
		skip("cannot tell which task role the service uses: task definition " + tdArn + ", which it runs, is not in the inventory")
		return
	}
	ref := aws.ToString(td.TaskRoleArn)
	role, ok := b.inv.Role(ref)
	switch {
	case ref == "":
		skip("cannot tell which task role grants administrative access: task definition " + td.ARN() + " has no task role")
		return
	case detect.HasPlaceholder(ref):
		skip(placeholderRefusal("the taskRoleArn of task definition "+detect.ShortARN(td.ARN()), ref, "as the role whose administrative access is removed"))
		return
	case !ok:
		skip("cannot tell which policies task role " + roleArnOf(ref, td.ARN()) + " has: the role is not in the inventory")
		return
	case !role.PoliciesKnown:
		skip("cannot tell which policies task role " + role.Arn + " has: its policies are not in the inventory (aws iam get-account-authorization-details)")
		return
	}
	if owner := b.owner(svc.Tags); owner != "" {
		skip(owner + ": " + r.Reason + "; remove the administrative access from the task role in its source")
		return
	}
	if owner := b.owner(td.Tags); owner != "" {
		skip("task definition " + detect.ShortARN(td.ARN()) + " is " + owner + ": " + r.Reason + "; remove the administrative access from the task role in its source")
		return
	}
	if owner := b.owner(mapTags(role.Tags)); owner != "" {
		skip("task role " + role.Arn + " is " + owner + ": " + r.Reason + "; remove the administrative access in its source")
		return
	}
	if !b.opts.DetachAdmin {
		skip(r.Reason + "; " + optInAdmin)
		return
	}
	if b.admin == nil {
		b.admin = map[string]*adminRolePlan{}
	}
	ap := b.admin[role.Arn]
	if ap == nil {
		ap = &adminRolePlan{role: role}
		b.admin[role.Arn] = ap
	}
	ap.findings = append(ap.findings, *r)
}

// mapTags turns IAM tags into ECS tags for owner (sorted, so that the first owner key found is stable).
func mapTags(m map[string]string) []ecstypes.Tag {
	out := make([]ecstypes.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// roleUsers are the services whose running revision has the role as task role, by ARN, sorted.
func (b *builder) roleUsers(role *detect.Role) []*ecstypes.Service {
	var out []*ecstypes.Service
	for i := range b.inv.Services {
		svc := &b.inv.Services[i]
		td, ok := b.inv.TaskDefinition(aws.ToString(svc.TaskDefinition))
		if !ok || aws.ToString(td.TaskRoleArn) == "" {
			continue
		}
		if r, ok := b.inv.Role(aws.ToString(td.TaskRoleArn)); ok && r.Arn == role.Arn {
			out = append(out, svc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return aws.ToString(out[i].ServiceArn) < aws.ToString(out[j].ServiceArn) })
	return out
}

// executionRoleUsers are the task definitions of the inventory (family:revision, sorted) whose
// execution role, by ARN or name, is the role.
func (b *builder) executionRoleUsers(role *detect.Role) []string {
	var out []string
	for i := range b.inv.TaskDefinitions {
		td := &b.inv.TaskDefinitions[i]
		ref := aws.ToString(td.ExecutionRoleArn)
		if ref == "" {
			continue
		}
		if r, ok := b.inv.Role(ref); (ok && r.Arn == role.Arn) || ref == role.Arn || roleArnOf(ref, td.ARN()) == role.Arn {
			out = append(out, "task definition "+detect.ShortARN(td.ARN()))
		}
	}
	sort.Strings(out)
	return out
}

// adminActions makes the actions of every admin task role asked for, in role ARN order, and the
// fingerprints of those roles (RoleFacts merged with RolePolicyFacts).
func (b *builder) adminActions(newID func() string) ([]Action, []Fingerprint) {
	var actions []Action
	var state []Fingerprint
	for _, arn := range slices.Sorted(maps.Keys(b.admin)) {
		ap := b.admin[arn]
		role := ap.role
		skipAll := func(reason string) {
			for _, r := range ap.findings {
				b.skip(r.Control, r.ResourceArn, reason)
			}
		}
		users := b.roleUsers(role)
		// a role shared with an owned service is probably managed with it: a live change would be reverted
		owned := ""
		for _, svc := range users {
			if o := b.owner(svc.Tags); o != "" {
				owned = "service " + detect.ShortARN(aws.ToString(svc.ServiceArn)) + ", which also uses task role " + role.Arn + ", is " + o
				break
			}
		}
		if owned != "" {
			for _, r := range ap.findings {
				b.skip(r.Control, r.ResourceArn, owned+": "+r.Reason+"; remove the administrative access from the role in its source")
			}
			continue
		}

		// the execution role pulls images, writes logs and reads secrets at task start: never strip it
		if uses := b.executionRoleUsers(role); len(uses) > 0 {
			skipAll("role " + role.Arn + " is also the execution role of " + strings.Join(uses, ", ") +
				": detaching would stop image pulls, logs and secrets; give the task a separate task role")
			continue
		}

		var detach []string
		var notes []string
		for _, p := range role.Attached {
			if detect.IsAdministratorAccess(p.Arn) {
				detach = append(detach, p.Arn)
				continue
			}
			if p.Document == "" {
				notes = append(notes, "the document of attached policy "+p.Arn+" is not in the inventory: it may grant administrative access too")
				continue
			}
			found, err := adminStatementIndexes(p.Document)
			if err != nil {
				skipAll(fmt.Sprintf("cannot tell whether attached policy %s of task role %s grants administrative access: %v; edit or detach it yourself", p.Arn, role.Arn, err))
				continue
			}
			if len(found) > 0 {
				skipAll(fmt.Sprintf("task role %s: attached policy %s %s allow%s every action on every resource: edit or detach policy %s yourself: ecsfix does not change managed policies other than detaching AdministratorAccess",
					role.Arn, p.Arn, describeStatements(found), map[bool]string{true: "", false: "s"}[len(found) > 1], p.Arn))
			}
		}
		type inlineEdit struct {
			change *RemovePolicyStatementsChange
			found  []adminStatementRef
		}
		var edits []inlineEdit
		for _, p := range role.Inline {
			found, err := adminStatementIndexes(p.Document)
			if err != nil {
				skipAll(fmt.Sprintf("cannot tell whether inline policy %s of task role %s grants administrative access: %v; edit it yourself", p.Name, role.Arn, err))
				continue
			}
			if len(found) == 0 {
				continue
			}
			ch := &RemovePolicyStatementsChange{Role: role.Arn, PolicyName: p.Name, Before: p.Document}
			for _, f := range found {
				ch.Removed = append(ch.Removed, f.label())
			}
			after, err := ch.Rebuild(p.Document)
			if err != nil {
				skipAll(fmt.Sprintf("inline policy %s of task role %s: %v; edit it yourself", p.Name, role.Arn, err))
				continue
			}
			ch.After = after
			edits = append(edits, inlineEdit{change: ch, found: found})
		}
		if len(detach) == 0 && len(edits) == 0 {
			continue
		}

		region := detect.RegionOf(ap.findings[0].ResourceArn)
		var names []string
		for _, svc := range users {
			names = append(names, detect.ShortARN(aws.ToString(svc.ServiceArn)))
		}
		var common []string
		switch {
		case len(names) == 1:
			common = append(common, "task role "+detect.ShortARN(role.Arn)+" is used by service "+names[0]+": it loses this access")
		case len(names) > 1:
			common = append(common, "task role "+detect.ShortARN(role.Arn)+" is used by services "+strings.Join(names, ", ")+": all of them lose this access, not only the one whose finding this fixes")
		}
		common = append(common,
			"the application may need some of these permissions: grant them explicitly first (a policy naming the actions and resources it uses)",
			"the change applies to running tasks at once, without a deployment: IAM evaluates the role's policies on every request")
		common = append(common, notes...)
		pre := rolePolicyPreconditions(role)
		for _, pa := range detach {
			actions = append(actions, Action{
				ID: newID(), Type: DetachRolePolicy, Account: detect.AccountOf(role.Arn), Region: region, Resource: role.Arn,
				Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh,
				Summary:          "detach " + detect.ShortARN(pa) + " from task role " + detect.ShortARN(role.Arn),
				Notes:            append(append([]string(nil), common...), "rollback attaches "+pa+" again"),
				Preconditions:    pre,
				DetachRolePolicy: &DetachRolePolicyChange{Role: role.Arn, PolicyArn: pa},
			})
		}
		for _, e := range edits {
			c := e.change
			summary := "remove " + describeStatements(e.found) + " (Allow every action on every resource) from inline policy " + c.PolicyName + " of task role " + detect.ShortARN(role.Arn)
			rollback := "rollback puts inline policy " + c.PolicyName + " back as it was (before)"
			if c.After == "" {
				summary = "delete inline policy " + c.PolicyName + " of task role " + detect.ShortARN(role.Arn) + ": it holds only " + describeStatements(e.found) + " (Allow every action on every resource)"
			}
			actions = append(actions, Action{
				ID: newID(), Type: RemovePolicyStatements, Account: detect.AccountOf(role.Arn), Region: region, Resource: role.Arn,
				Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh,
				Summary:                summary,
				Notes:                  append(append([]string(nil), common...), rollback),
				Preconditions:          append(append([]Precondition(nil), pre...), Precondition{Check: "inline policy " + c.PolicyName + " sha256", Result: hashValue(c.Before)}),
				RemovePolicyStatements: c,
			})
		}
		facts := RoleFacts(role)
		for k, v := range RolePolicyFacts(role) {
			facts[k] = v
		}
		state = append(state, Fingerprint{Resource: role.Arn, ResourceType: detect.TypeRole, Region: region, Facts: facts})
	}
	return actions, state
}

// rolePolicyPreconditions name a role's attached and inline policies.
func rolePolicyPreconditions(r *detect.Role) []Precondition {
	attached := make([]string, 0, len(r.Attached))
	for _, a := range r.Attached {
		attached = append(attached, a.Arn)
	}
	inline := make([]string, 0, len(r.Inline))
	for _, p := range r.Inline {
		inline = append(inline, p.Name)
	}
	sort.Strings(attached)
	sort.Strings(inline)
	list := func(s []string) string {
		if len(s) == 0 {
			return "(none)"
		}
		return strings.Join(s, ", ")
	}
	return []Precondition{
		{Check: "attached policies of " + detect.ShortARN(r.Arn), Result: list(attached)},
		{Check: "inline policies of " + detect.ShortARN(r.Arn), Result: list(inline)},
	}
}

// adminStatementRef is a statement granting administrative access: its index in the document's
// statement list and its Sid.
type adminStatementRef struct {
	index int
	sid   string
}

// label is how a remove-policy-statements action names the statement: its Sid, or "#index".
func (s adminStatementRef) label() string {
	if s.sid != "" {
		return s.sid
	}
	return fmt.Sprintf("#%d", s.index)
}

func describeStatements(found []adminStatementRef) string {
	parts := make([]string, len(found))
	for i, f := range found {
		if f.sid != "" {
			parts[i] = fmt.Sprintf("statement %q", f.sid)
		} else {
			parts[i] = fmt.Sprintf("statement #%d", f.index)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i := range parts {
		parts[i] = strings.TrimPrefix(parts[i], "statement ")
	}
	return "statements " + strings.Join(parts, ", ")
}

// adminStatementIndexes finds, as the detector does, the Allow statements of a policy document whose
// Action is "*" or "*:*" and whose Resource is "*".
func adminStatementIndexes(doc string) ([]adminStatementRef, error) {
	stmts, err := detect.ParsePolicy(doc)
	if err != nil {
		return nil, err
	}
	var out []adminStatementRef
	for i, s := range stmts {
		if detect.IsAdminStatement(s) {
			out = append(out, adminStatementRef{index: i, sid: s.Sid})
		}
	}
	return out, nil
}

// statementLabels are the names a remove-policy-statements action may give the statements of a
// document: each statement's Sid and "#index".
func statementLabels(stmts []detect.Statement) map[string]bool {
	m := map[string]bool{}
	for i, s := range stmts {
		m[fmt.Sprintf("#%d", i)] = true
		if s.Sid != "" {
			m[s.Sid] = true
		}
	}
	return m
}
