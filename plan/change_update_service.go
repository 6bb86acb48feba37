package plan

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// The update-service change kind: a service moved to a fixed revision, a platform version and/or an
// awsvpc network configuration, in one UpdateService call. The planner makes one per part of a service's
// fix that carries its own risk (services.go); each holds in Before and After only what it writes.

// UpdateService moves a service to a fixed revision and/or changes its settings.
const UpdateService ActionType = "update-service"

// UpdateServiceChange updates a service's settings; unset fields of After are left as they are.
type UpdateServiceChange struct {
	Cluster string          `json:"cluster"`
	Service string          `json:"service"`
	Before  ServiceSettings `json:"before"`
	After   ServiceSettings `json:"after"`
	// TaskDefinitionFrom is the id of the registration whose new revision After.TaskDefinition stands for.
	TaskDefinitionFrom string `json:"taskDefinitionFrom,omitempty"`
	// SecurityGroupsFrom maps placeholders in After.Network.SecurityGroups ("(security group created by
	// aN)") to the create-security-group action whose new group id replaces them when applying.
	SecurityGroupsFrom map[string]string `json:"securityGroupsFrom,omitempty"`
	// Edits are, for a move to a revision this plan does not register (no TaskDefinitionFrom: a fix an
	// earlier plan registered), the fixes that revision applies to the revision the service runs, as a
	// registration records them: the applier re-derives the revision from the one the service runs with
	// these edits and refuses any other (rederiveExisting), and the action's risk is theirs.
	Edits []Edit `json:"edits,omitempty"`
}

// ServiceSettings are the service fields ecsfix changes.
type ServiceSettings struct {
	TaskDefinition  string `json:"taskDefinition,omitempty"`
	PlatformVersion string `json:"platformVersion,omitempty"`
	// Network is the whole awsvpc configuration (UpdateService replaces it as a whole).
	Network *AwsVpcSettings `json:"network,omitempty"`
}

// AwsVpcSettings is a service's awsvpc network configuration.
type AwsVpcSettings struct {
	Subnets        []string `json:"subnets"`
	SecurityGroups []string `json:"securityGroups"`
	AssignPublicIp string   `json:"assignPublicIp"`
}

// Touches implements Change: the cluster, the service and the revision it runs (and, moving to a
// revision this plan does not register, that revision).
func (u *UpdateServiceChange) Touches() []string {
	if u.movesToExisting() {
		return []string{u.Cluster, u.Service, u.Before.TaskDefinition, u.After.TaskDefinition}
	}
	return []string{u.Cluster, u.Service, u.Before.TaskDefinition}
}

// movesToExisting reports whether the update moves the service to a revision this plan does not
// register (a fix an earlier plan registered).
func (u *UpdateServiceChange) movesToExisting() bool {
	return u.After.TaskDefinition != "" && u.TaskDefinitionFrom == ""
}

// Writes implements Change: the service.
func (u *UpdateServiceChange) Writes(a *Action) []string { return uniqueStrings(a.Resource) }

// Facts implements Change: the service's revision, platform version, network configuration, primary
// deployment and status (ServiceFacts); moving to a revision this plan does not register, the status of
// that revision and of the one the service runs (re-derivation reads both).
func (u *UpdateServiceChange) Facts(a *Action) []FactCheck {
	out := []FactCheck{{Resource: a.Resource, ResourceType: detect.TypeService,
		Facts: []string{FactTaskDefinition, FactPlatformVersion, FactStatus, FactNetwork, FactDeploymentID, FactDeploymentAt}}}
	if u.movesToExisting() {
		for _, td := range uniqueStrings(u.Before.TaskDefinition, u.After.TaskDefinition) {
			out = append(out, FactCheck{Resource: td, ResourceType: detect.TypeTaskDefinition, Facts: []string{FactStatus}})
		}
	}
	return out
}

// Rederivable implements Change: see Rebuild.
func (u *UpdateServiceChange) Rederivable() bool { return true }

// ServiceBefore is what Rebuild of a service update starts from: the service's settings read at apply
// time, and the ids produced by earlier actions of the plan (the revision a registration registered, the
// group a create-security-group created), by action id.
type ServiceBefore struct {
	Settings ServiceSettings
	Produced func(actionID string) string
}

