package detect

// ECS.20 verdicts pinned whole: every root container is listed wherever it sits, and the pass reason
// names every container that still runs as root through a user:group form.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS20ListsEveryRootContainer(t *testing.T) {
	off := func(c, detail string) Offender { return Offender{Container: c, Field: "user", Detail: detail} }
	runExactTaskDefinitionCases(t, ECS20(), []exactTDCase{
		{name: "non-root first, root users after", td: taskDef("a", 1, containers(ctr("ok", user("1000")), ctr("a"), ctr("b", user("root")), ctr("g", user("0:0")), unnamed(user("0")))),
			want: wantFail(off("a", "user is absent (runs as root)"), off("b", `user is "root"`), off("#4", `user is "0"`))},
		{name: "empty user is absent", td: taskDef("a", 1, containers(ctr("web", user("")))),
			want: wantFail(off("web", "user is absent (runs as root)"))},
		{name: "user:group forms pass with a note naming each", td: taskDef("a", 1, containers(ctr("a", user("0:0")), ctr("ok", user("app")), ctr("b", user("root:wheel")))),
			want: Pass(`no container's user is absent, "root" or "0" (note: container "a" user "0:0", container "b" user "root:wheel" still runs as root; Security Hub matches only "root" and "0")`)},
		{name: "users that only resemble root pass", td: taskDef("a", 1, containers(ctr("a", user("rootless")), ctr("b", user("00")), ctr("c", user("1000:0")))),
			want: Pass("every container sets a non-root user")},
		{name: "explicit LINUX with non-root users passes", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyLinux), containers(ctr("web", user("1000")))),
			want: Pass("every container sets a non-root user")},
		{name: "windows is not applicable", td: taskDef("a", 1, osFamilyOpt(ecstypes.OSFamilyWindowsServer2019Core), containers(ctr("web"))),
			want: NA("operatingSystemFamily is WINDOWS_SERVER_2019_CORE; ECS.20 evaluates Linux task definitions")},
	})
}
