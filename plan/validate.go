package plan

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Validate checks what a plan must hold to be applied: the current format version, the tool that made
// it and when, and actions that are each complete (an id unique in the plan, a known type with exactly
// the payload of that type, a known risk, dependencies on earlier actions only, masked values that are
// placeholders). It reports every problem found.
func (p *Plan) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if p.FormatVersion != FormatVersion {
		bad("formatVersion is %d, want %d", p.FormatVersion, FormatVersion)
	}
	if p.Tool.Name == "" || p.Tool.Version == "" {
		bad("tool: name and version are required")
	}
	if p.CreatedAt.IsZero() {
		bad("createdAt is required")
	}
	seen := map[string]*Action{}
	for i := range p.Actions {
		a := p.Actions[i]
		where := fmt.Sprintf("action %d", i+1)
		if a.ID != "" {
			where += fmt.Sprintf(" (%s)", a.ID)
		}
		for _, err := range validateAction(&a, seen) {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
		if a.ID != "" {
			if _, dup := seen[a.ID]; dup {
				bad("%s: id %q is used by an earlier action", where, a.ID)
			} else {
				seen[a.ID] = &p.Actions[i]
			}
		}
	}
	for i, f := range p.State {
		if f.Resource == "" {
			bad("state %d: resource is required", i+1)
		}
	}
	for i, ap := range p.Approvals {
		if ap.By == "" || ap.PlanHash == "" || ap.At.IsZero() {
			bad("approval %d: by, at and planHash are required", i+1)
		}
	}
	return errors.Join(errs...)
}

// validateAction checks one action; earlier maps the ids of the actions before it to them.
func validateAction(a *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.ID == "" {
		bad("id is required")
	}
	if a.Resource == "" {
		bad("resource is required")
	}
	switch a.Risk {
	case RiskLow, RiskMedium, RiskHigh:
	case "":
		bad("risk is required")
	default:
		bad("risk %q is not one of low, medium, high", a.Risk)
	}
	for _, d := range a.DependsOn {
		switch {
		case d == a.ID:
			bad("depends on itself")
		case earlier[d] == nil:
			bad("depends on %q, which is not an earlier action", d)
		}
	}

	payloads := 0
	for _, set := range []bool{a.RegisterTaskDefinition != nil, a.UpdateService != nil, a.UpdateClusterSettings != nil,
		a.CreateSecret != nil, a.PutRolePolicy != nil, a.EnsureLogGroup != nil, a.DeregisterTaskDefinition != nil,
		a.DetachRolePolicy != nil, a.RemovePolicyStatements != nil, a.UpdateSecurityGroupIngress != nil, a.CreateSecurityGroup != nil} {
		if set {
			payloads++
		}
	}
	var has bool
	switch a.Type {
	case RegisterTaskDefinition:
		if has = a.RegisterTaskDefinition != nil; has {
			errs = append(errs, validateRegistration(a.RegisterTaskDefinition, earlier)...)
		}
	case UpdateService:
		if has = a.UpdateService != nil; has {
			u := a.UpdateService
			if u.Cluster == "" || u.Service == "" {
				bad("updateService: cluster and service are required")
			}
			if u.After == (ServiceSettings{}) {
				bad("updateService: after changes nothing")
			}
			if f := u.TaskDefinitionFrom; f != "" && (earlier[f] == nil || earlier[f].Type != RegisterTaskDefinition) {
				bad("updateService: taskDefinitionFrom %q is not an earlier registration", f)
			}
			for _, e := range validateNetworkFrom("after", u.After.Network, u.SecurityGroupsFrom) {
				bad("updateService: %v", e)
			}
			errs = append(errs, validateSecurityGroupsFrom(u, earlier)...)
			if u.Before.Network != nil {
				for _, e := range validateNetwork("before", u.Before.Network) {
					bad("updateService: %v", e)
				}
			}
		}
	case UpdateClusterSettings:
		if has = a.UpdateClusterSettings != nil; has {
			if a.UpdateClusterSettings.Cluster == "" {
				bad("updateClusterSettings: cluster is required")
			}
		}
	case CreateSecret:
		if has = a.CreateSecret != nil; has {
			errs = append(errs, validateCreateSecret(a.CreateSecret)...)
		}
	case PutRolePolicy:
		if has = a.PutRolePolicy != nil; has {
			errs = append(errs, validatePutRolePolicy(a.PutRolePolicy, earlier)...)
		}
	case EnsureLogGroup:
		if has = a.EnsureLogGroup != nil; has {
			if a.EnsureLogGroup.Name == "" {
				bad("ensureLogGroup: name is required")
			}
			if a.EnsureLogGroup.RetentionDays < 0 {
				bad("ensureLogGroup: retentionDays is negative")
			}
		}
	case DeregisterTaskDefinition:
		if has = a.DeregisterTaskDefinition != nil; has {
			if len(a.DeregisterTaskDefinition.TaskDefinitions) == 0 {
				bad("deregisterTaskDefinition: taskDefinitions is empty")
			}
			for i, td := range a.DeregisterTaskDefinition.TaskDefinitions {
				if _, err := detect.ParseTaskDefinitionARN(td); err != nil {
					bad("deregisterTaskDefinition: task definition %d: %v", i+1, err)
				}
			}
		}
	case DetachRolePolicy:
		if has = a.DetachRolePolicy != nil; has {
			errs = append(errs, validateDetachRolePolicy(a.DetachRolePolicy, a.Resource)...)
		}
	case RemovePolicyStatements:
		if has = a.RemovePolicyStatements != nil; has {
			errs = append(errs, validateRemovePolicyStatements(a.RemovePolicyStatements, a.Resource)...)
		}
	case UpdateSecurityGroupIngress:
		if has = a.UpdateSecurityGroupIngress != nil; has {
			errs = append(errs, validateIngressUpdate(a.UpdateSecurityGroupIngress, a.Resource)...)
		}
	case CreateSecurityGroup:
		if has = a.CreateSecurityGroup != nil; has {
			errs = append(errs, validateCreateSecurityGroup(a.CreateSecurityGroup, a.Resource)...)
		}
	case "":
		bad("type is required")
		return errs
	default:
		bad("type %q is unknown", a.Type)
		return errs
	}
	switch {
	case !has:
		bad("type %s needs its %s payload", a.Type, payloadField(a.Type))
	case payloads > 1:
		bad("type %s may carry only its %s payload", a.Type, payloadField(a.Type))
	default:
		errs = append(errs, validateControls(a, earlier)...)
	}
	return errs
}

