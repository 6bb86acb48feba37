package plan

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The service plan: the update-service actions of a service, one for each part of what the remedies ask
// of it that carries a risk of its own — the platform version (ECS.10); the move to its fixed revision
// (with the awsvpc network the host-network fix gives it, deployed together); the network configuration
// (public IP, open security groups) — so that an unattended apply is never kept from a low-risk part by
// a riskier one of the same service.

// servicePlan is what the plan changes on one service.
type servicePlan struct {
	svc      *ecstypes.Service
	rev      *revisionPlan // the registration it moves to, nil when none
	platform bool          // ECS.10
	controls map[string]bool
	// publicIP are the public-IP controls (ECS.2, EXPOSURE.public-ip) asking for the network fix;
	// network is the change decided for them (fix_ecs2_public_ip.go).
	publicIP map[string]bool
	network  *networkPlan
	// openSG is set when the service asked for the open-security-group fix; sg is the fix decided
	// (fix_open_security_group.go).
	openSG bool
	sg     *sgPlan
}

// service is the plan of a service, made on first use.
func (b *builder) service(svc *ecstypes.Service) *servicePlan {
	arn := aws.ToString(svc.ServiceArn)
	sp, ok := b.services[arn]
	if !ok {
		sp = &servicePlan{svc: svc, controls: map[string]bool{}}
		b.services[arn] = sp
	}
	return sp
}

// serviceUpdate is the update-service action of one service while the service's fixes add to it.
type serviceUpdate struct {
	before, after ServiceSettings
	notes         []string
	pre           []Precondition
	controls      map[string]bool
	risk          Risk
	// from is the registration the service moves to; sgDeps are the create-security-group actions of
	// the copies it moves to, sgFrom maps each copy to its action.
	from   string
	edits  []Edit // moving to a fix an earlier plan registered: the edits it applies
	sgDeps []string
	sgFrom map[string]string
	// hostNet marks the awsvpc network configuration given by the host-network fix.
	hostNet bool
}

// redeployNote says that a network change alone replaces the service's tasks.
const redeployNote = "changing the network configuration starts a deployment: the service's tasks are replaced"

// serviceActions are the update-service actions of a service, lowest risk first (in the order platform,
// revision, network among equal risks): the platform version (ECS.10); the move to its fixed revision,
// with the network configuration the host-network fix gives it (an awsvpc revision cannot run without
// one, so they make one deployment); the network configuration the public-IP and open-security-group
// fixes change (one awsvpc configuration, which UpdateService replaces whole). Each action's Before and
// After hold only the fields it writes, so each is re-derived, applied, resumed and rolled back on its
// own, and carries its own risk. A service that cannot be updated live gets Skipped entries instead.
func (b *builder) serviceActions(sp *servicePlan) []Action {
	platform, move, network := newServiceUpdate(), newServiceUpdate(), newServiceUpdate()
	blocked := b.serviceBlocked(sp.svc)
	switch {
	case sp.rev != nil && blocked != "":
		b.skipBlockedMove(sp, blocked)
	case sp.rev != nil:
		b.moveToRevision(move, sp)
	case blocked != "" && !isDeployedElsewhere(sp.svc):
		b.skipOwnedRevision(sp, blocked)
	}
	if blocked == "" {
		b.platformUpdate(platform, sp)
		b.publicIPUpdate(network, sp)
		b.securityGroupUpdate(network, sp)
		if network.after.Network == nil {
			hostNetworkUpdate(move, sp)
		}
	}
	var parts []*serviceUpdate
	for _, u := range []*serviceUpdate{platform, move, network} {
		if u.after != (ServiceSettings{}) {
			parts = append(parts, u)
		}
	}
	slices.SortStableFunc(parts, func(x, y *serviceUpdate) int { return x.risk.Rank() - y.risk.Rank() })
	acts := make([]Action, 0, len(parts))
	for _, u := range parts {
		acts = append(acts, updateServiceAction(sp, u))
	}
	return acts
}

func newServiceUpdate() *serviceUpdate { return &serviceUpdate{controls: map[string]bool{}} }

// skipBlockedMove skips the revision findings of a service that moves to a fixed revision but cannot be
// updated live, saying how to deploy the fix instead.
func (b *builder) skipBlockedMove(sp *servicePlan, blocked string) {
	svc, rp := sp.svc, sp.rev
	what := "the new revision registered by action " + rp.id + " " + rp.target()
	if rp.existing != "" {
		what = "the fixed revision " + detect.ShortARN(rp.existing) + ", already registered,"
	}
	for _, c := range slices.Sorted(maps.Keys(rp.controls)) {
		how := "deploy " + what + " yourself"
		if b.owner(svc.Tags) != "" {
			how = "point its task definition at " + what + " in its source"
		} else if svc.DeploymentController != nil && svc.DeploymentController.Type == ecstypes.DeploymentControllerTypeCodeDeploy {
			how = "deploy " + what + " through a CodeDeploy deployment (AppSpec TaskDefinition)"
		} else if svc.DeploymentController != nil && svc.DeploymentController.Type == ecstypes.DeploymentControllerTypeExternal {
			how = "create a task set with " + what + " through the external controller"
		}
		b.skip(c, aws.ToString(svc.ServiceArn), blocked+": "+how)
	}
}

// skipOwnedRevision skips the findings on the revision an owned service runs: the change goes to its
// source.
func (b *builder) skipOwnedRevision(sp *servicePlan, blocked string) {
	for _, c := range slices.Sorted(maps.Keys(sp.controls)) {
		if c == detect.ECS10ID {
			continue
		}
		b.skip(c, aws.ToString(sp.svc.ServiceArn), blocked+": fix the task definition it deploys in its source ("+aws.ToString(sp.svc.TaskDefinition)+")")
	}
}

