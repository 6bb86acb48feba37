package findings

// An exposure finding whose title names one trait, in Security Hub's current wording or the seed's older
// one, is read as that trait; any other title leaves it standing for every trait.

import (
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

func TestExposureTitleNamesTrait(t *testing.T) {
	for title, want := range map[string]string{
		"The Amazon ECS service has public IP addresses":                                                       detect.ExposurePublicIPID,
		"The Amazon ECS service assigns public IP addresses to its tasks":                                      detect.ExposurePublicIPID,
		"The Amazon ECS service has an open security group":                                                    detect.ExposureOpenSecurityGroupID,
		"The Amazon ECS service has a security group that allows ingress from the internet":                    detect.ExposureOpenSecurityGroupID,
		"The Amazon ECS service uses a task definition that allows containers to access the root file systems": detect.ExposureHostPathVolumeID,
		"A container that can assume an IAM role":                                                              detect.ExposureAssumableRoleID,
		"Software vulnerabilities (CVEs)":                                                                      detect.ExposureVulnerabilitiesID,
		"Potential Remote Execution: ECS service is reachable and has vulnerabilities":                         "",
	} {
		raw := `{"finding_info":{"uid":"u-1","title":` + quote(title) + `,"analytic":{"name":"Exposure"}},` +
			`"cloud":{"account":{"uid":"123456789012"},"region":"eu-west-1"},"status":"New",` +
			`"resources":[{"type":"AWS::ECS::Service","uid":"arn:aws:ecs:eu-west-1:123456789012:service/prod/api"}]}`
		f, err := parseOCSF([]byte(raw))
		if err != nil {
			t.Fatalf("%q: %v", title, err)
		}
		if !f.Exposure || f.Trait != want {
			t.Errorf("%q: exposure %v, trait %q; want %q", title, f.Exposure, f.Trait, want)
		}
	}
	// A compliance finding's title is not read as a trait.
	f, err := parseOCSF([]byte(`{"finding_info":{"uid":"u-2","title":"The Amazon ECS service has public IP addresses"},"compliance":{"control":"ECS.2","status":"Fail"},"status":"New"}`))
	if err != nil || f.Trait != "" {
		t.Errorf("compliance finding: trait %q, %v", f.Trait, err)
	}
}

func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
