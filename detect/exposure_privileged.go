package detect

// ExposurePrivileged — the service runs a revision with a privileged container.
func ExposurePrivileged() Control {
	return Control{
		ID:           ExposurePrivilegedID,
		Title:        "The Amazon ECS service uses a task definition configured with elevated privileges",
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service: exposureOnRevision(func(td *TaskDefinition) Verdict {
			if offs := privilegedContainers(td); len(offs) > 0 {
				return failAll(offs)
			}
			return Pass("no container is privileged")
		}),
	}
}
