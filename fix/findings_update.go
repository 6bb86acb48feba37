// Findings out: after an apply (or a rollback), the Security Hub findings the plan's actions resolve are
// updated in the caller's Security Hub (the administrator account's, never a member's): RESOLVED with a
// note when all their actions succeeded, NOTIFIED when some wait for an approval, a note alone when one
// failed, and back to NEW after a rollback. Never SUPPRESSED. Each update made is journalled, so a
// resumed apply does not update a finding twice and rollback knows what it resolved.
package fix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

// SecurityHubAPI is the Security Hub client of the findings updates: the caller's, in the administrator
// account (or the aggregation region), where the findings are read and updated.
type SecurityHubAPI interface {
	GetFindings(context.Context, *securityhub.GetFindingsInput, ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
	GetFindingsV2(context.Context, *securityhub.GetFindingsV2Input, ...func(*securityhub.Options)) (*securityhub.GetFindingsV2Output, error)
	BatchUpdateFindings(context.Context, *securityhub.BatchUpdateFindingsInput, ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error)
	BatchUpdateFindingsV2(context.Context, *securityhub.BatchUpdateFindingsV2Input, ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsV2Output, error)
}

// ErrFindingsNotUpdated: some findings could not be updated (unprocessed, not found, or a call failed).
var ErrFindingsNotUpdated = errors.New("some Security Hub findings were not updated")

// Workflow statuses ecsfix sets. It never sets SUPPRESSED.
const (
	WorkflowResolved = "RESOLVED"
	WorkflowNotified = "NOTIFIED"
	WorkflowNew      = "NEW"
)

// Limits of BatchUpdateFindings(V2).
const (
	FindingsBatchSize = 100
	MaxNoteChars      = 512
	// noteUpdatedBy is the note's UpdatedBy.
	noteUpdatedBy = "ecsfix"
	// findingIDFilterSize bounds the ids in one GetFindings filter.
	findingIDFilterSize = 20
	maxLookupPages      = 100
)

// FindingUpdate is one update of one finding.
type FindingUpdate struct {
	ID string
	// Status is the workflow status set ("" : the note alone, status unchanged).
	Status string
	Note   string
	// Actions are the plan's actions that name the finding.
	Actions []string
	// Claims are what those actions fix (account, resource, controls): the finding Security Hub holds
	// must be about one of them, or it is not updated (a plan's finding ids are only its word).
	Claims []FindingClaim
}

// FindingClaim is what one action fixes: the finding it names must be in its account, name its resource
// and be of one of its controls (an exposure finding: of an EXPOSURE trait among them).
type FindingClaim struct {
	Account, Resource string
	Controls          []string
}

func claimOf(a *plan.Action) FindingClaim {
	return FindingClaim{Account: a.Account, Resource: a.Resource, Controls: a.Controls}
}

// matches reports whether the finding Security Hub holds is about what the claim fixes.
func (c FindingClaim) matches(l located) bool {
	if l.account != c.Account || !slices.Contains(l.resources, c.Resource) {
		return false
	}
	if l.ocsf {
		return slices.ContainsFunc(c.Controls, func(x string) bool { return strings.HasPrefix(x, "EXPOSURE.") })
	}
	return l.control != "" && slices.Contains(c.Controls, l.control)
}

// FindingsReport says what the updates did.
type FindingsReport struct {
	DryRun  bool
	Updates []FindingUpdate
	// Updated are the ids updated by this run; Already those the journal records as updated already.
	Updated []string
	Already []string
	// NotUpdated maps an id to why it was not updated (unprocessed, not found in Security Hub, a failed call).
	NotUpdated map[string]string
}

// FindingsOptions tune UpdateFindings and ReopenFindings.
type FindingsOptions struct {
	DryRun bool
	// JournalPath is the apply's journal: the updates are recorded in it (empty: not recorded).
	JournalPath string
	Out         io.Writer
	// Approvers are the names of the plan's approvals that counted.
	Approvers []string
}

// ApplyFindingUpdates computes the updates of the findings the actions of p name, from what the apply
// did (rep) and the actions left for approval (left, from apply --auto; they are not in p).
func ApplyFindingUpdates(p *plan.Plan, rep *Report, left []plan.Action, approvers []string) []FindingUpdate {
	type state struct {
		done, failed, waiting []string
		claims                []FindingClaim
	}
	byID := map[string]*state{}
	var order []string
	get := func(id string) *state {
		s := byID[id]
		if s == nil {
			s = &state{}
			byID[id] = s
			order = append(order, id)
		}
		return s
	}
	for _, a := range p.Actions {
		status := StatusNotRun
		if rep != nil {
			if ar := rep.Action(a.ID); ar != nil {
				status = ar.Status
			}
		}
		for _, id := range a.Findings {
			s := get(id)
			s.claims = append(s.claims, claimOf(&a))
			switch status {
			case StatusDone, StatusSkipped, StatusWouldDo:
				s.done = append(s.done, a.ID)
			default:
				s.failed = append(s.failed, a.ID)
			}
		}
	}
	for _, a := range left {
		for _, id := range a.Findings {
			s := get(id)
			s.claims = append(s.claims, claimOf(&a))
			s.waiting = append(s.waiting, fmt.Sprintf("%s (%s risk)", a.ID, a.Risk))
		}
	}
	hash := p.ContentHash()
	var out []FindingUpdate
	for _, id := range order {
		s := byID[id]
		u := FindingUpdate{ID: id, Actions: append(append(append([]string{}, s.done...), s.failed...), s.waiting...), Claims: s.claims}
		switch {
		case len(s.failed) > 0:
			u.Note = fmt.Sprintf("ecsfix could not apply %s of plan %s; status left as it was", list(s.failed), hash)
		case len(s.waiting) > 0:
			u.Status = WorkflowNotified
			u.Note = fmt.Sprintf("ecsfix plan %s waits for approval: %s", hash, list(s.waiting))
			if len(s.done) > 0 {
				u.Note += "; applied " + list(s.done)
			}
		default:
			u.Status = WorkflowResolved
			u.Note = fmt.Sprintf("ecsfix applied %s of plan %s", list(s.done), hash)
			if len(approvers) > 0 {
				u.Note += "; approved by " + strings.Join(approvers, ", ")
			} else {
				u.Note += "; unattended (at or below the unattended risk)"
			}
		}
		u.Note = limitNote(u.Note)
		out = append(out, u)
	}
	return out
}

// list joins action ids (ecsfix's own, validated by the plan) for a note.
func list(ids []string) string {
	return strings.Join(ids, ", ")
}

// limitNote keeps a note printable and within MaxNoteChars characters.
func limitNote(s string) string {
	s = textsafe.Line(s)
	if utf8.RuneCountInString(s) <= MaxNoteChars {
		return s
	}
	r := []rune(s)
	return string(r[:MaxNoteChars-1]) + "…"
}

// ApproverNames returns the names of the approvals that counted, each escaped and bounded (they come
// from the plan file), without repeats.
func ApproverNames(checks []plan.ApprovalCheck) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range checks {
		if !c.Counts {
			continue
		}
		name := textsafe.Line(c.Approval.By)
		if r := []rune(name); len(r) > 64 {
			name = string(r[:63]) + "…"
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// located is a finding as Security Hub holds it: how BatchUpdateFindings(V2) names it.
type located struct {
	id, product, account string
	ocsf                 bool
	// resources are the ids of the resources the finding names; control its security control id (ASFF).
	resources []string
	control   string
}

// locate re-reads the findings by id in the caller's Security Hub: the plan records ids only, and the
// product ARN (and account) that name a finding in an update come from Security Hub itself, not from
// the plan file nor from a findings file. Ids found by GetFindings are ASFF findings; the others are
// looked for with GetFindingsV2 (exposure findings, OCSF). An id found nowhere is absent from the map.
func locate(ctx context.Context, sh SecurityHubAPI, ids []string) (map[string]located, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := map[string]located{}
	for start := 0; start < len(ids); start += findingIDFilterSize {
		chunk := ids[start:min(start+findingIDFilterSize, len(ids))]
		fs := make([]shtypes.StringFilter, len(chunk))
		for i, id := range chunk {
			fs[i] = shtypes.StringFilter{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(id)}
		}
		pg := securityhub.NewGetFindingsPaginator(sh, &securityhub.GetFindingsInput{
			Filters: &shtypes.AwsSecurityFindingFilters{Id: fs}, MaxResults: aws.Int32(100)})
		for page := 0; pg.HasMorePages(); page++ {
			if page == maxLookupPages {
				return nil, fmt.Errorf("securityhub GetFindings: more than %d pages for %d finding ids", maxLookupPages, len(chunk))
			}
			o, err := pg.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("securityhub GetFindings: %w", err)
			}
			for _, f := range o.Findings {
				id := aws.ToString(f.Id)
				// The ids are filtered again (an emulator ignores filters). An exposure finding is updated
				// through BatchUpdateFindingsV2: AWS's GetFindings does not answer them, but one seen here
				// in ASFF (generator security-hub/Exposure, as the test emulator serves them) is left to
				// GetFindingsV2.
				if want[id] && aws.ToString(f.GeneratorId) != "security-hub/Exposure" {
					l := located{id: id, product: aws.ToString(f.ProductArn), account: aws.ToString(f.AwsAccountId)}
					for _, r := range f.Resources {
						l.resources = append(l.resources, aws.ToString(r.Id))
					}
					if f.Compliance != nil {
						l.control = aws.ToString(f.Compliance.SecurityControlId)
					}
					out[id] = l
				}
			}
		}
	}
	var rest []string
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			rest = append(rest, id)
		}
	}
	if len(rest) == 0 {
		return out, nil
	}
	for start := 0; start < len(rest); start += findingIDFilterSize {
		chunk := rest[start:min(start+findingIDFilterSize, len(rest))]
		sf := make([]shtypes.OcsfStringFilter, len(chunk))
		for i, id := range chunk {
			sf[i] = shtypes.OcsfStringFilter{FieldName: shtypes.OcsfStringFieldFindingInfoUid,
				Filter: &shtypes.StringFilter{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(id)}}
		}
		pg := securityhub.NewGetFindingsV2Paginator(sh, &securityhub.GetFindingsV2Input{
			Filters: &shtypes.OcsfFindingFilters{CompositeOperator: shtypes.AllowedOperatorsAnd,
				CompositeFilters: []shtypes.CompositeFilter{{Operator: shtypes.AllowedOperatorsOr, StringFilters: sf}}},
			MaxResults: aws.Int32(100)})
		for page := 0; pg.HasMorePages(); page++ {
			if page == maxLookupPages {
				return nil, fmt.Errorf("securityhub GetFindingsV2: more than %d pages for %d finding ids", maxLookupPages, len(chunk))
			}
			o, err := pg.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("securityhub GetFindingsV2: %w", err)
			}
			for _, d := range o.Findings {
				var m map[string]any
				if d == nil || d.UnmarshalSmithyDocument(&m) != nil {
					continue
				}
				id := path(m, "finding_info", "uid")
				if want[id] {
					if _, ok := out[id]; !ok {
						l := located{id: id, product: path(m, "metadata", "product", "uid"), account: path(m, "cloud", "account", "uid"), ocsf: true}
						if rs, ok := m["resources"].([]any); ok {
							for _, r := range rs {
								if rm, ok := r.(map[string]any); ok {
									l.resources = append(l.resources, path(rm, "uid"))
								}
							}
						}
						out[id] = l
					}
				}
			}
		}
	}
	return out, nil
}