// moveToRevision moves the service to the fix of the revision it runs.
func (b *builder) moveToRevision(u *serviceUpdate, sp *servicePlan) {
	svc, rp := sp.svc, sp.rev
	u.before.TaskDefinition, u.after.TaskDefinition = aws.ToString(svc.TaskDefinition), rp.target()
	if rp.existing == "" {
		u.from = rp.id
	} else {
		u.notes = append(u.notes, "the fixed revision "+detect.ShortARN(rp.existing)+" of "+detect.ShortARN(rp.source.ARN())+" is already registered (by an earlier plan): the service moves to it",
			"applying re-reads both revisions and moves the service only if "+detect.ShortARN(rp.existing)+" is, field by field, "+detect.ShortARN(rp.source.ARN())+" with this action's edits")
		u.edits = append([]Edit{}, rp.edits...)
	}
	for c := range rp.controls {
		u.controls[c] = true
	}
	u.risk = maxRisk(u.risk, rp.risk)
	u.notes = append(u.notes, "moving the service to the new revision starts a deployment: its tasks are replaced")
	if latest, ok := b.inv.LatestActive(rp.source.ARN()); ok && latest.ARN() != rp.source.ARN() {
		also := "the family's latest is fixed too, and registered last"
		if lp := b.revs[latest.ARN()]; lp == nil {
			also = "the family's latest needs no change"
		} else if lp.latestCopy {
			also = detect.ShortARN(latest.ARN()) + " needs no fix and is registered again, unchanged, last, so that it stays the family's newest"
		}
		u.notes = append(u.notes, fmt.Sprintf("the service runs %s while the family's latest ACTIVE revision is %s: the service moves to the fix of the revision it runs; %s",
			detect.ShortARN(rp.source.ARN()), detect.ShortARN(latest.ARN()), also))
	}
	u.pre = append(u.pre, Precondition{Check: "service taskDefinition", Result: aws.ToString(svc.TaskDefinition)})
	for _, rem := range remedies() {
		if rem.onMove != nil && rp.want[rem.ID] != nil {
			p, n := rem.onMove(svc)
			u.pre = append(u.pre, p...)
			u.notes = append(u.notes, n...)
		}
	}
}

// updateServiceAction is the update-service action of a service's update.
func updateServiceAction(sp *servicePlan, u *serviceUpdate) Action {
	svc := sp.svc
	arn := aws.ToString(svc.ServiceArn)
	pre := u.pre
	if svc.DeploymentController != nil {
		pre = append(pre, Precondition{Check: "service deploymentController", Result: string(svc.DeploymentController.Type)})
	} else {
		pre = append(pre, Precondition{Check: "service deploymentController", Result: "ECS (default)"})
	}
	before, after := u.before, u.after
	var what []string
	if after.TaskDefinition != "" {
		what = append(what, "move to "+after.TaskDefinition)
	}
	if after.PlatformVersion != "" {
		what = append(what, "platform version LATEST")
	}
	if n := after.Network; n != nil {
		if before.Network != nil && !sameStrings(before.Network.Subnets, n.Subnets) {
			what = append(what, "move to subnets "+strings.Join(n.Subnets, ", "))
		}
		if before.Network != nil && n.AssignPublicIp != before.Network.AssignPublicIp {
			what = append(what, "assignPublicIp "+n.AssignPublicIp)
		} else if sp.network != nil {
			what = append(what, "assignPublicIp "+n.AssignPublicIp)
		}
		if len(u.sgFrom) > 0 {
			what = append(what, "move to security groups "+strings.Join(n.SecurityGroups, ", "))
		}
		if u.hostNet && len(u.sgFrom) == 0 {
			what = append(what, "awsvpc network (subnets "+strings.Join(n.Subnets, ", ")+"; security groups "+strings.Join(n.SecurityGroups, ", ")+
				"; assignPublicIp "+n.AssignPublicIp+")")
		}
	}
	return Action{
		Type: UpdateService, Account: detect.AccountOf(arn), Region: detect.RegionOf(arn), Resource: arn,
		Controls: slices.Sorted(maps.Keys(u.controls)), Risk: u.risk,
		Summary:       "update service " + aws.ToString(svc.ServiceName) + ": " + strings.Join(what, ", "),
		Notes:         dedup(u.notes),
		Preconditions: pre,
		DependsOn:     append(u.sgDeps, nonEmptyList(u.from)...),
		UpdateService: &UpdateServiceChange{
			Cluster: aws.ToString(svc.ClusterArn), Service: aws.ToString(svc.ServiceName),
			Before: before, After: after, TaskDefinitionFrom: u.from, SecurityGroupsFrom: u.sgFrom, Edits: u.edits,
		},
	}
}

// existingRevisionState are the fingerprints a move to a fix an earlier plan registered (update-service
// a) relies on: the revision the service runs and the one it moves to, which the applier reads to
// re-derive the second from the first (nil for any other action).
func (b *builder) existingRevisionState(a *Action) []Fingerprint {
	u := a.UpdateService
	if u == nil || !u.movesToExisting() {
		return nil
	}
	var out []Fingerprint
	for _, arn := range []string{u.Before.TaskDefinition, u.After.TaskDefinition} {
		td, ok := b.inv.TaskDefinition(arn)
		if !ok {
			continue
		}
		latest := ""
		if l, ok := b.inv.LatestActive(arn); ok {
			latest = l.ARN()
		}
		out = append(out, Fingerprint{Resource: arn, ResourceType: detect.TypeTaskDefinition, Region: detect.RegionOf(arn), Facts: TaskDefinitionFacts(td, latest)})
	}
	return out
}
