package live

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/detect"
)

// The vulnerabilities of the images the services run (EXPOSURE.vulnerabilities): for each ECR repository,
// ecr:DescribeImages resolves the references to digests (and push times), then one inspector2:ListFindings
// query per repository names all its digests in the filter (at most inspectorFilterValues per query),
// paged. When Inspector answers AccessDeniedException (not enabled for the account, or not allowed),
// each image's ECR basic scan is read instead (ecr:DescribeImageScanFindings, paged).

// ECRVulnAPI and InspectorAPI are the calls the vulnerability read makes (the applier's read of the
// images a plan moves containers off makes them too: ReadImageVulnerabilities).
type ECRVulnAPI interface {
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	DescribeImageScanFindings(context.Context, *ecr.DescribeImageScanFindingsInput, ...func(*ecr.Options)) (*ecr.DescribeImageScanFindingsOutput, error)
}

type InspectorAPI interface {
	ListFindings(context.Context, *inspector2.ListFindingsInput, ...func(*inspector2.Options)) (*inspector2.ListFindingsOutput, error)
}

// inspectorFilterValues bounds the values of one string filter of ListFindings' filterCriteria.
const inspectorFilterValues = 10

// describeImagesIDs bounds the image ids of one DescribeImages call.
const describeImagesIDs = 100

// maxFindingPages bounds the pages read for one query, so that a misbehaving endpoint cannot loop.
const maxFindingPages = 1000

// runningImages returns the image references of the revisions the inventory's services run. It does not
// use the inventory's lookups: their index is built once, and the inventory is still being filled.
func runningImages(in *detect.Inventory) []string {
	byArn := make(map[string]*detect.TaskDefinition, len(in.TaskDefinitions))
	for i := range in.TaskDefinitions {
		byArn[in.TaskDefinitions[i].ARN()] = &in.TaskDefinitions[i]
	}
	var out []string
	for i := range in.Services {
		td, ok := byArn[aws.ToString(in.Services[i].TaskDefinition)]
		if !ok {
			continue
		}
		for _, c := range td.ContainerDefinitions {
			out = append(out, aws.ToString(c.Image))
		}
	}
	return uniq(out)
}

// vulnScan reads the findings of the ECR images in one region.
type vulnScan struct {
	s *scanner
	lane
	region    string
	ecr       ECRVulnAPI
	inspector InspectorAPI

	mu  sync.Mutex
	out map[string]detect.ImageVulnerabilities
	// inspectorDenied is set after Inspector answered AccessDeniedException: the rest use ECR basic scans.
	inspectorDenied bool
	deniedWhy       string
}

// scanVulnerabilities fills in.Vulnerabilities for the ECR images the services run. Images outside ECR are
// left out (the trait says why). clients returns a region's clients; a region without them is not read.
func (s *scanner) scanVulnerabilities(ctx context.Context, n int, clients func(region string) regionClients) {
	byRegion := map[string][]string{}
	s.mu.Lock()
	refs := runningImages(s.inv)
	s.mu.Unlock()
	for _, ref := range refs {
		img, ok := detect.ParseECRImage(ref)
		if !ok {
			continue
		}
		byRegion[img.Region] = append(byRegion[img.Region], ref)
	}
	if len(byRegion) == 0 {
		return
	}
	all := map[string]detect.ImageVulnerabilities{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, region := range sortedKeys(byRegion) {
		c := clients(region)
		if c.vulnECR == nil || c.inspector == nil {
			continue
		}
		v := &vulnScan{s: s, lane: newLane(n), region: region, ecr: c.vulnECR, inspector: c.inspector, out: map[string]detect.ImageVulnerabilities{}}
		refs := byRegion[region]
		wg.Go(func() {
			v.run(ctx, refs)
			mu.Lock()
			defer mu.Unlock()
			for k, x := range v.out {
				all[k] = x
			}
		})
	}
	wg.Wait()
	s.add(0, func(in *detect.Inventory) { in.Vulnerabilities = all })
}

// ReadImageVulnerabilities reads, as a scan does, the findings of ECR image references of one region
// (with the newer images of a vulnerable image's repository): the applier reads them again before it
// re-derives a registration that moves a container to a newer image. A reference outside ECR or the
// region is left out; one that could not be read has Unknown set.
func ReadImageVulnerabilities(ctx context.Context, region string, ecrClient ECRVulnAPI, inspector InspectorAPI, refs []string) map[string]detect.ImageVulnerabilities {
	var mine []string
	for _, ref := range uniq(refs) {
		if img, ok := detect.ParseECRImage(ref); ok && img.Region == region {
			mine = append(mine, ref)
		}
	}
	v := &vulnScan{lane: newLane(DefaultConcurrency), region: region, ecr: ecrClient, inspector: inspector, out: map[string]detect.ImageVulnerabilities{}}
	if len(mine) > 0 {
		v.run(ctx, mine)
	}
	return v.out
}

func (v *vulnScan) run(ctx context.Context, refs []string) {
	byRepo := map[repoKey][]string{}
	for _, ref := range refs {
		img, _ := detect.ParseECRImage(ref)
		k := repoKey{img.Registry, img.Repository}
		byRepo[k] = append(byRepo[k], ref)
	}
	keys := make([]repoKey, 0, len(byRepo))
	for k := range byRepo {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].registry+"/"+keys[i].repository < keys[j].registry+"/"+keys[j].repository
	})
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() { v.repository(ctx, k, byRepo[k]) })
	}
	wg.Wait()
}

