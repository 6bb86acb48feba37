package detect

// ECS.21 verdicts pinned whole: every administrator container is listed wherever it sits.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS21ListsEveryAdministratorContainer(t *testing.T) {
	win := osFamilyOpt(ecstypes.OSFamilyWindowsServer2022Core)
	off := func(c, detail string) Offender { return Offender{Container: c, Field: "user", Detail: detail} }
	runExactTaskDefinitionCases(t, ECS21(), []exactTDCase{
		{name: "non-admin first, admins after", td: taskDef("a", 1, win, containers(ctr("ok", user("ContainerUser")), ctr("a"), ctr("b", user("CONTAINERADMINISTRATOR")), unnamed(user("")))),
			want: wantFail(off("a", "user is absent"), off("b", `user is "CONTAINERADMINISTRATOR"`), off("#3", "user is absent"))},
		{name: "windows non-admin users pass", td: taskDef("a", 1, win, containers(ctr("a", user("ContainerUser")), ctr("b", user("app")))),
			want: Pass("every container sets a non-administrator user")},
		{name: "unset family with the administrator fails", td: taskDef("a", 1, containers(ctr("web", user("containeradministrator")))),
			want: wantFail(off("web", `user is "containeradministrator"`))},
		{name: "linux is not applicable", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web"))),
			want: NA("operatingSystemFamily is LINUX; ECS.21 evaluates Windows task definitions")},
	})
}
