package plan

import "strings"

// Short names of ARNs for the texts of the plan.

// shortARN is the part of an ARN after the resource type ("task-definition/web:3" → "web:3",
// "service/prod/web" → "prod/web", "role/app/web-task" → "app/web-task"); anything that is not an ARN is
// returned as it is.
func shortARN(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return arn
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := parts[5]
	if i := strings.IndexByte(res, '/'); i >= 0 {
		return res[i+1:]
	}
	return res
}