// validateControls checks that an action's controls are those its type can fix: a registration fixes
// task-definition controls and exposure traits that have a registration remediation (its edits too); a
// cluster settings update fixes ECS.12; a service update fixes ECS.10 (when it sets the platform version)
// and the controls of the registration whose revision it deploys (or, moving to a revision the plan does
// not register, controls that have a registration remediation). A label that its content does not back
// would let an action pass for another, lower-risk, one.
func validateControls(a *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(a.Controls) == 0 {
		bad("controls: an action fixes at least one control")
	}
	switch a.Type {
	case RegisterTaskDefinition:
		for _, c := range a.Controls {
			if _, ok := fixFor(c); !ok {
				bad("controls: %q is not a control that a new task-definition revision fixes", c)
			}
		}
		for i, e := range a.RegisterTaskDefinition.Edits {
			if _, ok := fixFor(e.Control); !ok {
				bad("registerTaskDefinition: edit %d: control %q is not a control that a new task-definition revision fixes", i+1, e.Control)
			}
		}
	case CreateSecret, DeregisterTaskDefinition:
		for _, c := range a.Controls {
			if !strings.EqualFold(c, "ECS.8") && !strings.EqualFold(c, detect.ExposurePlaintextCredentialsID) {
				bad("controls: %q is not a control that a %s action fixes (ECS.8, %s)", c, a.Type, detect.ExposurePlaintextCredentialsID)
			}
		}
	case EnsureLogGroup:
		for _, c := range a.Controls {
			if !strings.EqualFold(c, "ECS.9") {
				bad("controls: %q is not a control that an ensure-log-group action fixes (only ECS.9)", c)
			}
		}
	case PutRolePolicy:
		for _, c := range a.Controls {
			if !strings.EqualFold(c, "ECS.8") && !strings.EqualFold(c, detect.ExposurePlaintextCredentialsID) && !strings.EqualFold(c, "ECS.9") {
				bad("controls: %q is not a control that a put-role-policy action fixes (ECS.8, %s, ECS.9)", c, detect.ExposurePlaintextCredentialsID)
			}
		}
	case DetachRolePolicy, RemovePolicyStatements:
		for _, c := range a.Controls {
			if !strings.EqualFold(c, detect.ExposureAdminTaskRoleID) {
				bad("controls: %q is not a control that a %s action fixes (only %s)", c, a.Type, detect.ExposureAdminTaskRoleID)
			}
		}
	case UpdateSecurityGroupIngress, CreateSecurityGroup:
		for _, c := range a.Controls {
			if !strings.EqualFold(c, detect.ExposureOpenSecurityGroupID) {
				bad("controls: %q is not a control that a %s action fixes (only %s)", c, a.Type, detect.ExposureOpenSecurityGroupID)
			}
		}
	case UpdateClusterSettings:
		for _, c := range a.Controls {
			if !strings.EqualFold(c, "ECS.12") {
				bad("controls: %q is not a control that a cluster settings update fixes (only ECS.12)", c)
			}
		}
	case UpdateService:
		u := a.UpdateService
		var deployed map[string]bool
		if reg := earlier[u.TaskDefinitionFrom]; u.TaskDefinitionFrom != "" && reg != nil {
			deployed = map[string]bool{}
			for _, c := range reg.Controls {
				deployed[strings.ToUpper(c)] = true
			}
		}
		for _, c := range a.Controls {
			switch {
			case strings.EqualFold(c, detect.ECS2ID) || strings.EqualFold(c, detect.ExposurePublicIPID):
				if u.After.Network == nil || u.After.Network.AssignPublicIp != string(ecstypes.AssignPublicIpDisabled) {
					bad("controls: %q is fixed by a network configuration with assignPublicIp DISABLED, which this update does not set", c)
				}
			case strings.EqualFold(c, detect.ExposureOpenSecurityGroupID):
				if len(u.SecurityGroupsFrom) == 0 || u.After.Network == nil {
					bad("controls: %q is fixed by a service update that moves the service to copied security groups, which this update does not do", c)
				}
			case strings.EqualFold(c, "ECS.10"):
				if u.After.PlatformVersion == "" {
					bad("controls: ECS.10 is fixed by setting the platform version, which this update does not set")
				}
			case u.After.TaskDefinition == "":
				bad("controls: %q is not fixed by a service update that does not change the task definition", c)
			case u.TaskDefinitionFrom == "":
				if _, ok := fixFor(c); !ok {
					bad("controls: %q is not a control that a new task-definition revision fixes", c)
				}
			case deployed != nil && !deployed[strings.ToUpper(c)]:
				bad("controls: %q is not among the controls of registration %s, whose revision the service moves to", c, u.TaskDefinitionFrom)
			}
		}
	}
	return errs
}

