package plan

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// Risk from content, not labels. An action's Risk field is what the planner wrote, but a plan file can be
// edited; what decides whether an action may apply unattended (NeedsApproval, Subset) is its effective
// risk: the higher of its Risk field and a floor derived from what the action does, using the same
// default-risk table the planner uses (defaultRisks) and the configuration's overrides.

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
//   - anything else (an unknown type, a missing payload): high.
//
// An a.Risk that is not low, medium or high is returned as it is: it is within no unattended level.
func (p *Plan) EffectiveRisk(a Action, overrides map[string]Risk) Risk {
	return maxRisk(a.Risk, p.riskFloor(&a, overrides))
}

func (p *Plan) riskFloor(a *Action, overrides map[string]Risk) Risk {
	switch a.Type {
	case RegisterTaskDefinition:
		r := a.RegisterTaskDefinition
		if r == nil {
			return RiskHigh
		}
		controls := append([]string(nil), a.Controls...)
		for _, e := range r.Edits {
			controls = append(controls, e.Control)
		}
		if len(controls) == 0 {
			return RiskHigh
		}
		floor := Risk("")
		for _, c := range controls {
			floor = maxRisk(floor, controlRisk(c, overrides))
		}
		return floor
	case UpdateService:
		u := a.UpdateService
		if u == nil || u.After == (ServiceSettings{}) {
			return RiskHigh
		}
		floor := Risk("")
		if u.After.TaskDefinition != "" {
			reg := p.registrationAction(u.TaskDefinitionFrom)
			if reg == nil {
				return RiskHigh
			}
			floor = maxRisk(floor, p.EffectiveRisk(*reg, overrides))
		}
		switch pv := u.After.PlatformVersion; pv {
		case "":
		case "LATEST":
			floor = maxRisk(floor, controlRisk("ECS.10", overrides))
		default:
			return RiskHigh
		}
		if u.After.Network != nil {
			return RiskHigh
		}
		return floor
	case UpdateClusterSettings:
		c := a.UpdateClusterSettings
		if c == nil || len(c.After) != 1 || c.After[0].Name != containerInsights {
			return RiskHigh
		}
		switch c.After[0].Value {
		case "enabled", "enhanced":
			return controlRisk("ECS.12", overrides)
		}
		return RiskHigh
	case CreateSecret:
		if a.CreateSecret == nil || !controlsWithin(a.Controls, "ECS.8", detect.ExposurePlaintextCredentialsID) {
			return RiskHigh
		}
		floor := controlRisk("ECS.8", overrides)
		for _, c := range a.Controls {
			floor = maxRisk(floor, controlRisk(c, overrides))
		}
		return floor
	case EnsureLogGroup:
		if a.EnsureLogGroup == nil || !controlsWithin(a.Controls, "ECS.9") {
			return RiskHigh
		}
		return controlRisk("ECS.9", overrides)
	case PutRolePolicy:
		c := a.PutRolePolicy
		if c == nil || c.PolicyName != OwnedPolicyName || len(c.Statements) == 0 || !p.isExecutionRole(c.Role) {
			return RiskHigh
		}
		for _, st := range c.Statements {
			if !p.ownedStatement(c.Role, st) {
				return RiskHigh
			}
		}
		return RiskMedium
	case DeregisterTaskDefinition, DetachRolePolicy, RemovePolicyStatements:
		return RiskHigh
	}
	return RiskHigh
}

// sidActions are the exact actions of each statement ecsfix puts in the policy it owns: what a
// put-role-policy action may grant and still be medium risk.
var sidActions = map[string][]string{
	SidReadSecrets:    {"secretsmanager:GetSecretValue"},
	SidDecryptSecrets: {"kms:Decrypt"},
	SidWriteLogs:      {"logs:CreateLogStream", "logs:PutLogEvents"},
}

var (
	logStreamsResource = regexp.MustCompile(`^arn:([a-z0-9-]+):logs:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):log-group:([A-Za-z0-9_\-/.#]+):\*$`)
	kmsKeyResource     = regexp.MustCompile(`^arn:([a-z0-9-]+):kms:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:key/[A-Za-z0-9-]+$`)
)

// ownedStatement reports whether a statement of a put-role-policy action for role is exactly one that
// ecsfix plans (see EffectiveRisk).
func (p *Plan) ownedStatement(role string, st PolicyStatement) bool {
	want, ok := sidActions[st.Sid]
	if !ok || len(st.Actions) != len(want) {
		return false
	}
	have := map[string]bool{}
	for _, a := range st.Actions {
		have[a] = true
	}
	for _, a := range want {
		if !have[a] {
			return false
		}
	}
	if len(have) != len(want) {
		return false
	}
	switch st.Sid {
	case SidReadSecrets:
		if len(st.Resources) != 0 || len(st.ResourcesFrom) == 0 {
			return false
		}
		for _, id := range st.ResourcesFrom {
			if !p.hasActionOf(id, CreateSecret) {
				return false
			}
		}
	case SidWriteLogs:
		if len(st.ResourcesFrom) != 0 || len(st.Resources) == 0 {
			return false
		}
		for _, r := range st.Resources {
			m := logStreamsResource.FindStringSubmatch(r)
			if m == nil || m[1] != partitionOf(role) || m[3] != detect.AccountOf(role) {
				return false
			}
		}
	case SidDecryptSecrets:
		if len(st.ResourcesFrom) != 0 || len(st.Resources) != 1 {
			return false
		}
		m := kmsKeyResource.FindStringSubmatch(st.Resources[0])
		if m == nil || m[1] != partitionOf(role) {
			return false
		}
	}
	return true
}

// hasActionOf reports whether the plan has an action of that id and type.
func (p *Plan) hasActionOf(id string, typ ActionType) bool {
	for i := range p.Actions {
		if p.Actions[i].ID == id && p.Actions[i].Type == typ {
			return true
		}
	}
	return false
}

// isExecutionRole reports whether role is the execution role of a registration of the plan (in its
// After) or of the source revision it registers from (its Before).
func (p *Plan) isExecutionRole(role string) bool {
	if p == nil || role == "" {
		return false
	}
	for i := range p.Actions {
		r := p.Actions[i].RegisterTaskDefinition
		if p.Actions[i].Type != RegisterTaskDefinition || r == nil {
			continue
		}
		for _, doc := range []json.RawMessage{r.After, r.Before} {
			var td struct {
				ExecutionRoleArn string `json:"executionRoleArn"`
			}
			if len(doc) == 0 || json.Unmarshal(doc, &td) != nil || td.ExecutionRoleArn == "" {
				continue
			}
			if td.ExecutionRoleArn == role || roleArnOf(td.ExecutionRoleArn, r.SourceArn) == role {
				return true
			}
		}
	}
	return false
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

// containerInsights is the name of the cluster setting ECS.12 fixes.
const containerInsights = "containerInsights"

// registrationAction returns the register-task-definition action with the given id (nil when id is empty
// or names no registration of the plan).
func (p *Plan) registrationAction(id string) *Action {
	if p == nil || id == "" {
		return nil
	}
	for i := range p.Actions {
		if a := &p.Actions[i]; a.ID == id && a.Type == RegisterTaskDefinition && a.RegisterTaskDefinition != nil {
			return a
		}
	}
	return nil
}
