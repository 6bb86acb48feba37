package plan

// Pins the ECS.18 remedy (EFS transit encryption) as the planner applies it: which volumes change, the
// edits' wording, the notes on transit ports, and what the registered revision keeps.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRemedyECS18EFSTransit(t *testing.T) {
	efs := func(name string, te ecstypes.EFSTransitEncryption, port *int32) ecstypes.Volume {
		return ecstypes.Volume{Name: aws.String(name), EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{
			FileSystemId: aws.String("fs-" + name), TransitEncryption: te, TransitEncryptionPort: port}}
	}
	plain := ecstypes.Volume{Name: aws.String("scratch")}
	host := ecstypes.Volume{Name: aws.String("logs"), Host: &ecstypes.HostVolumeProperties{SourcePath: aws.String("/var/log")}}
	const mountNote = "EFS transit encryption needs the file system's mount targets to accept NFS over TLS (port 2049 from the tasks); the Fargate platform 1.4.0+ and the ECS agent's EFS mount helper support it"
	edit := func(name, was string) string {
		return "ECS.18 volumes[" + name + "].efsVolumeConfiguration.transitEncryption: set transitEncryption to ENABLED (was " + was + ")"
	}
	portNote := func(name, port string) string {
		return `EFS volume "` + name + `" keeps transitEncryptionPort ` + port + ": the TLS tunnel to EFS uses it, so it must be free on the host"
	}
	tests := []struct {
		name    string
		volumes []ecstypes.Volume
		edits   []string
		notes   []string
	}{
		{"absent transit encryption", []ecstypes.Volume{efs("data", "", nil)},
			[]string{edit("data", "absent (DISABLED)")}, []string{mountNote}},
		{"explicitly disabled", []ecstypes.Volume{efs("data", ecstypes.EFSTransitEncryptionDisabled, nil)},
			[]string{edit("data", "DISABLED")}, []string{mountNote}},
		{"after a plain and a host volume", []ecstypes.Volume{plain, host, efs("data", "", nil)},
			[]string{edit("data", "absent (DISABLED)")}, []string{mountNote}},
		{"after an encrypted EFS volume", []ecstypes.Volume{efs("ok", ecstypes.EFSTransitEncryptionEnabled, aws.Int32(3000)), efs("data", "", nil)},
			[]string{edit("data", "absent (DISABLED)")}, []string{mountNote}},
		{"two volumes, ports noted for each that has one", []ecstypes.Volume{efs("a", "", aws.Int32(2999)), plain, efs("b", ecstypes.EFSTransitEncryptionDisabled, nil), efs("c", "", aws.Int32(3001))},
			[]string{edit("a", "absent (DISABLED)"), edit("b", "DISABLED"), edit("c", "absent (DISABLED)")},
			[]string{portNote("a", "2999"), portNote("c", "3001"), mountNote}},
		{"an unnamed volume is labelled by its index", []ecstypes.Volume{plain, {EfsVolumeConfiguration: &ecstypes.EFSVolumeConfiguration{FileSystemId: aws.String("fs-x"), TransitEncryptionPort: aws.Int32(2049)}}},
			[]string{edit("#1", "absent (DISABLED)")}, []string{portNote("#1", "2049"), mountNote}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pinPlan(t, []detect.TaskDefinition{bTD("web", 1, func(td *detect.TaskDefinition) { td.Volumes = tc.volumes })})
			a := pinOnlyRegistration(t, p)
			pinSameLines(t, "edits", pinEdits(a), tc.edits)
			pinSameLines(t, "notes", a.Notes, tc.notes)
			if a.Risk != RiskMedium {
				t.Errorf("risk %s", a.Risk)
			}
			in := afterInput(t, a)
			if len(in.Volumes) != len(tc.volumes) {
				t.Fatalf("volumes after %+v", in.Volumes)
			}
			for i, v := range in.Volumes {
				src := tc.volumes[i]
				if aws.ToString(v.Name) != aws.ToString(src.Name) || (v.Host == nil) != (src.Host == nil) {
					t.Errorf("volume %d after %+v", i, v)
				}
				if src.EfsVolumeConfiguration == nil {
					if v.EfsVolumeConfiguration != nil {
						t.Errorf("volume %d gained an EFS configuration", i)
					}
					continue
				}
				e := v.EfsVolumeConfiguration
				if e == nil || e.TransitEncryption != ecstypes.EFSTransitEncryptionEnabled ||
					aws.ToInt32(e.TransitEncryptionPort) != aws.ToInt32(src.EfsVolumeConfiguration.TransitEncryptionPort) ||
					aws.ToString(e.FileSystemId) != aws.ToString(src.EfsVolumeConfiguration.FileSystemId) {
					t.Errorf("volume %d EFS after %+v", i, e)
				}
			}
		})
	}
}
