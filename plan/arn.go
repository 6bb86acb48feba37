package plan

import (
	"fmt"

	"github.com/ecsfix/ecsfix/detect"
)

// Short names of ARNs for the texts of the plan.

// shortName is family:revision for a task-definition ARN (the ARN itself when it does not parse).
func revName(arn string) string {
	a, err := detect.ParseTaskDefinitionARN(arn)
	if err != nil {
		return arn
	}
	return fmt.Sprintf("%s:%d", a.Family, a.Revision)
}