// validateNetwork checks an awsvpc configuration of a service update: subnets, security groups and
// assignPublicIp ENABLED or DISABLED (nil: not changed, nothing to check).
func validateNetwork(which string, n *AwsVpcSettings) []error {
	return validateNetworkFrom(which, n, nil)
}

// validateNetworkFrom is validateNetwork where the security groups may also be placeholders listed in
// from (SecurityGroupsFrom).
func validateNetworkFrom(which string, n *AwsVpcSettings, from map[string]string) []error {
	if n == nil {
		return nil
	}
	var errs []error
	if len(n.Subnets) == 0 {
		errs = append(errs, fmt.Errorf("%s.network: subnets is empty", which))
	}
	for i, s := range n.Subnets {
		if !strings.HasPrefix(s, "subnet-") {
			errs = append(errs, fmt.Errorf("%s.network: subnet %d: %q is not a subnet id", which, i+1, s))
		}
	}
	if len(n.SecurityGroups) == 0 {
		errs = append(errs, fmt.Errorf("%s.network: securityGroups is empty", which))
	}
	for i, g := range n.SecurityGroups {
		if _, ok := from[g]; ok {
			continue
		}
		if !strings.HasPrefix(g, "sg-") {
			errs = append(errs, fmt.Errorf("%s.network: security group %d: %q is not a security group id", which, i+1, g))
		}
	}
	switch n.AssignPublicIp {
	case string(ecstypes.AssignPublicIpEnabled), string(ecstypes.AssignPublicIpDisabled):
	default:
		errs = append(errs, fmt.Errorf("%s.network: assignPublicIp %q is not ENABLED or DISABLED", which, n.AssignPublicIp))
	}
	return errs
}

