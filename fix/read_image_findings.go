package fix

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/plan"
)

// readImageFindings reads again, as a scan does, the findings of the ECR images of the source revisions whose
// registration moves a container to a newer image (EXPOSURE.vulnerabilities): the image's digest and push
// time, its Amazon Inspector findings and its repository's newer images with theirs, each read to check it
// serves the source revision's platform (as the scan does: tagged images only, manifests and
// configurations read with the image-configuration reads), into st.ImageFindings, so
// that re-derivation re-runs the remedy on what is true now. Nothing is read for a plan without such a
// registration; an image that cannot be read is kept with Unknown set (its registration is refused).
func (r *run) readImageFindings(ctx context.Context, st *plan.ReadState) {
	type key struct{ account, region string }
	refs := map[key][]live.ImageWant{}
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		c := a.RegisterTaskDefinition
		if a.Type != plan.RegisterTaskDefinition || c == nil || !movesImages(c) {
			continue
		}
		src := st.TaskDefinitions[c.SourceArn]
		if src == nil {
			continue // re-derivation refuses it: its source was not read
		}
		os, arch := live.PlatformOf(&src.TaskDefinition)
		for _, cd := range src.ContainerDefinitions {
			ref := aws.ToString(cd.Image)
			if img, ok := detect.ParseECRImage(ref); ok {
				k := key{a.Account, img.Region}
				refs[k] = append(refs[k], live.ImageWant{Ref: ref, OS: os, Architecture: arch})
			}
		}
	}
	if len(refs) == 0 || r.cl.vulnECR == nil || r.cl.inspector == nil {
		return
	}
	keys := make([]key, 0, len(refs))
	for k := range refs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].account+keys[i].region < keys[j].account+keys[j].region })
	st.ImageFindings = map[string]detect.ImageVulnerabilities{}
	for _, k := range keys {
		cl := r.cl.in(k.account)
		var images live.ImageAPI
		if cl.ecr != nil {
			images = cl.ecr(k.region)
		}
		for ref, v := range live.ReadImageVulnerabilities(ctx, k.region, cl.vulnECR(k.region), cl.inspector(k.region), images, cl.http, refs[k]) {
			st.ImageFindings[ref] = v
		}
	}
}

// movesImages reports whether a registration's edits move a container to another image.
func movesImages(c *plan.RegisterTaskDefinitionChange) bool {
	for _, e := range c.Edits {
		if e.Control == detect.ExposureVulnerabilitiesID {
			return true
		}
	}
	return false
}
