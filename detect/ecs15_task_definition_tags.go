package detect

// ECS15 — tagged-ecs-taskdefinition: the latest ACTIVE revision of a family missing any of the configured
// required tag keys (Settings.RequiredTags[TypeTaskDefinition]) fails. Off when no keys are configured.
func ECS15() Control {
	return Control{
		ID:           ECS15ID,
		Title:        "ECS task definitions should be tagged",
		Severity:     SeverityLow,
		ResourceType: TypeTaskDefinition,
		TaskDefinition: func(td *TaskDefinition, s *Settings) Verdict {
			return evalRequiredTags(td.Tags, requiredTagKeys(s, TypeTaskDefinition))
		},
		Enabled: tagsEnabled(TypeTaskDefinition),
	}
}
