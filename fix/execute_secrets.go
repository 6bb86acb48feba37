package fix

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// The executors of the actions that a fixed revision depends on (principle 7): the secret its
// secrets[].valueFrom names, the execution role's grant to read it (and to write to its log group), the
// log group; and the opt-in deregistration of the revisions that still hold the plaintext values. Each
// is safe to repeat: what an earlier run made is found again (by the journal, by provenance tags) and
// verified, never made twice.

// ---------------------------------------------------------------------------------------------------
// create-secret

// secretValue reads the values of a create-secret action from its source revisions (read once per run,
// shared with the stale check), checks them against the plan's hashes and returns the secret's string.
// The value, in its plain and JSON-escaped forms, is scrubbed from every message from then on.
func (r *run) secretValue(ctx context.Context, a *plan.Action) (string, error) {
	c := a.CreateSecret
	api := r.cl.ecs(a.Region)
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
	api := r.cl.secrets(a.Region)
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: createSecretRequest(c), After: &StateRecord{SecretName: c.Name}}); err != nil {
			return err
		}
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
		cur, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(c.Name)})
		var nf *smtypes.ResourceNotFoundException
		switch {
		case errors.As(err, &nf):
			r.log.Debug("secret absent: creating it", "action", a.ID, "name", c.Name)
		case err != nil:
			return "", "", fmt.Errorf("describe secret %s: %w", c.Name, err)
		default:
			return r.ownSecret(ctx, api, a, cur, value)
		}
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

func sameSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// requestToken is the idempotency token of a creation: the same plan and action always send the same.
func requestToken(hash, id string) string {
	sum := sha256.Sum256([]byte(hash + "\x00" + id))
	return hex.EncodeToString(sum[:])[:48]
}

// ---------------------------------------------------------------------------------------------------
// put-role-policy

// roleName returns the name of a role from its ARN (arn:aws:iam::123456789012:role/path/NAME).
func roleName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", fmt.Errorf("%q is not an IAM role ARN", arn)
	}
	return awsread.LastSegment(parts[5]), nil
}

// getRolePolicy returns an inline policy's document (URL-decoded), and false when the role has no such
// policy.
func getRolePolicy(ctx context.Context, api iamAPI, role, name string) (string, bool, error) {
	out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name)})
	var nf *iamtypes.NoSuchEntityException
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get policy %s of role %s: %w", name, role, err)
	}
	doc := aws.ToString(out.PolicyDocument)
	if strings.HasPrefix(doc, "%") {
		dec, err := url.PathUnescape(doc)
		if err != nil {
			return "", false, fmt.Errorf("get policy %s of role %s: the document cannot be URL-decoded: %v", name, role, err)
		}
		doc = dec
	}
	return doc, true, nil
}

// samePolicy compares two policy documents as JSON values ("" is no policy).
func samePolicy(a, b string) bool {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

func putRolePolicyRequest(role, name string, stmts []plan.PolicyStatement) string {
	sids := make([]string, len(stmts))
	for i, s := range stmts {
		sids[i] = s.Sid
	}
	return fmt.Sprintf("iam:PutRolePolicy role=%s policyName=%s statements=%s", role, name, strings.Join(sids, ","))
}

// putRolePolicy makes the role's owned inline policy hold the plan's statements, keeping what else it
// holds, then reads it back.
func (r *run) putRolePolicy(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.PutRolePolicy
	name := c.PolicyName
	if name == "" {
		name = plan.OwnedPolicyName
	}
	role, err := roleName(c.Role)
	if err != nil {
		return err
	}
	want, err := c.Resolve(r.secretArns(c))
	if err != nil {
		return err
	}
	api := r.cl.iam(a.Region)
	cur, exists, err := getRolePolicy(ctx, api, role, name)
	if err != nil {
		return err
	}
	merged, changed, err := plan.MergePolicy(cur, want)
	if err != nil {
		return fmt.Errorf("policy %s of role %s: %w", name, role, err)
	}
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: putRolePolicyRequest(c.Role, name, want),
			Before:  &StateRecord{RoleArn: c.Role, PolicyName: name, PolicyExists: aws.Bool(exists), PolicyDocument: cur},
			After:   &StateRecord{RoleArn: c.Role, PolicyName: name, PolicyExists: aws.Bool(true), PolicyDocument: merged}}); err != nil {
			return err
		}
	}
	result := &StateRecord{RoleArn: c.Role, PolicyName: name, PolicyExists: aws.Bool(true), PolicyDocument: merged}
	if !changed {
		r.printf("%s: policy %s of role %s already grants %s: nothing to do", a.ID, name, role, sidList(want))
		return r.finish(a, rep, StatusDone, "already in place", result)
	}
	r.printf("%s: putting policy %s on role %s (statements %s)", a.ID, name, role, sidList(want))
	if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(name),
		PolicyDocument: aws.String(merged)}); err != nil {
		return fmt.Errorf("put policy %s on role %s: %w", name, role, err)
	}
	got, ok, err := getRolePolicy(ctx, api, role, name)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if !ok || !plan.Grants(got, want) {
		return fmt.Errorf("policy %s of role %s does not read back the statements put (%s)", name, role, sidList(want))
	}
	r.printf("%s: verified: policy %s of role %s grants %s", a.ID, name, role, sidList(want))
	r.log.Info("put role policy", "action", a.ID, "role", c.Role, "policy", name)
	r.log.Debug("role policy document", "action", a.ID, "before", cur, "after", merged)
	return r.finish(a, rep, StatusDone, "updated", result)
}