// path reads a string at keys in an OCSF document ("" when absent).
func path(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

// ocsfStatusID is the OCSF status_id of a workflow status (New 1, In Progress 2, Resolved 4).
func ocsfStatusID(status string) *int32 {
	switch status {
	case WorkflowNew:
		return aws.Int32(1)
	case WorkflowNotified:
		return aws.Int32(2)
	case WorkflowResolved:
		return aws.Int32(4)
	}
	return nil
}

// UpdateFindings makes the updates in Security Hub (sh), in batches of FindingsBatchSize, skipping the
// findings the journal records as updated already to the same status, and journals each batch
// processed. A dry run prints each update and makes none (nor reads the journal's lock).
func UpdateFindings(ctx context.Context, sh SecurityHubAPI, updates []FindingUpdate, o FindingsOptions) (*FindingsReport, error) {
	return writeFindings(ctx, sh, updates, o, RecFindingsUpdated)
}

// ReopenFindings sets back to NEW, with a note naming the plan, the findings the journal records as
// RESOLVED by the apply of p whose actions rollback returned (rep: rolled back now or earlier, or would
// be in a dry run), and journals it. Findings reopened already are not reopened again.
func ReopenFindings(ctx context.Context, sh SecurityHubAPI, p *plan.Plan, rep *Report, o FindingsOptions) (*FindingsReport, error) {
	st, _, err := readJournal(o.JournalPath)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, absentJournal(o.JournalPath)
	}
	undone := map[string][]FindingClaim{}
	for _, a := range p.Actions {
		ar := rep.Action(a.ID)
		if ar == nil || (ar.Status != StatusRolledBack && ar.Status != StatusSkipped && ar.Status != StatusWouldDo) {
			continue
		}
		for _, id := range a.Findings {
			undone[id] = append(undone[id], claimOf(&a))
		}
	}
	var updates []FindingUpdate
	note := "" // the plan is hashed once, for the first finding reopened
	for _, id := range st.findingOrder {
		if st.findings[id] == WorkflowResolved && len(undone[id]) > 0 {
			if note == "" {
				note = limitNote(fmt.Sprintf("ecsfix rolled back plan %s: the fix of this finding was undone", p.ContentHash()))
			}
			updates = append(updates, FindingUpdate{ID: id, Status: WorkflowNew, Claims: undone[id], Note: note})
		}
	}
	return writeFindings(ctx, sh, updates, o, RecFindingsReopened)
}

