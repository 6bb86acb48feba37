package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
)

// fixVulnerableImage answers EXPOSURE.vulnerabilities, only when opted in (fix.vulnerabilities.
// upgrade_image): each container whose image has CRITICAL, HIGH or network-exploitable findings moves to
// the newest image of the same repository pushed after it that Amazon Inspector reports, scanned, without
// CRITICAL or HIGH findings, that is tagged, a container image (a manifest or index, not another artifact)
// and read to serve the task definition's platform (an index naming it, or a manifest whose configuration
// is of it), pinned by digest (the index's for an index) on the source reference's registry host, so that
// what was checked is what runs. High risk: the new image is another build, whose behaviour nothing here checks.
//
// What it knows comes from the inventory (Inventory.Vulnerabilities: the image's findings and its newer
// images, read from Amazon Inspector and ECR). At apply time the registration is re-derived from what the
// applier reads again (ReadState.Images): the same pick must come out, so a plan edited to name another
// image, or one whose candidate has since gained findings, is refused.
func fixVulnerableImage(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	if !ctx.opts.UpgradeVulnerableImages {
		return fixOutcome{Skip: vulnerabilitiesNoFix}
	}
	var out fixOutcome
	var skips []string
	os, arch := platformOf(in)
	platform := os + "/" + arch
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		ref := aws.ToString(c.Image)
		label := containerLabel(c, i)
		img, isECR := detect.ParseECRImage(ref)
		v, read := ctx.inv.Vulnerabilities[ref]
		switch {
		case !isECR || !read || v.Unknown != "":
			continue // not looked up: the trait says why; nothing is known to move to
		case v.Serious() == 0 && v.NetworkExploitable == 0:
			continue
		case v.Source != detect.VulnSourceInspector:
			skips = append(skips, fmt.Sprintf("container %q: the findings of image %s come from %s; a newer image is chosen only from Amazon Inspector's findings of a live scan", label, ref, v.Source))
			continue
		case v.Newer == nil:
			skips = append(skips, fmt.Sprintf("container %q: the newer images of repository %s were not read", label, img.Repository))
			continue
		}
		var pick *detect.ImageCandidate
		for j := range v.Newer {
			if v.Newer[j].Clean() && v.Newer[j].Unfit(platform) == "" {
				pick = &v.Newer[j]
				break
			}
		}
		if pick == nil {
			skips = append(skips, fmt.Sprintf("container %q: no tagged image of repository %s pushed after %s (%s) serving %s is reported by Amazon Inspector, scanned, without CRITICAL or HIGH findings (%s); rebuild the image",
				label, img.Repository, ref, v.PushedAt.Format(time.RFC3339), platform, candidatesText(v.Newer, platform)))
			continue
		}
		to := img.ByDigest(pick.Digest)
		if to == ref {
			continue
		}
		c.Image = aws.String(to)
		tags := ""
		if len(pick.Tags) > 0 {
			tags = ", tags " + strings.Join(pick.Tags, ", ")
		}
		out.Edits = append(out.Edits, Edit{
			Control: detect.ExposureVulnerabilitiesID,
			Path:    "containerDefinitions[" + label + "].image",
			Change: fmt.Sprintf("image %s (%s: %s, %d network-exploitable) → %s (pushed %s%s; serves %s; Amazon Inspector: %s), pinned by digest",
				ref, v.Digest, v.CountsText(), v.NetworkExploitable, to, pick.PushedAt.Format(time.RFC3339), tags, platform, countsText(pick.Counts)),
			Risk: RiskHigh,
			Why:  "the container moves to another build of its image (a newer push of repository " + img.Repository + "): its code and packages differ, and nothing here checks that it behaves as the old one",
		})
		out.Notes = append(out.Notes, fmt.Sprintf("container %q runs image %s instead of %s: test that build before applying; the digest pins exactly the image Amazon Inspector reported, and the applier re-reads its findings before registering", label, to, ref))
	}
	switch {
	case len(out.Edits) == 0 && len(skips) > 0:
		return fixOutcome{Skip: strings.Join(skips, "; ")}
	case len(skips) > 0:
		out.Notes = append(out.Notes, "not moved: "+strings.Join(skips, "; "))
	}
	return out
}

func countsText(c map[string]int) string {
	return detect.ImageVulnerabilities{Counts: c}.CountsText()
}

func candidatesText(cs []detect.ImageCandidate, platform string) string {
	if len(cs) == 0 {
		return "no newer image"
	}
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		state := countsText(c.Counts)
		if !c.Scanned() {
			state = "not scanned"
			if c.ScanStatus != "" {
				state = "scan " + c.ScanStatus
			}
		}
		if why := c.Unfit(platform); why != "" {
			state += "; " + why
		}
		parts = append(parts, c.Digest+": "+state)
	}
	return strings.Join(parts, "; ")
}

// checkImageRead refuses, before the remedies are re-run, a registration moving a container to a newer
// image when the applier cannot check the pick: its configuration does not opt in, or it did not read the
// source image's findings and its repository's newer images again.
func checkImageRead(a *Action, source *detect.TaskDefinition, st *ReadState) error {
	if st == nil || st.Config == nil {
		return noConfig(a, "the new task definition", "containerDefinitions[].image", "fix.vulnerabilities.upgrade_image")
	}
	if !st.Config.UpgradeVulnerableImages {
		return &RederiveError{Action: a.ID, What: "the new task definition", Path: "containerDefinitions[].image",
			Reason: "moves a container to a newer image, but the applier's configuration does not opt in (fix.vulnerabilities.upgrade_image is false)"}
	}
	for _, c := range source.ContainerDefinitions {
		ref := aws.ToString(c.Image)
		if _, ok := detect.ParseECRImage(ref); !ok {
			continue
		}
		if v, ok := st.ImageFindings[ref]; !ok || v.Unknown != "" {
			why := "was not read"
			if ok {
				why = "could not be read: " + v.Unknown
			}
			return &RederiveError{Action: a.ID, What: "the new task definition", Path: "containerDefinitions[].image",
				Reason: fmt.Sprintf("moves a container to a newer image, but the findings of image %s %s at apply time, so the pick cannot be checked", ref, why)}
		}
	}
	return nil
}

// rederiveImageShape re-derives the images of a registration without the images' findings (RebuildRegistration
// called without the state read, as the applier does again right before writing, after the full
// re-derivation): each container's image is taken from After only when it is the source image's own
// repository (same registry host — account, region, FIPS endpoint or not — and repository) pinned by a digest; any other image is refused.
func rederiveImageShape(a *Action, in, after *ecs.RegisterTaskDefinitionInput) error {
	if len(after.ContainerDefinitions) != len(in.ContainerDefinitions) {
		return nil // the comparison that follows names the difference
	}
	for i := range in.ContainerDefinitions {
		from, to := aws.ToString(in.ContainerDefinitions[i].Image), aws.ToString(after.ContainerDefinitions[i].Image)
		if from == to {
			continue
		}
		path := "containerDefinitions[" + containerLabel(&in.ContainerDefinitions[i], i) + "].image"
		src, ok1 := detect.ParseECRImage(from)
		dst, ok2 := detect.ParseECRImage(to)
		if !ok1 || !ok2 || src.Host() != dst.Host() || src.Repository != dst.Repository || dst.Digest == "" || dst.Tag != "" {
			return &RederiveError{Action: a.ID, Path: path, Reason: fmt.Sprintf("is %s; the vulnerabilities remedy only moves %s to an image of its own repository, on the same registry host, pinned by digest", to, from)}
		}
		in.ContainerDefinitions[i].Image = aws.String(to)
	}
	return nil
}
