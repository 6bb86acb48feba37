package mototest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ImageFinding describes an Amazon Inspector package-vulnerability finding on an ECR image, for
// SeedInspectorFindings.
type ImageFinding struct {
	Repository string
	Digest     string
	Tags       []string
	Severity   string // CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED
	CVE        string
	// Vector is the CVSS vector Inspector scored it with (AV:N is network-exploitable).
	Vector  string
	Exploit bool
	Fix     bool
	// Status is ACTIVE unless set (SUPPRESSED, CLOSED).
	Status string
}

// Document renders the finding as ListFindings answers it, in account and region.
func (f ImageFinding) Document(account, region string) map[string]any {
	yesNo := func(b bool) string {
		if b {
			return "YES"
		}
		return "NO"
	}
	status := f.Status
	if status == "" {
		status = "ACTIVE"
	}
	tags := f.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"awsAccountId":     account,
		"findingArn":       "arn:aws:inspector2:" + region + ":" + account + ":finding/" + f.Repository + "-" + f.CVE + "-" + f.Digest[len(f.Digest)-8:],
		"title":            f.CVE + " - package",
		"description":      "a vulnerability",
		"type":             "PACKAGE_VULNERABILITY",
		"severity":         f.Severity,
		"status":           status,
		"exploitAvailable": yesNo(f.Exploit),
		"fixAvailable":     yesNo(f.Fix),
		"firstObservedAt":  1.7e9,
		"lastObservedAt":   1.7e9,
		"remediation":      map[string]any{"recommendation": map[string]any{"text": "upgrade"}},
		"inspectorScoreDetails": map[string]any{"adjustedCvss": map[string]any{
			"score": 7.5, "scoreSource": "NVD", "scoringVector": f.Vector, "version": "3.1",
		}},
		"packageVulnerabilityDetails": map[string]any{
			"vulnerabilityId": f.CVE, "source": "NVD",
			"vulnerablePackages": []any{map[string]any{"name": "openssl", "version": "3.0.1"}},
		},
		"resources": []any{map[string]any{
			"type": "AWS_ECR_CONTAINER_IMAGE", "id": "arn:aws:ecr:" + region + ":" + account + ":repository/" + f.Repository + "/" + f.Digest,
			"partition": "aws", "region": region,
			"details": map[string]any{"awsEcrContainerImage": map[string]any{
				"registry": account, "repositoryName": f.Repository, "imageHash": f.Digest, "imageTags": tags,
			}},
		}},
	}
}

// SeedInspectorFindings stores Amazon Inspector findings in cfg's account and region of the moto server
// cfg points at, for ListFindings to answer (the launcher's mend_inspector2_list_findings).
func SeedInspectorFindings(t testing.TB, cfg aws.Config, findings ...ImageFinding) {
	t.Helper()
	account := AccountID(cfg)
	docs := make([]map[string]any, len(findings))
	for i, f := range findings {
		docs[i] = f.Document(account, cfg.Region)
	}
	body, err := json.Marshal(map[string]any{"findings": docs, "account_id": account, "region": cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(aws.ToString(cfg.BaseEndpoint)+"/moto-api/static/inspector2/findings", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("seed Inspector findings: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("seed Inspector findings: %s", resp.Status)
	}
}