func writeFindings(ctx context.Context, sh SecurityHubAPI, updates []FindingUpdate, o FindingsOptions, kind string) (*FindingsReport, error) {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	rep := &FindingsReport{DryRun: o.DryRun, Updates: updates, NotUpdated: map[string]string{}}
	if len(updates) == 0 {
		return rep, nil
	}
	if o.DryRun {
		for _, u := range updates {
			fmt.Fprintf(out, "would update finding %s: %s; note %q\n", textsafe.Line(u.ID), statusWords(u.Status), u.Note)
		}
		return rep, nil
	}
	// The journal records the updates; without one (apply --auto that applied nothing and left actions
	// for approval) they are made unrecorded.
	var j *journal
	if o.JournalPath != "" {
		lk, err := lockJournal(o.JournalPath)
		if err != nil {
			return rep, err
		}
		defer lk.unlock()
		st, valid, err := readJournal(o.JournalPath)
		if err != nil {
			return rep, err
		}
		if st == nil {
			return rep, absentJournal(o.JournalPath)
		}
		if j, err = openJournal(o.JournalPath, st, valid, Record{}); err != nil {
			return rep, err
		}
		defer j.close()
	} else {
		j = &journal{st: newJournalState()} // no file: write records nothing
	}

	// Skip what the journal records already (a resumed apply, a second rollback).
	var todo []FindingUpdate
	for _, u := range updates {
		done := false
		j.view(func(st *journalState) {
			rec, ok := st.findings[u.ID]
			done = ok && rec == u.Status
		})
		if done {
			rep.Already = append(rep.Already, u.ID)
			continue
		}
		todo = append(todo, u)
	}
	if len(todo) == 0 {
		return rep, nil
	}
	ids := make([]string, len(todo))
	for i, u := range todo {
		ids[i] = u.ID
	}
	where, err := locate(ctx, sh, ids)
	if err != nil {
		return rep, err
	}
	// Group by (format, status, note): one BatchUpdateFindings call sets one status and one note.
	type key struct {
		ocsf         bool
		status, note string
	}
	groups := map[key][]located{}
	var keys []key
	for _, u := range todo {
		l, ok := where[u.ID]
		if !ok {
			rep.NotUpdated[u.ID] = "not found in this account's Security Hub (GetFindings, GetFindingsV2)"
			continue
		}
		if !slices.ContainsFunc(u.Claims, func(c FindingClaim) bool { return c.matches(l) }) {
			control := l.control
			if l.ocsf {
				control = "exposure"
			} else if control == "" {
				control = "none"
			}
			rep.NotUpdated[u.ID] = fmt.Sprintf("Security Hub's finding (account %s, control %s, resources %s) is not about what %s fixes: the plan names it, Security Hub does not agree",
				textsafe.Line(l.account), textsafe.Line(control), textsafe.Line(strings.Join(l.resources, ", ")), list(u.Actions))
			continue
		}
		k := key{l.ocsf, u.Status, u.Note}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], l)
	}
	for _, k := range keys {
		ls := groups[k]
		for start := 0; start < len(ls); start += FindingsBatchSize {
			batch := ls[start:min(start+FindingsBatchSize, len(ls))]
			processed, unprocessed, err := updateBatch(ctx, sh, batch, k.ocsf, k.status, k.note)
			if err != nil {
				for _, l := range batch {
					rep.NotUpdated[l.id] = err.Error()
				}
				continue
			}
			for id, why := range unprocessed {
				rep.NotUpdated[id] = why
			}
			if len(processed) == 0 {
				continue
			}
			if err := j.write(Record{Type: kind, Findings: processed, Workflow: k.status, Request: k.note}); err != nil {
				return rep, err
			}
			rep.Updated = append(rep.Updated, processed...)
			for _, id := range processed {
				fmt.Fprintf(out, "finding %s: %s\n", textsafe.Line(id), statusWords(k.status))
			}
		}
	}
	if len(rep.NotUpdated) > 0 {
		ids := make([]string, 0, len(rep.NotUpdated))
		for id := range rep.NotUpdated {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(out, "finding %s: not updated: %s\n", textsafe.Line(id), textsafe.Line(rep.NotUpdated[id]))
		}
		return rep, fmt.Errorf("%w: %d of %d (each is listed above)", ErrFindingsNotUpdated, len(rep.NotUpdated), len(todo))
	}
	return rep, nil
}

