package fix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of register-task-definition: a new revision built from the source revision re-read at
// apply time with the plan's edits (plan.RegisterTaskDefinitionChange.Input), the secrets' ARNs put in
// place of their placeholders, tagged with its provenance so that a resumed apply finds it again.
// Rollback keeps it: the newest revision of a family is what a deployment by family name starts.

// registrationRequest describes a registration without its content (which may hold secret values).
func registrationRequest(a *plan.Action) string {
	c := a.RegisterTaskDefinition
	return fmt.Sprintf("ecs:RegisterTaskDefinition family=%s source=%s edits=%d", c.Family, c.SourceArn, len(c.Edits))
}

// register registers the fixed revision, or finds the one this plan registered already.
func (r *run) register(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.RegisterTaskDefinition
	api := r.cl.in(a.Account).ecs(a.Region)
	src, err := r.source(ctx, api, c.SourceArn)
	if err != nil {
		return err
	}
	srcArn, err := detect.ParseTaskDefinitionARN(src.ARN())
	if err != nil {
		return err
	}
	// Checked before any write by checkRederived; again here, on the revision this write is built from.
	if err := r.p.RebuildRegistrationFrom(a, src, r.read); err != nil {
		return err
	}
	secretArns := map[string]string{}
	for _, ref := range c.SecretRefs {
		arn := r.target(ref.From)
		if arn == "" {
			return fmt.Errorf("create-secret %s produced no secret ARN for %s (it did not complete)", ref.From, ref.Path)
		}
		secretArns[ref.From] = arn
	}
	in, err := c.Input(src, secretArns)
	if err != nil {
		return fmt.Errorf("build the registration from %s: %w", c.SourceArn, err)
	}
	want, err := registrableDoc(in)
	if err != nil {
		return fmt.Errorf("build the registration from %s: %w", c.SourceArn, err)
	}
	tagged := addProvenance(in, r.short, a.ID)

	prev := r.started(a.ID)
	if prev == nil {
		lt, err := awsread.LatestActive(ctx, api, srcArn.Family, awsread.LatestOptions{})
		if err != nil {
			return err
		}
		before := &StateRecord{TaskDefinitionArn: src.ARN(), Family: srcArn.Family, Tagged: tagged}
		if lt != nil {
			if p, err := detect.ParseTaskDefinitionARN(lt.ARN()); err == nil {
				before.LatestActiveRevision = p.Revision
			}
		}
		if err := r.journalStarted(a, registrationRequest(a), before, nil); err != nil {
			return err
		}
		prev = &Record{Before: before}
	}
	r.printf("%s: registering a new revision of %s from %s (%d edit(s))", a.ID, srcArn.Family, src.ARN(), len(c.Edits))

	// A revision this plan registered without journalling it (a crash between the two) is reused when
	// it is exactly what this registration sends; looked for again over the resume window when an
	// earlier run started this action, since a revision registered just before a crash may not be
	// listed yet.
	var found string
	newest := 0
	_, err = r.lookAgain(ctx, a, "no revision of "+srcArn.Family+" registered by this action", func() (bool, error) {
		var err error
		found, newest, err = r.findRegistered(ctx, api, srcArn, a.ID, want)
		return found != "", err
	})
	if err != nil {
		return err
	}
	if found != "" {
		r.setTarget(a.ID, found)
		rep.TaskDefinitionArn = found
		r.printf("%s: found %s, registered by this plan earlier and equal to this registration: reused", a.ID, found)
		return r.finish(a, rep, StatusDone, "reused "+found+", registered by this plan earlier", &StateRecord{TaskDefinitionArn: found, Reused: true})
	}
	if !tagged && prev.Before != nil && newest > prev.Before.LatestActiveRevision && r.isResume(a.ID) {
		return fmt.Errorf("revision %d of %s was registered after this registration started, and registrations of this family cannot carry provenance tags (too many tags): check whether it is this plan's, then deregister it or record it, before resuming",
			newest, srcArn.Family)
	}

	out, err := api.RegisterTaskDefinition(ctx, in)
	if err != nil {
		return fmt.Errorf("register task definition %s: %w", srcArn.Family, err)
	}
	if out.TaskDefinition == nil || out.TaskDefinition.TaskDefinitionArn == nil {
		return fmt.Errorf("register task definition %s: the response holds no task definition", srcArn.Family)
	}
	arn := aws.ToString(out.TaskDefinition.TaskDefinitionArn)
	r.setTarget(a.ID, arn)
	rep.TaskDefinitionArn = arn
	r.printf("%s: registered %s", a.ID, arn)
	r.log.Info("registered task definition", "action", a.ID, "family", srcArn.Family, "source", src.ARN(), "edits", len(c.Edits), "arn", arn)
	return r.finish(a, rep, StatusDone, "registered", &StateRecord{TaskDefinitionArn: arn, Tagged: tagged})
}