func payloadField(t ActionType) string {
	switch t {
	case RegisterTaskDefinition:
		return "registerTaskDefinition"
	case UpdateService:
		return "updateService"
	case UpdateClusterSettings:
		return "updateClusterSettings"
	case CreateSecret:
		return "createSecret"
	case PutRolePolicy:
		return "putRolePolicy"
	case EnsureLogGroup:
		return "ensureLogGroup"
	case DeregisterTaskDefinition:
		return "deregisterTaskDefinition"
	case DetachRolePolicy:
		return "detachRolePolicy"
	case RemovePolicyStatements:
		return "removePolicyStatements"
	case UpdateSecurityGroupIngress:
		return "updateSecurityGroupIngress"
	case CreateSecurityGroup:
		return "createSecurityGroup"
	}
	return string(t)
}

// validateRegistration checks a registration's documents and that every masked place holds the
// placeholder, never a value.
func validateRegistration(r *RegisterTaskDefinitionChange, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.SourceArn == "" || r.Family == "" {
		bad("registerTaskDefinition: sourceArn and family are required")
	}
	before, err := decodeObject(r.Before)
	if err != nil {
		bad("registerTaskDefinition: before: %v", err)
	}
	after, err := decodeObject(r.After)
	if err != nil {
		bad("registerTaskDefinition: after: %v", err)
	}
	for i, m := range r.Masked {
		if _, err := parseJSONPath(m.Path); err != nil {
			bad("registerTaskDefinition: masked %d: path: %v", i+1, err)
		}
		if _, err := parseJSONPath(m.SourcePath); err != nil {
			bad("registerTaskDefinition: masked %d: sourcePath: %v", i+1, err)
		}
		if !isSHA256Hex(m.SHA256) {
			bad("registerTaskDefinition: masked %d: sha256 is not 64 lowercase hex digits", i+1)
		}
		// Say where, never what: the value may be the secret itself.
		if after != nil {
			switch v, _, ok := lookupJSONPath(after, m.Path); {
			case !ok:
				bad("registerTaskDefinition: after has no placeholder at masked path %s", m.Path)
			case v != MaskedValue:
				bad("registerTaskDefinition: after holds a value at masked path %s instead of %q", m.Path, MaskedValue)
			}
		}
		if before != nil {
			if v, _, ok := lookupJSONPath(before, m.SourcePath); ok && v != MaskedValue {
				bad("registerTaskDefinition: before holds a value at masked path %s instead of %q", m.SourcePath, MaskedValue)
			}
		}
	}
	for i, ref := range r.SecretRefs {
		if _, err := parseJSONPath(ref.Path); err != nil {
			bad("registerTaskDefinition: secret ref %d: path: %v", i+1, err)
			continue
		}
		cs := earlier[ref.From]
		if cs == nil || cs.Type != CreateSecret || cs.CreateSecret == nil {
			bad("registerTaskDefinition: secret ref %d (%s): from %q is not an earlier create-secret action", i+1, ref.Path, ref.From)
		} else {
			switch {
			case cs.CreateSecret.JSON && !secretHasKey(cs.CreateSecret, ref.Key):
				bad("registerTaskDefinition: secret ref %d (%s): key %q is not a key of the JSON secret of %s", i+1, ref.Path, ref.Key, ref.From)
			case !cs.CreateSecret.JSON && ref.Key != "":
				bad("registerTaskDefinition: secret ref %d (%s): the secret of %s is plain text, it has no key %q", i+1, ref.Path, ref.From, ref.Key)
			}
		}
		if after != nil {
			if v, _, ok := lookupJSONPath(after, ref.Path); !ok || v != secretPlaceholder(ref.From) {
				bad("registerTaskDefinition: secret ref %d: after does not hold the placeholder %q at %s", i+1, secretPlaceholder(ref.From), ref.Path)
			}
		}
	}
	return errs
}

