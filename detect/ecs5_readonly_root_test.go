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
		{name: "windows family in lower case is not a value AWS defines", td: taskDef("a", 1, osFamilyOpt("windows_server_2022_core"), containers(ctr("web"))),
			want: Verdict{Status: NotEvaluated, Reason: `runtimePlatform.operatingSystemFamily is "windows_server_2022_core", which is not a value AWS defines (WINDOWS_SERVER_2019_FULL, WINDOWS_SERVER_2019_CORE, WINDOWS_SERVER_2016_FULL, WINDOWS_SERVER_2004_CORE, WINDOWS_SERVER_2022_CORE, WINDOWS_SERVER_2022_FULL, WINDOWS_SERVER_2025_CORE, WINDOWS_SERVER_2025_FULL, WINDOWS_SERVER_20H2_CORE, LINUX); the control cannot decide on it`}},
		{name: "windows family is not applicable", td: taskDef("a", 1, osFamilyOpt("WINDOWS_SERVER_2022_CORE"), containers(ctr("web"))),
			want: NA("operatingSystemFamily is WINDOWS_SERVER_2022_CORE; Windows containers do not support readonlyRootFilesystem")},
		{name: "explicit LINUX is evaluated", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web", readonlyRoot(true)))),
			want: Pass("every container has a read-only root filesystem")},
	})
}
