// Tests of the schema: every key has a default.

package config

import (
	"strings"
	"testing"
)

func TestEveryKeyHasADefault(t *testing.T) {
	v := New()
	for _, k := range Keys() {
		if k == "exemptions" || k == "fix.risk" || k == "fix.network.replacement_subnets" || k == "fix.host_network.awsvpc" || k == "pace.quotas" {
			continue // a list of objects: file only
		}
		if !v.IsSet(k) {
			t.Errorf("key %s has no default, so ECSFIX_%s would be ignored", k, strings.ToUpper(strings.ReplaceAll(k, ".", "_")))
		}
	}
}