func secretHasKey(c *CreateSecretChange, key string) bool {
	for _, v := range c.Values {
		if v.Key == key {
			return key != ""
		}
	}
	return false
}

// validateCreateSecret checks a create-secret payload: a name, values each with a key (unique), a source
// and a hash, exactly one value for a plain-text secret.
func validateCreateSecret(c *CreateSecretChange) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Name == "" {
		bad("createSecret: name is required")
	}
	if len(c.Values) == 0 {
		bad("createSecret: values is empty")
	}
	if !c.JSON && len(c.Values) > 1 {
		bad("createSecret: a plain-text secret (json false) holds one value, not %d", len(c.Values))
	}
	keys := map[string]bool{}
	for i, v := range c.Values {
		if v.Key == "" {
			bad("createSecret: value %d: key is required", i+1)
		} else if keys[v.Key] {
			bad("createSecret: value %d: key %s is used by an earlier value", i+1, v.Key)
		}
		keys[v.Key] = true
		if _, err := detect.ParseTaskDefinitionARN(v.SourceArn); err != nil {
			bad("createSecret: value %d (%s): sourceArn: %v", i+1, v.Key, err)
		}
		if _, err := parseJSONPath(v.SourcePath); err != nil {
			bad("createSecret: value %d (%s): sourcePath: %v", i+1, v.Key, err)
		}
		if !isSHA256Hex(v.SHA256) {
			bad("createSecret: value %d (%s): sha256 is not 64 lowercase hex digits", i+1, v.Key)
		}
	}
	return errs
}

// validatePutRolePolicy checks a put-role-policy payload: a role, the owned policy (ecsfix never writes
// another), statements each with a Sid, actions and resources, ResourcesFrom naming earlier create-secret
// actions.
func validatePutRolePolicy(c *PutRolePolicyChange, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(c.Role, "arn:") {
		bad("putRolePolicy: role must be a role ARN")
	}
	if c.PolicyName != OwnedPolicyName {
		bad("putRolePolicy: policyName is %q: ecsfix writes only its own policy %q", c.PolicyName, OwnedPolicyName)
	}
	if len(c.Statements) == 0 {
		bad("putRolePolicy: statements is empty")
	}
	sids := map[string]bool{}
	for i, st := range c.Statements {
		if st.Sid == "" {
			bad("putRolePolicy: statement %d: sid is required", i+1)
		} else if sids[st.Sid] {
			bad("putRolePolicy: statement %d: sid %s is used by an earlier statement", i+1, st.Sid)
		}
		sids[st.Sid] = true
		if len(st.Actions) == 0 {
			bad("putRolePolicy: statement %d: actions is empty", i+1)
		}
		if len(st.Resources)+len(st.ResourcesFrom) == 0 {
			bad("putRolePolicy: statement %d: no resources", i+1)
		}
		for _, id := range st.ResourcesFrom {
			if e := earlier[id]; e == nil || e.Type != CreateSecret {
				bad("putRolePolicy: statement %d: resourcesFrom %q is not an earlier create-secret action", i+1, id)
			}
		}
	}
	if c.Before != "" {
		if _, err := decodeObject([]byte(c.Before)); err != nil {
			bad("putRolePolicy: before: %v", err)
		}
	}
	return errs
}

// validateDetachRolePolicy checks a detach-role-policy payload: an IAM role ARN (the action's resource)
// and an IAM policy ARN.
func validateDetachRolePolicy(c *DetachRolePolicyChange, resource string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !iamRoleArn.MatchString(c.Role) {
		bad("detachRolePolicy: role %q is not an IAM role ARN", c.Role)
	} else if c.Role != resource {
		bad("detachRolePolicy: role %s is not the action's resource %s", c.Role, resource)
	}
	if !iamPolicyArn.MatchString(c.PolicyArn) {
		bad("detachRolePolicy: policyArn %q is not an IAM policy ARN", c.PolicyArn)
	} else if !detect.IsAdministratorAccess(c.PolicyArn) {
		bad("detachRolePolicy: policyArn %q is not AdministratorAccess (arn:<partition>:iam::aws:policy/AdministratorAccess): ecsfix detaches no other policy", c.PolicyArn)
	}
	return errs
}

