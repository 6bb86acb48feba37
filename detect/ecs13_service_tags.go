package detect

import (
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS13 — tagged-ecs-service: a service missing any of the configured required tag keys
// (Settings.RequiredTags[TypeService]) fails. Off when no keys are configured. (Security Hub, when its
// requiredTagKeys parameter is empty, only requires some tag; ecsfix leaves the control off instead.)
func ECS13() Control {
	return Control{
		ID:           ECS13ID,
		Title:        "ECS services should be tagged",
		Severity:     SeverityLow,
		ResourceType: TypeService,
		Service: func(svc *ecstypes.Service, _ *Inventory, s *Settings) Verdict {
			return evalRequiredTags(svc.Tags, requiredTagKeys(s, TypeService))
		},
		Enabled: tagsEnabled(TypeService),
	}
}
