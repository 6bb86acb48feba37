// This file holds the tests of the launcher's Amazon Inspector mend: ListFindings over stored findings,
// filtered by the criteria ecsfix sends and paged, and its denial decoded by the SDK.

package mototest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/smithy-go"
)

func digest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

func eqFilter(vals ...string) []types.StringFilter {
	out := make([]types.StringFilter, len(vals))
	for i, v := range vals {
		out[i] = types.StringFilter{Comparison: types.StringComparisonEquals, Value: aws.String(v)}
	}
	return out
}

// listAll pages ListFindings with maxResults and returns the CVEs in order, and the number of pages.
func listAll(t *testing.T, c *inspector2.Client, f *types.FilterCriteria, max int32) ([]string, int) {
	t.Helper()
	p := inspector2.NewListFindingsPaginator(c, &inspector2.ListFindingsInput{FilterCriteria: f, MaxResults: aws.Int32(max)})
	var cves []string
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, x := range out.Findings {
			cves = append(cves, aws.ToString(x.PackageVulnerabilityDetails.VulnerabilityId))
		}
	}
	return cves, n
}

// The launcher's mend: ListFindings answers the stored findings its criteria select (repository, image
// digest, tags, severity, status; several values of one criterion are alternatives), pages them, decodes
// in the SDK (resources, scores), and refuses criteria it does not apply rather than ignoring them.
func TestInspectorListFindingsMend(t *testing.T) {
	t.Parallel()
	cfg := Config(t, MaxAttempts(1))
	c := inspector2.NewFromConfig(cfg)
	SeedInspectorFindings(t, cfg,
		ImageFinding{Repository: "app", Digest: digest('a'), Tags: []string{"1.0"}, Severity: "CRITICAL", CVE: "CVE-1", Vector: "CVSS:3.1/AV:N/AC:L", Exploit: true, Fix: true},
		ImageFinding{Repository: "app", Digest: digest('a'), Tags: []string{"1.0"}, Severity: "LOW", CVE: "CVE-2", Vector: "CVSS:3.1/AV:L/AC:L"},
		ImageFinding{Repository: "app", Digest: digest('b'), Tags: []string{"1.1"}, Severity: "HIGH", CVE: "CVE-3"},
		ImageFinding{Repository: "app", Digest: digest('c'), Severity: "HIGH", CVE: "CVE-4"},
		ImageFinding{Repository: "app", Digest: digest('a'), Severity: "HIGH", CVE: "CVE-5", Status: "SUPPRESSED"},
		ImageFinding{Repository: "other", Digest: digest('a'), Severity: "HIGH", CVE: "CVE-6"},
	)
	active := eqFilter("ACTIVE")
	for _, tc := range []struct {
		name string
		f    *types.FilterCriteria
		want []string
	}{
		{"repository and two digests, active", &types.FilterCriteria{EcrImageRepositoryName: eqFilter("app"), EcrImageHash: eqFilter(digest('a'), digest('b')), FindingStatus: active}, []string{"CVE-1", "CVE-2", "CVE-3"}},
		{"by tag", &types.FilterCriteria{EcrImageRepositoryName: eqFilter("app"), EcrImageTags: eqFilter("1.1")}, []string{"CVE-3"}},
		{"by severity", &types.FilterCriteria{EcrImageRepositoryName: eqFilter("app"), Severity: eqFilter("CRITICAL", "LOW"), FindingStatus: active}, []string{"CVE-1", "CVE-2"}},
		{"suppressed only", &types.FilterCriteria{FindingStatus: eqFilter("SUPPRESSED")}, []string{"CVE-5"}},
		{"by resource type", &types.FilterCriteria{ResourceType: eqFilter("AWS_ECR_CONTAINER_IMAGE"), Severity: eqFilter("CRITICAL")}, []string{"CVE-1"}},
		{"another resource type", &types.FilterCriteria{ResourceType: eqFilter("AWS_EC2_INSTANCE")}, nil},
		{"not equals", &types.FilterCriteria{EcrImageRepositoryName: []types.StringFilter{{Comparison: types.StringComparisonNotEquals, Value: aws.String("app")}}}, []string{"CVE-6"}},
		{"no criteria", nil, []string{"CVE-1", "CVE-2", "CVE-3", "CVE-4", "CVE-5", "CVE-6"}},
		{"nothing matches", &types.FilterCriteria{EcrImageRepositoryName: eqFilter("none")}, nil},
	} {
		got, _ := listAll(t, c, tc.f, 100)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	got, pages := listAll(t, c, &types.FilterCriteria{EcrImageRepositoryName: eqFilter("app"), FindingStatus: active}, 1)
	if !slices.Equal(got, []string{"CVE-1", "CVE-2", "CVE-3", "CVE-4"}) || pages != 4 {
		t.Errorf("paged by 1: %v in %d pages", got, pages)
	}
	out, err := c.ListFindings(context.Background(), &inspector2.ListFindingsInput{FilterCriteria: &types.FilterCriteria{EcrImageHash: eqFilter(digest('a')), Severity: eqFilter("CRITICAL")}})
	if err != nil || len(out.Findings) != 1 {
		t.Fatalf("ListFindings: %v %v", out, err)
	}
	f := out.Findings[0]
	img := f.Resources[0].Details.AwsEcrContainerImage
	if f.Severity != types.SeverityCritical || f.ExploitAvailable != types.ExploitAvailableYes || f.FixAvailable != types.FixAvailableYes ||
		aws.ToString(f.InspectorScoreDetails.AdjustedCvss.ScoringVector) != "CVSS:3.1/AV:N/AC:L" || aws.ToString(img.ImageHash) != digest('a') ||
		aws.ToString(img.RepositoryName) != "app" || aws.ToString(img.Registry) != AccountID(cfg) {
		t.Errorf("finding decoded as %+v, image %+v", f, img)
	}

	var ae smithy.APIError
	_, err = c.ListFindings(context.Background(), &inspector2.ListFindingsInput{FilterCriteria: &types.FilterCriteria{VulnerabilityId: eqFilter("CVE-1")}})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Errorf("an unsupported criterion: %v, want ValidationException", err)
	}
	_, err = c.ListFindings(context.Background(), &inspector2.ListFindingsInput{MaxResults: aws.Int32(101)})
	if err == nil {
		t.Error("maxResults 101 was accepted")
	}
	// Another account sees none of them.
	other := inspector2.NewFromConfig(Config(t))
	if got, _ := listAll(t, other, nil, 100); len(got) != 0 {
		t.Errorf("another account lists %v", got)
	}
}

