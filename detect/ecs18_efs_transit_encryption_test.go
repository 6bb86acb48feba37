package detect

// ECS.18 verdicts pinned whole: every EFS volume without transit encryption is listed, wherever it sits
// among the other volumes.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS18ListsEveryUnencryptedVolume(t *testing.T) {
	efs := func(name string, te ecstypes.EFSTransitEncryption) ecstypes.Volume {
		v := ecstypes.Volume{EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-1"), TransitEncryption: te}}
		if name != "" {
			v.Name = aws.String(name)
		}
		return v
	}
	plain := ecstypes.Volume{Name: aws.String("scratch")}
	off := func(name, state string) Offender {
		return Offender{Field: "volumes." + name + ".efsVolumeConfiguration.transitEncryption",
			Detail: `EFS volume "` + name + `": transitEncryption is ` + state}
	}
	runExactTaskDefinitionCases(t, ECS18(), []exactTDCase{
		{name: "non-EFS and encrypted volumes first", td: taskDef("a", 1, volumes(plain, efs("ok", ecstypes.EFSTransitEncryptionEnabled), efs("data", ecstypes.EFSTransitEncryptionDisabled), plain, efs("", ""))),
			want: wantFail(off("data", "DISABLED"), off("#4", "absent (DISABLED)"))},
		{name: "every EFS volume encrypted", td: taskDef("a", 1, volumes(plain, efs("a", ecstypes.EFSTransitEncryptionEnabled), efs("b", ecstypes.EFSTransitEncryptionEnabled))),
			want: Pass("every EFS volume has transit encryption enabled")},
		{name: "one encrypted EFS volume", td: taskDef("a", 1, volumes(efs("a", ecstypes.EFSTransitEncryptionEnabled))),
			want: Pass("every EFS volume has transit encryption enabled")},
		{name: "only non-EFS volumes", td: taskDef("a", 1, volumes(plain, plain)), want: Pass("no EFS volume")},
	})
}
