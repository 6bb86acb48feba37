package plan

import (
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The registry of remedies: for each failed control, the remedy that answers it — what it edits, its
// default risk (CONTROLS.md), and why a finding it cannot take is not fixed. Each remedy with a fix lives
// in its own file (fix_*.go); the planner routes every finding through this table (route.go).

// target is what a remedy edits, and so which findings it takes.
type target int

const (
	// editsNothing: no automatic fix; every finding is Skipped with the remedy's NoFix reason.
	editsNothing target = iota
	// editsRevision: a new task-definition revision, for findings on a task definition or on a service
	// running one (which moves to the new revision).
	editsRevision
	// editsService: the service the finding is on.
	editsService
	// editsCluster: the cluster the finding is on.
	editsCluster
	// editsOther: other resources of the service the finding is on (its security groups, its task role).
	editsOther
	// editsCapacityProvider: the capacity provider the finding is on (and its Auto Scaling group).
	editsCapacityProvider
)

// takes reports whether a remedy of this target takes a finding on a resource of this type.
func (t target) takes(resourceType string) bool {
	switch t {
	case editsRevision:
		return resourceType == detect.TypeTaskDefinition || resourceType == detect.TypeService
	case editsService, editsOther:
		return resourceType == detect.TypeService
	case editsCluster:
		return resourceType == detect.TypeCluster
	case editsCapacityProvider:
		return resourceType == detect.TypeCapacityProvider
	}
	return false
}

// remedy is one entry of the registry.
type remedy struct {
	// ID names the remedy: the control whose fix it is. It labels the edits of a revision, selects the
	// remedy in fix.controls along with the controls it answers, and keys the risk override of a revision
	// remedy for every control it answers.
	ID string
	// Controls are the result controls (Security Hub controls and exposure traits) it answers.
	Controls []string
	// Risk is the default risk of its fix ("" for no automatic fix: high).
	Risk  Risk
	Edits target
	// NoFix is why a finding is not fixed: every finding of a control without automatic fix, or a
	// finding on a resource the remedy does not take.
	NoFix string

	// Apply edits a copy of a revision's registration input (editsRevision); the remedies of a revision
	// apply in registry order.
	Apply func(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome
	// Refuses, when set, is Apply's decision alone, made without changing the input: decided when
	// Apply would not fix the revision (skip says why, "" when it has nothing to change). The planner
	// asks it first, so that a remedy that does not fix costs no new copy of the input (revisionWork);
	// TestFastPathsAgree holds it to Apply's answers.
	Refuses func(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) (skip string, decided bool)
	// route takes a selected finding of another target into the plan.
	route func(b *builder, r *detect.Result)
	// onMove is what a service moving to a revision this remedy edited adds to its update-service action.
	onMove func(svc *ecstypes.Service) ([]Precondition, []string)
}

// revisionFix is a remedy that edits a task-definition revision, as fixFor returns it.
type revisionFix = remedy

// remedies is the registry, the remedies of a revision first, in the order they apply to it: built once,
// and shared (callers read it, never change it).
func remedies() []remedy { return registry() }

var registry = sync.OnceValue(func() []remedy {
	return []remedy{
		{ID: detect.ECS3ID, Controls: controlIDs(detect.ECS3ID, detect.ExposureHostPIDID), Risk: RiskMedium, Edits: editsRevision, Apply: fixECS3},
		{ID: detect.ECS17ID, Controls: controlIDs(detect.ECS17ID, detect.ECS1ID, detect.ExposureHostNetworkID), Risk: RiskHigh, Edits: editsRevision, Apply: fixHostNetwork, Refuses: refuseHostNetwork},
		{ID: detect.ECS4ID, Controls: controlIDs(detect.ECS4ID, detect.ExposurePrivilegedID), Risk: RiskHigh, Edits: editsRevision, Apply: fixECS4},
		{ID: detect.ECS5ID, Controls: controlIDs(detect.ECS5ID), Risk: RiskMedium, Edits: editsRevision, Apply: fixECS5, onMove: ecs5OnMove},
		{ID: detect.ECS18ID, Controls: controlIDs(detect.ECS18ID), Risk: RiskMedium, Edits: editsRevision, Apply: fixECS18},
		{ID: detect.ECS20ID, Controls: controlIDs(detect.ECS20ID, detect.ECS21ID), Risk: RiskLow, Edits: editsRevision, Apply: fixUser, Refuses: refuseUser},
		{ID: detect.ExposureHostPathVolumeID, Controls: controlIDs(detect.ExposureHostPathVolumeID), Risk: RiskHigh, Edits: editsRevision, Apply: fixHostPath},
		{ID: detect.ECS8ID, Controls: controlIDs(detect.ECS8ID, detect.ExposurePlaintextCredentialsID), Risk: RiskMedium, Edits: editsRevision, Apply: fixSecrets},
		{ID: detect.ECS9ID, Controls: controlIDs(detect.ECS9ID), Risk: RiskMedium, Edits: editsRevision, Apply: fixLogs},
		{ID: detect.ExposureVulnerabilitiesID, Controls: controlIDs(detect.ExposureVulnerabilitiesID), Risk: RiskHigh, Edits: editsRevision, Apply: fixVulnerableImage},
		{ID: detect.ECS10ID, Controls: controlIDs(detect.ECS10ID), Risk: RiskLow, Edits: editsService, route: (*builder).platformFinding},
		{ID: detect.ECS2ID, Controls: controlIDs(detect.ECS2ID, detect.ExposurePublicIPID), Risk: RiskHigh, Edits: editsService, route: (*builder).publicIPFinding, NoFix: publicIPNoFix},
		{ID: detect.ExposureOpenSecurityGroupID, Controls: controlIDs(detect.ExposureOpenSecurityGroupID), Risk: RiskHigh, Edits: editsOther, route: (*builder).openSGFinding, NoFix: openSGNoFix},
		{ID: detect.ExposureAdminTaskRoleID, Controls: controlIDs(detect.ExposureAdminTaskRoleID), Risk: RiskHigh, Edits: editsOther, route: (*builder).adminFinding, NoFix: adminRoleNoFix},
		{ID: detect.ECS12ID, Controls: controlIDs(detect.ECS12ID), Risk: RiskLow, Edits: editsCluster, route: (*builder).containerInsightsFinding},
		{ID: detect.ECS13ID, Controls: controlIDs(detect.ECS13ID, detect.ECS14ID, detect.ECS15ID), NoFix: "no automatic fix yet: add the required tag keys (tag-resource)"},
		{ID: detect.ECS16ID, Controls: controlIDs(detect.ECS16ID), NoFix: "task sets cannot change their network configuration in place: create a new task set with assignPublicIp DISABLED, shift traffic to it (update-service-primary-task-set), then delete the old task set"},
		{ID: detect.ECS19ID, Controls: controlIDs(detect.ECS19ID), Risk: RiskMedium, Edits: editsCapacityProvider, route: (*builder).capacityProviderFinding, NoFix: ecs19NoFix},
		{ID: detect.ExposureAssumableRoleID, Controls: controlIDs(detect.ExposureAssumableRoleID), NoFix: assumableRoleNoFix},
	}
})

// assumableRoleNoFix: a task role's permissions are reported, not edited (only an administrative role has
// a fix, the admin-task-role remedy's, and it is opt-in).
const assumableRoleNoFix = "a task role's permissions are reported, not edited: narrow its policies to the actions and resources the application calls (replace service wildcards, drop iam:PassRole and IAM write unless the application needs them), e.g. from IAM Access Analyzer's policy generation over its CloudTrail activity"

// vulnerabilitiesNoFix: what to do with an image's findings when the opt-in remedy is off.
const vulnerabilitiesNoFix = "rebuild the image on patched base images and packages (the findings with a fix say which versions), push it to the same repository and deploy it; or turn on fix.vulnerabilities.upgrade_image to move to a newer image of the repository that Amazon Inspector reports without CRITICAL or HIGH findings"

// noRemedy is the Skipped reason of a control the registry does not know.
const noRemedy = "no automatic fix"

func controlIDs(s ...string) []string { return s }

// remedyFor returns the remedy answering a control (ids match regardless of case).
func remedyFor(control string) (remedy, bool) {
	if r, ok := remedyIndex()[strings.ToUpper(control)]; ok {
		return r, true
	}
	for _, r := range remedies() { // an id that differs from every control's by more than ASCII case
		for _, c := range r.Controls {
			if strings.EqualFold(c, control) {
				return r, true
			}
		}
	}
	return remedy{}, false
}

// remedyIndex maps each control's upper-cased id to the first remedy of the registry that answers it.
var remedyIndex = sync.OnceValue(func() map[string]remedy {
	m := map[string]remedy{}
	for _, r := range remedies() {
		for _, c := range r.Controls {
			if _, ok := m[strings.ToUpper(c)]; !ok {
				m[strings.ToUpper(c)] = r
			}
		}
	}
	return m
})

// fixFor returns the remedy answering a control when it edits a task-definition revision.
func fixFor(control string) (revisionFix, bool) {
	r, ok := remedyFor(control)
	if !ok || r.Edits != editsRevision {
		return remedy{}, false
	}
	return r, true
}

// controlRisk is the risk of fixing a control: the override for the control's id, else the override for
// the id of the revision remedy that answers it (an override of ECS.4 also covers EXPOSURE.privileged,
// whose fix is the same edit), else the remedy's default; a control without automatic fix is high. Ids
// match regardless of case; an empty override counts as none. The planner labels its actions with it and
// EffectiveRisk derives the floor of an action's risk from it.
func controlRisk(control string, overrides map[string]Risk) Risk {
	// controlRiskWhy's choice, without writing why (TestControlRiskWhy holds them together)
	if r, ok := lookupRisk(overrides, control); ok {
		return r
	}
	if f, ok := fixFor(control); ok {
		if r, ok := lookupRisk(overrides, f.ID); ok {
			return r
		}
	}
	if rem, ok := remedyFor(control); ok && rem.Risk != "" {
		return rem.Risk
	}
	return RiskHigh
}

func lookupRisk(m map[string]Risk, id string) (Risk, bool) {
	if r, ok := m[id]; ok && r != "" {
		return r, true
	}
	for k, r := range m {
		if r != "" && strings.EqualFold(k, id) {
			return r, true
		}
	}
	return "", false
}