func sidList(stmts []plan.PolicyStatement) string {
	sids := make([]string, len(stmts))
	for i, s := range stmts {
		sids[i] = s.Sid
	}
	return strings.Join(sids, ", ")
}

// ---------------------------------------------------------------------------------------------------
// ensure-log-group

func ensureLogGroupRequest(c *plan.EnsureLogGroupChange) string {
	s := "logs:CreateLogGroup logGroupName=" + c.Name
	if c.KmsKeyID != "" {
		s += " kmsKeyId=" + c.KmsKeyID
	}
	if c.RetentionDays > 0 {
		s += fmt.Sprintf(" retentionInDays=%d", c.RetentionDays)
	}
	return s
}

// ensureLogGroup creates the log group (tagged with the plan) unless it exists, and sets the retention
// of a group it created. An existing group is left as it is, unless it is the one this action created in
// an earlier run (its tags), whose retention is then set.
func (r *run) ensureLogGroup(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.EnsureLogGroup
	api := r.cl.logs(a.Region)
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: ensureLogGroupRequest(c), After: &StateRecord{LogGroup: c.Name, RetentionDays: c.RetentionDays}}); err != nil {
			return err
		}
	}
	in := &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(c.Name), Tags: map[string]string{TagPlan: r.short, TagAction: a.ID}}
	if c.KmsKeyID != "" {
		in.KmsKeyId = aws.String(c.KmsKeyID)
	}
	created := true
	_, err := api.CreateLogGroup(ctx, in)
	var exists *logstypes.ResourceAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		created = false
		if r.isResume(a.ID) {
			// An earlier run may have created it and stopped before setting its retention.
			if created, err = r.logGroupCreatedHere(ctx, api, a); err != nil {
				return err
			}
		}
	case err != nil:
		return fmt.Errorf("create log group %s: %w", c.Name, err)
	}
	result := &StateRecord{LogGroup: c.Name, Created: aws.Bool(created)}
	if !created {
		r.printf("%s: log group %s exists: left as it is", a.ID, c.Name)
		return r.finish(a, rep, StatusDone, "log group exists: left as it is", result)
	}
	r.printf("%s: created log group %s", a.ID, c.Name)
	if c.RetentionDays > 0 {
		if _, err := api.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(c.Name),
			RetentionInDays: aws.Int32(c.RetentionDays)}); err != nil {
			return fmt.Errorf("set the retention of log group %s: %w", c.Name, err)
		}
		result.RetentionDays = c.RetentionDays
		r.printf("%s: set the retention of log group %s to %d days", a.ID, c.Name, c.RetentionDays)
	}
	r.log.Info("created log group", "action", a.ID, "name", c.Name, "retentionDays", c.RetentionDays)
	return r.finish(a, rep, StatusDone, "created", result)
}

// logGroupCreatedHere tells whether the log group carries this plan's and action's provenance tags.
func (r *run) logGroupCreatedHere(ctx context.Context, api logsAPI, a *plan.Action) (bool, error) {
	arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", r.partitionOf(a.Resource), a.Region, r.account, a.EnsureLogGroup.Name)
	out, err := api.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return false, fmt.Errorf("list the tags of log group %s: %w", a.EnsureLogGroup.Name, err)
	}
	return out.Tags[TagPlan] == r.short && out.Tags[TagAction] == a.ID, nil
}

// partitionOf returns the partition of an ARN, else the caller's.
func (r *run) partitionOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	if r.partition != "" {
		return r.partition
	}
	return "aws"
}

