package fix

// The reads of image configurations at apply time: the user an ECS.20/21 edit takes from an image's
// configuration, and the VOLUMEs an ECS.5 edit keeps writable, are re-derived from the configuration read
// now (plan.ReadState.Images), with the scan's own reads (detect/live: ECR only, each manifest and blob
// checked against its digest), never taken from the plan.

import (
	"context"
	"log/slog"
	"sort"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/plan"
)

// readImages reads, when an action of the plan sets a user (an ECS.20 or ECS.21 edit) or makes a root
// filesystem read-only (an ECS.5 edit), the configurations of the images of the task definitions the
// stale check read, per account and region, into st.Images. An image that cannot be read is absent: an
// edit that took its user or its writable paths from it is then refused by re-derivation (an ECS.5 edit
// re-derives as one for an unknown image, high risk), and the reason is logged.
func (r *run) readImages(ctx context.Context, st *plan.ReadState) {
	if r.cl.ecr == nil || !r.editsFromImages() {
		return
	}
	byRegion := map[accountRegion][]detect.TaskDefinition{}
	for arn, td := range st.TaskDefinitions {
		k := accountRegion{detect.AccountOf(arn), detect.RegionOf(arn)}
		byRegion[k] = append(byRegion[k], *td)
	}
	st.Images = map[string]detect.ImageConfig{}
	for _, k := range sortedAccountRegions(byRegion) {
		tds := byRegion[k]
		sort.Slice(tds, func(i, j int) bool { return tds[i].ARN() < tds[j].ARN() })
		wants := live.ImageWants(tds, k.account, k.region)
		if len(wants) == 0 {
			continue
		}
		cl := r.cl.in(k.account)
		got, failures := live.ReadImages(ctx, cl.ecr(k.region), cl.http, wants)
		for ref, c := range got {
			st.Images[ref] = c
		}
		for _, f := range failures {
			r.log.Warn("image configuration unknown at apply time", slog.String("image", f.Ref),
				slog.String("operation", f.Op), slog.String("reason", f.Message))
		}
	}
}

// editsFromImages reports whether an action of the plan carries an edit re-derived from image
// configurations: ECS.20 or ECS.21 (the image's user), ECS.5 (its declared VOLUMEs).
func (r *run) editsFromImages() bool {
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		var edits []plan.Edit
		if c := a.RegisterTaskDefinition; c != nil {
			edits = append(edits, c.Edits...)
		}
		if u := a.UpdateService; u != nil {
			edits = append(edits, u.Edits...)
		}
		for _, e := range edits {
			if e.Control == detect.ECS20ID || e.Control == detect.ECS21ID || e.Control == detect.ECS5ID {
				return true
			}
		}
	}
	return false
}
