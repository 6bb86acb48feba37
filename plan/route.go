package plan

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
)

// Routing: each FAILED result goes, through the registry of remedies (remedies.go), to the plan of what
// its remedy edits — a revision plan, a service plan, a cluster plan, a task role — or to Skipped with
// the reason.

// route routes one result: a fix request, or a Skipped entry.
func (b *builder) route(r *detect.Result) {
	if r.Status != detect.Failed {
		return
	}
	if r.Suppressed != nil {
		b.skip(r.Control, r.ResourceArn, suppressedReason(r.Suppressed))
		return
	}
	rem, ok := remedyFor(r.Control)
	switch {
	case !ok:
		b.skip(r.Control, r.ResourceArn, noRemedy)
	case !rem.Edits.takes(r.ResourceType):
		if rem.NoFix != "" {
			b.skip(r.Control, r.ResourceArn, rem.NoFix)
		}
	case !b.selected(r.Control, rem.ID):
		b.skip(r.Control, r.ResourceArn, notSelected)
	case rem.Edits == editsRevision:
		b.routeRevision(r, rem.ID)
	default:
		rem.route(b, r)
	}
}

// notSelected is the Skipped reason of a finding whose remedy fix.controls does not select.
const notSelected = "not selected for fixing (fix.controls)"

// suppressedReason is the Skipped reason of a suppressed result.
func suppressedReason(sup *detect.Suppressed) string {
	reason := "suppressed by " + sup.By
	if sup.Reason != "" {
		reason += ": " + sup.Reason
	}
	if sup.Expires != nil {
		reason += " (" + detect.ExpiryText(*sup.Expires) + ")"
	}
	return reason
}

// routeRevision asks for a revision remedy on the revision a finding is on: the task definition itself,
// or the revision a service runs (an exposure trait; runningRevisions moves the service to the fix).
func (b *builder) routeRevision(r *detect.Result, fixID string) {
	switch r.ResourceType {
	case detect.TypeTaskDefinition:
		td, ok := b.inv.TaskDefinition(r.ResourceArn)
		if !ok {
			return
		}
		b.rev(td).ask(fixID, r.Control)
	case detect.TypeService:
		svc, ok := b.inv.Service(r.ResourceArn)
		if !ok {
			return
		}
		td, ok := b.inv.TaskDefinition(aws.ToString(svc.TaskDefinition))
		if !ok {
			return
		}
		sp := b.service(svc)
		sp.controls[r.Control] = true
		if reason := b.serviceBlocked(svc); reason != "" && !isDeployedElsewhere(svc) {
			// owned: nothing is registered for it, the change goes to its source
			return
		}
		b.rev(td).ask(fixID, r.Control)
	}
}

// serviceToFix routes a selected finding about a service to that service's plan. It returns nil when the
// service is not in the inventory, or cannot be updated live — then the finding is Skipped with the reason
// and inSource, what to change in its source instead.
func (b *builder) serviceToFix(r *detect.Result, inSource string) *servicePlan {
	svc, ok := b.inv.Service(r.ResourceArn)
	if !ok {
		return nil
	}
	if reason := b.serviceBlocked(svc); reason != "" {
		b.skip(r.Control, r.ResourceArn, reason+": "+inSource)
		return nil
	}
	return b.service(svc)
}
