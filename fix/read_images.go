package fix

// The reads of image configurations at apply time: the user an ECS.20/21 edit takes from an image's
// configuration is re-derived from the configuration read now (plan.ReadState.Images), with the scan's
// own reads (detect/live: ECR only, each manifest and blob checked against its digest), never taken from
// the plan.

import (
	"context"
	"log/slog"
	"sort"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/plan"
)

// readImages reads, when an action of the plan sets a user (an ECS.20 or ECS.21 edit), the
// configurations of the images of the task definitions the stale check read, per account and region,
// into st.Images. An image that cannot be read is absent: an edit that took its user from it is then
// refused by re-derivation, and the reason is logged.
func (r *run) readImages(ctx context.Context, st *plan.ReadState) {
	if r.cl.ecr == nil || !r.setsUser() {
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

// setsUser reports whether an action of the plan carries an ECS.20 or ECS.21 edit.
func (r *run) setsUser() bool {
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
			if e.Control == detect.ECS20ID || e.Control == detect.ECS21ID {
				return true
			}
		}
	}
	return false
}
