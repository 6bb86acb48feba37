package detect

import (
	"fmt"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS18 — ecs-task-definition-efs-encryption-enabled: an EFS volume whose transitEncryption is not
// ENABLED (DISABLED or absent, which defaults to DISABLED) fails. No EFS volume: passes. A transitEncryption
// outside ENABLED and DISABLED (a template placeholder) is NOT_EVALUATED, and so is a containers-only file,
// which has no volumes.
func ECS18() Control {
	return Control{
		ID:             ECS18ID,
		Title:          "ECS Task Definitions should use in-transit encryption for EFS volumes",
		Severity:       SeverityMedium,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS18,
	}
}

func evalECS18(td *TaskDefinition, _ *Settings) Verdict {
	if v := taskLevelUnknown(td, "volumes"); v != nil {
		return *v
	}
	var offs []Offender
	efs := 0
	for i, vol := range td.Volumes {
		if vol.EfsVolumeConfiguration == nil {
			continue
		}
		efs++
		if v := checkEnum("volumes."+volumeName(vol, i)+".efsVolumeConfiguration.transitEncryption", vol.EfsVolumeConfiguration.TransitEncryption); v != nil {
			return *v
		}
		if vol.EfsVolumeConfiguration.TransitEncryption == ecstypes.EFSTransitEncryptionEnabled {
			continue
		}
		state := string(vol.EfsVolumeConfiguration.TransitEncryption)
		if state == "" {
			state = "absent (DISABLED)"
		}
		name := volumeName(vol, i)
		offs = append(offs, Offender{
			Field:  "volumes." + name + ".efsVolumeConfiguration.transitEncryption",
			Detail: fmt.Sprintf("EFS volume %q: transitEncryption is %s", name, state),
		})
	}
	if len(offs) > 0 {
		return failAll(offs)
	}
	if efs == 0 {
		return Pass("no EFS volume")
	}
	return Pass("every EFS volume has transit encryption enabled")
}

// volumeName is a volume's name, or #index when it has none.
func volumeName(vol ecstypes.Volume, i int) string {
	if name := deref(vol.Name); name != "" {
		return name
	}
	return fmt.Sprintf("#%d", i)
}
