package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// runningImages returns the image references of the revisions the inventory's services run, each with
// the platform of each revision running it (PlatformOf). It does not use the inventory's lookups: their
// index is built once, and the inventory is still being filled.
func runningImages(in *detect.Inventory) []ImageWant {
	byArn := make(map[string]*detect.TaskDefinition, len(in.TaskDefinitions))
	for i := range in.TaskDefinitions {
		byArn[in.TaskDefinitions[i].ARN()] = &in.TaskDefinitions[i]
	}
	var out []ImageWant
	seen := map[ImageWant]bool{}
	for i := range in.Services {
		td, ok := byArn[aws.ToString(in.Services[i].TaskDefinition)]
		if !ok {
			continue
		}
		os, arch := PlatformOf(&td.TaskDefinition)
		for _, c := range td.ContainerDefinitions {
			w := ImageWant{Ref: aws.ToString(c.Image), OS: os, Architecture: arch}
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// vulnScan reads the findings of the ECR images in one region.
type vulnScan struct {
	s *scanner
	lane
	region    string
	ecr       ECRVulnAPI
	inspector InspectorAPI
	// images and http read the manifests and configurations of the candidates (images.go), to check
	// that they serve the platforms the vulnerable image is run on (platforms: ref → "os/arch"); nil
	// images reads none (no candidate then serves a platform).
	images    ImageAPI
	http      aws.HTTPClient
	platforms map[string][]string

	mu  sync.Mutex
	out map[string]detect.ImageVulnerabilities
	// inspectorDenied is set after Inspector answered AccessDeniedException: the rest use ECR basic scans.
	inspectorDenied bool
	deniedWhy       string
}

// scanVulnerabilities fills in.Vulnerabilities for the ECR images the services run. Images outside ECR are
// left out (the trait says why). clients returns a region's clients; a region without them is not read.
func (s *scanner) scanVulnerabilities(ctx context.Context, n int, clients func(region string) regionClients) {
	byRegion := map[string][]ImageWant{}
	s.mu.Lock()
	wants := runningImages(s.inv)
	s.mu.Unlock()
	for _, w := range wants {
		img, ok := detect.ParseECRImage(w.Ref)
		if !ok {
			continue
		}
		byRegion[img.Region] = append(byRegion[img.Region], w)
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
		v := &vulnScan{s: s, lane: newLane(n), region: region, ecr: c.vulnECR, inspector: c.inspector, images: c.ecr, http: c.http,
			out: map[string]detect.ImageVulnerabilities{}}
		wants := byRegion[region]
		wg.Go(func() {
			v.run(ctx, wants)
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
// (with the newer images of a vulnerable image's repository, each checked to serve the platforms the
// wants name, reading manifests and configurations with images and httpc): the applier reads them again
// before it re-derives a registration that moves a container to a newer image. A reference outside ECR
// or the region is left out; one that could not be read has Unknown set.
func ReadImageVulnerabilities(ctx context.Context, region string, ecrClient ECRVulnAPI, inspector InspectorAPI, images ImageAPI, httpc aws.HTTPClient, wants []ImageWant) map[string]detect.ImageVulnerabilities {
	var mine []ImageWant
	for _, w := range wants {
		if img, ok := detect.ParseECRImage(w.Ref); ok && img.Region == region {
			mine = append(mine, w)
		}
	}
	v := &vulnScan{lane: newLane(DefaultConcurrency), region: region, ecr: ecrClient, inspector: inspector, images: images, http: httpc,
		out: map[string]detect.ImageVulnerabilities{}}
	if len(mine) > 0 {
		v.run(ctx, mine)
	}
	return v.out
}

func (v *vulnScan) run(ctx context.Context, wants []ImageWant) {
	byRepo := map[repoKey][]string{}
	v.platforms = map[string][]string{}
	for _, w := range wants {
		p := w.OS + "/" + w.Architecture
		if slices.Contains(v.platforms[w.Ref], p) {
			continue
		}
		if len(v.platforms[w.Ref]) == 0 {
			img, _ := detect.ParseECRImage(w.Ref)
			k := repoKey{img.Registry, img.Repository}
			byRepo[k] = append(byRepo[k], w.Ref)
		}
		v.platforms[w.Ref] = append(v.platforms[w.Ref], p)
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
	scanned := map[string]bool{}                         // ref → ECR reports a finished or continuous scan
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
		if st := d.ImageScanStatus; st != nil {
			scanned[ref] = (detect.ImageCandidate{ScanStatus: string(st.Status)}).Scanned()
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
				if len(found[x.Digest]) == 0 && !scanned[ref] {
					// No finding and no scan ECR knows of: clean and never scanned look alike.
					x.Unknown = "Amazon Inspector reports no finding of this image and ECR reports no finished or continuous scan of it: whether it was scanned is unknown"
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
// detect.MaxCandidates each) and their Inspector findings: what the opt-in remedy may move to. Only tagged
// container images count (an untagged platform manifest of a multi-platform image, or an artifact such as
// a signature, is never one); each is read (its manifest, for an index the platform's manifest, and the
// configuration) to record which of the platforms the vulnerable image runs on it serves. A failure
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
	check := map[ImageWant]string{} // candidate (by digest, platform) → the digest it names
	for ref, x := range resolved {
		if x.Serious() == 0 && x.NetworkExploitable == 0 {
			continue
		}
		img, _ := detect.ParseECRImage(ref)
		for _, d := range all {
			at := aws.ToTime(d.ImagePushedAt)
			if x.PushedAt.IsZero() || !at.After(x.PushedAt) || aws.ToString(d.ImageDigest) == x.Digest {
				continue
			}
			c := detect.ImageCandidate{Digest: aws.ToString(d.ImageDigest), PushedAt: at.UTC(), Tags: d.ImageTags, Counts: map[string]int{},
				MediaType: aws.ToString(d.ImageManifestMediaType), ArtifactMediaType: aws.ToString(d.ArtifactMediaType)}
			if len(c.Tags) == 0 || !c.IsImage() || !strings.HasPrefix(c.Digest, "sha256:") {
				continue
			}
			if d.ImageScanStatus != nil {
				c.ScanStatus = string(d.ImageScanStatus.Status)
			}
			newer[ref] = append(newer[ref], c)
			want[c.Digest] = true
			for _, pf := range v.platforms[ref] {
				os, arch, _ := strings.Cut(pf, "/")
				check[ImageWant{Ref: img.ByDigest(c.Digest), OS: os, Architecture: arch}] = c.Digest
			}
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
	served, why := v.servedPlatforms(ctx, check)
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
			cs[i].Platforms, cs[i].PlatformWhy = served[cs[i].Digest], why[cs[i].Digest]
		}
		x.Newer = cs
		resolved[ref] = x
	}
}

// servedPlatforms reads the manifests and configurations of the candidates to check (ReadImages, each
// with its platform) and returns, by digest, the platforms ("os/arch") each serves, and why one is not
// (a platform the index does not name, a configuration of another platform, a read that failed).
func (v *vulnScan) servedPlatforms(ctx context.Context, check map[ImageWant]string) (map[string][]string, map[string]string) {
	served, why := map[string][]string{}, map[string]string{}
	if len(check) == 0 {
		return served, why
	}
	wants := make([]ImageWant, 0, len(check))
	for w := range check {
		wants = append(wants, w)
	}
	sort.Slice(wants, func(i, j int) bool {
		return wants[i].Ref+wants[i].OS+wants[i].Architecture < wants[j].Ref+wants[j].OS+wants[j].Architecture
	})
	if v.images == nil {
		for _, w := range wants {
			why[check[w]] = "its image configuration was not read"
		}
		return served, why
	}
	// One platform at a time: ReadImages answers by reference, and a reference may be wanted for several.
	byPlatform := map[string][]ImageWant{}
	for _, w := range wants {
		byPlatform[w.OS+"/"+w.Architecture] = append(byPlatform[w.OS+"/"+w.Architecture], w)
	}
	for _, pf := range sortedKeys(byPlatform) {
		got, failures := readImages(ctx, v.lane, v.images, v.http, byPlatform[pf])
		for _, f := range failures {
			if d := check[ImageWant{Ref: f.Ref, OS: byPlatform[pf][0].OS, Architecture: byPlatform[pf][0].Architecture}]; d != "" && why[d] == "" {
				why[d] = pf + ": " + f.Op + ": " + f.Message
			}
		}
		for _, w := range byPlatform[pf] {
			d := check[w]
			c, ok := got[w.Ref]
			switch {
			case !ok:
				if why[d] == "" {
					why[d] = pf + ": its image configuration could not be read"
				}
			case c.OS != w.OS || c.Architecture != w.Architecture:
				if why[d] == "" {
					why[d] = fmt.Sprintf("%s: its configuration is for %s/%s", pf, c.OS, c.Architecture)
				}
			default:
				served[d] = append(served[d], pf)
			}
		}
	}
	return served, why
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
					found[d] = append(found[d], detect.InspectorFindingOf(f))
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
