package fix

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// The executor of create-secret: the secret a fixed revision's secrets[].valueFrom names, holding the
// values read from the source revisions the plan names (immutable, by ARN), verified by reading it
// back. Values are compared only with each other, in constant time: no digest of a value is kept. It is safe to repeat: a secret an earlier run (or an earlier plan, for the same family and
// container) created is found again and verified, never made twice; any other secret of the name is never
// touched. Rollback keeps it.

// secretValue reads the values of a create-secret action from its source revisions (read once per run,
// shared with the stale check), each from the variable the plan names, and returns the secret's string.
// The value, in its plain and JSON-escaped forms, is scrubbed from every message from then on.
func (r *run) secretValue(ctx context.Context, a *plan.Action) (string, error) {
	c := a.CreateSecret
	api := r.cl.in(a.Account).ecs(a.Region)
	sources := map[string]*detect.TaskDefinition{}
	for _, v := range c.Values {
		if sources[v.SourceArn] != nil {
			continue
		}
		td, err := r.source(ctx, api, v.SourceArn)
		if err != nil {
			return "", err
		}
		sources[v.SourceArn] = td
	}
	value, err := c.SecretString(sources)
	if err != nil {
		return "", fmt.Errorf("the value of secret %s: %w", c.Name, err)
	}
	r.learnValue(value)
	return value, nil
}

// learnValue adds a value (and its JSON-escaped form, as an error quoting a request would show it) to
// the values scrubbed from every message.
func (r *run) learnValue(v string) {
	if len(v) < 4 {
		return
	}
	vals := []string{v}
	if b, err := json.Marshal(v); err == nil {
		if esc := string(b[1 : len(b)-1]); esc != v {
			vals = append(vals, esc)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, vals...)
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// secretSources names where a secret's values come from, for messages: "N keys, from ARN[, ARN]".
func secretSources(c *plan.CreateSecretChange) string {
	var srcs []string
	seen := map[string]bool{}
	for _, v := range c.Values {
		if !seen[v.SourceArn] {
			seen[v.SourceArn] = true
			srcs = append(srcs, v.SourceArn)
		}
	}
	n := fmt.Sprintf("%d keys", len(c.Values))
	if !c.JSON {
		n = "1 value"
	}
	return n + ", from " + strings.Join(srcs, ", ")
}

// secretTags are the plan's tags on a secret plus the provenance tags.
func secretTags(c *plan.CreateSecretChange, short, id string) map[string]string {
	tags := map[string]string{}
	for k, v := range c.Tags {
		tags[k] = v
	}
	tags[TagPlan] = short
	tags[TagAction] = id
	return tags
}

func createSecretRequest(c *plan.CreateSecretChange) string {
	s := "secretsmanager:CreateSecret name=" + c.Name
	if c.KmsKeyID != "" {
		s += " kmsKeyId=" + c.KmsKeyID
	}
	return s + " secretString=(" + secretSources(c) + ")"
}

// createSecret creates the secret, or reuses the one of the planned name that ecsfix created for the
// same family and container holding exactly the intended value (this plan's, in an earlier run; or an
// earlier plan's, rolled back or superseded: the planner gives a family's container the same name every
// time). Any other secret of that name is never touched: the action fails. Either way the secret must
// read back the intended value before the action is done.
func (r *run) createSecret(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.CreateSecret
	value, err := r.secretValue(ctx, a)
	if err != nil {
		return err
	}
	api := r.cl.in(a.Account).secrets(a.Region)
	if err := r.journalStarted(a, createSecretRequest(c), nil, &StateRecord{SecretName: c.Name}); err != nil {
		return err
	}
	arn, origin, err := r.findOrCreateSecret(ctx, api, a, value)
	if err != nil {
		return err
	}
	reused := origin != ""
	// Verify: the secret reads back the intended value (compared, never printed).
	got, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("read back secret %s: %w", c.Name, err)
	}
	if !sameSecret(aws.ToString(got.SecretString), value) {
		return fmt.Errorf("secret %s (%s) does not read back the intended value", c.Name, arn)
	}
	r.setTarget(a.ID, arn)
	rep.SecretArn = arn
	detail := "created " + arn
	if reused {
		detail = "reused " + arn + ", " + origin
		r.printf("%s: found secret %s (%s), %s, holding the intended value: reused", a.ID, c.Name, arn, origin)
	} else {
		r.printf("%s: created secret %s (%s)", a.ID, c.Name, arn)
	}
	r.printf("%s: verified: secret %s reads back the intended value", a.ID, c.Name)
	r.log.Info("secret ready", "action", a.ID, "name", c.Name, "arn", arn, "reused", reused)
	return r.finish(a, rep, StatusDone, detail, &StateRecord{SecretName: c.Name, SecretArn: arn, Reused: reused})
}

// findOrCreateSecret returns the ARN of the secret named c.Name: created now (origin ""), or an existing
// one that ownSecret accepts (origin says who created it).
func (r *run) findOrCreateSecret(ctx context.Context, api secretsAPI, a *plan.Action, value string) (arn, origin string, err error) {
	c := a.CreateSecret
	for attempt := 0; attempt < 2; attempt++ {
		var cur *secretsmanager.DescribeSecretOutput
		describe := func() (bool, error) {
			out, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(c.Name)})
			var nf *smtypes.ResourceNotFoundException
			switch {
			case errors.As(err, &nf):
				return false, nil
			case err != nil:
				return false, fmt.Errorf("describe secret %s: %w", c.Name, err)
			}
			cur = out
			return true, nil
		}
		var found bool
		var err error
		if attempt == 0 {
			// An earlier run's creation may not be visible yet: looked for over the resume window.
			found, err = r.lookAgain(ctx, a, "secret "+c.Name, describe)
		} else {
			found, err = describe()
		}
		if err != nil {
			return "", "", err
		}
		if found {
			return r.ownSecret(ctx, api, a, cur, value)
		}
		r.log.Debug("secret absent: creating it", "action", a.ID, "name", c.Name)
		in := &secretsmanager.CreateSecretInput{Name: aws.String(c.Name), SecretString: aws.String(value),
			ClientRequestToken: aws.String(requestToken(r.hash, a.ID))}
		if c.KmsKeyID != "" {
			in.KmsKeyId = aws.String(c.KmsKeyID)
		}
		tags := secretTags(c, r.short, a.ID)
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		r.printf("%s: creating secret %s (%s)", a.ID, c.Name, secretSources(c))
		out, err := api.CreateSecret(ctx, in)
		var exists *smtypes.ResourceExistsException
		if errors.As(err, &exists) && attempt == 0 {
			continue // created since it was described: look at it again
		}
		if err != nil {
			return "", "", fmt.Errorf("create secret %s: %w", c.Name, err)
		}
		if aws.ToString(out.ARN) == "" {
			return "", "", fmt.Errorf("create secret %s: the response holds no ARN", c.Name)
		}
		return aws.ToString(out.ARN), "", nil
	}
	return "", "", fmt.Errorf("create secret %s: it exists but cannot be described", c.Name)
}

