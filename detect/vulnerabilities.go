package detect

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
)

// Vulnerability sources: where an image's findings were read.
const (
	VulnSourceInspector = "inspector2" // Amazon Inspector (inspector2:ListFindings), ECR enhanced scanning
	VulnSourceECRBasic  = "ecr-basic"  // ECR basic scanning (ecr:DescribeImageScanFindings)
	VulnSourceSnapshot  = "snapshot"   // `aws inspector2 list-findings` output in a snapshot
)

// VulnSeverities are the severities counted, most severe first (Inspector's and ECR basic scanning's
// labels; ECR's UNDEFINED is counted as UNTRIAGED).
var VulnSeverities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"}

// ImageVulnerabilities summarises the active findings of one image, as a container definition names it.
type ImageVulnerabilities struct {
	// Image is the reference as the container definition names it.
	Image string `json:"image"`
	// Repository is the ECR repository name, Registry its account, Region its region.
	Repository string `json:"repository"`
	Registry   string `json:"registry"`
	Region     string `json:"region"`
	// Digest is the image digest the reference resolved to (ecr:DescribeImages).
	Digest string `json:"digest,omitempty"`
	// PushedAt is when the image was pushed (ecr:DescribeImages), zero when unknown.
	PushedAt time.Time `json:"pushedAt,omitempty"`
	// Source says where the findings were read (VulnSource*).
	Source string `json:"source"`
	// Counts are the active findings by severity (VulnSeverities).
	Counts map[string]int `json:"counts"`
	// NetworkExploitable counts findings whose CVSS attack vector is NETWORK (Inspector's
	// packageVulnerabilityDetails.cvss vectors, or ECR's attack vector attribute).
	NetworkExploitable int `json:"networkExploitable"`
	// ExploitAvailable counts findings Inspector says have a known exploit (exploitAvailable YES).
	ExploitAvailable int `json:"exploitAvailable"`
	// FixAvailable counts findings with a fix (fixAvailable YES, or PARTIAL).
	FixAvailable int `json:"fixAvailable"`
	// Vulnerabilities are the vulnerability ids (CVE-…) of the CRITICAL and HIGH findings, sorted, at most
	// MaxVulnIDs.
	Vulnerabilities []string `json:"vulnerabilities,omitempty"`
	// Unknown, when set, says why the image's findings could not be read: the trait is NOT_EVALUATED.
	Unknown string `json:"unknown,omitempty"`
	// Newer are the images of the same repository pushed after this one (newest first, at most
	// MaxCandidates), with their own findings: what the opt-in vulnerabilities remedy may move to. Read
	// only from Amazon Inspector (a live scan); nil when not read.
	Newer []ImageCandidate `json:"newer,omitempty"`
}

// MaxCandidates bounds the newer images read per image.
const MaxCandidates = 10

// ImageCandidate is a newer image of the same repository.
type ImageCandidate struct {
	Digest   string    `json:"digest"`
	PushedAt time.Time `json:"pushedAt"`
	Tags     []string  `json:"tags,omitempty"`
	// ScanStatus is the image's scan status as ECR reports it (imageScanStatus.status: ACTIVE for
	// Amazon Inspector's continuous scanning, COMPLETE for a finished scan); any other means its findings
	// are not known yet.
	ScanStatus string `json:"scanStatus,omitempty"`
	// Counts are its ACTIVE Amazon Inspector findings by severity.
	Counts map[string]int `json:"counts"`
	// MediaType is its manifest's media type and ArtifactMediaType its artifact media type, as
	// ecr:DescribeImages answers them (imageManifestMediaType, artifactMediaType).
	MediaType         string `json:"mediaType,omitempty"`
	ArtifactMediaType string `json:"artifactMediaType,omitempty"`
	// Platforms are the platforms ("linux/amd64") it was read to serve: for an image index, those whose
	// manifest it names and whose configuration says so; for a single-platform manifest, its
	// configuration's os/architecture. Only the platforms of the task definitions that run the vulnerable
	// image are checked; PlatformWhy says why one of them is not served (or could not be read).
	Platforms   []string `json:"platforms,omitempty"`
	PlatformWhy string   `json:"platformWhy,omitempty"`
}

