// This file holds how controls treat a task definition read from a file that holds only its
// containerDefinitions array (Terraform's container_definitions): the task-level settings are not absent
// but elsewhere, so a control that reads one is NOT_EVALUATED, never PASSED; container-level controls
// judge the containers as written.

package detect

// containersOnly reports a task definition read from a containers-only file.
func containersOnly(td *TaskDefinition) bool {
	return td.Source != nil && td.Source.ContainersOnly
}

// taskLevelUnknown is the NOT_EVALUATED verdict of a control that reads a task-level field (fields names
// it: "networkMode", "volumes") of a task definition read from a containers-only file; nil otherwise.
func taskLevelUnknown(td *TaskDefinition, fields string) *Verdict {
	if !containersOnly(td) {
		return nil
	}
	v := Unknown(fields + " is not in the file, which holds only the containerDefinitions array " +
		"(the task definition's own settings are kept elsewhere, as Terraform keeps them beside container_definitions), so the control cannot decide on it")
	return &v
}

// osFamilyNote is what a verdict that depends on operatingSystemFamily adds for a containers-only task
// definition: the family is unknown and the containers are judged as in a task definition without one.
func osFamilyNote(td *TaskDefinition, v Verdict) Verdict {
	if containersOnly(td) && v.Status != NotEvaluated {
		v.Reason += " (the file holds only containerDefinitions: operatingSystemFamily is not known, and the containers are judged as in a task definition that names none)"
	}
	return v
}
