package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadmeListsEveryControl(t *testing.T) {
	doc := readme(t)
	for _, c := range detect.All() {
		if !strings.Contains(doc, "| "+c.ID+" | "+c.Title+" | "+string(c.Severity)+" |") {
			t.Errorf("README's control table lacks %s (%s, %s)", c.ID, c.Title, c.Severity)
		}
	}
}

// TestReadmeScanPolicyCoversLiveScan runs a live scan on the emulator and checks that the README's
// read-only IAM policy allows every operation the scan made.
func TestReadmeScanPolicyCoversLiveScan(t *testing.T) {
	policy := regexp.MustCompile(`(?s)"Sid": "EcsfixScan".*?\]`).FindString(readme(t))
	if policy == "" {
		t.Fatal("README has no EcsfixScan policy statement")
	}
	cfg := mototest.Config(t, mototest.MaxAttempts(1))
	ctx := context.Background()
	buildSmallEstate(t, ctx, cfg)
	_, stats, err := live.Scan(ctx, cfg, live.Options{Regions: []string{cfg.Region}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.PerOperation) < 8 {
		t.Fatalf("the scan made too few kinds of calls to check: %v", stats.PerOperation)
	}
	for op := range stats.PerOperation {
		action := strings.Replace(op, "elbv2:", "elasticloadbalancing:", 1)
		if !strings.Contains(policy, `"`+action+`"`) {
			t.Errorf("the scan called %s, which the README's policy does not allow", action)
		}
	}
}