// isResume tells whether the action was started by an earlier run.
func (r *run) isResume(id string) bool { return r.resumed[id] }

// addProvenance adds the provenance tags (replacing those a source registered by ecsfix carries) when
// the tag limit allows; it reports whether they were added.
func addProvenance(in *ecs.RegisterTaskDefinitionInput, short, id string) bool {
	kept := in.Tags[:0:0]
	for _, t := range in.Tags {
		if k := aws.ToString(t.Key); k != TagPlan && k != TagAction {
			kept = append(kept, t)
		}
	}
	if len(kept)+2 > maxTags {
		in.Tags = kept
		return false
	}
	in.Tags = append(kept, ecstypes.Tag{Key: aws.String(TagPlan), Value: aws.String(short)}, ecstypes.Tag{Key: aws.String(TagAction), Value: aws.String(id)})
	return true
}

// findRegistered looks for an ACTIVE revision of the source's family, newer than the source, that this
// action registered: the provenance tags (ecsfix:plan, ecsfix:action) only point at candidates, since
// anyone who can read the plan knows their values; a candidate is this action's only when its
// registrable form (plan.RegisterInput, provenance tags aside) is want, the registration this action
// sends. A candidate carrying the tags with other content is refused: the action fails, naming it and
// its first differing field, and nothing is registered (neither reused nor duplicated). It returns the
// ARN found ("" when none) and the newest ACTIVE revision number of the family.
func (r *run) findRegistered(ctx context.Context, api ecsAPI, src detect.TaskDefinitionARN, id string, want map[string]any) (string, int, error) {
	revs, err := awsread.ActiveRevisions(ctx, api, src.Family)
	if err != nil {
		return "", 0, err
	}
	newest := 0
	var newer []awsread.Revision // highest first, as listed
	for _, rv := range revs {
		newest = max(newest, rv.Revision)
		if rv.Revision > src.Revision {
			newer = append(newer, rv)
		}
	}
	found := ""
	for _, rv := range newer {
		td, err := awsread.DescribeTaskDefinition(ctx, api, rv.ARN)
		if err != nil {
			return "", 0, err
		}
		if td.Status != ecstypes.TaskDefinitionStatusActive {
			continue
		}
		tags := map[string]string{}
		for _, t := range td.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if tags[TagPlan] != r.short || tags[TagAction] != id {
			continue
		}
		got, err := registrableDoc(plan.RegisterInput(td))
		if err != nil {
			return "", 0, fmt.Errorf("read revision %s: %w", td.ARN(), err)
		}
		if path, same := plan.FirstDifference(want, got, ""); !same {
			return "", 0, fmt.Errorf("revision %s carries this plan's provenance tags (%s=%s, %s=%s) but is not what %s registers: field %s differs; not reused, and nothing registered: find out who registered it, deregister it, then resume",
				td.ARN(), TagPlan, r.short, TagAction, id, id, pathOrWhole(path))
		}
		if found == "" {
			found = td.ARN()
		}
	}
	return found, newest, nil
}

// registrableDoc is the normalised registrable form of a registration (plan.NormalizeTaskDefinition:
// defaults AWS fills in, order that carries no meaning, empty lists), without ecsfix's own tags, as
// decoded JSON: what two registrations are compared by.
func registrableDoc(in *ecs.RegisterTaskDefinitionInput) (map[string]any, error) {
	cp := *in
	cp.Tags = nil
	for _, t := range in.Tags {
		if !strings.HasPrefix(strings.ToLower(aws.ToString(t.Key)), plan.TagPrefix) {
			cp.Tags = append(cp.Tags, t)
		}
	}
	raw, err := awsjson.Marshal(&cp)
	if err != nil {
		return nil, err
	}
	norm, err := plan.NormalizeTaskDefinition(raw)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(norm))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

