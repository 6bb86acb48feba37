package detect

// ECS.5 verdicts pinned whole: every container without a read-only root filesystem is listed, wherever
// it sits, and the Windows families are told apart whatever their case.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS5ListsEveryWritableRoot(t *testing.T) {
	rw := func(c, state string) Offender {
		return Offender{Container: c, Field: "readonlyRootFilesystem", Detail: "readonlyRootFilesystem is " + state}
	}
	runExactTaskDefinitionCases(t, ECS5(), []exactTDCase{
		{name: "read-only first, writable after", td: taskDef("a", 1, containers(ctr("web", readonlyRoot(true)), ctr("side", readonlyRoot(false)), ctr("ok", readonlyRoot(true)), ctr("log"))),
			want: wantFail(rw("side", "false"), rw("log", "absent"))},
		{name: "every container read-only", td: taskDef("a", 1, containers(ctr("web", readonlyRoot(true)), ctr("side", readonlyRoot(true)))),
			want: Pass("every container has a read-only root filesystem")},
		{name: "windows family in lower case is not applicable", td: taskDef("a", 1, osFamilyOpt("windows_server_2022_core"), containers(ctr("web"))),
			want: NA("operatingSystemFamily is windows_server_2022_core; Windows containers do not support readonlyRootFilesystem")},
		{name: "explicit LINUX is evaluated", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web", readonlyRoot(true)))),
			want: Pass("every container has a read-only root filesystem")},
	})
}
