package detect

import (
	"strings"
	"testing"
)

// TestRegionOf: the region is the fourth of at least six colon-separated fields of an ARN whose first
// is "arn", as splitting would find it.
func TestRegionOf(t *testing.T) {
	split := func(arn string) string {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) < 6 || parts[0] != "arn" {
			return ""
		}
		return parts[3]
	}
	for _, arn := range []string{
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3", "arn:aws:iam::123456789012:role/x",
		"arn:aws:ecs:eu-west-1:123456789012:", "arn:aws:ecs:eu-west-1:123456789012", "arn:aws:ecs:eu-west-1",
		"arn:::::", "arn::::", "ARN:aws:ecs:r:1:x", "xarn:aws:ecs:r:1:x", "", "arn", "arn:", "::::::",
		"arn:aws-cn:ecs:cn-north-1:1:a:b:c", "arn:aws:ecs:us-east-1:1:service/c/s:with:colons",
	} {
		if got, want := RegionOf(arn), split(arn); got != want {
			t.Errorf("RegionOf(%q) = %q, want %q", arn, got, want)
		}
	}
}
