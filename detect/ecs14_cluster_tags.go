package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS14 — tagged-ecs-cluster: a cluster missing any of the configured required tag keys
// (Settings.RequiredTags[TypeCluster]) fails. Off when no keys are configured.
func ECS14() Control {
	return Control{
		ID:           ECS14ID,
		Title:        "ECS clusters should be tagged",
		Severity:     SeverityLow,
		ResourceType: TypeCluster,
		Cluster: func(c *ecstypes.Cluster, s *Settings) Verdict {
			return evalRequiredTags(c.Tags, requiredTagKeys(s, TypeCluster))
		},
		Enabled: tagsEnabled(TypeCluster),
	}
}
