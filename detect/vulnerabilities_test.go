package detect

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
)

// TestInspectorFindingOf: what the trait counts of an Amazon Inspector finding, the live reader's and
// the snapshot's alike: the vulnerability id (else the title), the severity as answered, exploit and fix
// availability, and the network attack vector from Inspector's adjusted score when the finding has score
// details (none when they hold no adjusted score, whatever the package's scores say), else from any of
// the package's scores.
func TestInspectorFindingOf(t *testing.T) {
	const net, local = "CVSS:3.1/AV:N/AC:L/PR:N", "CVSS:3.1/AV:L/AC:L/PR:N"
	pkg := func(id string, vectors ...string) *insptypes.PackageVulnerabilityDetails {
		p := &insptypes.PackageVulnerabilityDetails{VulnerabilityId: aws.String(id)}
		for _, v := range vectors {
			p.Cvss = append(p.Cvss, insptypes.CvssScore{ScoringVector: aws.String(v)})
		}
		return p
	}
	adjusted := func(vector *string) *insptypes.InspectorScoreDetails {
		return &insptypes.InspectorScoreDetails{AdjustedCvss: &insptypes.CvssScoreDetails{ScoringVector: vector}}
	}
	cases := []struct {
		name string
		f    insptypes.Finding
		want VulnFinding
	}{
		{"title only", insptypes.Finding{Title: aws.String("openssl 3.0.1"), Severity: insptypes.SeverityLow},
			VulnFinding{ID: "openssl 3.0.1", Severity: "LOW"}},
		{"the vulnerability id, not the title", insptypes.Finding{Title: aws.String("t"), Severity: insptypes.SeverityCritical, PackageVulnerabilityDetails: pkg("CVE-2024-1")},
			VulnFinding{ID: "CVE-2024-1", Severity: "CRITICAL"}},
		{"an empty vulnerability id keeps the title", insptypes.Finding{Title: aws.String("t"), PackageVulnerabilityDetails: pkg("")},
			VulnFinding{ID: "t"}},
		{"an unknown severity as answered", insptypes.Finding{Severity: "UNTRIAGED"}, VulnFinding{Severity: "UNTRIAGED"}},
		{"exploit and fix available", insptypes.Finding{ExploitAvailable: insptypes.ExploitAvailableYes, FixAvailable: insptypes.FixAvailableYes},
			VulnFinding{ExploitAvailable: true, FixAvailable: true}},
		{"a partial fix is a fix", insptypes.Finding{ExploitAvailable: insptypes.ExploitAvailableNo, FixAvailable: insptypes.FixAvailablePartial},
			VulnFinding{FixAvailable: true}},
		{"no fix", insptypes.Finding{FixAvailable: insptypes.FixAvailableNo}, VulnFinding{}},
		{"the adjusted score's network vector", insptypes.Finding{InspectorScoreDetails: adjusted(aws.String(net)), PackageVulnerabilityDetails: pkg("CVE-1", local)},
			VulnFinding{ID: "CVE-1", NetworkExploitable: true}},
		{"the adjusted score's local vector wins over the package's network one", insptypes.Finding{InspectorScoreDetails: adjusted(aws.String(local)), PackageVulnerabilityDetails: pkg("CVE-1", net)},
			VulnFinding{ID: "CVE-1"}},
		{"an adjusted score without a vector", insptypes.Finding{InspectorScoreDetails: adjusted(nil), PackageVulnerabilityDetails: pkg("CVE-1", net)},
			VulnFinding{ID: "CVE-1"}},
		{"score details without an adjusted score: no vector", insptypes.Finding{InspectorScoreDetails: &insptypes.InspectorScoreDetails{}, PackageVulnerabilityDetails: pkg("CVE-1", net)},
			VulnFinding{ID: "CVE-1"}},
		{"no score details: any of the package's vectors", insptypes.Finding{PackageVulnerabilityDetails: pkg("CVE-1", local, net)},
			VulnFinding{ID: "CVE-1", NetworkExploitable: true}},
		{"no score details, local package vectors", insptypes.Finding{PackageVulnerabilityDetails: pkg("CVE-1", local, local)},
			VulnFinding{ID: "CVE-1"}},
		{"a package score without a vector", insptypes.Finding{PackageVulnerabilityDetails: &insptypes.PackageVulnerabilityDetails{Cvss: []insptypes.CvssScore{{}}}},
			VulnFinding{}},
	}
	for _, tc := range cases {
		if got := InspectorFindingOf(&tc.f); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
