package detect

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposureAdminTaskRole — the task role of the revision the service runs grants administrative access:
// the AWS managed AdministratorAccess policy is attached, or an inline or attached policy has an Allow
// statement with Action "*" (or "*:*") on Resource "*".
//
// No task role: PASSED. The role missing from the inventory, or its policies not exported
// (PoliciesKnown false), or an attached policy whose document we do not have, or a malformed document:
// NOT_EVALUATED — unless another policy already proves administrative access, which FAILS.
func ExposureAdminTaskRole() Control {
	return Control{
		ID:           ExposureAdminTaskRoleID,
		Title:        "The IAM role associated with the Amazon ECS service has an administrative access policy",
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service:      evalAdminTaskRole,
	}
}

var administratorAccessArn = regexp.MustCompile(`^arn:[a-z0-9-]+:iam::aws:policy/AdministratorAccess$`)

// IsAdministratorAccess reports whether a policy ARN is the AWS managed AdministratorAccess policy.
func IsAdministratorAccess(arn string) bool { return administratorAccessArn.MatchString(arn) }

// IsAdminStatement reports whether a statement is an Allow of "*" (or "*:*") on Resource "*": the
// administrative access the admin task-role trait reports.
func IsAdminStatement(s Statement) bool {
	if s.Effect != "Allow" {
		return false
	}
	action, resource := false, false
	for _, a := range s.Action {
		action = action || a == "*" || a == "*:*"
	}
	for _, r := range s.Resource {
		resource = resource || r == "*"
	}
	return action && resource
}

func evalAdminTaskRole(svc *ecstypes.Service, in *Inventory, _ *Settings) Verdict {
	td, unknown := runningRevision(svc, in)
	if unknown != nil {
		return *unknown
	}
	roleArn := deref(td.TaskRoleArn)
	if roleArn == "" {
		return Pass("task definition " + td.ARN() + " has no task role")
	}
	role, ok := in.Role(roleArn)
	if !ok {
		return Unknown("task role " + roleArn + " is not in the inventory")
	}
	if !role.PoliciesKnown {
		return Unknown("the policies of task role " + roleArn + " are not in the inventory")
	}
	var offs []Offender
	var fails, unknowns []string
	check := func(kind, name, doc string) {
		findings, err := adminStatements(doc)
		if err != nil {
			unknowns = append(unknowns, fmt.Sprintf("%s policy %q could not be read: %v", kind, name, err))
			return
		}
		for _, f := range findings {
			fails = append(fails, fmt.Sprintf("%s policy %q %s allows Action %q on Resource \"*\"", kind, name, f.statement, f.action))
			offs = append(offs, Offender{Field: "taskRoleArn", Detail: fmt.Sprintf("%s policy %s, %s", kind, name, f.statement)})
		}
	}
	for _, p := range role.Attached {
		name := p.Name
		if name == "" {
			name = p.Arn
		}
		switch {
		case administratorAccessArn.MatchString(p.Arn):
			fails = append(fails, fmt.Sprintf("attached policy %s is AdministratorAccess", p.Arn))
			offs = append(offs, Offender{Field: "taskRoleArn", Detail: "attached policy " + p.Arn})
		case p.Document == "":
			unknowns = append(unknowns, fmt.Sprintf("the document of attached policy %s is not in the inventory", p.Arn))
		default:
			check("attached", name, p.Document)
		}
	}
	for _, p := range role.Inline {
		check("inline", p.Name, p.Document)
	}
	switch {
	case len(fails) > 0:
		return Fail("task role "+roleArn+" (task definition "+td.ARN()+"): "+strings.Join(fails, "; "), offs...)
	case len(unknowns) > 0:
		return Unknown("task role " + roleArn + ": " + strings.Join(unknowns, "; "))
	}
	return Pass("task role " + roleArn + " has no administrative policy")
}

type adminStatement struct {
	statement string // `statement "Sid"` or `statement #i`
	action    string
}

// adminStatements parses a policy document (JSON text) and returns its Allow statements whose Action is
// "*" or "*:*" and whose Resource is "*". Statement may be an object or a list; Action and Resource a
// string or a list.
func adminStatements(doc string) ([]adminStatement, error) {
	stmts, err := ParsePolicy(doc)
	if err != nil {
		return nil, err
	}
	var out []adminStatement
	for i, s := range stmts {
		if !IsAdminStatement(s) {
			continue
		}
		action := "*"
		if !slices.Contains(s.Action, "*") {
			action = "*:*"
		}
		name := fmt.Sprintf("statement #%d", i)
		if s.Sid != "" {
			name = fmt.Sprintf("statement %q", s.Sid)
		}
		out = append(out, adminStatement{statement: name, action: action})
	}
	return out, nil
}
