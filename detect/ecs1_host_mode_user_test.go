package detect

// ECS.1 verdicts pinned whole: every offending container is reported wherever it sits in the task
// definition, and each spelling of root is told apart from the non-root users that resemble it.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS1ReportsEveryOffendingContainer(t *testing.T) {
	host := networkMode(ecstypes.NetworkModeHost)
	root := func(container, user, priv string) Offender {
		return Offender{Container: container, Field: "user", Detail: "host network mode with user " + user + " (root) and privileged " + priv}
	}
	pass := Pass("host network mode, but every container is privileged or runs as a non-root user")
	runExactTaskDefinitionCases(t, ECS1(), []exactTDCase{
		{name: "not host mode", td: taskDef("a", 1, networkMode(ecstypes.NetworkModeAwsvpc), containers(ctr("web"))),
			want: Pass("networkMode is not host")},
		{name: "privileged container first, root container after it", td: taskDef("a", 1, host, containers(ctr("agent", privileged(true)), ctr("web", user("root")))),
			want: wantFail(root("web", `"root"`, "absent"))},
		{name: "non-root container first, root container after it", td: taskDef("a", 1, host, containers(ctr("app", user("1000")), ctr("web"))),
			want: wantFail(root("web", "absent", "absent"))},
		{name: "two offenders around a good container", td: taskDef("a", 1, host, containers(ctr("a", user("0"), privileged(false)), ctr("ok", user("1000")), ctr("b", user("")))),
			want: Verdict{Status: Failed,
				Reason:    `container "a": host network mode with user "0" (root) and privileged false; container "b": host network mode with user "" (root) and privileged absent`,
				Offenders: []Offender{root("a", `"0"`, "false"), root("b", `""`, "absent")}}},
		{name: "unnamed container is numbered", td: taskDef("a", 1, host, containers(ctr("ok", user("1000")), unnamed(user("root:root")))),
			want: wantFail(root("#1", `"root:root"`, "absent"))},
		{name: "empty name is numbered", td: taskDef("a", 1, host, containers(ctr("", user("0:0")))),
			want: wantFail(root("#0", `"0:0"`, "absent"))},
		{name: "uid 0 with a group fails", td: taskDef("a", 1, host, containers(ctr("web", user("0:1000")))),
			want: wantFail(root("web", `"0:1000"`, "absent"))},
		{name: "root with a group fails", td: taskDef("a", 1, host, containers(ctr("web", user("root:wheel")))),
			want: wantFail(root("web", `"root:wheel"`, "absent"))},
		{name: "users that only resemble root pass", td: taskDef("a", 1, host, containers(
			ctr("a", user("rootless")), ctr("b", user("10")), ctr("c", user("00")), ctr("d", user("1000:0")), ctr("e", user("app:root")))),
			want: pass},
		{name: "every container privileged or non-root", td: taskDef("a", 1, host, containers(ctr("agent", privileged(true), user("root")), ctr("web", user("app")))),
			want: pass},
		{name: "no container", td: taskDef("a", 1, host), want: pass},
	})
}

func TestIsRootUserHostMode(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name string
		user *string
		want bool
	}{
		{"absent", nil, true},
		{"empty", s(""), true},
		{"root", s("root"), true},
		{"0", s("0"), true},
		{"0:0", s("0:0"), true},
		{"root:root", s("root:root"), true},
		{"1000", s("1000"), false},
		{"rootless", s("rootless"), false},
		{"01", s("01"), false},
		{"1000:0", s("1000:0"), false},
	} {
		if got := isRootUserHostMode(tc.user); got != tc.want {
			t.Errorf("%s: isRootUserHostMode = %v, want %v", tc.name, got, tc.want)
		}
	}
}