func (v *vulnScan) set(ref string, x detect.ImageVulnerabilities) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.out[ref] = x
}

// repository resolves the references of one repository and reads their findings.
func (v *vulnScan) repository(ctx context.Context, k repoKey, refs []string) {
	base := func(ref string) detect.ImageVulnerabilities {
		return detect.ImageVulnerabilities{Image: ref, Repository: k.repository, Registry: k.registry, Region: v.region, Counts: map[string]int{}}
	}
	resolved := map[string]detect.ImageVulnerabilities{} // ref → base with digest and push time
	for _, ref := range refs {
		x := base(ref)
		d, err := v.describe(ctx, k, ref)
		if err != nil {
			x.Unknown = "ecr:DescribeImages: " + message(err)
			v.set(ref, x)
			continue
		}
		x.Digest = aws.ToString(d.ImageDigest)
		if d.ImagePushedAt != nil {
			x.PushedAt = d.ImagePushedAt.UTC()
		}
		if x.Digest == "" {
			x.Unknown = "ecr:DescribeImages answered no digest"
			v.set(ref, x)
			continue
		}
		resolved[ref] = x
	}
	if len(resolved) == 0 {
		return
	}
	byDigest := map[string][]string{}
	for ref, x := range resolved {
		byDigest[x.Digest] = append(byDigest[x.Digest], ref)
	}
	digests := sortedKeys(byDigest)

	v.mu.Lock()
	denied := v.inspectorDenied
	v.mu.Unlock()
	if !denied {
		found, err := v.inspectorFindings(ctx, k, digests)
		if err == nil {
			vulnerable := false
			for ref, x := range resolved {
				x.Source = detect.VulnSourceInspector
				for _, f := range found[x.Digest] {
					x.Add(f)
				}
				resolved[ref] = x
				vulnerable = vulnerable || x.Serious() > 0 || x.NetworkExploitable > 0
			}
			if vulnerable {
				v.candidates(ctx, k, resolved)
			}
			for ref, x := range resolved {
				v.set(ref, x)
			}
			return
		}
		if !accessDenied(err) {
			for ref, x := range resolved {
				x.Unknown = "inspector2:ListFindings: " + message(err)
				v.set(ref, x)
			}
			return
		}
		v.mu.Lock()
		v.inspectorDenied, v.deniedWhy = true, message(err)
		v.mu.Unlock()
	}
	// ECR basic scanning, one image at a time.
	for _, d := range digests {
		fs, err := v.basicFindings(ctx, k, d)
		for _, ref := range byDigest[d] {
			x := resolved[ref]
			if err != nil {
				v.mu.Lock()
				why := v.deniedWhy
				v.mu.Unlock()
				x.Unknown = "Amazon Inspector was not available (" + why + ") and ecr:DescribeImageScanFindings failed: " + message(err)
				v.set(ref, x)
				continue
			}
			x.Source = detect.VulnSourceECRBasic
			for _, f := range fs {
				x.Add(f)
			}
			v.set(ref, x)
		}
	}
}

