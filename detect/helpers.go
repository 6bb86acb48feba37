package detect

import (
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Helpers shared by the controls: container naming, OS family, and building verdicts from offenders.

// containerName is a container's name, or "#i" when it has none (a malformed definition).
func containerName(c *ecstypes.ContainerDefinition, i int) string {
	if c.Name != nil && *c.Name != "" {
		return *c.Name
	}
	return fmt.Sprintf("#%d", i)
}

// osFamily is the task definition's runtimePlatform.operatingSystemFamily, "" when unset.
func osFamily(td *TaskDefinition) string {
	if td.RuntimePlatform == nil {
		return ""
	}
	return string(td.RuntimePlatform.OperatingSystemFamily)
}

// isWindowsFamily reports whether an OS family (a task definition's operatingSystemFamily or a service's
// platformFamily) is one of the WINDOWS_SERVER_* families.
func isWindowsFamily(family string) bool {
	return strings.HasPrefix(strings.ToUpper(family), "WINDOWS_SERVER")
}

// describeOffender renders an offender for a reason: `container "web": privileged is true`, or the
// detail alone for task-level offenders.
func describeOffender(o Offender) string {
	if o.Container != "" {
		return fmt.Sprintf("container %q: %s", o.Container, o.Detail)
	}
	return o.Detail
}

// failAll is a FAILED verdict whose reason lists every offender.
func failAll(offs []Offender) Verdict {
	parts := make([]string, len(offs))
	for i, o := range offs {
		parts[i] = describeOffender(o)
	}
	return Fail(strings.Join(parts, "; "), offs...)
}

// boolState describes an optional boolean field: "absent", "true" or "false".
func boolState(b *bool) string {
	if b == nil {
		return "absent"
	}
	if *b {
		return "true"
	}
	return "false"
}

// quoted renders a list of names as `"a", "b"`.
func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// runningRevision returns the task-definition revision a service runs. When the service names none, or
// the revision is not in the inventory, it returns a NOT_EVALUATED verdict naming what is missing: an
// exposure trait must never pass a service whose revision it could not read.
func runningRevision(svc *ecstypes.Service, in *Inventory) (*TaskDefinition, *Verdict) {
	arn := deref(svc.TaskDefinition)
	if arn == "" {
		v := Unknown("the service names no task definition (its task sets carry them); not evaluated")
		return nil, &v
	}
	td, ok := in.TaskDefinition(arn)
	if !ok {
		v := Unknown(fmt.Sprintf("task definition %s, which the service runs, is not in the inventory", arn))
		return nil, &v
	}
	return td, nil
}

// awsvpc returns a service's awsvpc configuration, nil when it has none.
func awsvpc(nc *ecstypes.NetworkConfiguration) *ecstypes.AwsVpcConfiguration {
	if nc == nil {
		return nil
	}
	return nc.AwsvpcConfiguration
}
