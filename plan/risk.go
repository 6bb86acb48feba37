package plan

import (
	"fmt"
	"strings"
)

// Risk from content, not labels. An action's Risk field is what the planner wrote, but a plan file can be
// edited; what decides whether an action may apply unattended (NeedsApproval, Subset) is its effective
// risk: the higher of its Risk field and a floor derived from what the action does, using the same
// default risks the planner uses (the registry of remedies, remedies.go) and the configuration's overrides.
// The derivation says why as it goes (RiskFloor.Why): the reasons the renderers, `show` and apply --auto
// print come from the same code that computes the risk, never from a label stored in the plan.

// EffectiveRisk is the risk that decides whether an action needs approval: the higher of a.Risk and a
// floor derived from what the action does, with the configuration's risk overrides (by control id):
//   - register-task-definition: the highest risk of its Controls and its Edits' controls, and of any
//     edit's own Risk (an edit riskier than its control's default: Edit.Risk, Edit.Why); high when it
//     names none, or names a control without an automatic fix;
//   - update-service: moving to a revision that the plan does not register (no TaskDefinitionFrom) is
//     the highest risk of the edits that revision applies (high when it names none); moving to the
//     revision a registration of this plan creates is that registration's effective risk (high when no
//     such registration is in the plan); setting platformVersion to LATEST adds ECS.10's risk, setting it
//     to anything else is high; setting the network configuration is high (it changes where the tasks
//     run and how they reach ECR, S3 and CloudWatch Logs);
//   - update-cluster-settings: ECS.12's risk when it sets exactly containerInsights to enabled or
//     enhanced, high otherwise;
//   - create-secret: the highest risk of ECS.8 and its Controls (high when it names a control other than
//     ECS.8 and the plaintext-credentials exposure, or none);
//   - ensure-log-group: ECS.9's risk (high when it names another control, or none);
//   - put-role-policy: medium when all of these hold, high otherwise: it writes the owned policy; every
//     statement's Sid is one of ecsfix's with exactly that Sid's actions (EcsfixReadSecrets:
//     secretsmanager:GetSecretValue; EcsfixDecryptSecrets: kms:Decrypt; EcsfixWriteLogs:
//     logs:CreateLogStream, logs:PutLogEvents); EcsfixReadSecrets names no literal resource, only
//     create-secret actions of this plan (ResourcesFrom); each EcsfixWriteLogs resource is
//     arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME:* in the role's partition and account, with no
//     other wildcard; EcsfixDecryptSecrets names exactly one key ARN (arn:…:kms:REGION:ACCOUNT:key/ID, no
//     alias, no wildcard); and the role is the execution role of a registration of this plan (its After)
//     or of a source revision it registers from (its Before);
//   - deregister-task-definition: high, always;
//   - detach-role-policy and remove-policy-statements (the admin task-role fix): high, always, whatever
//     the overrides say;
//   - update-security-group-ingress and create-security-group: high, always;
//   - anything else (an unknown type, a missing payload): high.
//
// Each change kind derives its floor (riskFloor in its change_*.go file).
//
// An a.Risk that is not low, medium or high is returned as it is: it is within no unattended level.
func (p *Plan) EffectiveRisk(a Action, overrides map[string]Risk) Risk {
	return p.RiskOf(a, overrides).Risk
}

// RiskOf is the action's effective risk (EffectiveRisk) and why: the reasons of the floor its change
// kind derives, or, when the action's Risk field is higher than that floor, that the plan labels it so.
func (p *Plan) RiskOf(a Action, overrides map[string]Risk) RiskFloor {
	f := p.riskFloor(&a, overrides)
	if a.Risk != "" && a.Risk.Rank() > f.Risk.Rank() {
		label := fmt.Sprintf("the plan labels it %s", a.Risk)
		if f.Risk != "" {
			label += fmt.Sprintf(" (what it does alone is %s: %s)", f.Risk, strings.Join(f.Why, "; "))
		}
		return RiskFloor{Risk: a.Risk, Why: []string{label}}
	}
	return f
}

// effectiveRisk is EffectiveRisk without the reasons, for the planner, which labels every action with
// its effective risk and never shows why: a registration's floor is derived by editsFloorRisk (no
// reason written), any other action's by EffectiveRisk. TestFastPathsAgree and every plan the tests
// build hold it to EffectiveRisk.
func (p *Plan) effectiveRisk(a *Action, overrides map[string]Risk) Risk {
	if a.Type != RegisterTaskDefinition || a.RegisterTaskDefinition == nil || payloadCount(a) != 1 {
		return p.EffectiveRisk(*a, overrides)
	}
	f := editsFloorRisk(a.Controls, a.RegisterTaskDefinition.Edits, overrides)
	if a.Risk != "" && a.Risk.Rank() > f.Rank() {
		return a.Risk
	}
	return f
}

