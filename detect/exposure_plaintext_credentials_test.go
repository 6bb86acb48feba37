package detect

// The plaintext-credentials exposure pinned whole: every credential of every container, in order, with
// the basis of each finding and never its value.

import "testing"

func TestPlaintextCredentialsVerdict(t *testing.T) {
	inv := exposureInv(
		taskDef("app", 1, containers(
			ctr("clean", env("LOG_LEVEL", "info")),
			ctr("web", env("DB_PASSWORD", "hunter2", "KEY", fakeAccessKeyID)),
			unnamed(env("API_TOKEN", "abc")))),
		taskDef("clean", 1, containers(ctr("web", env("LOG_LEVEL", "info")))),
	)
	runExactServiceCases(t, ExposurePlaintextCredentials(), []exactSvcCase{
		{name: "every credential of every container", svc: service("a", runs(tdARN("app", 1))), inv: inv,
			want: Verdict{Status: Failed,
				Reason: "task definition " + tdARN("app", 1) + `: container "web": environment.DB_PASSWORD is a plaintext password (by name); ` +
					`container "web": environment.KEY is a plaintext AWS access key id (by value); ` +
					`container "#2": environment.API_TOKEN is a plaintext token (by name)`,
				Offenders: []Offender{
					{Container: "web", Field: "environment.DB_PASSWORD", Detail: KindPassword},
					{Container: "web", Field: "environment.KEY", Detail: KindAWSAccessKeyID},
					{Container: "#2", Field: "environment.API_TOKEN", Detail: KindToken},
				}}},
		{name: "no credential", svc: service("a", runs(tdARN("clean", 1))), inv: inv, want: Pass("no credential found in environment variables")},
	})
}
