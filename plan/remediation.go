package plan

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Remediations of task-definition findings. Each lives in its own file (fix_*.go) as a function from the
// inventory, the source revision, the services that run it and the options to edits of a copy of the
// source's RegisterTaskDefinition input; the planner combines every fix for one revision into one new
// revision.

// Control ids of the exposure traits whose fix is a task-definition edit.
const (
	exposurePrivileged = "EXPOSURE.privileged"
	exposureHostPID    = "EXPOSURE.host-pid"
	exposureHostPath   = "EXPOSURE.host-path-volume"
)

// revisionContext is what a task-definition remediation may read.
type revisionContext struct {
	inv    *detect.Inventory
	source *detect.TaskDefinition
	// services run the source revision (those the plan moves to the fixed revision).
	services []*ecstypes.Service
	opts     Options
}

// fixOutcome is what a remediation did: its edits (applied to the input it was given) and notes for
// the reviewer, or, when it cannot fix the finding, why (Skip) and no edits.
type fixOutcome struct {
	Edits []Edit
	Notes []string
	// Preconditions checked while deciding the edits.
	Preconditions []Precondition
	Skip          string

	// Secrets are the secrets the edited input's secrets entries refer to (ECS.8): the builder names
	// them and makes their create-secret actions.
	Secrets []*secretNeed
	// LogGroups are the log groups the edited input writes to (ECS.9), with the role that writes.
	LogGroups []*logNeed
	// Moved maps the path of a value in the edited input to its path in the source revision, for values
	// an edit moved (environment entries shifted by the removal of others).
	Moved map[string]string
	// Plain are the paths of values the fix itself set (not secrets): they are not masked.
	Plain []string
	// Networks are the whole awsvpc network configurations, by service ARN, that the services moved to
	// the edited revision need (the host-network fix moving it to awsvpc).
	Networks map[string]*AwsVpcSettings
}

// revisionFix is one kind of task-definition remediation.
type revisionFix struct {
	// ID is the control whose fix this is; it labels the edits and keys the default risk.
	ID string
	// Controls are the result controls (Security Hub controls and exposure traits) it answers.
	Controls []string
	Apply    func(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome
}

// revisionFixes are the task-definition remediations, in the order they are applied to a revision.
func revisionFixes() []revisionFix {
	return []revisionFix{
		{ID: "ECS.3", Controls: []string{"ECS.3", exposureHostPID}, Apply: fixECS3},
		{ID: controlHostNetwork, Controls: []string{controlHostNetwork, controlHostMode, exposureHostNetwork}, Apply: fixHostNetwork},
		{ID: "ECS.4", Controls: []string{"ECS.4", exposurePrivileged}, Apply: fixECS4},
		{ID: "ECS.5", Controls: []string{"ECS.5"}, Apply: fixECS5},
		{ID: "ECS.18", Controls: []string{"ECS.18"}, Apply: fixECS18},
		{ID: "ECS.20", Controls: []string{"ECS.20", "ECS.21"}, Apply: fixUser},
		{ID: exposureHostPath, Controls: []string{exposureHostPath}, Apply: fixHostPath},
		{ID: "ECS.8", Controls: []string{"ECS.8", exposurePlaintext}, Apply: fixSecrets},
		{ID: "ECS.9", Controls: []string{"ECS.9"}, Apply: fixLogs},
	}
}

// fixFor returns the task-definition remediation answering a control.
func fixFor(control string) (revisionFix, bool) {
	for _, f := range revisionFixes() {
		for _, c := range f.Controls {
			if strings.EqualFold(c, control) {
				return f, true
			}
		}
	}
	return revisionFix{}, false
}

// containerLabel names a container in an edit path: its name, or #i when it has none.
func containerLabel(c *ecstypes.ContainerDefinition, i int) string {
	if n := aws.ToString(c.Name); n != "" {
		return n
	}
	return fmt.Sprintf("#%d", i)
}

// volumeLabel names a volume in an edit path.
func volumeLabel(v *ecstypes.Volume, i int) string {
	if n := aws.ToString(v.Name); n != "" {
		return n
	}
	return fmt.Sprintf("#%d", i)
}

func isWindows(family ecstypes.OSFamily) bool {
	return strings.HasPrefix(strings.ToUpper(string(family)), "WINDOWS_SERVER")
}

func osFamilyOf(in *ecs.RegisterTaskDefinitionInput) ecstypes.OSFamily {
	if in.RuntimePlatform == nil {
		return ""
	}
	return in.RuntimePlatform.OperatingSystemFamily
}
