package detect

// The exposure traits read on the revision a service runs: a failure names that revision, any other
// verdict is left as the check gives it, and a revision that cannot be found is NOT_EVALUATED.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestExposureOnRevisionPrefixesOnlyFailures(t *testing.T) {
	inv := exposureInv(
		taskDef("bad", 1, containers(ctr("web", privileged(true)))),
		taskDef("good", 1, containers(ctr("web"))),
	)
	runExactServiceCases(t, ExposurePrivileged(), []exactSvcCase{
		{name: "failure names the revision", svc: service("a", runs(tdARN("bad", 1))), inv: inv,
			want: Verdict{Status: Failed, Reason: "task definition " + tdARN("bad", 1) + `: container "web": privileged is true`,
				Offenders: []Offender{{Container: "web", Field: "privileged", Detail: "privileged is true"}}}},
		{name: "pass is left as is", svc: service("a", runs(tdARN("good", 1))), inv: inv, want: Pass("no container is privileged")},
		{name: "no task definition", svc: service("a"), inv: inv,
			want: Unknown("the service names no task definition (its task sets carry them); not evaluated")},
		{name: "revision not in the inventory", svc: service("a", runs(tdARN("gone", 1))), inv: inv,
			want: Unknown("task definition " + tdARN("gone", 1) + ", which the service runs, is not in the inventory")},
	})
	runExactServiceCases(t, ExposureHostPID(), []exactSvcCase{
		{name: "host pid", svc: service("a", runs(tdARN("pid", 1))), inv: exposureInv(taskDef("pid", 1, pidMode(ecstypes.PidModeHost))),
			want: Verdict{Status: Failed, Reason: "task definition " + tdARN("pid", 1) + ": pidMode is host", Offenders: []Offender{{Field: "pidMode", Detail: "pidMode is host"}}}},
		{name: "task pid", svc: service("a", runs(tdARN("pid", 1))), inv: exposureInv(taskDef("pid", 1, pidMode(ecstypes.PidModeTask))), want: Pass("pidMode is not host")},
	})
	runExactServiceCases(t, ExposureHostNetwork(), []exactSvcCase{
		{name: "host network", svc: service("a", runs(tdARN("net", 1))), inv: exposureInv(taskDef("net", 1, networkMode(ecstypes.NetworkModeHost))),
			want: Verdict{Status: Failed, Reason: "task definition " + tdARN("net", 1) + ": networkMode is host", Offenders: []Offender{{Field: "networkMode", Detail: "networkMode is host"}}}},
		{name: "bridge network", svc: service("a", runs(tdARN("net", 1))), inv: exposureInv(taskDef("net", 1, networkMode(ecstypes.NetworkModeBridge))), want: Pass("networkMode is not host")},
	})
}
