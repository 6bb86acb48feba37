package plan

import (
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// The registry of remedies: every control has one entry, with the default risks of CONTROLS.md.
func TestRemedyRegistry(t *testing.T) {
	seen := map[string]string{}
	for _, r := range remedies() {
		for _, c := range r.Controls {
			if prev, ok := seen[c]; ok {
				t.Errorf("%s is answered by %s and %s", c, prev, r.ID)
			}
			seen[c] = r.ID
		}
		switch {
		case r.Edits == editsNothing && (r.NoFix == "" || r.Risk != "" || r.Apply != nil || r.route != nil):
			t.Errorf("%s: no automatic fix needs a reason and nothing else", r.ID)
		case r.Edits == editsRevision && (r.Apply == nil || r.route != nil):
			t.Errorf("%s: a revision remedy applies to the revision", r.ID)
		case r.Edits != editsNothing && r.Edits != editsRevision && (r.route == nil || r.Apply != nil):
			t.Errorf("%s: a remedy of another resource routes its findings", r.ID)
		}
		if r.Edits != editsNothing && strings.Contains(r.NoFix, "no automatic fix") {
			t.Errorf("%s has a fix, but its reason says %q", r.ID, r.NoFix)
		}
	}
	for _, id := range detect.IDs() {
		if _, ok := seen[id]; !ok {
			t.Errorf("control %s has no entry in the registry", id)
		}
	}
	want := map[string]Risk{
		detect.ECS1ID: RiskHigh, detect.ECS2ID: RiskHigh, detect.ECS3ID: RiskMedium, detect.ECS4ID: RiskHigh,
		detect.ECS5ID: RiskMedium, detect.ECS8ID: RiskMedium, detect.ECS9ID: RiskMedium, detect.ECS10ID: RiskLow,
		detect.ECS12ID: RiskLow, detect.ECS13ID: RiskHigh, detect.ECS14ID: RiskHigh, detect.ECS15ID: RiskHigh,
		detect.ECS16ID: RiskHigh, detect.ECS17ID: RiskHigh, detect.ECS18ID: RiskMedium, detect.ECS19ID: RiskMedium,
		detect.ECS20ID: RiskLow, detect.ECS21ID: RiskLow, // high per edit when the user comes from the configuration (Edit.Risk)
		detect.ExposureAdminTaskRoleID: RiskHigh, detect.ExposureHostNetworkID: RiskHigh,
		detect.ExposureHostPathVolumeID: RiskHigh, detect.ExposureHostPIDID: RiskMedium,
		detect.ExposureOpenSecurityGroupID: RiskHigh, detect.ExposurePlaintextCredentialsID: RiskMedium,
		detect.ExposurePrivilegedID: RiskHigh, detect.ExposurePublicIPID: RiskHigh,
		"EXPOSURE.unknown": RiskHigh,
	}
	for c, r := range want {
		if got := controlRisk(c, nil); got != r {
			t.Errorf("controlRisk(%s) = %s, want %s", c, got, r)
		}
		if got := controlRisk(strings.ToLower(c), nil); got != r {
			t.Errorf("controlRisk(%s) = %s, want %s", strings.ToLower(c), got, r)
		}
	}
	// an override of a revision remedy's id covers every control it answers; other remedies' do not
	over := map[string]Risk{detect.ECS4ID: RiskLow, detect.ECS2ID: RiskLow}
	for c, r := range map[string]Risk{detect.ExposurePrivilegedID: RiskLow, detect.ECS2ID: RiskLow, detect.ExposurePublicIPID: RiskHigh} {
		if got := controlRisk(c, over); got != r {
			t.Errorf("controlRisk(%s) with overrides = %s, want %s", c, got, r)
		}
	}
	if _, ok := fixFor(detect.ECS10ID); ok {
		t.Error("fixFor(ECS.10): ECS.10 edits a service, not a revision")
	}
	if f, ok := fixFor("ecs.21"); !ok || f.ID != detect.ECS20ID {
		t.Errorf("fixFor(ecs.21) = %v %v, want the ECS.20 remedy", f.ID, ok)
	}
}