// ImageManifestTypes are the manifest media types of a container image: a platform manifest (Docker v2
// schema 2, OCI) or a multi-platform index (Docker manifest list, OCI index).
var ImageManifestTypes = []string{
	"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json",
}

// imageConfigTypes are the artifact media types of a container image (its configuration's media type).
var imageConfigTypes = []string{"application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json"}

// IsImage reports whether the candidate is a container image as ecr:DescribeImages describes it: a
// manifest or index of an image media type, whose artifact media type (when answered) is an image
// configuration's, not another artifact's (a signature, an SBOM, a Helm chart).
func (c ImageCandidate) IsImage() bool {
	return contains(ImageManifestTypes, c.MediaType) && (c.ArtifactMediaType == "" || contains(imageConfigTypes, c.ArtifactMediaType))
}

// Unfit says why the candidate cannot replace an image run on platform ("linux/amd64"): untagged (a
// platform manifest of an index, or an image nobody released), not an image, or not read to serve the
// platform; "" when it can.
func (c ImageCandidate) Unfit(platform string) string {
	switch {
	case len(c.Tags) == 0:
		return "untagged"
	case !c.IsImage():
		return fmt.Sprintf("not a container image (media type %q, artifact media type %q)", c.MediaType, c.ArtifactMediaType)
	case !contains(c.Platforms, platform):
		why := "not read to serve " + platform
		if c.PlatformWhy != "" {
			why += ": " + c.PlatformWhy
		}
		return why
	}
	return ""
}

// Scanned reports whether the candidate's findings are known (a finished or continuous scan).
func (c ImageCandidate) Scanned() bool { return c.ScanStatus == "COMPLETE" || c.ScanStatus == "ACTIVE" }

// Clean reports whether the candidate was scanned and has no CRITICAL or HIGH finding.
func (c ImageCandidate) Clean() bool {
	return c.Scanned() && c.Counts["CRITICAL"] == 0 && c.Counts["HIGH"] == 0
}

// MaxVulnIDs bounds the vulnerability ids kept per image.
const MaxVulnIDs = 20

// Total is the number of findings counted.
func (v ImageVulnerabilities) Total() int {
	n := 0
	for _, c := range v.Counts {
		n += c
	}
	return n
}

// Serious is the number of CRITICAL and HIGH findings.
func (v ImageVulnerabilities) Serious() int { return v.Counts["CRITICAL"] + v.Counts["HIGH"] }

// CountsText renders the counts by severity ("2 CRITICAL, 5 HIGH, 1 LOW"; "none").
func (v ImageVulnerabilities) CountsText() string {
	var parts []string
	for _, s := range VulnSeverities {
		if n := v.Counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, ", ")
}

// VulnFinding is one finding as the readers (live, snapshot) see it, before it is counted.
type VulnFinding struct {
	ID                 string // CVE-… or the finding's title
	Severity           string
	NetworkExploitable bool
	ExploitAvailable   bool
	FixAvailable       bool
}

// InspectorFindingOf is what the trait counts of an Amazon Inspector finding as ListFindings answers it
// (the SDK's, or a snapshot's list-findings output: only the members read here need be set): its
// vulnerability id (packageVulnerabilityDetails.vulnerabilityId, else its title), its severity,
// exploitAvailable and fixAvailable (YES, PARTIAL, NO), and whether its CVSS vector is
// network-exploitable: when the finding has inspectorScoreDetails, the vector of Inspector's adjusted
// score (none without an adjustedCvss); else any of the package's cvss vectors.
func InspectorFindingOf(f *insptypes.Finding) VulnFinding {
	out := VulnFinding{
		ID:               aws.ToString(f.Title),
		Severity:         string(f.Severity),
		ExploitAvailable: f.ExploitAvailable == insptypes.ExploitAvailableYes,
		FixAvailable:     f.FixAvailable == insptypes.FixAvailableYes || f.FixAvailable == insptypes.FixAvailablePartial,
	}
	p := f.PackageVulnerabilityDetails
	if p != nil && aws.ToString(p.VulnerabilityId) != "" {
		out.ID = aws.ToString(p.VulnerabilityId)
	}
	if s := f.InspectorScoreDetails; s != nil {
		if s.AdjustedCvss != nil {
			out.NetworkExploitable = CVSSNetworkVector(aws.ToString(s.AdjustedCvss.ScoringVector))
		}
		return out
	}
	if p != nil {
		for _, c := range p.Cvss {
			out.NetworkExploitable = out.NetworkExploitable || CVSSNetworkVector(aws.ToString(c.ScoringVector))
		}
	}
	return out
}