// RiskFloor is the lowest risk an action can have, derived from what it does, and why: each reason
// names an edit, a setting or a failed condition that makes the action that risky (reasons that only
// justify a lower risk are dropped as a higher one is found).
type RiskFloor struct {
	Risk Risk
	Why  []string
}

// raise makes the floor at least r because of why: a higher r replaces the reasons, an equal one adds
// to them, a lower one changes nothing.
func (f *RiskFloor) raise(r Risk, why string) {
	switch {
	case f.Risk == "" || r.Rank() > f.Risk.Rank():
		f.Risk, f.Why = r, []string{why}
	case r.Rank() == f.Risk.Rank():
		for _, w := range f.Why {
			if w == why {
				return
			}
		}
		f.Why = append(f.Why, why)
	}
}

// raiseFloor raises f by every reason of g (at g's risk).
func (f *RiskFloor) raiseFloor(g RiskFloor, prefix string) {
	for _, w := range g.Why {
		f.raise(g.Risk, prefix+w)
	}
	if len(g.Why) == 0 && g.Risk != "" {
		f.raise(g.Risk, strings.TrimSuffix(prefix, ": "))
	}
}

// raiseControl raises f by the risk of fixing a control (controlRiskWhy), what saying what for.
func (f *RiskFloor) raiseControl(control, what string, overrides map[string]Risk) {
	r, why := controlRiskWhy(control, overrides)
	if what != "" {
		why = what + " (" + why + ")"
	}
	f.raise(r, why)
}

// highBecause is a high floor for one reason.
func highBecause(format string, args ...any) RiskFloor {
	return RiskFloor{Risk: RiskHigh, Why: []string{fmt.Sprintf(format, args...)}}
}

// riskFloor is the floor its change kind derives from what the action does; high for an unknown type
// or a missing payload.
func (p *Plan) riskFloor(a *Action, overrides map[string]Risk) RiskFloor {
	c := a.Change()
	if c == nil {
		if kindOf(a.Type) == nil {
			return highBecause("%q is not an action type ecsfix knows", string(a.Type))
		}
		return highBecause("the action has no %s payload", payloadField(a.Type))
	}
	return c.riskFloor(p, a, overrides)
}

// controlRiskWhy is controlRisk (remedies.go) with the reason: the configuration's override for the
// control ("fix.risk sets ECS.5 to high"), for the revision remedy that answers it, the remedy's default
// ("ECS.4: high by default"), or no automatic fix. TestControlRiskWhy checks that both give the same
// risk for every control of the registry, with and without overrides.
func controlRiskWhy(control string, overrides map[string]Risk) (Risk, string) {
	if r, ok := lookupRisk(overrides, control); ok {
		return r, fmt.Sprintf("%s: fix.risk sets it to %s", control, r)
	}
	if f, ok := fixFor(control); ok {
		if r, ok := lookupRisk(overrides, f.ID); ok {
			return r, fmt.Sprintf("%s: fix.risk sets %s, whose fix it shares, to %s", control, f.ID, r)
		}
	}
	if rem, ok := remedyFor(control); ok && rem.Risk != "" {
		return rem.Risk, fmt.Sprintf("%s: %s by default", control, rem.Risk)
	}
	return RiskHigh, fmt.Sprintf("%s has no automatic fix", control)
}

// controlsWithin reports whether controls is non-empty and each is one of allowed (case-insensitive).
func controlsWithin(controls []string, allowed ...string) bool {
	if len(controls) == 0 {
		return false
	}
	for _, c := range controls {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.EqualFold(c, a)
		}
		if !ok {
			return false
		}
	}
	return true
}

// controlsOutside are the controls not among allowed (case-insensitive).
func controlsOutside(controls []string, allowed ...string) []string {
	var out []string
	for _, c := range controls {
		if !controlsWithin([]string{c}, allowed...) {
			out = append(out, c)
		}
	}
	return out
}

// controlsFloor is a high floor, and true, when a's controls are not all among allowed (or it names
// none): a label its content does not back.
func controlsFloor(a *Action, what string, allowed ...string) (RiskFloor, bool) {
	if len(a.Controls) == 0 {
		return highBecause("%s that names no control", what), true
	}
	if out := controlsOutside(a.Controls, allowed...); len(out) > 0 {
		return highBecause("%s labelled %s, which it does not fix (it fixes %s)", what, strings.Join(out, ", "), strings.Join(allowed, ", ")), true
	}
	return RiskFloor{}, false
}
