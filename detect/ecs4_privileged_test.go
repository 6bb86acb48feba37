package detect

// ECS.4 verdicts pinned whole: every privileged container is listed, wherever it sits.

import "testing"

func TestECS4ListsEveryPrivilegedContainer(t *testing.T) {
	priv := func(c string) Offender {
		return Offender{Container: c, Field: "privileged", Detail: "privileged is true"}
	}
	runExactTaskDefinitionCases(t, ECS4(), []exactTDCase{
		{name: "privileged containers among others", td: taskDef("a", 1, containers(ctr("web", privileged(false)), ctr("agent", privileged(true)), ctr("side"), unnamed(privileged(true)))),
			want: wantFail(priv("agent"), priv("#3"))},
		{name: "none privileged", td: taskDef("a", 1, containers(ctr("web", privileged(false)), ctr("side"))),
			want: Pass("no container is privileged")},
	})
}