// A caller without inspector2:ListFindings is denied with an AccessDeniedException the SDK decodes (the
// launcher's mend of moto's denials, REST-JSON services).
func TestInspectorListFindingsDenied(t *testing.T) {
	admin := IAMEnforced(t)
	user, _ := UserConfig(t, admin, "inspector-denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:DescribeImages","Resource":"*"}]}`)
	user.RetryMaxAttempts = 1
	_, err := inspector2.NewFromConfig(user).ListFindings(context.Background(), &inspector2.ListFindingsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("ListFindings without permission: %v, want AccessDeniedException", err)
	}
}

// The launcher's mend: DescribeImages answers the scan status of an image that has been scanned
// (COMPLETE), and none for one never scanned.
func TestECRDescribeImagesScanStatusMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := ecr.NewFromConfig(Config(t, MaxAttempts(1)))
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("scanned")}); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"a", "b"} {
		m := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"` + digest('c') + `"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":1,"digest":"` + digest(tag[0]) + `"}]}`
		if _, err := c.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("scanned"), ImageTag: aws.String(tag), ImageManifest: aws.String(m)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: aws.String("scanned"), ImageId: &ecrtypes.ImageIdentifier{ImageTag: aws.String("a")}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("scanned")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range out.ImageDetails {
		status := "none"
		if d.ImageScanStatus != nil {
			status = string(d.ImageScanStatus.Status)
		}
		got[d.ImageTags[0]] = status
	}
	if got["a"] != "COMPLETE" || got["b"] != "none" || len(got) != 2 {
		t.Errorf("scan status by tag: %v, want a COMPLETE, b none", got)
	}
}