// candidates reads the images of the repository pushed after each vulnerable image (newest first, at most
// detect.MaxCandidates each) and their Inspector findings: what the opt-in remedy may move to. A failure
// leaves Newer nil (the remedy then says the candidates are unknown).
func (v *vulnScan) candidates(ctx context.Context, k repoKey, resolved map[string]detect.ImageVulnerabilities) {
	var all []ecrtypes.ImageDetail
	p := ecr.NewDescribeImagesPaginator(v.ecr, &ecr.DescribeImagesInput{RegistryId: aws.String(k.registry), RepositoryName: aws.String(k.repository)})
	n := 0
	more := func() bool { n++; return p.HasMorePages() && n <= maxFindingPages }
	if err := pages(ctx, v, more, p.NextPage, func(o *ecr.DescribeImagesOutput) { all = append(all, o.ImageDetails...) }); err != nil {
		return
	}
	sort.SliceStable(all, func(i, j int) bool { return aws.ToTime(all[i].ImagePushedAt).After(aws.ToTime(all[j].ImagePushedAt)) })
	newer := map[string][]detect.ImageCandidate{}
	want := map[string]bool{}
	for ref, x := range resolved {
		if x.Serious() == 0 && x.NetworkExploitable == 0 {
			continue
		}
		for _, d := range all {
			at := aws.ToTime(d.ImagePushedAt)
			if x.PushedAt.IsZero() || !at.After(x.PushedAt) || aws.ToString(d.ImageDigest) == x.Digest {
				continue
			}
			c := detect.ImageCandidate{Digest: aws.ToString(d.ImageDigest), PushedAt: at.UTC(), Tags: d.ImageTags, Counts: map[string]int{}}
			if d.ImageScanStatus != nil {
				c.ScanStatus = string(d.ImageScanStatus.Status)
			}
			newer[ref] = append(newer[ref], c)
			want[c.Digest] = true
			if len(newer[ref]) == detect.MaxCandidates {
				break
			}
		}
	}
	found := map[string][]detect.VulnFinding{}
	if len(want) > 0 {
		var err error
		if found, err = v.inspectorFindings(ctx, k, sortedKeys(want)); err != nil {
			return
		}
	}
	for ref, x := range resolved {
		if x.Serious() == 0 && x.NetworkExploitable == 0 {
			continue
		}
		cs := newer[ref]
		if cs == nil {
			cs = []detect.ImageCandidate{} // read: none is newer
		}
		for i := range cs {
			for _, f := range found[cs[i].Digest] {
				cs[i].Counts[detect.NormalizeVulnSeverity(f.Severity)]++
			}
		}
		x.Newer = cs
		resolved[ref] = x
	}
}

