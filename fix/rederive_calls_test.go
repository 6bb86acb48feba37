package fix

// Re-deriving every action reads nothing more than the stale check: it works on what that check read.

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRederiveAddsNoCall(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "re-derived from the state read and the plan's edits, as planned") {
		t.Fatalf("no re-derivation:\n%s", out.String())
	}
	tds, services, clusters := 0, 0, 0
	for _, f := range p.State {
		switch f.ResourceType {
		case detect.TypeTaskDefinition:
			tds++
		case detect.TypeService:
			services++
		case detect.TypeCluster:
			clusters++
		}
	}
	t.Logf("calls: %v; fingerprints: %d revisions, %d services, %d clusters", rep.Calls, tds, services, clusters)
	// The plan: a registration of web:1, web moved to it, api's platform, the cluster's settings. The
	// reads are the stale check's alone: the caller; the source revision and its family's latest ACTIVE
	// revision (one DescribeTaskDefinition each; the registration is rebuilt from the first); both
	// services in one DescribeServices; the cluster. Re-deriving the four actions adds none.
	want := map[string]int{"sts:GetCallerIdentity": 1, "ecs:DescribeTaskDefinition": 2, "ecs:DescribeServices": 1, "ecs:DescribeClusters": 1}
	if tds != 1 || services != 2 || clusters != 1 {
		t.Fatalf("the plan fingerprints %d revisions, %d services, %d clusters: the test expects 1, 2, 1", tds, services, clusters)
	}
	if len(rep.Calls) != len(want) {
		t.Errorf("calls %v, want %v", rep.Calls, want)
	}
	for op, n := range want {
		if rep.Calls[op] != n {
			t.Errorf("%s: %d calls, want %d (all: %v)", op, rep.Calls[op], n, rep.Calls)
		}
	}
}
