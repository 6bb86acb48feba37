package plan

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// What a remedy reads and returns. A remedy of a revision lives in its own file (fix_*.go) as a function
// from the inventory, the source revision, the services that run it and the options to edits of a copy of
// the source's RegisterTaskDefinition input; the planner combines every fix for one revision into one new
// revision.

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
	// NotFixed are the parts of the finding a remedy that made edits leaves alone, each with why (a host
	// agent kept privileged while the task's other containers lose it): the plan lists each under "Not
	// fixed" for every control that asked for the remedy.
	NotFixed []string

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
