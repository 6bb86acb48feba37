package plan

// Task definitions holding fields this build does not know (detect.TaskDefinition.UnknownFields: members
// of the DescribeTaskDefinition response the SDK's model lacks, a field AWS added after this build). A new
// revision is registered from the SDK's decoding, which dropped them: it would lose them. So the planner
// makes no new revision of such a revision read from the API (each of its findings is "Not fixed" with the
// reason), nor of an older revision of its family (its fix would become the family's newest revision and
// the latest could not be registered again after it); and the applier refuses a registration whose
// source, read at apply time, holds one. A task definition read from a file is fixed in the file's text,
// which keeps every field: the planner does not hold it back (a plan from a snapshot is applied to the
// revisions the applier reads from the API, and checked there).

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsfix/ecsfix/detect"
)

// maxFieldsNamed bounds the fields a reason or an error names (the others are counted).
const maxFieldsNamed = 5

// fieldList names fields: "a, b and c", at most maxFieldsNamed, then "and N more".
func fieldList(fields []string) string {
	named := fields
	if len(named) > maxFieldsNamed {
		named = named[:maxFieldsNamed]
	}
	s := strings.Join(named, ", ")
	if n := len(fields) - len(named); n > 0 {
		return fmt.Sprintf("%s and %d more", s, n)
	}
	if len(named) > 1 {
		s = strings.Join(named[:len(named)-1], ", ") + " and " + named[len(named)-1]
	}
	return s
}

// wouldLose is the reason no new revision is made from a revision holding fields, as "Not fixed" says it.
func wouldLose(fields []string) string {
	return "a new revision would lose " + fieldList(fields) + "; update ecsfix"
}

// liveUnknown returns the fields td holds that this build does not know, when it was read from the API.
func liveUnknown(td *detect.TaskDefinition) []string {
	if td == nil || td.Source != nil {
		return nil
	}
	return td.UnknownFields
}

// holdBackUnknownFields takes out of the plan the new revisions that would lose a field (run before
// buildRevisions, so that no service is moved to them): every control that asked for one is Skipped
// with the reason.
func (b *builder) holdBackUnknownFields() {
	for _, arn := range slices.Sorted(maps.Keys(b.revs)) {
		rp := b.revs[arn]
		reason := ""
		if f := liveUnknown(rp.source); len(f) > 0 {
			reason = wouldLose(f)
		} else if latest, ok := b.inv.LatestActive(arn); ok && latest.ARN() != arn {
			if f := liveUnknown(latest); len(f) > 0 {
				reason = fmt.Sprintf("the family's latest ACTIVE revision %s holds fields this build does not know: a fixed copy of %s would become the family's newest revision, "+
					"and %s cannot be registered again after it (%s)", detect.ShortARN(latest.ARN()), detect.ShortARN(arn), detect.ShortARN(latest.ARN()), wouldLose(f))
			}
		}
		if reason == "" {
			continue
		}
		controls := map[string]bool{}
		for _, cs := range rp.want {
			for c := range cs {
				controls[c] = true
			}
		}
		for _, c := range slices.Sorted(maps.Keys(controls)) {
			b.skip(c, arn, reason)
		}
		delete(b.revs, arn)
	}
}

// UnknownFieldsError refuses a registration whose source revision, as read at apply time, holds fields
// this build does not know: the new revision, built from the SDK's decoding, would lose them.
type UnknownFieldsError struct {
	Action   string
	Revision string
	Fields   []string
}

func (e *UnknownFieldsError) Error() string {
	return fmt.Sprintf("action %s: revision %s, as read now, holds fields this build of ecsfix does not know: a new revision would lose %s; update ecsfix, then make a new plan",
		e.Action, e.Revision, fieldList(e.Fields))
}

// refuseUnknownFields is the applier's check of a registration's source revision as read from the API
// (RebuildRegistration): the registration is built from the SDK's decoding of it. A source read from a
// file (re-derived to check a fix of the file) is left to the file's edit, which keeps every field.
func refuseUnknownFields(a *Action, source *detect.TaskDefinition) error {
	f := liveUnknown(source)
	if len(f) == 0 {
		return nil
	}
	return &UnknownFieldsError{Action: a.ID, Revision: source.ARN(), Fields: slices.Clone(f)}
}
