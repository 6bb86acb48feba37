package plan

import (
	"fmt"

	"github.com/ecsfix/ecsfix/detect"
)

// The detach-role-policy change kind: AdministratorAccess detached from a task role (the admin task-role
// fix; opt-in, high risk). ecsfix detaches no other managed policy: detaching anything else (a guardrail
// full of Denies, say) could widen access.

// DetachRolePolicy detaches AdministratorAccess from a task role (opt-in, high risk).
const DetachRolePolicy ActionType = "detach-role-policy"

// DetachRolePolicyChange detaches a managed policy from a role.
type DetachRolePolicyChange struct {
	Role      string `json:"role"` // ARN
	PolicyArn string `json:"policyArn"`
}

// Touches implements Change: the role.
func (d *DetachRolePolicyChange) Touches() []string { return []string{d.Role} }

// Writes implements Change: the role.
func (d *DetachRolePolicyChange) Writes(a *Action) []string { return uniqueStrings(a.Resource, d.Role) }

// Facts implements Change: the role's attached and inline policies (RolePolicyFacts).
func (d *DetachRolePolicyChange) Facts(*Action) []FactCheck {
	return []FactCheck{{Resource: d.Role, ResourceType: detect.TypeRole, Facts: []string{FactAttached, FactInline}}}
}

// Rederivable implements Change: see Rebuild.
func (d *DetachRolePolicyChange) Rederivable() bool { return true }

var _ Rebuilder[[]string, []string] = (*DetachRolePolicyChange)(nil)

// Rebuild is the role's attached policies (ARNs) after the change, from those read at apply time: the
// same without PolicyArn. It refuses to detach anything but AdministratorAccess.
func (d *DetachRolePolicyChange) Rebuild(attached []string) ([]string, error) {
	if !detect.IsAdministratorAccess(d.PolicyArn) {
		return nil, fmt.Errorf("detach %s: only AdministratorAccess is ever detached", d.PolicyArn)
	}
	out := []string{}
	for _, p := range attached {
		if p != d.PolicyArn {
			out = append(out, p)
		}
	}
	return out, nil
}

func (d *DetachRolePolicyChange) implicitDependencies() []string { return nil }

// validate checks a detach-role-policy payload: an IAM role ARN (the action's resource) and the ARN of
// AdministratorAccess.
func (d *DetachRolePolicyChange) validate(a *Action, _ map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !iamRoleArn.MatchString(d.Role) {
		bad("detachRolePolicy: role %q is not an IAM role ARN", d.Role)
	} else if d.Role != a.Resource {
		bad("detachRolePolicy: role %s is not the action's resource %s", d.Role, a.Resource)
	}
	if !iamPolicyArn.MatchString(d.PolicyArn) {
		bad("detachRolePolicy: policyArn %q is not an IAM policy ARN", d.PolicyArn)
	} else if !detect.IsAdministratorAccess(d.PolicyArn) {
		bad("detachRolePolicy: policyArn %q is not AdministratorAccess (arn:<partition>:iam::aws:policy/AdministratorAccess): ecsfix detaches no other policy", d.PolicyArn)
	}
	return errs
}

// validateControls: the admin task-role exposure only.
func (d *DetachRolePolicyChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a detach-role-policy action", detect.ExposureAdminTaskRoleID)
}

// riskFloor: high, always, whatever the overrides say.
func (d *DetachRolePolicyChange) riskFloor(*Plan, *Action, map[string]Risk) RiskFloor {
	return highBecause("it detaches %s from the task role %s: the task loses every access only that policy gave it, and what uses it fails (always high, whatever fix.risk says)",
		d.PolicyArn, detect.ShortARN(d.Role))
}

func (d *DetachRolePolicyChange) details() changeDetails {
	return changeDetails{rows: [][2]string{{"role", d.Role}, {"detach", d.PolicyArn}}}
}

func (d *DetachRolePolicyChange) diff() (string, error) { return "", nil }

// rederive implements rederiver: AdministratorAccess, attached to the role as read (on a resumed apply,
// it may be detached already), detached from the policies read (Rebuild).
func (d *DetachRolePolicyChange) rederive(_ *Plan, a *Action, st *ReadState) error {
	const what = "the role's attached policies"
	role, ok := st.Roles[d.Role]
	if !ok || !role.AllPolicies {
		return rederiveFail(a, what, "", "the policies of role %s were not read", d.Role)
	}
	if !st.Started[a.ID] && !contains(role.Attached, d.PolicyArn) {
		return rederiveFail(a, what, "detachRolePolicy.policyArn", "is %s, not attached to the role as read", d.PolicyArn)
	}
	if _, err := d.Rebuild(role.Attached); err != nil {
		return rederiveFail(a, what, "detachRolePolicy.policyArn", "%v", err)
	}
	return nil
}
