// This file holds how remedies refuse to use a template placeholder (detect.FindPlaceholder): a value a
// fix would copy into an action — a role to grant, a log group or secret name built from the family or a
// container name, a credential to store, an ECR repository to allow — must be the value AWS will see, and
// a placeholder is only known once the pipeline renders the template. The fix is not planned; its
// finding is "Not fixed" with the field, the placeholder and what to do instead.

package plan

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
)

// renderFirst ends every placeholder refusal.
const renderFirst = "its value is only known once the template is rendered: make this change in the template by hand, or plan from the rendered task definition"

// placeholderRefusal is the Skip reason of a fix that would use value (field names where it is, use what
// the fix would do with it) when value holds a template placeholder; "" when it holds none.
func placeholderRefusal(field, value, use string) string {
	p, ok := detect.FindPlaceholder(value)
	if !ok {
		return ""
	}
	what := fmt.Sprintf("%q, a template placeholder (%s)", value, p.Syntax)
	if !p.Whole {
		what = fmt.Sprintf("%q, which holds the template placeholder %s", value, p.Text)
	}
	return fmt.Sprintf("%s is %s; the fix would use it %s, and %s", field, what, use, renderFirst)
}

// secretPlaceholderRefusal is placeholderRefusal for a value that may be a secret: the value is never
// printed, only the form of the placeholder it holds.
func secretPlaceholderRefusal(field, value, use string) string {
	p, ok := detect.FindPlaceholder(value)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s holds a template placeholder (%s), so the credential is filled in when the template is rendered; the fix would %s, and %s",
		field, p.Syntax, use, renderFirst)
}

// namesRefusal refuses a fix that builds AWS names (log groups, secrets, stream prefixes) from the
// family and the names of the containers at idx ("" when none holds a placeholder).
func namesRefusal(in *ecs.RegisterTaskDefinitionInput, idx []int, use string) string {
	if r := placeholderRefusal("the family", aws.ToString(in.Family), use); r != "" {
		return r
	}
	for _, i := range idx {
		c := &in.ContainerDefinitions[i]
		if r := placeholderRefusal("the name of container "+containerLabel(c, i), aws.ToString(c.Name), use); r != "" {
			return r
		}
	}
	return ""
}

// executionRoleRefusal refuses a fix that would grant the revision's own execution role something
// ("" when the role holds no placeholder, or the revision has none).
func executionRoleRefusal(in *ecs.RegisterTaskDefinitionInput, use string) string {
	return placeholderRefusal("executionRoleArn", aws.ToString(in.ExecutionRoleArn), use)
}
