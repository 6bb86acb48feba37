package plan

import (
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// The deregister-task-definition change kind: revisions that still hold moved plaintext credentials
// deregistered (opt-in, high risk, never undone by rollback).

// DeregisterTaskDefinition deregisters revisions that still hold plaintext credentials (opt-in).
const DeregisterTaskDefinition ActionType = "deregister-task-definition"

// DeregisterTaskDefinitionChange deregisters revisions that still hold moved plaintext credentials.
// It is opt-in and high risk, comes after every service moved off them, and is never undone by rollback.
type DeregisterTaskDefinitionChange struct {
	TaskDefinitions []string `json:"taskDefinitions"`
}

// Touches implements Change: the revisions deregistered.
func (d *DeregisterTaskDefinitionChange) Touches() []string { return d.TaskDefinitions }

// Writes implements Change: the revisions deregistered.
func (d *DeregisterTaskDefinitionChange) Writes(a *Action) []string {
	return uniqueStrings(append([]string{a.Resource}, d.TaskDefinitions...)...)
}

// Facts implements Change: each revision's status.
func (d *DeregisterTaskDefinitionChange) Facts(*Action) []FactCheck {
	var out []FactCheck
	for _, td := range uniqueStrings(d.TaskDefinitions...) {
		out = append(out, FactCheck{Resource: td, ResourceType: detect.TypeTaskDefinition, Facts: []string{FactStatus}})
	}
	return out
}

// Rederivable implements Change: see Rebuild.
func (d *DeregisterTaskDefinitionChange) Rederivable() bool { return true }

var _ Rebuilder[map[string]string, map[string]string] = (*DeregisterTaskDefinitionChange)(nil)

// Rebuild is the status of each revision after the change, from their statuses read at apply time (by
// ARN): the revisions deregistered are INACTIVE, the others as read. A revision to deregister that was
// not read is an error.
func (d *DeregisterTaskDefinitionChange) Rebuild(before map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(before))
	for k, v := range before {
		out[k] = v
	}
	for _, td := range d.TaskDefinitions {
		if _, ok := before[td]; !ok {
			return nil, fmt.Errorf("task definition %s was not read", td)
		}
		out[td] = string(ecstypes.TaskDefinitionStatusInactive)
	}
	return out, nil
}

func (d *DeregisterTaskDefinitionChange) implicitDependencies() []string { return nil }

func (d *DeregisterTaskDefinitionChange) validate(*Action, map[string]*Action) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(d.TaskDefinitions) == 0 {
		bad("deregisterTaskDefinition: taskDefinitions is empty")
	}
	for i, td := range d.TaskDefinitions {
		if _, err := detect.ParseTaskDefinitionARN(td); err != nil {
			bad("deregisterTaskDefinition: task definition %d: %v", i+1, err)
		}
	}
	return errs
}

// validateControls: ECS.8 and the plaintext-credentials exposure.
func (d *DeregisterTaskDefinitionChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "a deregister-task-definition action", detect.ECS8ID, detect.ExposurePlaintextCredentialsID)
}

// riskFloor: high, always.
func (d *DeregisterTaskDefinitionChange) riskFloor(*Plan, *Action, map[string]Risk) RiskFloor {
	var names []string
	for _, td := range d.TaskDefinitions {
		names = append(names, detect.ShortARN(td))
	}
	return highBecause("it deregisters %s: an INACTIVE revision starts no new task or service and no service can be moved back to it, and rollback does not register it again (a deregistration is always high)",
		strings.Join(names, ", "))
}

func (d *DeregisterTaskDefinitionChange) details() changeDetails {
	var out [][2]string
	for _, td := range d.TaskDefinitions {
		out = append(out, [2]string{"deregister", td})
	}
	return changeDetails{rows: out}
}

func (d *DeregisterTaskDefinitionChange) diff() (string, error) { return "", nil }

// rederive implements rederiver: each revision deregistered is the source revision of a registration
// of the plan that moves its plaintext values to secrets (the revisions that still hold them), read
// ACTIVE (on a resumed apply, INACTIVE too); Rebuild gives the statuses after.
func (d *DeregisterTaskDefinitionChange) rederive(p *Plan, a *Action, st *ReadState) error {
	const what = "the revisions' statuses"
	moved := map[string]bool{}
	for i := range p.Actions {
		if r := p.Actions[i].RegisterTaskDefinition; p.Actions[i].Type == RegisterTaskDefinition && r != nil && len(r.SecretRefs) > 0 {
			moved[r.SourceArn] = true
		}
	}
	statuses := map[string]string{}
	for i, td := range d.TaskDefinitions {
		path := fmt.Sprintf("deregisterTaskDefinition.taskDefinitions[%d]", i)
		if !moved[td] {
			return rederiveFail(a, what, path, "is %s, not the source of a registration of the plan that moves its plaintext values to secrets", td)
		}
		read := st.TaskDefinitions[td]
		if read == nil {
			return rederiveFail(a, what, path, "is %s, which was not read", td)
		}
		if s := string(read.Status); s != string(ecstypes.TaskDefinitionStatusActive) && !(st.Started[a.ID] && s == string(ecstypes.TaskDefinitionStatusInactive)) {
			return rederiveFail(a, what, path, "is %s, which is %s", td, s)
		}
		statuses[td] = string(read.Status)
	}
	if _, err := d.Rebuild(statuses); err != nil {
		return rederiveFail(a, what, "", "%v", err)
	}
	return nil
}