// Provenance tags the planner puts on a secret (plan.CreateSecretChange.Tags).
const (
	tagSource    = plan.TagPrefix + "source"
	tagContainer = plan.TagPrefix + "container"
)

// secretOrigin is what a create-secret action's secret is for: the source revision its values come from
// (the plan's ecsfix:source tag, else the values' source), its family and its container.
func secretOrigin(c *plan.CreateSecretChange) (source, family, container string) {
	source, container = c.Tags[tagSource], c.Tags[tagContainer]
	if source == "" && len(c.Values) > 0 {
		source = c.Values[0].SourceArn
	}
	family = source
	if p, err := detect.ParseTaskDefinitionARN(source); err == nil {
		family = p.Family
	}
	return source, family, container
}

// ownSecret decides whether an existing secret of the planned name may be reused. It may when
//   - this plan's action created it (its ecsfix:plan and ecsfix:action tags): a resumed apply; or
//   - ecsfix created it (it carries an ecsfix:plan tag) for the same container (ecsfix:container) and the
//     same source revision (ecsfix:source) or another revision of the same family: an earlier plan, rolled
//     back or superseded, since the planner gives a family's container the same secret name every time;
//
// and, either way, it holds exactly value (compared, never printed). Anything else is an error and the
// secret is not touched. origin says who created it.
func (r *run) ownSecret(ctx context.Context, api secretsAPI, a *plan.Action, cur *secretsmanager.DescribeSecretOutput, value string) (arn, origin string, err error) {
	c := a.CreateSecret
	arn = aws.ToString(cur.ARN)
	tags := map[string]string{}
	for _, t := range cur.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	source, family, container := secretOrigin(c)
	refuse := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("a secret named %s exists (%s) and was not created by ecsfix for family %s container %s with these values (%s): ecsfix never overwrites a secret it did not create for them; delete or rename it, or set fix.secrets.name_prefix, and plan again",
			c.Name, arn, family, container, why)
	}
	thisPlan := tags[TagPlan] == r.short && tags[TagAction] == a.ID
	switch {
	case thisPlan:
		origin = "created by this plan earlier"
	case tags[TagPlan] == "":
		return refuse("it carries no " + TagPlan + " tag")
	case container == "" || tags[tagContainer] != container:
		return refuse(fmt.Sprintf("its %s tag is %q", tagContainer, tags[tagContainer]))
	case tags[tagSource] != source && (detect.FamilyKey(tags[tagSource]) == "" || detect.FamilyKey(tags[tagSource]) != detect.FamilyKey(source)):
		return refuse(fmt.Sprintf("its %s tag is %q, not a revision of family %s", tagSource, tags[tagSource], family))
	default:
		origin = fmt.Sprintf("created by ecsfix earlier (plan %s, action %s, from %s)", tags[TagPlan], tags[TagAction], tags[tagSource])
	}
	if err := sameSecretFields(c, cur, tags, thisPlan, r.short, a.ID); err != nil {
		return refuse(err.Error())
	}
	if cur.DeletedDate != nil {
		return "", "", fmt.Errorf("secret %s (%s), %s, is scheduled for deletion: restore it (secretsmanager RestoreSecret), or delete it for good, before applying again", c.Name, arn, origin)
	}
	got, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", "", fmt.Errorf("read secret %s (%s), %s: %w", c.Name, arn, origin, err)
	}
	if !sameSecret(aws.ToString(got.SecretString), value) {
		if thisPlan {
			return "", "", fmt.Errorf("secret %s (%s) was created by this plan but no longer holds the value read from the source revision: not overwritten; check who changed it", c.Name, arn)
		}
		return refuse("it holds other values")
	}
	return arn, origin, nil
}

