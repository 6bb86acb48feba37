package plan

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fixECS18 enables transit encryption on every EFS volume without it (ECS.18). The volume's
// authorizationConfig and transitEncryptionPort are kept.
func fixECS18(_ *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	var out fixOutcome
	for i := range in.Volumes {
		v := &in.Volumes[i]
		efs := v.EfsVolumeConfiguration
		if efs == nil || efs.TransitEncryption == ecstypes.EFSTransitEncryptionEnabled {
			continue
		}
		before := string(efs.TransitEncryption)
		if before == "" {
			before = "absent (DISABLED)"
		}
		efs.TransitEncryption = ecstypes.EFSTransitEncryptionEnabled
		out.Edits = append(out.Edits, Edit{
			Control: detect.ECS18ID,
			Path:    "volumes[" + volumeLabel(v, i) + "].efsVolumeConfiguration.transitEncryption",
			Change:  "set transitEncryption to ENABLED (was " + before + ")",
		})
		if efs.TransitEncryptionPort != nil {
			out.Notes = append(out.Notes, fmt.Sprintf("EFS volume %q keeps transitEncryptionPort %d: the TLS tunnel to EFS uses it, so it must be free on the host", volumeLabel(v, i), *efs.TransitEncryptionPort))
		}
	}
	if len(out.Edits) > 0 {
		out.Notes = append(out.Notes, "EFS transit encryption needs the file system's mount targets to accept NFS over TLS (port 2049 from the tasks); the Fargate platform 1.4.0+ and the ECS agent's EFS mount helper support it")
	}
	return out
}
