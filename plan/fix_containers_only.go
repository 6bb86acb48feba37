// This file holds how remedies refuse a fix that needs a task-level setting of a task definition read
// from a file holding only its containerDefinitions array (Terraform's container_definitions): the
// execution role, the launch type and the volumes are kept beside the containers, not in the file, so
// ecsfix can neither read nor edit them there.

package plan

// containersOnlyRefusal is the Skip reason of a fix that needs (what) a task-level setting of a
// containers-only task definition; "" for any other task definition.
func containersOnlyRefusal(ctx *revisionContext, what string) string {
	if !isContainersOnly(ctx) {
		return ""
	}
	return "the file holds only the containerDefinitions array, and the fix " + what +
		", which is set beside the containers (as Terraform sets it beside container_definitions), not in the file: make this change by hand where the task definition's settings are kept"
}

// isContainersOnly says whether the revision is a file's containerDefinitions array alone (where
// containersOnlyRefusal refuses): a caller tests it before making the text of what it would refuse.
func isContainersOnly(ctx *revisionContext) bool {
	return ctx.source != nil && ctx.source.Source != nil && ctx.source.Source.ContainersOnly
}
