package detect

// The required-tag controls (ECS.13, ECS.14, ECS.15) pinned whole: every missing key is listed, in the
// configured order.

import (
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestEvalRequiredTags(t *testing.T) {
	miss := func(k string) Offender { return Offender{Field: "tags", Detail: "missing tag key " + k} }
	for _, tc := range []struct {
		name     string
		tags     []ecstypes.Tag
		required []string
		want     Verdict
	}{
		{"all present", ecsTagList("team", "a", "env", "b"), []string{"env", "team"}, Pass("has every required tag key")},
		{"two of three missing", ecsTagList("env", "b", "aws:team", "x"), []string{"team", "env", "owner"},
			Verdict{Status: Failed, Reason: `missing required tag keys: "team", "owner"`, Offenders: []Offender{miss("team"), miss("owner")}}},
		{"an empty value counts", ecsTagList("team", ""), []string{"team"}, Pass("has every required tag key")},
		{"nothing required", nil, nil, Pass("has every required tag key")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkExactVerdict(t, evalRequiredTags(tc.tags, tc.required), tc.want) })
	}
	if requiredTagKeys(nil, TypeService) != nil {
		t.Errorf("requiredTagKeys(nil) is not nil")
	}
	if tagsEnabled(TypeService)(nil) {
		t.Errorf("tag control enabled under nil settings")
	}
}