var _ Rebuilder[ServiceBefore, ServiceSettings] = (*UpdateServiceChange)(nil)

// Rebuild is the service's settings after the update, from its settings read at apply time: the
// revision and platform version the plan sets, and the network configuration with the plan's edits
// (Before to After) applied to the one read: assignPublicIp as After says when the plan changes it, the
// security groups and subnets the plan removes taken out and those it adds put in (placeholders replaced
// by the groups the plan created). Settings the plan does not change are kept as read.
func (u *UpdateServiceChange) Rebuild(before ServiceBefore) (ServiceSettings, error) {
	produced := func(id string) string {
		if before.Produced == nil {
			return ""
		}
		return before.Produced(id)
	}
	out := ServiceSettings{TaskDefinition: before.Settings.TaskDefinition, PlatformVersion: before.Settings.PlatformVersion,
		Network: copyNetwork(before.Settings.Network)}
	if u.After.TaskDefinition != "" {
		out.TaskDefinition = u.After.TaskDefinition
		if u.TaskDefinitionFrom != "" {
			if out.TaskDefinition = produced(u.TaskDefinitionFrom); out.TaskDefinition == "" {
				return ServiceSettings{}, fmt.Errorf("registration %s produced no revision", u.TaskDefinitionFrom)
			}
		}
	}
	if u.After.PlatformVersion != "" {
		out.PlatformVersion = u.After.PlatformVersion
	}
	if u.After.Network == nil {
		return out, nil
	}
	after := copyNetwork(u.After.Network)
	for i, g := range after.SecurityGroups {
		if id, ok := u.SecurityGroupsFrom[g]; ok {
			if after.SecurityGroups[i] = produced(id); after.SecurityGroups[i] == "" {
				return ServiceSettings{}, fmt.Errorf("create-security-group %s produced no group", id)
			}
		}
	}
	if u.Before.Network == nil || out.Network == nil {
		out.Network = after
		return out, nil
	}
	n := out.Network
	if u.After.Network.AssignPublicIp != u.Before.Network.AssignPublicIp {
		n.AssignPublicIp = after.AssignPublicIp
	}
	n.Subnets = applyListEdit(n.Subnets, u.Before.Network.Subnets, after.Subnets)
	n.SecurityGroups = applyListEdit(n.SecurityGroups, u.Before.Network.SecurityGroups, after.SecurityGroups)
	return out, nil
}

