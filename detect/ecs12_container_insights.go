package detect

import (
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS12 — ecs-container-insights-enabled: a cluster passes when its containerInsights setting is enabled
// or enhanced; otherwise (disabled, or no setting) it fails.
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
