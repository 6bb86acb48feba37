package detect

import (
	"slices"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS12 — ecs-container-insights-enabled: a cluster passes when its containerInsights setting is enabled
// or enhanced; otherwise (disabled, or no setting) it fails. Any other value (a template placeholder) is
// NOT_EVALUATED.
func ECS12() Control {
	return Control{
		ID:           ECS12ID,
		Title:        "ECS clusters should use Container Insights",
		Severity:     SeverityMedium,
		ResourceType: TypeCluster,
		Cluster:      evalECS12,
	}
}

func evalECS12(c *ecstypes.Cluster, _ *Settings) Verdict {
	value := ""
	for _, st := range c.Settings {
		if st.Name == ecstypes.ClusterSettingNameContainerInsights {
			value = deref(st.Value)
		}
	}
	if value != "" && !slices.ContainsFunc(containerInsightsValues, func(k string) bool { return strings.EqualFold(k, value) }) {
		return unknownValue("settings.containerInsights", value, containerInsightsValues)
	}
	switch {
	case strings.EqualFold(value, "enabled") || strings.EqualFold(value, "enhanced"):
		return Pass("containerInsights is " + value)
	case value == "":
		return Fail("the cluster has no containerInsights setting",
			Offender{Field: "settings.containerInsights", Detail: "absent"})
	default:
		return Fail("containerInsights is "+value,
			Offender{Field: "settings.containerInsights", Detail: value})
	}
}

// containerInsightsValues are the values of the containerInsights cluster setting (the SDK types the
// setting's value as a plain string, so it has no list of its own).
var containerInsightsValues = []string{"enhanced", "enabled", "disabled"}
