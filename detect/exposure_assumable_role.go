package detect

import (
	"fmt"
	"path"
	"sort"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposureAssumableRole — the revision the service runs has a task role: its containers can assume an
// IAM role (Security Hub's "Assumability" trait). Every such service is reported with what the role may
// do: its inline and attached policies, the wildcards its Allow statements use, whether it may pass roles
// (iam:PassRole) and whether it may write IAM (create, put, attach, update, delete...).
//
// The trait is informational unless the role is broad: a role whose Allow statements use a whole-service
// or global action wildcard ("*", "s3:*"), a NotAction, iam:PassRole or an IAM write action FAILS (MEDIUM;
// a role with administrative access is EXPOSURE.admin-task-role's finding, HIGH, and NOT_APPLICABLE here). A narrower role PASSES with
// its summary in the reason: reported, but nothing to fix. Security Hub rates exposure findings as a
// whole, not each trait; ecsfix keeps a task role that can only do what it names from counting as a
// failure, as the exit code and the plan's "Not fixed" list would otherwise fill with every service that
// has a role.
//
// No task role: PASSED. The role missing from the inventory or its policies not exported: NOT_EVALUATED.
// An attached policy whose document is absent, or a malformed document: NOT_EVALUATED, unless the
// policies that were read already make the role broad (then FAILED, naming what could not be read).
func ExposureAssumableRole() Control {
	return Control{
		ID:           ExposureAssumableRoleID,
		Title:        "The Amazon ECS service uses a task definition with an IAM role that its containers can assume",
		Aliases:      []string{"A container that can assume an IAM role"},
		Severity:     SeverityMedium,
		ResourceType: TypeService,
		Exposure:     true,
		Service:      evalAssumableRole,
	}
}

// RoleSummary is what a task role may do, as the assumable-role trait reports it.
type RoleSummary struct {
	Inline   []string // inline policy names
	Attached []string // attached policy names (or ARNs)
	// Wildcards are the Allow statements' whole-service or global action wildcards and NotActions
	// ("s3:*", "NotAction iam:*"), each with the policy that holds it.
	Wildcards []string
	// PartialWildcards are narrower action wildcards ("s3:Get*"), informational.
	PartialWildcards []string
	// AnyResource counts Allow statements on Resource "*".
	AnyResource int
	// PassRole and IAMWrite name the policies that allow iam:PassRole or an IAM write action.
	PassRole []string
	IAMWrite []string
	// Unreadable names the policies whose documents were absent or malformed.
	Unreadable []string
}

// Broad reports whether the role can do more than what it names: a wildcard, PassRole or IAM write.
func (s RoleSummary) Broad() bool {
	return len(s.Wildcards) > 0 || len(s.PassRole) > 0 || len(s.IAMWrite) > 0
}

// iamWriteActions are representative IAM write actions: an Allow whose action pattern matches any of them
// may change IAM (give itself or others more permissions).
var iamWriteActions = []string{
	"iam:putrolepolicy", "iam:putuserpolicy", "iam:putgrouppolicy", "iam:putrolepermissionsboundary",
	"iam:attachrolepolicy", "iam:attachuserpolicy", "iam:attachgrouppolicy",
	"iam:createuser", "iam:createrole", "iam:createaccesskey", "iam:createloginprofile",
	"iam:createpolicy", "iam:createpolicyversion", "iam:setdefaultpolicyversion",
	"iam:updateassumerolepolicy", "iam:updateloginprofile", "iam:updaterole", "iam:updateaccesskey",
	"iam:addusertogroup", "iam:deleterolepolicy", "iam:detachrolepolicy", "iam:deleterolepermissionsboundary",
}

// actionMatches reports whether an IAM action pattern (with * and ? wildcards, case-insensitive) matches
// the action.
func actionMatches(pattern, action string) bool {
	ok, err := path.Match(strings.ToLower(pattern), action)
	return err == nil && ok
}

// SummarizeRole reads a role's policies. It needs PoliciesKnown; documents that are absent or malformed
// are listed in Unreadable.
func SummarizeRole(role *Role) RoleSummary {
	var s RoleSummary
	add := func(kind, name, doc string) {
		label := kind + " policy " + name
		if doc == "" {
			s.Unreadable = append(s.Unreadable, label+" (its document is not in the inventory)")
			return
		}
		stmts, err := ParsePolicy(doc)
		if err != nil {
			s.Unreadable = append(s.Unreadable, fmt.Sprintf("%s (%v)", label, err))
			return
		}
		passRole, iamWrite := false, false
		for _, st := range stmts {
			if st.Effect != "Allow" {
				continue
			}
			for _, r := range st.Resource {
				if r == "*" {
					s.AnyResource++
					break
				}
			}
			for _, a := range st.NotAction {
				s.Wildcards = append(s.Wildcards, fmt.Sprintf("NotAction %s (%s)", a, label))
				passRole, iamWrite = true, true // everything but the named actions
			}
			for _, a := range st.Action {
				la := strings.ToLower(a)
				switch {
				case la == "*" || strings.HasSuffix(la, ":*"):
					s.Wildcards = append(s.Wildcards, fmt.Sprintf("%s (%s)", a, label))
				case strings.ContainsAny(la, "*?"):
					s.PartialWildcards = append(s.PartialWildcards, fmt.Sprintf("%s (%s)", a, label))
				}
				passRole = passRole || actionMatches(la, "iam:passrole")
				for _, w := range iamWriteActions {
					if actionMatches(la, w) {
						iamWrite = true
						break
					}
				}
			}
		}
		if passRole {
			s.PassRole = append(s.PassRole, label)
		}
		if iamWrite {
			s.IAMWrite = append(s.IAMWrite, label)
		}
	}
	for _, p := range role.Attached {
		name := p.Name
		if name == "" {
			name = p.Arn
		}
		s.Attached = append(s.Attached, name)
		if IsAdministratorAccess(p.Arn) {
			label := "attached policy " + name
			s.Wildcards = append(s.Wildcards, "* ("+label+")")
			s.PassRole = append(s.PassRole, label)
			s.IAMWrite = append(s.IAMWrite, label)
			s.AnyResource++
			continue
		}
		add("attached", name, p.Document)
	}
	for _, p := range role.Inline {
		s.Inline = append(s.Inline, p.Name)
		add("inline", p.Name, p.Document)
	}
	sort.Strings(s.Inline)
	sort.Strings(s.Attached)
	return s
}

// Text is the summary as one line.
func (s RoleSummary) Text() string {
	list := func(xs []string) string {
		if len(xs) == 0 {
			return "none"
		}
		return strings.Join(xs, ", ")
	}
	parts := []string{
		fmt.Sprintf("inline policies: %s", list(s.Inline)),
		fmt.Sprintf("attached policies: %s", list(s.Attached)),
		fmt.Sprintf("%d Allow statement(s) on Resource \"*\"", s.AnyResource),
	}
	if len(s.Wildcards) > 0 {
		parts = append(parts, "action wildcards: "+strings.Join(s.Wildcards, ", "))
	}
	if len(s.PartialWildcards) > 0 {
		parts = append(parts, "narrower action wildcards: "+strings.Join(s.PartialWildcards, ", "))
	}
	if len(s.PassRole) > 0 {
		parts = append(parts, "may pass roles (iam:PassRole): "+strings.Join(s.PassRole, ", "))
	} else {
		parts = append(parts, "cannot pass roles")
	}
	if len(s.IAMWrite) > 0 {
		parts = append(parts, "may write IAM: "+strings.Join(s.IAMWrite, ", "))
	} else {
		parts = append(parts, "cannot write IAM")
	}
	return strings.Join(parts, "; ")
}

func evalAssumableRole(svc *ecstypes.Service, in *Inventory, _ *Settings) Verdict {
	td, unknown := runningRevision(svc, in)
	if unknown != nil {
		return *unknown
	}
	roleArn := deref(td.TaskRoleArn)
	if roleArn == "" {
		return Pass("task definition " + td.ARN() + " has no task role: no container can assume an IAM role")
	}
	role, ok := in.Role(roleArn)
	if !ok {
		return Unknown("task role " + roleArn + " is not in the inventory")
	}
	if !role.PoliciesKnown {
		return Unknown("the policies of task role " + roleArn + " are not in the inventory")
	}
	if admin := evalAdminTaskRole(svc, in, nil); admin.Status == Failed {
		return NA("task role " + roleArn + " has administrative access: reported by " + ExposureAdminTaskRoleID + ", not twice")
	}
	s := SummarizeRole(role)
	head := "the containers of task definition " + td.ARN() + " can assume task role " + roleArn
	switch {
	case s.Broad():
		var offs []Offender
		for _, w := range s.Wildcards {
			offs = append(offs, Offender{Field: "taskRoleArn", Detail: "action wildcard " + w})
		}
		for _, p := range s.PassRole {
			offs = append(offs, Offender{Field: "taskRoleArn", Detail: "iam:PassRole in " + p})
		}
		for _, p := range s.IAMWrite {
			offs = append(offs, Offender{Field: "taskRoleArn", Detail: "IAM write in " + p})
		}
		reason := head + ", which is broad: " + s.Text()
		if len(s.Unreadable) > 0 {
			reason += "; not read: " + strings.Join(s.Unreadable, "; ")
		}
		return Fail(reason, offs...)
	case len(s.Unreadable) > 0:
		return Unknown("task role " + roleArn + ": not read: " + strings.Join(s.Unreadable, "; "))
	}
	return Pass(head + " (informational, not broad): " + s.Text())
}
