package detect

// ECS.12 verdicts pinned whole: the containerInsights setting is found among other settings, its value
// compared case-insensitively, the last one winning.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestECS12Verdicts(t *testing.T) {
	ci := ecstypes.ClusterSettingNameContainerInsights
	setting := func(name ecstypes.ClusterSettingName, value string) ecstypes.ClusterSetting {
		return ecstypes.ClusterSetting{Name: name, Value: aws.String(value)}
	}
	off := func(detail string) []Offender {
		return []Offender{{Field: "settings.containerInsights", Detail: detail}}
	}
	for _, tc := range []struct {
		name     string
		settings []ecstypes.ClusterSetting
		want     Verdict
	}{
		{"ENABLED in upper case", []ecstypes.ClusterSetting{setting(ci, "ENABLED")}, Pass("containerInsights is ENABLED")},
		{"Enhanced in mixed case", []ecstypes.ClusterSetting{setting(ci, "Enhanced")}, Pass("containerInsights is Enhanced")},
		{"DISABLED in upper case", []ecstypes.ClusterSetting{setting(ci, "DISABLED")}, Verdict{Status: Failed, Reason: "containerInsights is DISABLED", Offenders: off("DISABLED")}},
		{"another setting before it", []ecstypes.ClusterSetting{setting("otherSetting", "disabled"), setting(ci, "enabled")}, Pass("containerInsights is enabled")},
		{"another setting after it", []ecstypes.ClusterSetting{setting(ci, "enabled"), setting("otherSetting", "disabled")}, Pass("containerInsights is enabled")},
		{"only another setting", []ecstypes.ClusterSetting{setting("otherSetting", "enabled")}, Verdict{Status: Failed, Reason: "the cluster has no containerInsights setting", Offenders: off("absent")}},
		{"empty value", []ecstypes.ClusterSetting{setting(ci, "")}, Verdict{Status: Failed, Reason: "the cluster has no containerInsights setting", Offenders: off("absent")}},
		{"the last setting wins", []ecstypes.ClusterSetting{setting(ci, "enabled"), setting(ci, "disabled")}, Verdict{Status: Failed, Reason: "containerInsights is disabled", Offenders: off("disabled")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ecstypes.Cluster{ClusterArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/prod"), Settings: tc.settings}
			checkExactVerdict(t, ECS12().Cluster(&c, &Settings{}), tc.want)
		})
	}
}
