package detect

// ECS.8 verdicts pinned whole: every secret-named environment entry of every container is listed, in order.

import "testing"

func TestECS8ListsEverySecretName(t *testing.T) {
	env8 := func(c, name string) Offender {
		return Offender{Container: c, Field: "environment." + name, Detail: "environment variable " + name + " is passed in plaintext"}
	}
	runExactTaskDefinitionCases(t, ECS8(), []exactTDCase{
		{name: "several names in several containers", td: taskDef("a", 1, containers(
			ctr("web", env("LOG_LEVEL", "info", "AWS_ACCESS_KEY_ID", "x")),
			ctr("side"),
			ctr("agent", env("ECS_ENGINE_AUTH_DATA", "{}", "PATH", "/bin", "AWS_SECRET_ACCESS_KEY", "y")))),
			want: wantFail(env8("web", "AWS_ACCESS_KEY_ID"), env8("agent", "ECS_ENGINE_AUTH_DATA"), env8("agent", "AWS_SECRET_ACCESS_KEY"))},
		{name: "no secret name", td: taskDef("a", 1, containers(ctr("web", env("LOG_LEVEL", "info")))),
			want: Pass("no environment variable named AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or ECS_ENGINE_AUTH_DATA")},
	})
}
