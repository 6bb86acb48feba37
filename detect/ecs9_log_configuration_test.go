package detect

// ECS.9 verdicts pinned whole: every container without a log driver is listed, wherever it sits.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS9ListsEveryUnloggedContainer(t *testing.T) {
	nolog := func(c, detail string) Offender {
		return Offender{Container: c, Field: "logConfiguration", Detail: detail}
	}
	runExactTaskDefinitionCases(t, ECS9(), []exactTDCase{
		{name: "logged first, unlogged after", td: taskDef("a", 1, containers(
			ctr("web", logDriver(ecstypes.LogDriverAwslogs)),
			ctr("side"),
			ctr("ok", logDriver(ecstypes.LogDriverSplunk)),
			ctr("router", firelens(), logDriver("")))),
			want: wantFail(nolog("side", "no logConfiguration"), nolog("router", "logConfiguration has no logDriver (FireLens log router)"))},
		{name: "router without logConfiguration", td: taskDef("a", 1, containers(ctr("web", logDriver(ecstypes.LogDriverAwsfirelens)), ctr("router", firelens()))),
			want: wantFail(nolog("router", "no logConfiguration (FireLens log router)"))},
		{name: "every container logged", td: taskDef("a", 1, containers(ctr("web", logDriver(ecstypes.LogDriverAwslogs)), ctr("side", logDriver(ecstypes.LogDriverJsonFile)))),
			want: Pass("every container has a log driver")},
	})
}
