package snapshot

import (
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	insptypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// `aws inspector2 list-findings` output: the Amazon Inspector findings of the ECR images the services run
// (EXPOSURE.vulnerabilities). Only the members the trait reads are decoded. A finding names its image by
// repository, digest and tags; a container image named by tag is matched through the finding's tags, one
// named by digest through its digest. An export is best narrowed to the repositories the services use:
//
//	aws inspector2 list-findings --filter-criteria '{"ecrImageRepositoryName":[{"comparison":"EQUALS","value":"app"}],"findingStatus":[{"comparison":"EQUALS","value":"ACTIVE"}]}'

const inspectorFindingsCommand = "aws inspector2 list-findings"

type inspectorFindingsDoc struct {
	Findings  []inspectorFinding
	NextToken *string
}

type inspectorFinding struct {
	FindingArn            *string
	Severity              *string
	Status                *string
	Title                 *string
	ExploitAvailable      *string
	FixAvailable          *string
	InspectorScoreDetails *struct {
		AdjustedCvss *struct{ ScoringVector *string }
	}
	PackageVulnerabilityDetails *struct {
		VulnerabilityId *string
		Cvss            []struct{ ScoringVector *string }
	}
	Resources []struct {
		Details *struct {
			AwsEcrContainerImage *struct {
				Registry       *string
				RepositoryName *string
				ImageHash      *string
				ImageTags      []string
			}
		}
	}
}

func (c *collector) eachInspectorFinding() []awsjson.EachField {
	return []awsjson.EachField{eachItem(c, reflect.TypeFor[inspectorFindingsDoc](), "Findings", &c.inspectorFindings, "findings", "findingArn",
		func(x *inspectorFinding) *string { return x.FindingArn }, nil)}
}

func (c *collector) finishInspectorFindings(any) error {
	c.inspectorDoc = true
	return nil
}

// vulnFinding is what the trait counts of a finding (detect.InspectorFindingOf, given the members the
// snapshot decodes, in the SDK's types).
func (f *inspectorFinding) vulnFinding() detect.VulnFinding {
	sdk := insptypes.Finding{Title: f.Title, Severity: insptypes.Severity(aws.ToString(f.Severity)),
		ExploitAvailable: insptypes.ExploitAvailable(aws.ToString(f.ExploitAvailable)), FixAvailable: insptypes.FixAvailable(aws.ToString(f.FixAvailable))}
	if s := f.InspectorScoreDetails; s != nil {
		sdk.InspectorScoreDetails = &insptypes.InspectorScoreDetails{}
		if s.AdjustedCvss != nil {
			sdk.InspectorScoreDetails.AdjustedCvss = &insptypes.CvssScoreDetails{ScoringVector: s.AdjustedCvss.ScoringVector}
		}
	}
	if p := f.PackageVulnerabilityDetails; p != nil {
		sdk.PackageVulnerabilityDetails = &insptypes.PackageVulnerabilityDetails{VulnerabilityId: p.VulnerabilityId}
		for _, c := range p.Cvss {
			sdk.PackageVulnerabilityDetails.Cvss = append(sdk.PackageVulnerabilityDetails.Cvss, insptypes.CvssScore{ScoringVector: c.ScoringVector})
		}
	}
	return detect.InspectorFindingOf(&sdk)
}

// onImage reports whether the finding is on the image img names (its registry, repository, and its
// digest or one of its tags).
func (f *inspectorFinding) onImage(img detect.ECRImage) bool {
	for _, r := range f.Resources {
		if r.Details == nil || r.Details.AwsEcrContainerImage == nil {
			continue
		}
		e := r.Details.AwsEcrContainerImage
		if aws.ToString(e.RepositoryName) != img.Repository {
			continue
		}
		if reg := aws.ToString(e.Registry); reg != "" && reg != img.Registry {
			continue
		}
		if img.Digest != "" {
			if aws.ToString(e.ImageHash) == img.Digest {
				return true
			}
			continue
		}
		for _, t := range e.ImageTags {
			if t == img.Tag {
				return true
			}
		}
	}
	return false
}

// vulnerabilities builds the inventory's Vulnerabilities from the findings of the snapshot's
// list-findings files, for the ECR images of the revisions the services run; nil when the snapshot holds
// no list-findings output (nothing was read). ACTIVE findings count (a finding without a status too); an
// image no finding of any status names is unknown (Unknown): it may never have been scanned.
func vulnerabilities(in *detect.Inventory, findings []inspectorFinding) map[string]detect.ImageVulnerabilities {
	byArn := make(map[string]*detect.TaskDefinition, len(in.TaskDefinitions))
	for i := range in.TaskDefinitions {
		byArn[in.TaskDefinitions[i].ARN()] = &in.TaskDefinitions[i]
	}
	out := map[string]detect.ImageVulnerabilities{}
	for i := range in.Services {
		td, ok := byArn[aws.ToString(in.Services[i].TaskDefinition)]
		if !ok {
			continue
		}
		for _, cd := range td.ContainerDefinitions {
			ref := aws.ToString(cd.Image)
			img, ok := detect.ParseECRImage(ref)
			if _, done := out[ref]; !ok || done {
				continue
			}
			v := detect.ImageVulnerabilities{Image: ref, Repository: img.Repository, Registry: img.Registry, Region: img.Region,
				Digest: img.Digest, Source: detect.VulnSourceSnapshot, Counts: map[string]int{}}
			named := false
			for j := range findings {
				f := &findings[j]
				if !f.onImage(img) {
					continue
				}
				named = true
				if st := aws.ToString(f.Status); st != "" && st != "ACTIVE" {
					continue
				}
				v.Add(f.vulnFinding())
			}
			if !named {
				// No finding of any status names the image: it may have no vulnerability, or never have
				// been scanned; the snapshot cannot tell, so nothing is passed.
				v.Unknown = "the snapshot's Amazon Inspector findings name no finding of this image (of any status): whether it was scanned is unknown"
			}
			out[ref] = v
		}
	}
	return out
}

// checkFindingArns refuses two different findings under one ARN across files; identical copies (the
// same finding exported twice, by repository and for the whole account) are kept once.
func checkFindingArns(seen map[string]item[inspectorFinding], file string, items []item[inspectorFinding]) error {
	for _, it := range items {
		if prev, ok := seen[it.id]; ok && prev.where != file && !reflect.DeepEqual(prev.v, it.v) {
			return fmt.Errorf("%s: %s: finding %s is also in %s, different; a snapshot must hold one version of each finding", file, it.where, it.id, prev.where)
		}
		seen[it.id] = item[inspectorFinding]{id: it.id, where: file, v: it.v}
	}
	return nil
}