// applyListEdit applies the edit from → to (the elements removed and added) to cur.
func applyListEdit(cur, from, to []string) []string {
	out := []string{}
	for _, s := range cur {
		if !contains(from, s) || contains(to, s) {
			out = append(out, s)
		}
	}
	for _, s := range to {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func copyNetwork(n *AwsVpcSettings) *AwsVpcSettings {
	if n == nil {
		return nil
	}
	return &AwsVpcSettings{Subnets: append([]string{}, n.Subnets...), SecurityGroups: append([]string{}, n.SecurityGroups...),
		AssignPublicIp: n.AssignPublicIp}
}

// implicitDependencies: the registration whose revision it deploys.
func (u *UpdateServiceChange) implicitDependencies() []string {
	if u.TaskDefinitionFrom != "" {
		return []string{u.TaskDefinitionFrom}
	}
	return nil
}

func (u *UpdateServiceChange) validate(a *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if u.Cluster == "" || u.Service == "" {
		bad("updateService: cluster and service are required")
	} else if err := u.validateTarget(a); err != nil {
		errs = append(errs, err)
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
	errs = append(errs, u.validateSecurityGroupsFrom(earlier)...)
	if u.Before.Network != nil {
		for _, e := range validateNetwork("before", u.Before.Network) {
			bad("updateService: %v", e)
		}
	}
	return errs
}

// validateTarget checks that the service the update calls (Cluster, Service) is the action's resource,
// the service whose state the stale check and the re-derivation read: the service's name (or its ARN),
// and its cluster's name or an ARN of its cluster in its partition, account and region. A plan edited so
// that an update read on one service writes another is refused.
func (u *UpdateServiceChange) validateTarget(a *Action) error {
	res := strings.SplitN(a.Resource, ":", 6)
	if len(res) != 6 || res[0] != "arn" || res[2] != "ecs" || !strings.HasPrefix(res[5], "service/") {
		return fmt.Errorf("updateService: resource %q is not a service ARN", a.Resource)
	}
	path := strings.Split(strings.TrimPrefix(res[5], "service/"), "/")
	name := path[len(path)-1]
	if u.Service != a.Resource && u.Service != name {
		return fmt.Errorf("updateService.service: %q is not service %s, the action's resource", u.Service, a.Resource)
	}
	cluster := u.Cluster
	if strings.HasPrefix(cluster, "arn:") {
		c := strings.SplitN(cluster, ":", 6)
		if len(c) != 6 || c[1] != res[1] || c[2] != "ecs" || c[3] != res[3] || c[4] != res[4] || !strings.HasPrefix(c[5], "cluster/") {
			return fmt.Errorf("updateService.cluster: %q is not a cluster in the account and region of service %s, the action's resource", u.Cluster, a.Resource)
		}
		cluster = strings.TrimPrefix(c[5], "cluster/")
	}
	if len(path) == 2 && cluster != path[0] {
		return fmt.Errorf("updateService.cluster: %q is not the cluster of service %s, the action's resource", u.Cluster, a.Resource)
	}
	return nil
}

// validateControls: a service update fixes ECS.10 (when it sets the platform version), ECS.2 and the
// public-IP exposure (when it sets assignPublicIp DISABLED), the open-security-group exposure (when it
// moves the service to copied groups), and the controls of the registration whose revision it deploys
// (or, moving to a revision the plan does not register, controls that have a registration remediation).
func (u *UpdateServiceChange) validateControls(a *Action, earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	var deployed map[string]bool
	if reg := earlier[u.TaskDefinitionFrom]; u.TaskDefinitionFrom != "" && reg != nil {
		deployed = map[string]bool{}
		for _, c := range reg.Controls {
			deployed[strings.ToUpper(c)] = true
		}
	}
	for i, e := range u.Edits {
		if _, ok := fixFor(e.Control); !ok {
			bad("updateService: edit %d: control %q is not a control that a new task-definition revision fixes", i+1, e.Control)
		}
	}
	if len(u.Edits) > 0 && !u.movesToExisting() {
		bad("updateService: edits are those of a revision this plan does not register; this update moves to none")
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
		case strings.EqualFold(c, detect.ECS10ID):
			if u.After.PlatformVersion == "" {
				bad("controls: ECS.10 is fixed by setting the platform version, which this update does not set")
			}
		case u.After.TaskDefinition == "":
			bad("controls: %q is not fixed by a service update that does not change the task definition", c)
		case u.TaskDefinitionFrom == "":
			if _, ok := fixFor(c); !ok {
				bad("controls: %q is not a control that a new task-definition revision fixes", c)
			} else if len(u.Edits) > 0 && !u.editsFix(c) {
				bad("controls: %q is not among the controls of the edits of the revision the service moves to", c)
			}
		case deployed != nil && !deployed[strings.ToUpper(c)]:
			bad("controls: %q is not among the controls of registration %s, whose revision the service moves to", c, u.TaskDefinitionFrom)
		}
	}
	return errs
}

// riskFloor: moving to the revision a registration of this plan creates is that registration's
// effective risk; moving to a revision that the plan does not register (a fix an earlier plan
// registered) is the highest risk of its edits (editsFloor), which the applier re-derives that revision
// with (high when it names none); platformVersion LATEST adds ECS.10's risk, any other is high; a
// network configuration is high, each difference from the one planned against named.
func (u *UpdateServiceChange) riskFloor(p *Plan, _ *Action, overrides map[string]Risk) RiskFloor {
	if u.After == (ServiceSettings{}) {
		return highBecause("it sets nothing: an update-service without a revision, platform version or network is no change ecsfix plans")
	}
	var f RiskFloor
	if td := u.After.TaskDefinition; td != "" {
		switch {
		case u.TaskDefinitionFrom == "" && len(u.Edits) == 0:
			f.raise(RiskHigh, fmt.Sprintf("it moves the service to %s, a revision this plan does not register, and names no edits to re-derive it by", detect.ShortARN(td)))
		case u.TaskDefinitionFrom == "":
			f.raiseFloor(editsFloor(nil, u.Edits, overrides), fmt.Sprintf("it moves the service to %s, registered earlier: ", detect.ShortARN(td)))
		default:
			reg := p.registrationAction(u.TaskDefinitionFrom)
			if reg == nil {
				f.raise(RiskHigh, fmt.Sprintf("it moves the service to the revision of %s, which is no registration of this plan", u.TaskDefinitionFrom))
			} else {
				rf := p.RiskOf(*reg, overrides)
				switch {
				case len(rf.Why) == 2:
					rf.Why = []string{fmt.Sprintf("%s is %s: %s", reg.ID, rf.Risk, strings.Join(rf.Why, "; "))}
				case len(rf.Why) > 2:
					rf.Why = []string{fmt.Sprintf("%s is %s for the %d reasons it gives", reg.ID, rf.Risk, len(rf.Why))}
				}
				f.raiseFloor(rf, fmt.Sprintf("it deploys the revision %s registers: ", reg.ID))
			}
		}
	}
	switch pv := u.After.PlatformVersion; pv {
	case "":
	case "LATEST":
		f.raiseControl(detect.ECS10ID, "platformVersion LATEST", overrides)
	default:
		f.raise(RiskHigh, fmt.Sprintf("platformVersion %q: ecsfix only ever sets LATEST", pv))
	}
	if n := u.After.Network; n != nil {
		for _, why := range networkChanges(u.Before.Network, n) {
			f.raise(RiskHigh, why)
		}
	}
	return f
}

// networkChanges say what a new awsvpc configuration changes, and what that can break.
func networkChanges(before, after *AwsVpcSettings) []string {
	if before == nil {
		return []string{"it sets the network configuration: where the tasks run, what may reach them, and how they reach ECR, S3 and CloudWatch Logs"}
	}
	var out []string
	if before.AssignPublicIp != after.AssignPublicIp {
		what := "the tasks reach ECR, S3, CloudWatch Logs and anything outside the VPC only through a NAT gateway or VPC endpoints"
		if after.AssignPublicIp == "ENABLED" {
			what = "the tasks get public IP addresses, reachable from the internet wherever their security groups allow"
		}
		out = append(out, fmt.Sprintf("assignPublicIp %s → %s: %s", orNone(before.AssignPublicIp), orNone(after.AssignPublicIp), what))
	}
	if !slices.Equal(before.Subnets, after.Subnets) {
		out = append(out, fmt.Sprintf("subnets %s → %s: the tasks run in other subnets, with their routes",
			orNone(strings.Join(before.Subnets, ", ")), orNone(strings.Join(after.Subnets, ", "))))
	}
	if !slices.Equal(before.SecurityGroups, after.SecurityGroups) {
		out = append(out, fmt.Sprintf("security groups %s → %s: what may reach the tasks, and what they may reach, changes",
			orNone(strings.Join(before.SecurityGroups, ", ")), orNone(strings.Join(after.SecurityGroups, ", "))))
	}
	if len(out) == 0 {
		out = append(out, "it sets the network configuration (as it is): UpdateService replaces it as a whole")
	}
	return out
}

// orNone is s, or "(none)" when empty.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// details: a move to a revision an earlier plan registered shows the edits that revision applies (what
// the applier re-derives it with).
func (u *UpdateServiceChange) details() changeDetails { return changeDetails{edits: u.Edits} }

// diff diffs the settings the update touches.
func (u *UpdateServiceChange) diff() (string, error) {
	name := "service/" + detect.ShortARN(u.Service)
	if !strings.HasPrefix(u.Service, "arn:") {
		name = "service/" + detect.ShortARN(u.Cluster) + "/" + u.Service
	}
	return unifiedDiff(name+" (now)", name+" (after)", serviceLines(u, false), serviceLines(u, true))
}

// serviceLines renders the settings a service update touches, one "name: value" line each; after
// overlays After on Before (unset fields of After are left as they are).
func serviceLines(u *UpdateServiceChange, after bool) string {
	type field struct{ name, before, after string }
	fields := []field{
		{"taskDefinition", u.Before.TaskDefinition, u.After.TaskDefinition},
		{"platformVersion", u.Before.PlatformVersion, u.After.PlatformVersion},
	}
	var b strings.Builder
	for _, f := range fields {
		if f.before == "" && f.after == "" {
			continue
		}
		v := f.before
		if after && f.after != "" {
			v = f.after
			if f.name == "taskDefinition" && u.TaskDefinitionFrom != "" {
				v += " (the revision " + u.TaskDefinitionFrom + " registers)"
			}
		}
		if v == "" {
			v = "(not set)"
		}
		fmt.Fprintf(&b, "%s: %s\n", f.name, v)
	}
	if u.Before.Network != nil || u.After.Network != nil {
		n := u.Before.Network
		if after && u.After.Network != nil {
			n = u.After.Network
		}
		list := func(s []string) string {
			if len(s) == 0 {
				return "(none)"
			}
			return strings.Join(s, ", ")
		}
		if n == nil {
			b.WriteString("network: (not set)\n")
		} else {
			fmt.Fprintf(&b, "network.subnets: %s\nnetwork.securityGroups: %s\nnetwork.assignPublicIp: %s\n",
				list(n.Subnets), list(n.SecurityGroups), n.AssignPublicIp)
		}
	}
	return b.String()
}

// validateNetwork checks an awsvpc configuration of a service update: subnets, security groups and
// assignPublicIp ENABLED or DISABLED (nil: not changed, nothing to check).
func validateNetwork(which string, n *AwsVpcSettings) []error {
	return validateNetworkFrom(which, n, nil)
}

// validateNetworkFrom is validateNetwork where the security groups may also be placeholders listed in
// from (SecurityGroupsFrom). UpdateService replaces the awsvpc configuration as a whole: one without a
// subnet, or without a security group (the service would be given the VPC's default group), or with an
// assignPublicIp other than ENABLED or DISABLED, is refused.
func validateNetworkFrom(which string, n *AwsVpcSettings, from map[string]string) []error {
	if n == nil {
		return nil
	}
	var errs []error
	if len(n.Subnets) == 0 {
		errs = append(errs, fmt.Errorf("%s.network: subnets is empty", which))
	}
	for i, s := range n.Subnets {
		if !strings.HasPrefix(s, "subnet-") || strings.TrimSpace(s) != s {
			errs = append(errs, fmt.Errorf("%s.network: subnet %d: %q is not a subnet id", which, i+1, s))
		}
	}
	if len(n.SecurityGroups) == 0 {
		errs = append(errs, fmt.Errorf("%s.network: securityGroups is empty (the service would be given the VPC's default group)", which))
	}
	for i, g := range n.SecurityGroups {
		if _, ok := from[g]; ok {
			continue
		}
		if !strings.HasPrefix(g, "sg-") || strings.TrimSpace(g) != g {
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

// validateSecurityGroupsFrom checks a service update's SecurityGroupsFrom: each placeholder is the one of
// its action, appears in After.Network.SecurityGroups, and names an earlier create-security-group action.
func (u *UpdateServiceChange) validateSecurityGroupsFrom(earlier map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, ph := range slices.Sorted(maps.Keys(u.SecurityGroupsFrom)) {
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

// rederive implements rederiver. From the service read (on a resumed apply, the fields the plan's
// Before records, which the first run checked) and the plan's typed edits:
//   - the revision: the new revision of the registration TaskDefinitionFrom names, whose source must be
//     the revision the service runs (After.TaskDefinition names it: that registration's placeholder, or
//     a revision of its family); without one (the fix an earlier plan registered), a newer revision of
//     the family the service runs, in its account and region, equal field by field to the revision the
//     service runs with the action's Edits re-applied (rederiveExisting);
//   - the platform version: LATEST (ECS.10), or unchanged;
//   - the network: the security groups read, each one a create-security-group action of the plan copies
//     replaced by that copy's placeholder; assignPublicIp as read or DISABLED; the subnets read (other
//     subnets only where assignPublicIp goes from ENABLED to DISABLED, and only the ECS.2 fix's
//     replacement subnets of one VPC in the applier's configuration, ReadState.Config). A service with
//     no network configuration gets one only with a registration of the plan that moves its revision
//     from host to awsvpc (the host-network fix), and exactly the subnets and groups the applier's
//     configuration names for its cluster, assignPublicIp DISABLED.
//
// The result of Rebuild on the service read must then be the plan's After.
func (u *UpdateServiceChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the service's settings"
	fail := func(path, format string, args ...any) error {
		return rederiveFail(a, what, path, format, args...)
	}
	cur, ok := st.Services[a.Resource]
	if !ok {
		return fail("", "the service %s was not read", a.Resource)
	}
	if st.Started[a.ID] {
		// It may run what this update set: start from what the plan saw.
		if u.Before.TaskDefinition != "" {
			cur.TaskDefinition = u.Before.TaskDefinition
		}
		if u.Before.PlatformVersion != "" {
			cur.PlatformVersion = u.Before.PlatformVersion
		}
		if u.Before.Network != nil {
			cur.Network = copyNetwork(u.Before.Network)
		}
	} else {
		if b := u.Before.TaskDefinition; b != "" && b != cur.TaskDefinition {
			return fail("updateService.before.taskDefinition", "is %s; the service runs %s", b, cur.TaskDefinition)
		}
		if b := u.Before.Network; b != nil && (cur.Network == nil || !sameNetworkSettings(b, cur.Network)) {
			return fail("updateService.before.network", "is not the service's network configuration as read")
		}
	}
	placeholders := map[string]string{} // action id -> what stands for what it produces
	if td := u.After.TaskDefinition; td != "" {
		if u.TaskDefinitionFrom != "" {
			reg := p.registrationAction(u.TaskDefinitionFrom)
			if reg == nil {
				return fail("updateService.taskDefinitionFrom", "is %q, not a registration of the plan", u.TaskDefinitionFrom)
			}
			if src := reg.RegisterTaskDefinition.SourceArn; src != cur.TaskDefinition {
				return fail("updateService.taskDefinitionFrom", "is %s, a fix of %s; the service runs %s", reg.ID, src, cur.TaskDefinition)
			}
			// After.TaskDefinition only names the revision (the applier deploys the one the
			// registration registers): its placeholder, or a revision of its family.
			want := NewRevisionPlaceholder(reg.RegisterTaskDefinition.Family, reg.RegisterTaskDefinition.SourceArn)
			if _, err := detect.ParseTaskDefinitionARN(td); td != want && (err != nil || detect.FamilyKey(td) != detect.FamilyKey(reg.RegisterTaskDefinition.SourceArn)) {
				return fail("updateService.after.taskDefinition", "is %q; the revision %s registers is %q", td, reg.ID, want)
			}
			placeholders[reg.ID] = td
		} else if err := u.rederiveExisting(p, a, cur.TaskDefinition, st); err != nil {
			return err
		}
	}
	if pv := u.After.PlatformVersion; pv != "" && pv != "LATEST" {
		return fail("updateService.after.platformVersion", "is %q: the ECS.10 fix sets LATEST", pv)
	}
	for ph, id := range u.SecurityGroupsFrom {
		placeholders[id] = ph
	}
	if n := u.After.Network; n != nil {
		if err := u.rederiveNetwork(p, a, cur.Network, st.Config, fail); err != nil {
			return err
		}
	}
	got, err := u.Rebuild(ServiceBefore{Settings: cur, Produced: func(id string) string { return placeholders[id] }})
	if err != nil {
		return fail("", "%v", err)
	}
	if t := u.After.TaskDefinition; t != "" && got.TaskDefinition != t {
		return fail("updateService.after.taskDefinition", "is %s; rebuilt: %s", t, got.TaskDefinition)
	}
	if pv := u.After.PlatformVersion; pv != "" && got.PlatformVersion != pv {
		return fail("updateService.after.platformVersion", "is %s; rebuilt: %s", pv, got.PlatformVersion)
	}
	if n := u.After.Network; n != nil && (got.Network == nil || !sameNetworkSettings(n, got.Network)) {
		return fail("updateService.after.network", "is not the network configuration rebuilt from the one read")
	}
	return nil
}

// rederiveNetwork checks After.Network against the network configuration read (cur, nil when none).
// Values the configuration supplies (cfg: the host-network fix's subnets and groups, the public-IP fix's
// replacement subnets) must be the applier's configuration's; with none (cfg nil), they are refused.
func (u *UpdateServiceChange) rederiveNetwork(p *Plan, a *Action, cur *AwsVpcSettings, cfg *ConfiguredValues, fail func(path, format string, args ...any) error) error {
	n := u.After.Network
	if cur == nil {
		reg := p.registrationAction(u.TaskDefinitionFrom)
		if reg == nil || !reg.RegisterTaskDefinition.movesToAwsvpc() {
			return fail("updateService.after.network", "sets a network configuration on a service that has none, which only the host-network fix does, with a registration of this plan moving its revision to awsvpc")
		}
		if cfg == nil {
			return noConfig(a, "the service's settings", "updateService.after.network", "fix.host_network.awsvpc")
		}
		cluster := detect.ShortARN(u.Cluster)
		want, ok := cfg.Awsvpc[cluster]
		switch {
		case !ok:
			return fail("updateService.after.network", "comes from fix.host_network.awsvpc, which names no network for cluster %s", cluster)
		case !sameStrings(n.Subnets, want.Subnets):
			return fail("updateService.after.network.subnets", "is %s; fix.host_network.awsvpc for cluster %s names %s", strings.Join(n.Subnets, ", "), cluster, strings.Join(want.Subnets, ", "))
		case !sameStrings(n.SecurityGroups, want.SecurityGroups):
			return fail("updateService.after.network.securityGroups", "is %s; fix.host_network.awsvpc for cluster %s names %s", strings.Join(n.SecurityGroups, ", "), cluster, strings.Join(want.SecurityGroups, ", "))
		case n.AssignPublicIp != "DISABLED":
			return fail("updateService.after.network.assignPublicIp", "is %s; the host-network fix sets DISABLED", n.AssignPublicIp)
		}
		return nil
	}
	if n.AssignPublicIp != cur.AssignPublicIp && n.AssignPublicIp != "DISABLED" {
		return fail("updateService.after.network.assignPublicIp", "is %s; the service's is %s, and a fix only disables it", n.AssignPublicIp, cur.AssignPublicIp)
	}
	copies := map[string]string{} // group copied -> placeholder of its copy
	for ph, id := range u.SecurityGroupsFrom {
		if c := p.actionByID(id); c != nil && c.CreateSecurityGroup != nil {
			copies[c.CreateSecurityGroup.CopyOf] = ph
		}
	}
	want := []string{}
	for _, g := range cur.SecurityGroups {
		if ph, ok := copies[g]; ok {
			g = ph
		}
		want = append(want, g)
	}
	if !sameStrings(n.SecurityGroups, want) {
		return fail("updateService.after.network.securityGroups", "is %s; rebuilt from the groups read: %s", strings.Join(n.SecurityGroups, ", "), strings.Join(want, ", "))
	}
	if !sameStrings(n.Subnets, cur.Subnets) {
		if !(cur.AssignPublicIp == "ENABLED" && n.AssignPublicIp == "DISABLED") {
			return fail("updateService.after.network.subnets", "is %s; the service's are %s, and only the public-IP fix moves a service to other subnets", strings.Join(n.Subnets, ", "), strings.Join(cur.Subnets, ", "))
		}
		if cfg == nil {
			return noConfig(a, "the service's settings", "updateService.after.network.subnets", "fix.network.replacement_subnets")
		}
		if !replacementSubnets(n.Subnets, cfg.ReplacementSubnets) {
			return fail("updateService.after.network.subnets", "is %s, not among the replacement subnets of one VPC in fix.network.replacement_subnets", strings.Join(n.Subnets, ", "))
		}
	}
	return nil
}

// replacementSubnets reports whether subnets are all replacement subnets configured for one VPC.
func replacementSubnets(subnets []string, byVPC map[string][]string) bool {
	if len(subnets) == 0 {
		return false
	}
	for _, repl := range byVPC {
		ok := true
		for _, s := range subnets {
			ok = ok && slices.Contains(repl, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// sameNetworkSettings reports whether two awsvpc configurations are equal (lists in any order).
func sameNetworkSettings(a, b *AwsVpcSettings) bool {
	return a.AssignPublicIp == b.AssignPublicIp && sameStrings(a.Subnets, b.Subnets) && sameStrings(a.SecurityGroups, b.SecurityGroups)
}

// NewRevisionPlaceholder is how an update-service action names the revision a registration of the
// plan creates from source (of family).
func NewRevisionPlaceholder(family, source string) string {
	return fmt.Sprintf("(new revision of %s from %s)", family, detect.ShortARN(source))
}

// rederiveExisting re-derives a move to a revision this plan does not register (a fix an earlier plan
// registered): the target (After.TaskDefinition) and the revision the service runs (running) as read at
// apply time; the target must be a newer revision of running's family, in its account and region, and
// equal, field by field, to running rebuilt with the action's Edits (RebuildRegistration: the same
// comparison that re-derives a registration and that resume uses to reuse a revision). A plan without
// edits (made before ecsfix recorded them) is refused: nothing would say what the revision may differ in.
func (u *UpdateServiceChange) rederiveExisting(p *Plan, a *Action, running string, st *ReadState) error {
	const what, path = "the service's settings", "updateService.after.taskDefinition"
	td := u.After.TaskDefinition
	if len(u.Edits) == 0 {
		return rederiveFail(a, what, "updateService.edits", "is empty: the service moves to %s, a revision this plan does not register, and the action names no edits to re-derive it from the revision the service runs (a plan made before ecsfix recorded them): make the plan again", td)
	}
	from, err1 := detect.ParseTaskDefinitionARN(running)
	to, err2 := detect.ParseTaskDefinitionARN(td)
	if err1 != nil || err2 != nil || detect.FamilyKey(td) != detect.FamilyKey(running) || to.Revision <= from.Revision {
		return rederiveFail(a, what, path, "is %s, a revision this plan does not register and not a newer revision of the family the service runs (%s), in its account and region", td, running)
	}
	src, target := st.TaskDefinitions[running], st.TaskDefinitions[td]
	if src == nil {
		return rederiveFail(a, what, path, "moves from %s, the revision the service runs, which was not read", running)
	}
	if target == nil {
		return rederiveFail(a, what, path, "is %s, which was not read", td)
	}
	after, err := awsjson.Marshal(RegisterInput(target))
	if err != nil {
		return rederiveFail(a, what, path, "is %s, which cannot be encoded: %v", td, err)
	}
	reg := &Action{ID: a.ID, Type: RegisterTaskDefinition, Account: a.Account, Region: a.Region, Resource: running,
		RegisterTaskDefinition: &RegisterTaskDefinitionChange{SourceArn: running, Family: aws.ToString(src.Family), After: after, Edits: u.Edits}}
	if err := p.RebuildRegistrationFrom(reg, src, st); err != nil {
		var re *RederiveError
		if errors.As(err, &re) {
			field := re.Path
			if field == "" {
				field = "(the revision as a whole)"
			}
			reason := strings.Replace(re.Reason, "the plan's value is not the re-derived one", "the value of "+detect.ShortARN(td)+" is not the re-derived one", 1)
			return rederiveFail(a, what, path, "is %s, which is not the revision the service runs (%s) with the action's edits: its field %s: %s", td, running, field, reason)
		}
		return rederiveFail(a, what, path, "is %s: %v", td, err)
	}
	// As for a registration: an execution role a fix adds, and a log group the logging fix names, come
	// from the configuration.
	if err := reg.RegisterTaskDefinition.checkExecutionRole(reg, src, st.Config); err != nil {
		return err
	}
	return reg.RegisterTaskDefinition.checkLogGroupNames(reg, src, st.Config)
}

// editsFix reports whether one of the update's edits is the fix of control c (the same remedy).
func (u *UpdateServiceChange) editsFix(c string) bool {
	want, ok := fixFor(c)
	if !ok {
		return false
	}
	for _, e := range u.Edits {
		if f, ok := fixFor(e.Control); ok && f.ID == want.ID {
			return true
		}
	}
	return false
}
