package snapshot

// `aws inspector2 list-findings` output in a snapshot gives the vulnerabilities of the images the services
// run: matched by repository and tag (or digest), ACTIVE only, each finding once; a file of another
// "findings" shape is refused by name.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	vAcct = "123456789012"
	vRepo = vAcct + ".dkr.ecr.eu-west-1.amazonaws.com/shop/app"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func finding(arn, repo, digest, tag, severity, status, cve, vector string) string {
	return `{"findingArn":"` + arn + `","awsAccountId":"` + vAcct + `","type":"PACKAGE_VULNERABILITY","severity":"` + severity + `","status":"` + status +
		`","title":"` + cve + ` - openssl","exploitAvailable":"YES","fixAvailable":"YES","firstObservedAt":"2026-11-01T10:00:00+00:00",` +
		`"inspectorScoreDetails":{"adjustedCvss":{"score":9.8,"scoringVector":"` + vector + `","version":"3.1"}},` +
		`"packageVulnerabilityDetails":{"vulnerabilityId":"` + cve + `","source":"NVD","vulnerablePackages":[{"name":"openssl","version":"3.0.1"}]},` +
		`"resources":[{"type":"AWS_ECR_CONTAINER_IMAGE","id":"arn:aws:ecr:eu-west-1:` + vAcct + `:repository/` + repo + `/` + digest + `","details":{"awsEcrContainerImage":{"registry":"` + vAcct + `","repositoryName":"` + repo + `","imageHash":"` + digest + `","imageTags":["` + tag + `"],"pushedAt":"2026-10-01T10:00:00+00:00"}}}]}`
}

func TestSnapshotInspectorFindings(t *testing.T) {
	d1 := "sha256:" + strings.Repeat("1", 64)
	d2 := "sha256:" + strings.Repeat("2", 64)
	td := `{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:task-definition/shop:1","family":"shop","revision":1,"status":"ACTIVE",
		"containerDefinitions":[{"name":"app","image":"` + vRepo + `:1.0"},{"name":"pinned","image":"` + vRepo + `@` + d2 + `"},{"name":"hub","image":"nginx:1.27"}]}}`
	svc := `{"services":[{"serviceArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:service/prod/shop","serviceName":"shop","clusterArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:cluster/prod",
		"taskDefinition":"arn:aws:ecs:eu-west-1:` + vAcct + `:task-definition/shop:1","launchType":"EC2"}],"failures":[]}`
	crit := finding("arn:f/1", "shop/app", d1, "1.0", "CRITICAL", "ACTIVE", "CVE-2024-1", "CVSS:3.1/AV:N/AC:L")
	findings := `{"findings":[` + crit + `,` + crit + `,` +
		finding("arn:f/2", "shop/app", d1, "1.0", "LOW", "ACTIVE", "CVE-2024-2", "CVSS:3.1/AV:L/AC:L") + `,` +
		finding("arn:f/3", "shop/app", d1, "1.0", "HIGH", "SUPPRESSED", "CVE-2024-3", "CVSS:3.1/AV:N/AC:L") + `,` +
		finding("arn:f/4", "shop/app", d2, "0.9", "MEDIUM", "ACTIVE", "CVE-2024-4", "CVSS:3.1/AV:L/AC:L") + `,` +
		finding("arn:f/5", "other", d1, "1.0", "HIGH", "ACTIVE", "CVE-2024-5", "CVSS:3.1/AV:N/AC:L") + `]}`
	in, err := Load(writeFiles(t, map[string]string{"td.json": td, "services.json": svc, "findings.json": findings}))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Errors) > 0 {
		t.Fatalf("read errors: %v", in.Errors)
	}
	byTag, byDigest := in.Vulnerabilities[vRepo+":1.0"], in.Vulnerabilities[vRepo+"@"+d2]
	if len(in.Vulnerabilities) != 2 || byTag.Source != detect.VulnSourceSnapshot || byTag.CountsText() != "1 CRITICAL, 1 LOW" || byTag.NetworkExploitable != 1 ||
		byTag.FixAvailable != 2 || strings.Join(byTag.Vulnerabilities, ",") != "CVE-2024-1" {
		t.Errorf("by tag: %+v (all %v)", byTag, in.Vulnerabilities)
	}
	if byDigest.CountsText() != "1 MEDIUM" || byDigest.NetworkExploitable != 0 {
		t.Errorf("by digest: %+v", byDigest)
	}
	var r detect.Result
	for _, x := range detect.Evaluate(in, &detect.Settings{Controls: []string{detect.ExposureVulnerabilitiesID}}) {
		r = x
	}
	if r.Status != detect.Failed || !strings.Contains(r.Reason, "Amazon Inspector, from the snapshot") || !strings.Contains(r.Reason, "image nginx:1.27 is not in a private ECR registry") {
		t.Errorf("result %s %q", r.Status, r.Reason)
	}

	// Without list-findings output nothing was read: the trait says how to add it.
	in, err = Load(writeFiles(t, map[string]string{"td.json": td, "services.json": svc}))
	if err != nil {
		t.Fatal(err)
	}
	if in.Vulnerabilities != nil {
		t.Errorf("vulnerabilities without list-findings output: %v", in.Vulnerabilities)
	}

	// Security Hub's get-findings output is not Inspector's: the file is not read, its error names the
	// missing member.
	in, err = Load(writeFiles(t, map[string]string{"td.json": td, "sh.json": `{"Findings":[{"Id":"x","ProductArn":"p"}]}`}))
	if err != nil || len(in.Errors) != 1 || !strings.Contains(in.Errors[0].Error(), "sh.json") || !strings.Contains(in.Errors[0].Error(), "missing findingArn") || in.Vulnerabilities != nil {
		t.Errorf("Security Hub findings in a snapshot: %v %v", err, in.Errors)
	}
	// One finding in two files: TestSnapshotFindingInTwoFiles.
}

