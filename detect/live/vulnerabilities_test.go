package live

// The vulnerability read with fakes: one ListFindings query per repository naming its digests (at most
// inspectorFilterValues per query), paged with nextToken; ECR basic scanning when Inspector answers
// AccessDeniedException; an error of another kind makes the images unknown, not clean.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/smithy-go"
)

type fakeVulnECR struct {
	mu         sync.Mutex
	basic      int
	scanStatus string // each image's imageScanStatus ("" : none)
}

func fdigest(i int) string { return fmt.Sprintf("sha256:%064d", i) }

func (f *fakeVulnECR) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	var out []ecrtypes.ImageDetail
	for _, id := range in.ImageIds {
		var n int
		fmt.Sscanf(aws.ToString(id.ImageTag), "v%d", &n)
		d := ecrtypes.ImageDetail{ImageDigest: aws.String(fdigest(n)), ImagePushedAt: aws.Time(time.Unix(int64(1e9+n), 0)), ImageTags: []string{aws.ToString(id.ImageTag)}}
		if f.scanStatus != "" {
			d.ImageScanStatus = &ecrtypes.ImageScanStatus{Status: ecrtypes.ScanStatus(f.scanStatus)}
		}
		out = append(out, d)
	}
	return &ecr.DescribeImagesOutput{ImageDetails: out}, nil
}

func (f *fakeVulnECR) DescribeImageScanFindings(_ context.Context, in *ecr.DescribeImageScanFindingsInput, _ ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error) {
	f.mu.Lock()
	f.basic++
	f.mu.Unlock()
	return &ecr.DescribeImageScanFindingsOutput{ImageScanFindings: &ecrtypes.ImageScanFindings{Findings: []ecrtypes.ImageScanFinding{
		{Name: aws.String("CVE-B"), Severity: ecrtypes.FindingSeverityUndefined, Attributes: []ecrtypes.Attribute{{Key: aws.String("CVSS3_VECTOR"), Value: aws.String("AV:N/AC:L")}}},
	}}}, nil
}

type fakeInspector struct {
	mu      sync.Mutex
	queries [][]string // the digests of each first-page query
	pages   int
	err     error
	none    bool // answer no finding
}

func (f *fakeInspector) ListFindings(_ context.Context, in *inspector2.ListFindingsInput, _ ...func(*inspector2.Options)) (*inspector2.ListFindingsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.none {
		return &inspector2.ListFindingsOutput{}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	var digests []string
	for _, h := range in.FilterCriteria.EcrImageHash {
		digests = append(digests, aws.ToString(h.Value))
	}
	if in.NextToken == nil {
		f.queries = append(f.queries, digests)
	}
	// One HIGH finding per digest, served one digest per page.
	i := 0
	if in.NextToken != nil {
		fmt.Sscanf(*in.NextToken, "%d", &i)
	}
	out := &inspector2.ListFindingsOutput{Findings: []insptypes.Finding{{
		Title: aws.String("t"), Severity: insptypes.SeverityHigh, Status: insptypes.FindingStatusActive,
		PackageVulnerabilityDetails: &insptypes.PackageVulnerabilityDetails{VulnerabilityId: aws.String("CVE-" + digests[i][len(digests[i])-2:])},
		Resources: []insptypes.Resource{{Details: &insptypes.ResourceDetails{AwsEcrContainerImage: &insptypes.AwsEcrContainerImageDetails{
			Registry: aws.String("123456789012"), RepositoryName: in.FilterCriteria.EcrImageRepositoryName[0].Value, ImageHash: aws.String(digests[i])}}}},
	}}}
	if i+1 < len(digests) {
		out.NextToken = aws.String(fmt.Sprint(i + 1))
	}
	return out, nil
}

func refs(repo string, n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("123456789012.dkr.ecr.eu-west-1.amazonaws.com/%s:v%d", repo, i))
	}
	return out
}