func pathOrWhole(p string) string {
	if p == "" {
		return "(the whole document)"
	}
	return p
}

// checkDoneRegistrations checks, before anything is written, the revision each registration's done
// record names (the revision the service updates after it deploy on resume): it must be, field by
// field, what the registration sends, its source read now with the plan's edits and the secrets the
// journal's create-secret records name, as findRegistered compares a revision found by its tags. The
// journal's chain is no signature, so a journal written by hand could otherwise name any revision of
// the family (a planted one, privileged, with another image) and have it deployed. A difference refuses
// the apply (ErrJournalMismatch) naming the action, the revision and the field, never a value.
func (r *run) checkDoneRegistrations(ctx context.Context) error {
	for i := range r.p.Actions {
		a := &r.p.Actions[i]
		c := a.RegisterTaskDefinition
		if a.Type != plan.RegisterTaskDefinition || c == nil {
			continue
		}
		var done *Record
		secretArns := map[string]string{}
		r.j.view(func(st *journalState) {
			done = st.done[a.ID]
			for _, ref := range c.SecretRefs {
				if d := st.done[ref.From]; d != nil && d.Result != nil {
					secretArns[ref.From] = d.Result.SecretArn
				}
			}
		})
		if done == nil || done.Result == nil || done.Result.TaskDefinitionArn == "" {
			continue
		}
		named := done.Result.TaskDefinitionArn
		if err := checkDoneResult(a, done); err != nil {
			return err
		}
		refuse := func(format string, args ...any) error {
			return fmt.Errorf("%w: the done record of %s names revision %s, %s; not used, nothing changed: find out who wrote the journal, and apply with a new one",
				ErrJournalMismatch, a.ID, named, fmt.Sprintf(format, args...))
		}
		api := r.cl.ecs(a.Region)
		src, err := r.source(ctx, api, c.SourceArn)
		if err != nil {
			return err
		}
		in, err := c.Input(src, secretArns)
		if err != nil {
			return refuse("and what %s registers cannot be rebuilt from the journal: %v", a.ID, err)
		}
		want, err := registrableDoc(in)
		if err != nil {
			return fmt.Errorf("build the registration of %s from %s: %w", a.ID, c.SourceArn, err)
		}
		td, err := awsread.DescribeTaskDefinition(ctx, api, named)
		if err != nil {
			return err
		}
		got, err := registrableDoc(plan.RegisterInput(td))
		if err != nil {
			return fmt.Errorf("read revision %s: %w", named, err)
		}
		if path, same := plan.FirstDifference(want, got, ""); !same {
			return refuse("which is not what %s registers: field %s differs", a.ID, pathOrWhole(path))
		}
	}
	return nil
}

// resumeRegistration takes the revision an earlier run registered (its done record) as the target of the
// service updates deploying it.
func (r *run) resumeRegistration(a *plan.Action, done *Record, rep *ActionReport) {
	r.setTarget(a.ID, done.Result.TaskDefinitionArn)
}

// dryRunRegistration prints the registration as the plan's After, whose secret-bearing values are
// placeholders.
func (r *run) dryRunRegistration(a *plan.Action) {
	c := a.RegisterTaskDefinition
	r.printf("%s: would call ecs:RegisterTaskDefinition (a new revision of %s from %s, %d edit(s); tags %s=%s, %s=%s added) with:\n%s",
		a.ID, c.Family, c.SourceArn, len(c.Edits), TagPlan, r.short, TagAction, a.ID, indentJSON(c.After))
}

// rollbackRegistration keeps the revision registered (the services are moved back to the old one).
func (r *run) rollbackRegistration(_ context.Context, start, done *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	ar.Status, ar.Detail = StatusSkipped, "registered revisions are kept (ecsfix never deregisters)"
	if done != nil && done.Result != nil {
		ar.TaskDefinitionArn = done.Result.TaskDefinitionArn
	}
	return ar
}