// TestSnapshotImageNoFindingNamesIsUnknown: an image no finding of the snapshot names (of any status) may
// never have been scanned: the trait is not evaluated for it, never passed; one named only by closed
// findings was scanned and passes.
func TestSnapshotImageNoFindingNamesIsUnknown(t *testing.T) {
	d1 := "sha256:" + strings.Repeat("1", 64)
	td := `{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:task-definition/shop:1","family":"shop","revision":1,"status":"ACTIVE",
		"containerDefinitions":[{"name":"app","image":"` + vRepo + `:1.0"}]}}`
	svc := `{"services":[{"serviceArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:service/prod/shop","serviceName":"shop","clusterArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:cluster/prod",
		"taskDefinition":"arn:aws:ecs:eu-west-1:` + vAcct + `:task-definition/shop:1","launchType":"EC2"}],"failures":[]}`
	for _, tt := range []struct {
		name, findings string
		want           detect.Status
	}{
		{"no finding names it", `{"findings":[` + finding("arn:f/5", "other", d1, "1.0", "HIGH", "ACTIVE", "CVE-2024-5", "CVSS:3.1/AV:N/AC:L") + `]}`, detect.NotEvaluated},
		{"only a closed finding names it", `{"findings":[` + finding("arn:f/1", "shop/app", d1, "1.0", "HIGH", "CLOSED", "CVE-2024-1", "CVSS:3.1/AV:N/AC:L") + `]}`, detect.Passed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Load(writeFiles(t, map[string]string{"td.json": td, "services.json": svc, "findings.json": tt.findings}))
			if err != nil {
				t.Fatal(err)
			}
			var r detect.Result
			for _, x := range detect.Evaluate(in, &detect.Settings{Controls: []string{detect.ExposureVulnerabilitiesID}}) {
				r = x
			}
			if r.Status != tt.want {
				t.Errorf("result %s %q, want %s", r.Status, r.Reason, tt.want)
			}
		})
	}
}

