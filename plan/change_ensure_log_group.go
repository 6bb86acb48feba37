package plan

import (
	"encoding/json"
	"fmt"

	"github.com/ecsfix/ecsfix/detect"
)

// The ensure-log-group change kind: a CloudWatch Logs group created, with a retention, unless it exists
// (ECS.9).

// EnsureLogGroup creates a CloudWatch Logs group (with a retention) unless it exists.
const EnsureLogGroup ActionType = "ensure-log-group"

// EnsureLogGroupChange creates a log group with a retention when it does not exist; an existing group
// is left as it is.
type EnsureLogGroupChange struct {
	Name          string `json:"name"`
	RetentionDays int32  `json:"retentionDays,omitempty"`
	KmsKeyID      string `json:"kmsKeyId,omitempty"`
}

// LogGroupState is a log group as read at apply time.
type LogGroupState struct {
	Name          string
	RetentionDays int32
	KmsKeyID      string
}

// Touches implements Change: nothing fingerprinted besides the action's resource.
func (g *EnsureLogGroupChange) Touches() []string { return nil }

// Writes implements Change: the log group.
func (g *EnsureLogGroupChange) Writes(a *Action) []string { return uniqueStrings(a.Resource, g.Name) }

// Facts implements Change: none (an existing group is left as it is).
func (g *EnsureLogGroupChange) Facts(*Action) []FactCheck { return nil }

// Rederivable implements Change: see Rebuild.
func (g *EnsureLogGroupChange) Rederivable() bool { return true }

var _ Rebuilder[*LogGroupState, *LogGroupState] = (*EnsureLogGroupChange)(nil)

// Rebuild is the log group after the change, from the group read at apply time (nil: there is none):
// an existing group as it is, else the group the plan creates.
//
// The applier does not read the group before the apply: the after-state is fully determined by the
// payload and its validation (a name, a retention, a key; an existing group is left as it is), and what
// the name may be is re-derived where it matters, in the registrations that log to it (an awslogs group
// must be one an ensure-log-group action of the plan makes) and in the grant (the log streams of the
// account). Its re-derivation (rederive) therefore rebuilds from "no group" and is consistent by
// construction.
func (g *EnsureLogGroupChange) Rebuild(before *LogGroupState) (*LogGroupState, error) {
	if before != nil {
		if before.Name != g.Name {
			return nil, fmt.Errorf("log group %s: read group %s instead", g.Name, before.Name)
		}
		s := *before
		return &s, nil
	}
	return &LogGroupState{Name: g.Name, RetentionDays: g.RetentionDays, KmsKeyID: g.KmsKeyID}, nil
}

func (g *EnsureLogGroupChange) implicitDependencies() []string { return nil }

func (g *EnsureLogGroupChange) validate(*Action, map[string]*Action) []error {
	var errs []error
	if g.Name == "" {
		errs = append(errs, fmt.Errorf("ensureLogGroup: name is required"))
	}
	if g.RetentionDays < 0 {
		errs = append(errs, fmt.Errorf("ensureLogGroup: retentionDays is negative"))
	}
	return errs
}

// validateControls: ECS.9 only.
func (g *EnsureLogGroupChange) validateControls(a *Action, _ map[string]*Action) []error {
	return controlsAmong(a, "an ensure-log-group action", detect.ECS9ID)
}

// riskFloor: ECS.9's risk (high when it names another control, or none).
func (g *EnsureLogGroupChange) riskFloor(_ *Plan, a *Action, overrides map[string]Risk) RiskFloor {
	if f, bad := controlsFloor(a, "an ensure-log-group action", detect.ECS9ID); bad {
		return f
	}
	var f RiskFloor
	f.raiseControl(detect.ECS9ID, "it creates the log group "+g.Name+" unless it exists", overrides)
	return f
}

func (g *EnsureLogGroupChange) details() changeDetails {
	out := [][2]string{{"log group", g.Name}}
	keep := "never expire"
	if g.RetentionDays > 0 {
		keep = fmt.Sprintf("%d days", g.RetentionDays)
	}
	out = append(out, [2]string{"retention", keep})
	if g.KmsKeyID != "" {
		out = append(out, [2]string{"kms key", g.KmsKeyID})
	}
	return changeDetails{rows: out}
}

func (g *EnsureLogGroupChange) diff() (string, error) { return "", nil }

// rederive implements rederiver: consistent by construction (see Rebuild), and named by the
// configuration: its name is fix.logs.group_template (given to the applier; nil: refused) filled with
// the family and a container's name of a registration of the plan in the action's region.
func (g *EnsureLogGroupChange) rederive(p *Plan, a *Action, st *ReadState) error {
	got, err := g.Rebuild(nil)
	if err != nil || *got != (LogGroupState{Name: g.Name, RetentionDays: g.RetentionDays, KmsKeyID: g.KmsKeyID}) {
		return rederiveFail(a, "the log group", "ensureLogGroup", "cannot be rebuilt from its payload: %v", err)
	}
	if st.Config == nil {
		return noConfig(a, "the log group", "ensureLogGroup.name", "fix.logs.group_template")
	}
	for i := range p.Actions {
		r := p.Actions[i].RegisterTaskDefinition
		if p.Actions[i].Type != RegisterTaskDefinition || r == nil || p.Actions[i].Region != a.Region {
			continue
		}
		var after struct {
			Family               string `json:"family"`
			ContainerDefinitions []struct {
				Name string `json:"name"`
			} `json:"containerDefinitions"`
		}
		if json.Unmarshal(r.After, &after) != nil {
			continue
		}
		for _, c := range after.ContainerDefinitions {
			if logGroupName(st.Config.LogGroupTemplate, after.Family, c.Name) == g.Name {
				return g.rederiveSettings(a, st.Config)
			}
		}
	}
	return rederiveFail(a, "the log group", "ensureLogGroup.name", "is %q, which fix.logs.group_template %q gives no container of a registration of the plan in %s", g.Name, templateOrDefault(st.Config.LogGroupTemplate), a.Region)
}

// rederiveSettings checks the group's retention and key against the trusted configuration, like its name:
// a file that only steered the plan (./ecsfix.yaml) cannot shorten how long logs are kept or choose their key.
func (g *EnsureLogGroupChange) rederiveSettings(a *Action, c *ConfiguredValues) error {
	if g.RetentionDays != c.LogRetentionDays {
		return rederiveFail(a, "the log group", "ensureLogGroup.retentionDays", "is %d; fix.logs.retention_days of the configuration apply runs with is %d", g.RetentionDays, c.LogRetentionDays)
	}
	if g.KmsKeyID != c.LogKmsKeyID {
		return rederiveFail(a, "the log group", "ensureLogGroup.kmsKeyId", "is %q; fix.logs.kms_key_id of the configuration apply runs with is %q", g.KmsKeyID, c.LogKmsKeyID)
	}
	return nil
}