// validateRemovePolicyStatements checks a remove-policy-statements payload: an IAM role ARN (the
// action's resource), a policy name, a Before that parses, Removed naming statements of Before (by Sid or
// "#index"), and an After that parses unless it is "" (the policy is deleted).
func validateRemovePolicyStatements(c *RemovePolicyStatementsChange, resource string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !iamRoleArn.MatchString(c.Role) {
		bad("removePolicyStatements: role %q is not an IAM role ARN", c.Role)
	} else if c.Role != resource {
		bad("removePolicyStatements: role %s is not the action's resource %s", c.Role, resource)
	}
	if c.PolicyName == "" {
		bad("removePolicyStatements: policyName is required")
	}
	before, err := detect.ParsePolicy(c.Before)
	if err != nil {
		bad("removePolicyStatements: before: %v", err)
	}
	if len(c.Removed) == 0 {
		bad("removePolicyStatements: removed is empty")
	} else if err == nil {
		labels := statementLabels(before)
		for i, r := range c.Removed {
			if !labels[r] {
				bad("removePolicyStatements: removed %d: %q names no statement of before (a Sid or #index)", i+1, r)
				continue
			}
			for j, st := range before {
				if (r == fmt.Sprintf("#%d", j) || (st.Sid != "" && st.Sid == r)) && !detect.IsAdminStatement(st) {
					bad("removePolicyStatements: removed %d: %q is not an Allow of every action on every resource: removing it could widen access", i+1, r)
					break
				}
			}
		}
	}
	if c.After != "" {
		if _, err := detect.ParsePolicy(c.After); err != nil {
			bad("removePolicyStatements: after: %v", err)
		}
	}
	return errs
}

// decodeObject decodes a JSON object.
func decodeObject(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("missing")
	}
	v, err := decodeGenericJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && s == strings.ToLower(s)
}

// validateSecurityGroupsFrom checks a service update's SecurityGroupsFrom: each placeholder is the one of
// its action, appears in After.Network.SecurityGroups, and names an earlier create-security-group action.
func validateSecurityGroupsFrom(u *UpdateServiceChange, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, ph := range sortedKeys(u.SecurityGroupsFrom) {
		id := u.SecurityGroupsFrom[ph]
		if ph != SecurityGroupPlaceholder(id) {
			bad("updateService: securityGroupsFrom: placeholder %q is not the one of action %q (%q)", ph, id, SecurityGroupPlaceholder(id))
		}
		if u.After.Network == nil || !contains(u.After.Network.SecurityGroups, ph) {
			bad("updateService: securityGroupsFrom: placeholder %q is not in after.network.securityGroups", ph)
		}
		if a := earlier[id]; a == nil || a.Type != CreateSecurityGroup {
			bad("updateService: securityGroupsFrom: %q is not an earlier create-security-group action", id)
		}
	}
	if u.After.Network != nil {
		for _, g := range u.After.Network.SecurityGroups {
			if strings.HasPrefix(g, "(") {
				if _, ok := u.SecurityGroupsFrom[g]; !ok {
					bad("updateService: after.network.securityGroups: placeholder %q is not in securityGroupsFrom", g)
				}
			}
		}
	}
	return errs
}

