package plan

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestApprove(t *testing.T) {
	p := renderFixture(t)
	p.Approvals = nil
	at := time.Date(2026, 5, 2, 8, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	if err := p.Approve("  ", "CHG-1", at); err == nil {
		t.Error("Approve without a name should fail")
	}
	if err := p.Approve("carol", "", time.Time{}); err == nil {
		t.Error("Approve without a time should fail")
	}
	if err := p.Approve("carol", " CHG-7 ", at); err != nil {
		t.Fatal(err)
	}
	want := Approval{By: "carol", Ticket: "CHG-7", At: at.UTC(), PlanHash: p.ContentHash()}
	if got := p.ValidApprovals(); len(got) != 1 || got[0] != want {
		t.Fatalf("ValidApprovals = %+v, want [%+v]", got, want)
	}

	hash := p.ContentHash()
	if err := p.Approve("dave", "", at); err != nil {
		t.Fatal(err)
	}
	if p.ContentHash() != hash {
		t.Error("an approval changed the content hash")
	}

	// Written and read back, the approvals still count.
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	read, err := Read("plan.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := read.ValidApprovals(); len(got) != 2 {
		t.Errorf("ValidApprovals after a round trip = %+v", got)
	}

	// Any change to the content voids them.
	read.Actions[4].UpdateClusterSettings.After[0].Value = "enhanced"
	if got := read.ValidApprovals(); len(got) != 0 {
		t.Errorf("ValidApprovals after a content change = %+v, want none", got)
	}
}

func TestNeedsApproval(t *testing.T) {
	p := renderFixture(t) // a1 medium, a2 high, a3 medium, a4 low, a5 low, a6-a8 medium, a9-a11 high
	tests := []struct {
		unattended Risk
		want       []string
	}{
		{RiskNone, []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}},
		{"", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}},
		{"bogus", []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}},
		{RiskLow, []string{"a1", "a2", "a3", "a6", "a7", "a8", "a9", "a10", "a11"}},
		{RiskMedium, []string{"a2", "a9", "a10", "a11"}},
		{RiskHigh, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.unattended), func(t *testing.T) {
			var got []string
			for _, a := range p.NeedsApproval(tt.unattended, nil) {
				got = append(got, a.ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NeedsApproval(%q) = %v, want %v", tt.unattended, got, tt.want)
			}
		})
	}
}