// sameSecretFields checks that an existing secret is, apart from its value (compared by the caller),
// what this action creates: the planned name, the planned KMS key (the account's default key when the
// plan names none), and exactly the planned tags (aws: tags aside). A secret an earlier plan created
// (thisPlan false) carries that plan's provenance: its ecsfix:plan, ecsfix:action and ecsfix:source
// values are not compared here (ownSecret checks the source's family).
func sameSecretFields(c *plan.CreateSecretChange, cur *secretsmanager.DescribeSecretOutput, tags map[string]string, thisPlan bool, short, id string) error {
	if n := aws.ToString(cur.Name); n != c.Name {
		return fmt.Errorf("its name is %q", n)
	}
	if k := aws.ToString(cur.KmsKeyId); !sameKmsKey(c.KmsKeyID, k) {
		return fmt.Errorf("its KMS key is %q, the plan's %q", k, c.KmsKeyID)
	}
	want := secretTags(c, short, id)
	skip := func(k string) bool {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return true
		}
		return !thisPlan && (k == TagPlan || k == TagAction || k == tagSource)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !skip(k) && tags[k] != want[k] {
			return fmt.Errorf("its tag %s is %q, the plan's %q", k, tags[k], want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if _, ok := want[k]; !ok && !skip(k) {
			return fmt.Errorf("it carries tag %s, which the plan does not set", k)
		}
	}
	return nil
}

// sameKmsKey tells whether the key a secret reports (DescribeSecret's KmsKeyId: empty or the AWS
// managed key's alias for the default, else the id, alias or ARN the creation named) is the plan's.
func sameKmsKey(planned, got string) bool {
	if planned == "" {
		return got == "" || got == "alias/aws/secretsmanager" || strings.HasSuffix(got, ":alias/aws/secretsmanager")
	}
	switch {
	case got == planned:
		return true
	case strings.HasPrefix(planned, "arn:"):
		return false
	case strings.HasPrefix(planned, "alias/"):
		return strings.HasSuffix(got, ":"+planned)
	}
	return strings.HasSuffix(got, ":key/"+planned)
}

func sameSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// requestToken is the idempotency token of a creation (Secrets Manager's ClientRequestToken, which
// becomes the secret's first version id, readable by anyone who may describe the secret): the same plan
// and action always send the same, so a creation repeated after a crash (a resumed apply, a retry) is
// recognised as the same request. It is derived from non-secret data only: the plan's content hash,
// which no longer covers anything derived from a secret value (format version 2), and the action's id.
func requestToken(hash, id string) string {
	sum := sha256.Sum256([]byte(hash + "\x00" + id))
	return hex.EncodeToString(sum[:])[:48]
}

// resumeSecret takes the secret an earlier run created (its done record) as the target of the
// registrations and grants naming it.
func (r *run) resumeSecret(a *plan.Action, done *Record, rep *ActionReport) {
	r.setTarget(a.ID, done.Result.SecretArn)
	rep.SecretArn = done.Result.SecretArn
}

// dryRunSecret prints the CreateSecret call; the value is never printed, not even in a dry run: only how
// many keys, and where from.
func (r *run) dryRunSecret(a *plan.Action) {
	c := a.CreateSecret
	params := map[string]any{"name": c.Name, "tags": secretTags(c, r.short, a.ID)}
	if c.KmsKeyID != "" {
		params["kmsKeyId"] = c.KmsKeyID
	}
	b, _ := json.Marshal(params)
	r.printf("%s: would call secretsmanager:CreateSecret %s SecretString: (%s) (unless this plan created it earlier), then read it back", a.ID, b, secretSources(c))
}

// rollbackSecret keeps the secret: ecsfix never deletes one.
func (r *run) rollbackSecret(_ context.Context, start, done *Record) ActionReport {
	ar := ActionReport{ID: start.Action, Type: start.ActionType, Resource: start.Resource}
	ar.Status, ar.Detail = StatusSkipped, "kept: ecsfix never deletes a secret (the previous revisions do not use it; delete it once nothing does)"
	if done != nil && done.Result != nil {
		ar.SecretArn = done.Result.SecretArn
	}
	r.printf("%s: secret kept", start.Action)
	return ar
}
