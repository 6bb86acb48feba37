package plan

import (
	"strings"
)

// Risk from content, not labels. An action's Risk field is what the planner wrote, but a plan file can be
// edited; what decides whether an action may apply unattended (NeedsApproval, Subset) is its effective
// risk: the higher of its Risk field and a floor derived from what the action does, using the same
// default risks the planner uses (the registry of remedies, remedies.go) and the configuration's overrides.

// EffectiveRisk is the risk that decides whether an action needs approval: the higher of a.Risk and a
// floor derived from what the action does, with the configuration's risk overrides (by control id):
//   - register-task-definition: the highest risk of its Controls and its Edits' controls; high when it
//     names none, or names a control without an automatic fix;
//   - update-service: moving to a revision that the plan does not register (no TaskDefinitionFrom) is
//     high; moving to the revision a registration of this plan creates is that registration's effective
//     risk (high when no such registration is in the plan); setting platformVersion to LATEST adds
//     ECS.10's risk, setting it to anything else is high; setting the network configuration is high
//     (it changes where the tasks run and how they reach ECR, S3 and CloudWatch Logs);
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
	return maxRisk(a.Risk, p.riskFloor(&a, overrides))
}

// riskFloor is the floor its change kind derives from what the action does; high for an unknown type
// or a missing payload.
func (p *Plan) riskFloor(a *Action, overrides map[string]Risk) Risk {
	c := a.Change()
	if c == nil {
		return RiskHigh
	}
	return c.riskFloor(p, a, overrides)
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
