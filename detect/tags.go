package detect

import (
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// requiredTagKeys returns the keys configured for a resource type (nil settings: none).
func requiredTagKeys(s *Settings, resourceType string) []string {
	if s == nil {
		return nil
	}
	return s.RequiredTags[resourceType]
}

// evalRequiredTags fails when a resource lacks any of the required tag keys. Keys are case-sensitive;
// system tags (aws:…) never satisfy a requirement, as Security Hub ignores them.
func evalRequiredTags(tags []ecstypes.Tag, required []string) Verdict {
	have := map[string]bool{}
	for _, t := range tags {
		k := deref(t.Key)
		if !strings.HasPrefix(k, "aws:") {
			have[k] = true
		}
	}
	var missing []string
	var offs []Offender
	for _, k := range required {
		if !have[k] {
			missing = append(missing, k)
			offs = append(offs, Offender{Field: "tags", Detail: "missing tag key " + k})
		}
	}
	if len(missing) > 0 {
		return Fail("missing required tag keys: "+quoted(missing), offs...)
	}
	return Pass("has every required tag key")
}

func tagsEnabled(resourceType string) func(*Settings) bool {
	return func(s *Settings) bool { return len(requiredTagKeys(s, resourceType)) > 0 }
}
