package detect

import (
	"fmt"
	"sort"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ExposureVulnerabilities — the images the service runs have software vulnerabilities (CVEs) that Amazon
// Inspector reports (or ECR basic scanning, when Inspector is not enabled or not allowed). Each image of
// the revision the service runs is looked up in the inventory's Vulnerabilities; the reason gives, per
// image, the counts by severity, how many are network-exploitable (CVSS attack vector NETWORK), how many
// have a known exploit and how many a fix, and the image to rebuild.
//
// FAILED when an image has a CRITICAL or HIGH finding, or a network-exploitable one. Only MEDIUM, LOW or
// informational findings: PASSED, with the counts (reported, not failed). An image outside ECR, or one
// whose findings could not be read: NOT_EVALUATED with why — unless another image already fails.
func ExposureVulnerabilities() Control {
	return Control{
		ID:           ExposureVulnerabilitiesID,
		Title:        "The Amazon ECS service has software vulnerabilities",
		Aliases:      []string{"Software vulnerabilities (CVEs)", "The Amazon ECS service has network-exploitable software vulnerabilities"},
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service:      evalVulnerabilities,
	}
}

func evalVulnerabilities(svc *ecstypes.Service, in *Inventory, _ *Settings) Verdict {
	td, unknown := runningRevision(svc, in)
	if unknown != nil {
		return *unknown
	}
	byImage := map[string][]string{} // image → containers
	var images []string
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		img := deref(c.Image)
		if _, seen := byImage[img]; !seen {
			images = append(images, img)
		}
		byImage[img] = append(byImage[img], deref(c.Name))
	}
	sort.Strings(images)
	if len(images) == 0 {
		return NA("task definition " + td.ARN() + " has no containers")
	}
	var fails, passes, unknowns []string
	var offs []Offender
	for _, img := range images {
		who := "container " + strings.Join(quoteAll(byImage[img]), ", ")
		if img == "" {
			unknowns = append(unknowns, who+" names no image")
			continue
		}
		if _, ok := ParseECRImage(img); !ok {
			unknowns = append(unknowns, fmt.Sprintf("%s: image %s is not in a private ECR registry, so its findings cannot be looked up", who, img))
			continue
		}
		v, ok := in.Vulnerabilities[img]
		switch {
		case in.Vulnerabilities == nil:
			unknowns = append(unknowns, fmt.Sprintf("%s: image %s: no vulnerability findings were read (a live scan reads Amazon Inspector; a snapshot needs `aws inspector2 list-findings` output)", who, img))
			continue
		case !ok:
			unknowns = append(unknowns, fmt.Sprintf("%s: the findings of image %s are not in the inventory", who, img))
			continue
		case v.Unknown != "":
			unknowns = append(unknowns, fmt.Sprintf("%s: the findings of image %s could not be read: %s", who, img, v.Unknown))
			continue
		}
		line := fmt.Sprintf("%s: image %s%s (%s): %s; %d network-exploitable, %d with a known exploit, %d with a fix",
			who, img, digestNote(img, v.Digest), sourceText(v.Source), v.CountsText(), v.NetworkExploitable, v.ExploitAvailable, v.FixAvailable)
		if v.Serious() > 0 || v.NetworkExploitable > 0 {
			line += "; rebuild image " + img
			if len(v.Vulnerabilities) > 0 {
				line += " (" + strings.Join(v.Vulnerabilities, ", ") + ")"
			}
			fails = append(fails, line)
			for _, name := range byImage[img] {
				offs = append(offs, Offender{Container: name, Field: "image", Detail: fmt.Sprintf("%s: %s, %d network-exploitable", img, v.CountsText(), v.NetworkExploitable)})
			}
			continue
		}
		passes = append(passes, line)
	}
	prefix := "task definition " + td.ARN() + ": "
	switch {
	case len(fails) > 0:
		all := append(fails, passes...)
		if len(unknowns) > 0 {
			all = append(all, "not evaluated: "+strings.Join(unknowns, "; "))
		}
		return Fail(prefix+strings.Join(all, "; "), offs...)
	case len(unknowns) > 0:
		return Unknown(prefix + strings.Join(unknowns, "; "))
	}
	return Pass(prefix + "no CRITICAL, HIGH or network-exploitable finding: " + strings.Join(passes, "; "))
}

func digestNote(img, digest string) string {
	if digest == "" || strings.HasSuffix(img, "@"+digest) {
		return ""
	}
	return " (" + digest + ")"
}

func sourceText(s string) string {
	switch s {
	case VulnSourceInspector:
		return "Amazon Inspector"
	case VulnSourceECRBasic:
		return "ECR basic scanning; Amazon Inspector was not available"
	case VulnSourceSnapshot:
		return "Amazon Inspector, from the snapshot"
	}
	return s
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}