// amd64 wants refs on linux/amd64.
func amd64(refs ...string) []ImageWant {
	out := make([]ImageWant, len(refs))
	for i, r := range refs {
		out[i] = ImageWant{Ref: r, OS: "linux", Architecture: "amd64"}
	}
	return out
}

func TestReadImageVulnerabilitiesBatches(t *testing.T) {
	insp := &fakeInspector{}
	all := append(refs("a", 12), refs("b", 1)...)
	got := ReadImageVulnerabilities(context.Background(), "eu-west-1", &fakeVulnECR{}, insp, nil, nil, amd64(append(all, "nginx:1", "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:v1")...))
	if len(got) != 13 {
		t.Fatalf("read %d images, want 13 (outside ECR and other regions left out): %v", len(got), got)
	}
	for _, ref := range all {
		v := got[ref]
		if v.Source != "inspector2" || v.Counts["HIGH"] != 1 || v.Total() != 1 || v.Unknown != "" || len(v.Vulnerabilities) != 1 {
			t.Errorf("%s: %+v", ref, v)
		}
	}
	// Repository a: 12 digests in two queries (10 + 2); b: one. Candidates are read too (the images are
	// vulnerable), with DescribeImages of the whole repository, which this fake answers with nothing.
	sizes := map[int]int{}
	for _, q := range insp.queries {
		sizes[len(q)]++
	}
	if sizes[10] != 1 || sizes[2] != 1 || sizes[1] != 1 || len(insp.queries) != 3 {
		t.Errorf("queries by number of digests: %v (%d queries)", sizes, len(insp.queries))
	}
	if insp.pages != 13 {
		t.Errorf("%d pages read, want 13 (one finding a page)", insp.pages)
	}
}

func TestReadImageVulnerabilitiesFallback(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "Invoking account is not enabled"}
	e := &fakeVulnECR{}
	got := ReadImageVulnerabilities(context.Background(), "eu-west-1", e, &fakeInspector{err: denied}, nil, nil, amd64(refs("a", 2)...))
	for _, ref := range refs("a", 2) {
		v := got[ref]
		if v.Source != "ecr-basic" || v.Counts["UNTRIAGED"] != 1 || v.NetworkExploitable != 1 || v.Unknown != "" {
			t.Errorf("%s: %+v", ref, v)
		}
	}
	if e.basic != 2 {
		t.Errorf("%d basic scan reads, want 2", e.basic)
	}
	// Another error: unknown, not clean, and no fallback.
	e = &fakeVulnECR{}
	got = ReadImageVulnerabilities(context.Background(), "eu-west-1", e, &fakeInspector{err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}}, nil, nil, amd64(refs("a", 1)...))
	if v := got[refs("a", 1)[0]]; !strings.Contains(v.Unknown, "ThrottlingException") || e.basic != 0 {
		t.Errorf("throttled: %+v, %d basic reads", v, e.basic)
	}
	if !accessDenied(denied) || accessDenied(errors.New("AccessDeniedException")) {
		t.Error("accessDenied must read the API error code, not the text")
	}
}

// TestReadImageVulnerabilitiesNoFindingNotScanned: an image Inspector reports no finding of is passed only
// when ECR reports a finished or continuous scan of it; otherwise clean and never scanned look alike, and
// the image is unknown.
func TestReadImageVulnerabilitiesNoFindingNotScanned(t *testing.T) {
	for _, tt := range []struct {
		status  string
		unknown bool
	}{{"", true}, {"IN_PROGRESS", true}, {"ACTIVE", false}, {"COMPLETE", false}} {
		ref := refs("a", 1)[0]
		got := ReadImageVulnerabilities(context.Background(), "eu-west-1", &fakeVulnECR{scanStatus: tt.status}, &fakeInspector{none: true}, nil, nil, amd64(ref))[ref]
		if (got.Unknown != "") != tt.unknown || got.Total() != 0 {
			t.Errorf("scan status %q: %+v, want unknown=%v", tt.status, got, tt.unknown)
		}
	}
}