// TestSnapshotFindingInTwoFiles: the same finding exported twice (per repository and for the account) is
// kept once; two different versions of one finding are refused, naming both files.
func TestSnapshotFindingInTwoFiles(t *testing.T) {
	d1 := "sha256:" + strings.Repeat("1", 64)
	td := `{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:task-definition/shop:1","family":"shop","revision":1,"status":"ACTIVE",
		"containerDefinitions":[{"name":"app","image":"` + vRepo + `:1.0"}]}}`
	svc := `{"services":[{"serviceArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:service/prod/shop","serviceName":"shop","clusterArn":"arn:aws:ecs:eu-west-1:` + vAcct + `:cluster/prod",
		"taskDefinition":"arn:aws:ecs:eu-west-1:` + vAcct + `:task-definition/shop:1","launchType":"EC2"}],"failures":[]}`
	high := `{"findings":[` + finding("arn:f/1", "shop/app", d1, "1.0", "HIGH", "ACTIVE", "CVE-2024-1", "CVSS:3.1/AV:N/AC:L") + `]}`
	in, err := Load(writeFiles(t, map[string]string{"td.json": td, "services.json": svc, "repo.json": high, "account.json": high}))
	if err != nil {
		t.Fatalf("identical copies: %v", err)
	}
	if v := in.Vulnerabilities[vRepo+":1.0"]; v.CountsText() != "1 HIGH" {
		t.Errorf("identical copies counted %q, want once", v.CountsText())
	}
	low := `{"findings":[` + finding("arn:f/1", "shop/app", d1, "1.0", "LOW", "ACTIVE", "CVE-2024-1", "CVSS:3.1/AV:N/AC:L") + `]}`
	_, err = Load(writeFiles(t, map[string]string{"td.json": td, "services.json": svc, "repo.json": high, "account.json": low}))
	if err == nil || !strings.Contains(err.Error(), "arn:f/1") || !strings.Contains(err.Error(), "account.json") || !strings.Contains(err.Error(), "repo.json") {
		t.Errorf("two versions of one finding: %v", err)
	}
}

// TestVulnFindingAsTheLiveReader: a finding of a snapshot counts as the live reader counts the same
// finding answered by the SDK (detect.InspectorFindingOf): the snapshot's decoding keeps every member
// that decides it (score details with or without an adjusted score, the package's scores, the ids).
func TestVulnFindingAsTheLiveReader(t *testing.T) {
	for _, doc := range []string{
		finding("arn:f/1", "shop/app", "sha256:1", "1.0", "CRITICAL", "ACTIVE", "CVE-2024-1", "CVSS:3.1/AV:N/AC:L"),
		finding("arn:f/2", "shop/app", "sha256:1", "1.0", "LOW", "ACTIVE", "CVE-2024-2", "CVSS:3.1/AV:L/AC:L"),
		`{"findingArn":"a","title":"t","severity":"HIGH","exploitAvailable":"NO","fixAvailable":"PARTIAL","inspectorScoreDetails":{},` +
			`"packageVulnerabilityDetails":{"vulnerabilityId":"CVE-1","cvss":[{"scoringVector":"CVSS:3.1/AV:N/AC:L","baseScore":9.8}]}}`,
		`{"findingArn":"a","title":"t","severity":"HIGH","inspectorScoreDetails":{"adjustedCvss":{"score":5}},` +
			`"packageVulnerabilityDetails":{"vulnerabilityId":"CVE-1","cvss":[{"scoringVector":"CVSS:3.1/AV:N/AC:L"}]}}`,
		`{"findingArn":"a","title":"t","severity":"MEDIUM","fixAvailable":"YES",` +
			`"packageVulnerabilityDetails":{"vulnerabilityId":"CVE-1","cvss":[{"scoringVector":"AV:L/AC:L"},{"scoringVector":"AV:N/AC:L"}]}}`,
		`{"findingArn":"a","title":"t","severity":"MEDIUM","packageVulnerabilityDetails":{"vulnerabilityId":"","cvss":[{"baseScore":1}]}}`,
		`{"findingArn":"a","title":"only a title"}`,
	} {
		var snap inspectorFinding
		var sdk insptypes.Finding
		if err := json.Unmarshal([]byte(doc), &snap); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(doc), &sdk); err != nil {
			t.Fatal(err)
		}
		if got, want := snap.vulnFinding(), detect.InspectorFindingOf(&sdk); got != want {
			t.Errorf("%s:\nthe snapshot counts %+v, the live reader %+v", doc, got, want)
		}
	}
}
