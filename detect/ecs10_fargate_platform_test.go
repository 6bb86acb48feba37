package detect

// ECS.10 verdicts pinned whole: which services are scored at all, and the latest version per OS.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS10Verdicts(t *testing.T) {
	fargate := launchType(ecstypes.LaunchTypeFargate)
	strategy := func(s *ecstypes.Service) {
		s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1}}
	}
	pvOff := func(pv, osName, latest string) Offender {
		return Offender{Field: "platformVersion", Detail: pv + " (latest for " + osName + ": " + latest + ")"}
	}
	runExactServiceCases(t, ECS10(), []exactSvcCase{
		{name: "no launchType and no strategy", svc: service("web", platform("1.3.0", "")),
			want: NA("the service has no launchType; the Config rule evaluates FARGATE services only")},
		{name: "capacity provider strategy without launchType", svc: service("web", platform("1.3.0", ""), strategy),
			want: NA("the service uses a capacity provider strategy and has no launchType; the Config rule reads launchType, so Security Hub does not evaluate it")},
		{name: "FARGATE launchType with a strategy is still scored", svc: service("web", fargate, strategy, platform("1.3.0", "")),
			want: Verdict{Status: Failed, Reason: "platformVersion is 1.3.0; the latest for Linux is 1.4.0 (or LATEST)", Offenders: []Offender{pvOff("1.3.0", "Linux", "1.4.0")}}},
		{name: "EC2", svc: service("web", launchType(ecstypes.LaunchTypeEc2)),
			want: NA("launchType is EC2; only FARGATE services are evaluated")},
		{name: "absent platformVersion", svc: service("web", fargate), want: Pass("platformVersion is absent, which AWS treats as LATEST")},
		{name: "LATEST in lower case", svc: service("web", fargate, platform("latest", "")), want: Pass("platformVersion is LATEST")},
		{name: "linux latest", svc: service("web", fargate, platform("1.4.0", "LINUX")), want: Pass("platformVersion 1.4.0 is the latest for Linux")},
		{name: "windows latest", svc: service("web", fargate, platform("1.0.0", "WINDOWS_SERVER_2019_FULL")), want: Pass("platformVersion 1.0.0 is the latest for Windows")},
		{name: "windows family in lower case", svc: service("web", fargate, platform("1.4.0", "windows_server_2022_core")),
			want: Verdict{Status: Failed, Reason: "platformVersion is 1.4.0; the latest for Windows is 1.0.0 (or LATEST)", Offenders: []Offender{pvOff("1.4.0", "Windows", "1.0.0")}}},
	})
}
