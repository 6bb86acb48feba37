package detect

import "fmt"

// ECS15 — tagged-ecs-taskdefinition: the latest ACTIVE revision of a family missing any of the configured
// required tag keys (Settings.RequiredTags[TypeTaskDefinition]) fails. Off when no keys are configured.
// A task definition read from a containers-only file has no tags to read: NOT_EVALUATED. A missing key
// with a tag key that is a template placeholder (which may render as that key): NOT_EVALUATED.
func ECS15() Control {
	return Control{
		ID:             ECS15ID,
		Title:          "ECS task definitions should be tagged",
		Severity:       SeverityLow,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS15,
		Enabled:        tagsEnabled(TypeTaskDefinition),
	}
}

func evalECS15(td *TaskDefinition, s *Settings) Verdict {
	if v := taskLevelUnknown(td, "tags"); v != nil && len(td.Tags) == 0 {
		return *v
	}
	v := evalRequiredTags(td.Tags, requiredTagKeys(s, TypeTaskDefinition))
	if v.Status != Failed {
		return v
	}
	for _, t := range td.Tags {
		if p, ok := FindPlaceholder(deref(t.Key)); ok {
			return Unknown(fmt.Sprintf("%s, but tag key %s may render as one: %s", v.Reason, placeholderText(deref(t.Key), p), renderedLater))
		}
	}
	return v
}
