package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
	"github.com/ecsfix/ecsfix/plan"
)

// TestTrimKeepsResultsAndPlans: a load trims the revisions nothing reads past their identity
// (detect.Inventory.DropUnread); the results of every control, and the plans made of them, are byte for
// byte those of a load that keeps every revision whole, on the repository's snapshots and generated ones
// (services running the first, a middle or the latest revision of their family).
func TestTrimKeepsResultsAndPlans(t *testing.T) {
	large := t.TempDir()
	snapshottest.WriteLarge(t, large, 60, 4)
	// more services: some run a middle revision (newer ACTIVE ones stay whole), some the latest
	const p = "arn:aws:ecs:eu-west-1:123456789012:"
	doc := `{"services": [`
	for f := 1; f < 60; f += 3 {
		if f > 1 {
			doc += ","
		}
		doc += fmt.Sprintf(`{"serviceArn": "%sservice/prod/mid%04d", "serviceName": "mid%04d", "clusterArn": "%scluster/prod", "status": "ACTIVE",
  "launchType": "FARGATE", "taskDefinition": "%stask-definition/fam%04d:%d",
  "deployments": [{"id": "ecs-svc/%d", "status": "PRIMARY", "taskDefinition": "%stask-definition/fam%04d:%d"}],
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}}}`,
			p, f, f, p, p, f, 2+f%3, f, p, f, 1+f%2)
	}
	if err := os.WriteFile(filepath.Join(large, "ecs", "services-mid.json"), []byte(doc+`], "failures": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join("..", "..", "testdata", "demo"), repofiles, large}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			whole, err := openSized(dir, DefaultLimits, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			trimmed, err := openSized(dir, DefaultLimits, nil, true)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for i := range trimmed.Inventory.TaskDefinitions {
				if trimmed.Inventory.TaskDefinitions[i].Trimmed {
					n++
				}
			}
			if dir == large && n < 100 {
				t.Errorf("%d revisions trimmed of %d; want most of the superseded ones", n, len(trimmed.Inventory.TaskDefinitions))
			}
			t.Logf("%d of %d revisions trimmed", n, len(trimmed.Inventory.TaskDefinitions))
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			for _, opts := range []plan.Options{
				{Now: now},
				{Now: now, DetachAdmin: true, UpgradeVulnerableImages: true, LinuxUser: "1000", HostPath: "remove"},
			} {
				settings := &detect.Settings{Now: now, RequiredTags: map[string][]string{detect.TypeTaskDefinition: {"owner"}}}
				opts.Settings = settings
				got := evaluateAndPlan(t, trimmed.Inventory, settings, opts, true)
				want := evaluateAndPlan(t, whole.Inventory, settings, opts, true)
				// The plan is the same from one load to the next (no order from a map or a reading order).
				if again, err := openSized(dir, DefaultLimits, nil, false); err != nil {
					t.Fatal(err)
				} else if evaluateAndPlan(t, again.Inventory, settings, opts, true) != want {
					t.Errorf("the plan differs between two loads of %s that keep every revision", dir)
				}
				if got != want {
					i := 0
					for i < len(got) && i < len(want) && got[i] == want[i] {
						i++
					}
					from := max(0, i-300)
					t.Errorf("results or plan differ once trimmed, at byte %d:\n…%.600s\nwant\n…%.600s", i, got[from:], want[from:])
				}
			}
		})
	}
}

func evaluateAndPlan(t *testing.T, in *detect.Inventory, s *detect.Settings, o plan.Options, withPlan bool) string {
	t.Helper()
	rs := detect.Evaluate(in, s)
	var p *plan.Plan
	if withPlan {
		var err error
		if p, err = plan.Build(in, rs, o); err != nil {
			t.Fatal(err)
		}
	}
	out, err := json.Marshal([]any{rs, p})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