// NormalizeVulnSeverity maps a severity label to one of VulnSeverities (ECR's UNDEFINED and anything
// unknown count as UNTRIAGED).
func NormalizeVulnSeverity(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, k := range VulnSeverities {
		if s == k {
			return k
		}
	}
	return "UNTRIAGED"
}

// Add counts a finding.
func (v *ImageVulnerabilities) Add(f VulnFinding) {
	if v.Counts == nil {
		v.Counts = map[string]int{}
	}
	sev := NormalizeVulnSeverity(f.Severity)
	v.Counts[sev]++
	if f.NetworkExploitable {
		v.NetworkExploitable++
	}
	if f.ExploitAvailable {
		v.ExploitAvailable++
	}
	if f.FixAvailable {
		v.FixAvailable++
	}
	if (sev == "CRITICAL" || sev == "HIGH") && f.ID != "" && !contains(v.Vulnerabilities, f.ID) {
		v.Vulnerabilities = append(v.Vulnerabilities, f.ID)
		sort.Strings(v.Vulnerabilities)
		if len(v.Vulnerabilities) > MaxVulnIDs {
			v.Vulnerabilities = v.Vulnerabilities[:MaxVulnIDs]
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// CVSSNetworkVector reports whether a CVSS vector string's attack vector is NETWORK (CVSS v3 "AV:N",
// v2 "AV:N").
func CVSSNetworkVector(vector string) bool {
	for _, part := range strings.Split(vector, "/") {
		if part == "AV:N" {
			return true
		}
	}
	return false
}

// ECRImage is a container image reference in a private ECR registry.
type ECRImage struct {
	Registry   string // account id
	Region     string
	Repository string
	Tag        string // "" when the reference names a digest
	Digest     string // sha256:… when the reference names one
	// FIPS is set when the reference names the registry's FIPS endpoint (dkr.ecr-fips): a reference
	// derived from it keeps it.
	FIPS bool
}

// ecrRef: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag][@sha256:…]
var ecrRef = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(-fips)?\.([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})\.amazonaws\.com(?:\.cn)?/([a-z0-9](?:[a-z0-9._/-]*[a-z0-9])?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`)

// ParseECRImage reads an image reference naming a private ECR repository; ok is false for any other
// registry (Docker Hub, public.ecr.aws, ghcr.io…) or a malformed reference. A reference without a tag or
// digest names the tag "latest".
func ParseECRImage(ref string) (ECRImage, bool) {
	m := ecrRef.FindStringSubmatch(ref)
	if m == nil {
		return ECRImage{}, false
	}
	img := ECRImage{Registry: m[1], FIPS: m[2] != "", Region: m[3], Repository: m[4], Tag: m[5], Digest: m[6]}
	if img.Tag == "" && img.Digest == "" {
		img.Tag = "latest"
	}
	return img, true
}

// Host is the registry host of the image (<account>.dkr.ecr.<region>.amazonaws.com, dkr.ecr-fips for
// a reference naming the FIPS endpoint).
func (i ECRImage) Host() string {
	suffix := ".amazonaws.com"
	if strings.HasPrefix(i.Region, "cn-") {
		suffix += ".cn"
	}
	ecr := ".dkr.ecr."
	if i.FIPS {
		ecr = ".dkr.ecr-fips."
	}
	return i.Registry + ecr + i.Region + suffix
}

// ByDigest is the reference pinned by digest: <host>/<repository>@sha256:….
func (i ECRImage) ByDigest(digest string) string { return i.Host() + "/" + i.Repository + "@" + digest }
