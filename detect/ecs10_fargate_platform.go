package detect

import (
	"fmt"
	"regexp"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Latest Fargate platform versions, as Security Hub fixes them in ecs-fargate-latest-platform-version's
// parameters (latestLinuxVersion, latestWindowsVersion; not customizable).
const (
	latestFargateLinux   = "1.4.0"
	latestFargateWindows = "1.0.0"
)

// platformVersionRE matches a Fargate platform version number (1.4.0).
var platformVersionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// ECS10 — ecs-fargate-latest-platform-version: a service with launch type FARGATE fails when its
// platformVersion is neither LATEST nor the latest version for its OS (Linux 1.4.0, Windows 1.0.0; the OS
// is service.platformFamily, WINDOWS_SERVER_* meaning Windows, anything else or absent Linux). An absent
// platformVersion is treated as LATEST, the API's default.
//
// Launch types EC2 and EXTERNAL are NOT_APPLICABLE. A service with a capacityProviderStrategy and no
// launchType (FARGATE or FARGATE_SPOT through capacity providers included) is NOT_APPLICABLE too: the Config
// rule reads the service's LaunchType, which such a service does not have, so Security Hub does not score it.
// A launchType outside the SDK's values, or a platformVersion that is neither LATEST nor a version number
// (a template placeholder), is NOT_EVALUATED. platformFamily is free text (Linux, LINUX, WINDOWS_SERVER_*),
// so it is not checked.
func ECS10() Control {
	return Control{
		ID:           ECS10ID,
		Title:        "ECS Fargate services should run on the latest Fargate platform version",
		Severity:     SeverityMedium,
		ResourceType: TypeService,
		Service:      evalECS10,
	}
}

func evalECS10(svc *ecstypes.Service, _ *Inventory, _ *Settings) Verdict {
	if v := checkEnum("launchType", svc.LaunchType); v != nil {
		return *v
	}
	switch {
	case svc.LaunchType == "" && len(svc.CapacityProviderStrategy) > 0:
		return NA("the service uses a capacity provider strategy and has no launchType; the Config rule reads launchType, so Security Hub does not evaluate it")
	case svc.LaunchType == "":
		return NA("the service has no launchType; the Config rule evaluates FARGATE services only")
	case svc.LaunchType != ecstypes.LaunchTypeFargate:
		return NA("launchType is " + string(svc.LaunchType) + "; only FARGATE services are evaluated")
	}
	pv := deref(svc.PlatformVersion)
	if pv == "" {
		return Pass("platformVersion is absent, which AWS treats as LATEST")
	}
	if strings.EqualFold(pv, "LATEST") {
		return Pass("platformVersion is LATEST")
	}
	if !platformVersionRE.MatchString(pv) {
		return Unknown(fmt.Sprintf("platformVersion is %q, which is neither LATEST nor a version number such as 1.4.0; the control cannot decide on it", pv))
	}
	osName, latest := "Linux", latestFargateLinux
	if isWindowsFamily(deref(svc.PlatformFamily)) {
		osName, latest = "Windows", latestFargateWindows
	}
	if pv == latest {
		return Pass("platformVersion " + pv + " is the latest for " + osName)
	}
	return Fail("platformVersion is "+pv+"; the latest for "+osName+" is "+latest+" (or LATEST)",
		Offender{Field: "platformVersion", Detail: pv + " (latest for " + osName + ": " + latest + ")"})
}