func statusWords(status string) string {
	if status == "" {
		return "note only, status unchanged"
	}
	return "workflow status " + status
}

// updateBatch makes one BatchUpdateFindings(V2) call; it returns the ids processed and why the others
// were not.
func updateBatch(ctx context.Context, sh SecurityHubAPI, batch []located, ocsf bool, status, note string) ([]string, map[string]string, error) {
	unprocessed := map[string]string{}
	var processed []string
	if ocsf {
		in := &securityhub.BatchUpdateFindingsV2Input{Comment: aws.String(note), StatusId: ocsfStatusID(status)}
		for _, l := range batch {
			in.FindingIdentifiers = append(in.FindingIdentifiers, shtypes.OcsfFindingIdentifier{
				CloudAccountUid: aws.String(l.account), FindingInfoUid: aws.String(l.id), MetadataProductUid: aws.String(l.product)})
		}
		o, err := sh.BatchUpdateFindingsV2(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("securityhub BatchUpdateFindingsV2: %w", err)
		}
		for _, u := range o.UnprocessedFindings {
			if u.FindingIdentifier != nil {
				unprocessed[aws.ToString(u.FindingIdentifier.FindingInfoUid)] = string(u.ErrorCode) + ": " + aws.ToString(u.ErrorMessage)
			}
		}
		for _, p := range o.ProcessedFindings {
			if p.FindingIdentifier != nil {
				processed = append(processed, aws.ToString(p.FindingIdentifier.FindingInfoUid))
			}
		}
		return processed, unprocessed, nil
	}
	in := &securityhub.BatchUpdateFindingsInput{Note: &shtypes.NoteUpdate{Text: aws.String(note), UpdatedBy: aws.String(noteUpdatedBy)}}
	if status != "" {
		in.Workflow = &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatus(status)}
	}
	for _, l := range batch {
		in.FindingIdentifiers = append(in.FindingIdentifiers, shtypes.AwsSecurityFindingIdentifier{Id: aws.String(l.id), ProductArn: aws.String(l.product)})
	}
	o, err := sh.BatchUpdateFindings(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("securityhub BatchUpdateFindings: %w", err)
	}
	for _, u := range o.UnprocessedFindings {
		if u.FindingIdentifier != nil {
			unprocessed[aws.ToString(u.FindingIdentifier.Id)] = aws.ToString(u.ErrorCode) + ": " + aws.ToString(u.ErrorMessage)
		}
	}
	for _, p := range o.ProcessedFindings {
		processed = append(processed, aws.ToString(p.Id))
	}
	return processed, unprocessed, nil
}