// ---------------------------------------------------------------------------------------------------
// deregister-task-definition

// deregister deregisters the revisions, one at a time, each only after checking that no service of the
// plan's state (described again) still runs it.
func (r *run) deregister(ctx context.Context, a *plan.Action, rep *ActionReport) error {
	c := a.DeregisterTaskDefinition
	api := r.cl.ecs(a.Region)
	if r.started(a.ID) == nil {
		if err := r.j.write(Record{Type: RecStarted, Action: a.ID, ActionType: a.Type, Region: a.Region, Resource: a.Resource,
			Request: "ecs:DeregisterTaskDefinition taskDefinitions=" + strings.Join(c.TaskDefinitions, ","),
			Before:  &StateRecord{TaskDefinitions: c.TaskDefinitions}}); err != nil {
			return err
		}
	}
	var done []string
	for _, td := range c.TaskDefinitions {
		users, err := r.servicesRunning(ctx, a.Region, td)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fmt.Errorf("%s is still run by %s: not deregistered (move the service(s) off it first)", td, strings.Join(users, ", "))
		}
		cur, err := awsread.DescribeTaskDefinition(ctx, api, td)
		if err != nil {
			return err
		}
		if cur.Status == ecstypes.TaskDefinitionStatusInactive {
			r.printf("%s: %s is deregistered already", a.ID, td)
			done = append(done, td)
			continue
		}
		r.printf("%s: deregistering %s", a.ID, td)
		if _, err := api.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(td)}); err != nil {
			return fmt.Errorf("deregister %s: %w", td, err)
		}
		if err := r.j.write(Record{Type: RecStep, Action: a.ID, Request: "ecs:DeregisterTaskDefinition taskDefinition=" + td,
			Result: &StateRecord{TaskDefinitionArn: td}}); err != nil {
			return err
		}
		r.log.Info("deregistered task definition", "action", a.ID, "arn", td)
		done = append(done, td)
	}
	return r.finish(a, rep, StatusDone, fmt.Sprintf("deregistered %d revision(s)", len(done)), &StateRecord{TaskDefinitions: done})
}

// servicesRunning describes the services of the plan's state in region and returns those that run td:
// set to it, or still running tasks of an older deployment of it.
func (r *run) servicesRunning(ctx context.Context, region, td string) ([]string, error) {
	clusterOf := map[string]string{}
	for _, a := range r.p.Actions {
		if a.Type == plan.UpdateService && a.UpdateService != nil {
			clusterOf[a.Resource] = a.UpdateService.Cluster
		}
	}
	byCluster := map[string][]string{}
	for _, f := range r.p.State {
		if f.ResourceType != detect.TypeService || r.regionOf(f) != region {
			continue
		}
		cluster := clusterOf[f.Resource]
		if cluster == "" {
			cluster = awsread.ClusterOfServiceARN(f.Resource)
		}
		if cluster == "" {
			return nil, fmt.Errorf("state %s: cannot tell the service's cluster", f.Resource)
		}
		byCluster[cluster] = append(byCluster[cluster], f.Resource)
	}
	clusters := make([]string, 0, len(byCluster))
	for c := range byCluster {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	var users []string
	for _, cluster := range clusters {
		names := byCluster[cluster]
		for start := 0; start < len(names); start += 10 {
			batch := names[start:min(start+10, len(names))]
			got, err := awsread.DescribeServices(ctx, r.cl.ecs(region), cluster, batch)
			if err != nil {
				return nil, err
			}
			for _, name := range batch {
				if svc := got[name]; svc != nil && runs(svc, td) {
					users = append(users, "service "+aws.ToString(svc.ServiceName)+" of cluster "+cluster)
				}
			}
		}
	}
	return users, nil
}

// runs tells whether a service runs td: its task definition, or a deployment still running tasks of it.
// (The primary deployment's revision is the service's; the emulator does not update it.)
func runs(svc *ecstypes.Service, td string) bool {
	if aws.ToString(svc.TaskDefinition) == td {
		return true
	}
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) != "PRIMARY" && aws.ToString(d.TaskDefinition) == td && d.RunningCount+d.PendingCount > 0 {
			return true
		}
	}
	return false
}

// secretArns maps the create-secret actions a put-role-policy names to the secrets they created.
func (r *run) secretArns(c *plan.PutRolePolicyChange) map[string]string {
	out := map[string]string{}
	for _, st := range c.Statements {
		for _, id := range st.ResourcesFrom {
			out[id] = r.target(id)
		}
	}
	return out
}