// describe resolves one reference to its image detail.
func (v *vulnScan) describe(ctx context.Context, k repoKey, ref string) (*ecrtypes.ImageDetail, error) {
	img, _ := detect.ParseECRImage(ref)
	id := ecrtypes.ImageIdentifier{}
	if img.Digest != "" {
		id.ImageDigest = aws.String(img.Digest)
	} else {
		id.ImageTag = aws.String(img.Tag)
	}
	var out *ecr.DescribeImagesOutput
	err := v.call(ctx, func(ctx context.Context) (err error) {
		out, err = v.ecr.DescribeImages(ctx, &ecr.DescribeImagesInput{
			RegistryId: aws.String(k.registry), RepositoryName: aws.String(k.repository), ImageIds: []ecrtypes.ImageIdentifier{id},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range out.ImageDetails {
		d := &out.ImageDetails[i]
		if img.Digest != "" && aws.ToString(d.ImageDigest) != img.Digest {
			continue
		}
		return d, nil
	}
	return nil, fmt.Errorf("the image %s is not in repository %s", ref, k.repository)
}

// inspectorFindings reads the ACTIVE findings of the digests of one repository, by digest.
func (v *vulnScan) inspectorFindings(ctx context.Context, k repoKey, digests []string) (map[string][]detect.VulnFinding, error) {
	eq := func(vals ...string) []insptypes.StringFilter {
		out := make([]insptypes.StringFilter, len(vals))
		for i, x := range vals {
			out[i] = insptypes.StringFilter{Comparison: insptypes.StringComparisonEquals, Value: aws.String(x)}
		}
		return out
	}
	found := map[string][]detect.VulnFinding{}
	for _, batch := range chunks(digests, inspectorFilterValues) {
		in := &inspector2.ListFindingsInput{
			MaxResults: aws.Int32(100),
			FilterCriteria: &insptypes.FilterCriteria{
				EcrImageRegistry:       eq(k.registry),
				EcrImageRepositoryName: eq(k.repository),
				EcrImageHash:           eq(batch...),
				FindingStatus:          eq(string(insptypes.FindingStatusActive)),
			},
		}
		p := inspector2.NewListFindingsPaginator(v.inspector, in)
		n := 0
		more := func() bool { n++; return p.HasMorePages() && n <= maxFindingPages }
		err := pages(ctx, v, more, p.NextPage, func(out *inspector2.ListFindingsOutput) {
			for i := range out.Findings {
				f := &out.Findings[i]
				for _, d := range findingDigests(f, k) {
					found[d] = append(found[d], inspectorFinding(f))
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

// findingDigests are the digests of the repository's images a finding is on.
func findingDigests(f *insptypes.Finding, k repoKey) []string {
	var out []string
	for _, r := range f.Resources {
		if r.Details == nil || r.Details.AwsEcrContainerImage == nil {
			continue
		}
		img := r.Details.AwsEcrContainerImage
		if aws.ToString(img.RepositoryName) != k.repository {
			continue
		}
		if reg := aws.ToString(img.Registry); reg != "" && reg != k.registry {
			continue
		}
		if d := aws.ToString(img.ImageHash); d != "" {
			out = append(out, d)
		}
	}
	return uniq(out)
}

func inspectorFinding(f *insptypes.Finding) detect.VulnFinding {
	var adjusted *string
	var vectors []string
	var id string
	if s := f.InspectorScoreDetails; s != nil && s.AdjustedCvss != nil {
		adjusted = aws.String(aws.ToString(s.AdjustedCvss.ScoringVector))
	}
	if p := f.PackageVulnerabilityDetails; p != nil {
		id = aws.ToString(p.VulnerabilityId)
		if f.InspectorScoreDetails == nil {
			for _, c := range p.Cvss {
				vectors = append(vectors, aws.ToString(c.ScoringVector))
			}
		}
	}
	return detect.InspectorFinding(aws.ToString(f.Title), string(f.Severity), string(f.ExploitAvailable), string(f.FixAvailable), id, adjusted, vectors)
}

// basicFindings reads an image's ECR basic scan findings, paged.
func (v *vulnScan) basicFindings(ctx context.Context, k repoKey, digest string) ([]detect.VulnFinding, error) {
	in := &ecr.DescribeImageScanFindingsInput{
		RegistryId: aws.String(k.registry), RepositoryName: aws.String(k.repository),
		ImageId: &ecrtypes.ImageIdentifier{ImageDigest: aws.String(digest)}, MaxResults: aws.Int32(1000),
	}
	p := ecr.NewDescribeImageScanFindingsPaginator(v.ecr, in)
	var out []detect.VulnFinding
	n := 0
	more := func() bool { n++; return p.HasMorePages() && n <= maxFindingPages }
	err := pages(ctx, v, more, p.NextPage, func(o *ecr.DescribeImageScanFindingsOutput) {
		if o.ImageScanFindings == nil {
			return
		}
		for _, f := range o.ImageScanFindings.Findings {
			vf := detect.VulnFinding{ID: aws.ToString(f.Name), Severity: string(f.Severity)}
			for _, a := range f.Attributes {
				k := aws.ToString(a.Key)
				if k == "CVSS3_VECTOR" || k == "CVSS2_VECTOR" {
					vf.NetworkExploitable = vf.NetworkExploitable || detect.CVSSNetworkVector(aws.ToString(a.Value))
				}
			}
			out = append(out, vf)
		}
	})
	return out, err
}

// accessDenied reports an AccessDeniedException: Inspector is not enabled for the account or region, or
// the caller may not call it.
func accessDenied(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	code := ae.ErrorCode()
	return code == "AccessDeniedException" || code == "AccessDenied" || strings.HasSuffix(code, "AccessDeniedException")
}