// validateRule checks one security-group rule: a valid protocol, ports in range, exactly one source.
func validateRule(which string, i int, r IngressRule) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s rule %d: %s", which, i+1, fmt.Sprintf(format, args...)))
	}
	switch r.Protocol {
	case "tcp", "udp", "6", "17":
		if r.FromPort < 0 || r.ToPort > 65535 || r.FromPort > r.ToPort {
			bad("ports %d-%d are not a range within 0-65535", r.FromPort, r.ToPort)
		}
	case "icmp", "icmpv6", "1", "58":
		if r.FromPort < -1 || r.FromPort > 255 || r.ToPort < -1 || r.ToPort > 255 {
			bad("icmp type/code %d/%d out of range", r.FromPort, r.ToPort)
		}
	case "-1":
	default:
		bad("protocol %q is not tcp, udp, icmp, icmpv6 or -1", r.Protocol)
	}
	n := 0
	for _, s := range []string{r.CidrIPv4, r.CidrIPv6, r.SourceGroup} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		bad("has %d sources, want exactly one", n)
	}
	if r.SourceGroup != "" && !strings.HasPrefix(r.SourceGroup, "sg-") && !strings.HasPrefix(r.SourceGroup, "prefix-list:pl-") {
		bad("source %q is not a security group id", r.SourceGroup)
	}
	if r.CidrIPv4 != "" && !strings.Contains(r.CidrIPv4, "/") {
		bad("cidrIpv4 %q is not a CIDR", r.CidrIPv4)
	}
	if r.CidrIPv6 != "" && !strings.Contains(r.CidrIPv6, "/") {
		bad("cidrIpv6 %q is not a CIDR", r.CidrIPv6)
	}
	return errs
}

func validateIngressUpdate(c *UpdateSecurityGroupIngressChange, resource string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(c.GroupID, "sg-") {
		bad("updateSecurityGroupIngress: groupId %q is not a security group id", c.GroupID)
	}
	if resource != c.GroupID {
		bad("updateSecurityGroupIngress: resource %q is not groupId %q", resource, c.GroupID)
	}
	if !strings.HasPrefix(c.VpcID, "vpc-") {
		bad("updateSecurityGroupIngress: vpcId %q is not a VPC id", c.VpcID)
	}
	if len(c.Revoke) == 0 {
		bad("updateSecurityGroupIngress: revokes nothing")
	}
	for i, r := range c.Authorize {
		for _, e := range validateRule("updateSecurityGroupIngress: authorize", i, r) {
			errs = append(errs, e)
		}
		if isWorld(r) {
			bad("updateSecurityGroupIngress: authorize rule %d (%s) widens: a replacement is never from 0.0.0.0/0 or ::/0", i+1, ruleText(r))
		}
	}
	for i, r := range c.Revoke {
		for _, e := range validateRule("updateSecurityGroupIngress: revoke", i, r) {
			errs = append(errs, e)
		}
		if !isWorld(r) {
			bad("updateSecurityGroupIngress: revoke rule %d (%s) is not a world-open rule: only rules from 0.0.0.0/0 or ::/0 are revoked", i+1, ruleText(r))
		}
	}
	return errs
}

func validateCreateSecurityGroup(c *CreateSecurityGroupChange, resource string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(c.CopyOf, "sg-") {
		bad("createSecurityGroup: copyOf %q is not a security group id", c.CopyOf)
	}
	if resource != c.CopyOf {
		bad("createSecurityGroup: resource %q is not copyOf %q", resource, c.CopyOf)
	}
	if !strings.HasPrefix(c.VpcID, "vpc-") {
		bad("createSecurityGroup: vpcId %q is not a VPC id", c.VpcID)
	}
	if c.GroupName == "" || len(c.GroupName) > 255 || strings.HasPrefix(strings.ToLower(c.GroupName), "sg-") {
		bad("createSecurityGroup: groupName %q is empty, longer than 255 or starts with sg-", c.GroupName)
	}
	if c.Description == "" || len(c.Description) > 255 {
		bad("createSecurityGroup: description is empty or longer than 255")
	}
	for i, r := range c.Ingress {
		for _, e := range validateRule("createSecurityGroup: ingress", i, r) {
			errs = append(errs, e)
		}
		if isWorld(r) {
			bad("createSecurityGroup: ingress rule %d (%s) widens: the copy holds no rule from 0.0.0.0/0 or ::/0", i+1, ruleText(r))
		}
	}
	for i, r := range c.Egress {
		for _, e := range validateRule("createSecurityGroup: egress", i, r) {
			errs = append(errs, e)
		}
	}
	return errs
}
