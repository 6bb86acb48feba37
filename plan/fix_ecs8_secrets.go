package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// ECS.8 and the plaintext-credentials exposure: environment credentials move to Secrets Manager.
//
// For each container, the variables that move are the three ECS.8 names and every variable that
// detect.ClassifyEnvironment flags (by name or by value). They leave `environment` and become `secrets`
// entries whose valueFrom names a secret created by a create-secret action of the plan: one JSON secret
// per container (PREFIX/<family>/<container>, one key per variable) or, with fix.secrets.per_variable,
// one plain secret per variable (PREFIX/<family>/<container>/<VAR>). The plan holds neither the value nor
// anything derived from it; the applier reads it from the source revision (CreateSecretChange.SecretString). The
// execution role gets secretsmanager:GetSecretValue on exactly those secrets (and kms:Decrypt on a
// configured key) through the inline policy ecsfix owns (put-role-policy).

// DefaultSecretPrefix starts secret names when fix.secrets.prefix is not set.
const DefaultSecretPrefix = "ecsfix"

// Sids of the statements ecsfix puts in the policy it owns.
const (
	SidReadSecrets    = "EcsfixReadSecrets"
	SidDecryptSecrets = "EcsfixDecryptSecrets"
	SidWriteLogs      = "EcsfixWriteLogs"
)

// ecs8Names are the environment names ECS.8 checks.
var ecs8Names = map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "ECS_ENGINE_AUTH_DATA": true}

// secretNeed is one secret a new revision refers to, before the builder names it and gives it an action.
type secretNeed struct {
	// token stands for the secret's valueFrom (and its name, in edits) until the create-secret action has
	// an id.
	token     string
	source    *detect.TaskDefinition
	container string
	variable  string // per-variable secret: its variable; "" for a JSON secret
	json      bool
	values    []SecretValueSource
	// same identifies the values themselves (quoted, in order), to group needs holding the same values;
	// in memory only, never written.
	same     []string
	refs     []secretRefNeed
	kinds    map[string]string // variable -> kind of credential
	controls map[string]bool
	role     string // the execution role that reads it
}

type secretRefNeed struct{ path, key string }

// secretPlaceholder is the valueFrom a secrets entry of After holds until the applier writes the ARN of
// the secret that create-secret action id created.
func secretPlaceholder(id string) string { return "(secret from " + id + ")" }

// SecretValueFrom is the valueFrom of a secrets entry naming a secret: its ARN, with ":KEY::" when the
// secret holds a JSON object.
func SecretValueFrom(secretArn, key string) string {
	if key == "" {
		return secretArn
	}
	return secretArn + ":" + key + "::"
}

// movedVariables lists the environment entries of a container that move to Secrets Manager, in
// environment order, with the kind of credential of each.
func movedVariables(env []ecstypes.KeyValuePair) (idx []int, kinds map[string]string) {
	flagged := map[string]string{}
	for _, c := range detect.ClassifyEnvironment(env) {
		flagged[c.Name] = c.Kind
	}
	kinds = map[string]string{}
	for j, kv := range env {
		n := aws.ToString(kv.Name)
		if kv.Value == nil {
			continue
		}
		kind, ok := flagged[n]
		if !ok && ecs8Names[n] {
			kind, ok = "credential", true
			if k, known := detect.ClassifyEnv(n, "x"); known {
				kind = k
			}
		}
		if ok {
			idx = append(idx, j)
			kinds[n] = kind
		}
	}
	return idx, kinds
}

// execRole is the execution role a fix relies on: the revision's own, or the configured one, which the
// fix adds (apply) once every check of the fix has passed.
type execRole struct {
	arn   string
	added bool // the revision has none: apply sets the configured one
	// logs are the awslogs groups the revision already writes to, which an added role must be allowed to
	// write to (with an execution role, the agent writes the logs with it, not with the instance role).
	logs []*logNeed
	pre  []Precondition
}

// ec2ExecutionRoleNeed is what a fix needing an execution role says when it cannot add one to an EC2 revision.
const ec2ExecutionRoleNeed = "adding an execution role changes how this EC2 task definition's logs and image pulls are authorised: " +
	"give it an execution role with AmazonECSTaskExecutionRolePolicy (or equivalent) yourself, then re-plan"

// executionRole decides the execution role of the input: the one it has, or the configured one when the
// revision may run on Fargate (never added to an EC2-only revision: once a task definition has an
// execution role, the agent uses it instead of the container instance role for awslogs and private ECR
// pulls). need starts the skip reasons ("moving the credentials … needs an execution role to …").
// An added role must be able to pull the revision's private ECR images and write to the log groups it
// already uses; when its known policies say otherwise, the fix is skipped.
func executionRole(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, need string) (execRole, string) {
	if r := aws.ToString(in.ExecutionRoleArn); r != "" {
		return execRole{arn: r}, ""
	}
	if !runsOnFargate(ctx, in) {
		return execRole{}, need + ", and " + ec2ExecutionRoleNeed
	}
	r := roleArnOf(ctx.opts.Secrets.ExecutionRole, ctx.source.ARN())
	if r == "" {
		return execRole{}, need + ": set fix.secrets.execution_role"
	}
	er := execRole{arn: r, added: true}
	role, _ := ctx.inv.Role(r)
	known := role != nil && role.PoliciesKnown
	src := ctx.source.ARN()
	part, region := partitionOf(src), detect.RegionOf(src)

	// private ECR pulls: a templated image names no repository that can be checked
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		if skip := placeholderRefusal("the image of container "+containerLabel(c, i), aws.ToString(c.Image),
			"to decide whether the configured execution role "+detect.ShortARN(r)+" (fix.secrets.execution_role, added to the revision) must pull it from ECR"); skip != "" {
			return execRole{}, need + "; " + skip
		}
	}
	repos := ecrRepositories(in, part)
	ecrActions := "ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer"
	check := fmt.Sprintf("execution role %s (fix.secrets.execution_role, added to the revision) may pull its images from ECR (%s)", detect.ShortARN(r), ecrActions)
	switch {
	case len(repos) == 0:
		er.pre = append(er.pre, Precondition{Check: check, Result: "no image of the revision is in a private ECR repository: none needed"})
	case !known:
		er.pre = append(er.pre, Precondition{Check: check, Result: "not known when planning (the inventory does not hold the role's policies): the role must allow " + ecrActions + " on " + strings.Join(repos, ", ") + ", as AmazonECSTaskExecutionRolePolicy does, or the tasks cannot pull their images"})
	default:
		var lacks []string
		var by []string
		if ok, b := roleAllows(role, []string{"ecr:GetAuthorizationToken"}, "*"); ok {
			by = append(by, b)
		} else {
			lacks = append(lacks, "ecr:GetAuthorizationToken on *")
		}
		for _, repo := range repos {
			if ok, b := roleAllows(role, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, repo); ok {
				by = append(by, b)
			} else {
				lacks = append(lacks, "ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on "+repo)
			}
		}
		if len(lacks) > 0 {
			return execRole{}, fmt.Sprintf("%s; the configured execution role %s would also pull the revision's private ECR images, but its policies do not allow %s: attach AmazonECSTaskExecutionRolePolicy (or equivalent) to it, then re-plan",
				need, detect.ShortARN(r), strings.Join(lacks, "; "))
		}
		er.pre = append(er.pre, Precondition{Check: check, Result: "allowed by " + strings.Join(dedup(by), ", ")})
	}

	// the log groups the revision already writes to
	seen := map[string]bool{}
	for i := range in.ContainerDefinitions {
		lc := in.ContainerDefinitions[i].LogConfiguration
		if lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs {
			continue
		}
		g := lc.Options["awslogs-group"]
		if g == "" {
			continue
		}
		gr := lc.Options["awslogs-region"]
		if gr == "" {
			gr = region
		}
		use := "in a grant to the configured execution role " + detect.ShortARN(r) + ", which would also write this container's logs"
		if skip := placeholderRefusal("the awslogs-group of container "+containerLabel(&in.ContainerDefinitions[i], i), g, use); skip != "" {
			return execRole{}, need + "; " + skip
		}
		if skip := placeholderRefusal("the awslogs-region of container "+containerLabel(&in.ContainerDefinitions[i], i), gr, use); skip != "" {
			return execRole{}, need + "; " + skip
		}
		// The group and region become a grant on arn:…:log-group:NAME:*: never one with a wildcard.
		if err := CheckLogGroupName(g); err != nil {
			return execRole{}, fmt.Sprintf("%s; the configured execution role %s would also write the logs of container %s, but its awslogs-group is invalid: %v", need, detect.ShortARN(r), containerLabel(&in.ContainerDefinitions[i], i), err)
		}
		if err := CheckRegionName(gr); err != nil {
			return execRole{}, fmt.Sprintf("%s; the configured execution role %s would also write the logs of container %s, but its awslogs-region is invalid: %v", need, detect.ShortARN(r), containerLabel(&in.ContainerDefinitions[i], i), err)
		}
		if strings.EqualFold(lc.Options["awslogs-create-group"], "true") {
			c := fmt.Sprintf("execution role %s may create log group %s (awslogs-create-group of container %s)", detect.ShortARN(r), g, containerLabel(&in.ContainerDefinitions[i], i))
			if !known {
				er.pre = append(er.pre, Precondition{Check: c, Result: "not known when planning: the role must allow logs:CreateLogGroup, or the container cannot start"})
			} else if ok, b := roleAllows(role, []string{"logs:CreateLogGroup"}, logGroupArn(part, gr, detect.AccountOf(src), g)+":*"); ok {
				er.pre = append(er.pre, Precondition{Check: c, Result: "allowed by " + b})
			} else {
				return execRole{}, fmt.Sprintf("%s; the configured execution role %s would also create log group %s (awslogs-create-group), but its policies do not allow logs:CreateLogGroup on it: grant it, or remove awslogs-create-group, then re-plan",
					need, detect.ShortARN(r), g)
			}
		}
		if seen[gr+"\x00"+g] {
			continue
		}
		seen[gr+"\x00"+g] = true
		er.logs = append(er.logs, &logNeed{group: g, region: gr, role: r, existing: true})
	}
	for _, n := range er.logs {
		if d := logsDenial(role, part, n.region, detect.AccountOf(src), n.group); d != "" {
			return execRole{}, fmt.Sprintf("%s; the configured execution role %s would also write the logs of log group %s, but %s denies it: change that statement, then re-plan", need, detect.ShortARN(r), n.group, d)
		}
	}
	return er, ""
}

// apply sets an added execution role on the input, and returns its edit.
func (er execRole) apply(in *ecs.RegisterTaskDefinitionInput, control, why string) []Edit {
	if !er.added {
		return nil
	}
	in.ExecutionRoleArn = aws.String(er.arn)
	change := "set executionRoleArn to " + er.arn + " (fix.secrets.execution_role; the revision had none): " + why
	if len(er.logs) > 0 {
		var gs []string
		for _, n := range er.logs {
			gs = append(gs, n.group)
		}
		change += "; it also writes the logs of " + strings.Join(gs, ", ") + " from now on"
	}
	return []Edit{{Control: control, Path: "executionRoleArn", Change: change}}
}

// ecrImage matches a private ECR image: account, region, repository.
var ecrImage = regexp.MustCompile(`^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)`)

// ecrRepositories lists the ARNs of the private ECR repositories the input's images come from, sorted.
func ecrRepositories(in *ecs.RegisterTaskDefinitionInput, partition string) []string {
	seen := map[string]bool{}
	for _, c := range in.ContainerDefinitions {
		if m := ecrImage.FindStringSubmatch(aws.ToString(c.Image)); m != nil {
			seen["arn:"+partition+":ecr:"+m[2]+":"+m[1]+":repository/"+m[3]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// logsDenial names the statement of a role's known policies denying writing to a log group ("" when none).
func logsDenial(role *detect.Role, partition, region, account, group string) string {
	res := logGroupArn(partition, region, account, group) + ":log-stream:ecsfix-check"
	for _, a := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
		if d := roleDenial(role, a, res); d != "" {
			return d + " (" + a + ")"
		}
	}
	return ""
}

// roleArnOf is a role's ARN from an ARN or a role name, in the account and partition of a task definition.
func roleArnOf(role, tdArn string) string {
	if role == "" || strings.HasPrefix(role, "arn:") {
		return role
	}
	a, err := detect.ParseTaskDefinitionARN(tdArn)
	if err != nil {
		return role
	}
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", a.Partition, a.Account, strings.TrimPrefix(role, "/"))
}

// roleGrantRefusal is the Skip reason of a fix that would grant the execution role role (a name or an
// ARN, as the revision or the configuration gives it) what when that role, as the grant would name it
// (roleArnOf), is not an IAM role's ARN (checkRoleArn): a value a template has not filled in, or a typo.
// The revision would need the grant to start its tasks, so neither is planned; "" when it is one.
func roleGrantRefusal(role, tdArn, what string) string {
	err := checkRoleArn(roleArnOf(role, tdArn))
	if err == nil {
		return ""
	}
	return fmt.Sprintf("the execution role %s: the fix would grant it %s, and the new revision could not start its tasks without that grant: "+
		"render the template first (plan from the task definition AWS registers), or make the change by hand and grant the role yourself", err, what)
}

// fixSecrets moves a revision's environment credentials to Secrets Manager (ECS.8, plaintext credentials).
func fixSecrets(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput) fixOutcome {
	type moving struct {
		i     int
		idx   []int
		kinds map[string]string
	}
	var todo []moving
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		idx, kinds := movedVariables(c.Environment)
		if len(idx) == 0 {
			continue
		}
		seen := map[string]bool{}
		for _, j := range idx {
			n := aws.ToString(c.Environment[j].Name)
			if seen[n] {
				return fixOutcome{Skip: fmt.Sprintf("container %s has the environment variable %s twice: remove one, then the credentials can move to Secrets Manager", containerLabel(c, i), n)}
			}
			seen[n] = true
		}
		for _, s := range c.Secrets {
			if seen[aws.ToString(s.Name)] {
				return fixOutcome{Skip: fmt.Sprintf("container %s has %s both in environment and in secrets: remove the environment entry", containerLabel(c, i), aws.ToString(s.Name))}
			}
		}
		todo = append(todo, moving{i: i, idx: idx, kinds: kinds})
	}
	if len(todo) == 0 {
		return fixOutcome{}
	}
	// Nothing templated goes into a secret, its name, or a grant.
	var containers []int
	for _, m := range todo {
		c := &in.ContainerDefinitions[m.i]
		for _, j := range m.idx {
			kv := c.Environment[j]
			field := "environment variable " + aws.ToString(kv.Name) + " of container " + containerLabel(c, m.i)
			if r := placeholderRefusal("the name of "+field, aws.ToString(kv.Name), "as a key of the secret"); r != "" {
				return fixOutcome{Skip: r}
			}
			if r := secretPlaceholderRefusal("the value of "+field, aws.ToString(kv.Value),
				"store the placeholder in Secrets Manager instead of the credential: put the credential in Secrets Manager yourself and name it in the container's secrets (valueFrom)"); r != "" {
				return fixOutcome{Skip: r}
			}
		}
		containers = append(containers, m.i)
	}
	if r := namesRefusal(in, containers, "in the name of the secret (fix.secrets.name_prefix/<family>/<container>)"); r != "" {
		return fixOutcome{Skip: r}
	}
	if r := executionRoleRefusal(in, "as the role granted secretsmanager:GetSecretValue on the new secrets"); r != "" {
		return fixOutcome{Skip: r}
	}
	var out fixOutcome
	if k := ctx.opts.Secrets.KmsKeyID; isKMSAlias(k) {
		return fixOutcome{Skip: "fix.secrets.kms_key_id must be a key id or key ARN, not an alias: IAM evaluates kms:Decrypt against the key's ARN, so a grant on " + k + " would not let the execution role decrypt the secrets"}
	}
	er, skip := executionRole(ctx, in, "moving the credentials to Secrets Manager needs an execution role to read secrets")
	if skip != "" {
		return fixOutcome{Skip: skip}
	}
	role := er.arn
	src := ctx.source.ARN()
	if r := roleGrantRefusal(role, src, "secretsmanager:GetSecretValue on the new secrets"); r != "" {
		return fixOutcome{Skip: r}
	}
	perVar := ctx.opts.Secrets.PerVariable
	var names []string
	for _, m := range todo {
		c := &in.ContainerDefinitions[m.i]
		base := secretNamePrefix(ctx.opts) + "/" + aws.ToString(in.Family) + "/" + aws.ToString(c.Name)
		if !perVar {
			names = append(names, base)
			continue
		}
		for _, j := range m.idx {
			names = append(names, base+"/"+aws.ToString(c.Environment[j].Name))
		}
	}
	// Each name becomes a CreateSecret call and, through its ARN, a grant: a family, container or variable
	// name AWS would not allow there (a wildcard, a ".." segment) leaves the fix undone.
	for _, n := range names {
		if err := CheckSecretName(n); err != nil {
			return fixOutcome{Skip: fmt.Sprintf("no valid secret name for these credentials (fix.secrets.name_prefix/<family>/<container>[/<variable>]): %v", err)}
		}
	}
	if d := secretsDenial(ctx, role, names); d != "" {
		return fixOutcome{Skip: d}
	}
	out.Edits = append(out.Edits, er.apply(in, detect.ECS8ID, "it reads the secrets when a task starts")...)
	out.Preconditions = append(out.Preconditions, er.pre...)
	out.LogGroups = append(out.LogGroups, er.logs...)
	out.Moved = map[string]string{}
	var rotate []string
	for _, m := range todo {
		c := &in.ContainerDefinitions[m.i]
		label := containerLabel(c, m.i)
		move := map[int]bool{}
		for _, j := range m.idx {
			move[j] = true
		}
		var jsonNeed *secretNeed
		if !perVar {
			jsonNeed = &secretNeed{
				token:  "(pending secret " + src + "#" + strconv.Itoa(m.i) + ")",
				source: ctx.source, container: aws.ToString(c.Name), json: true, kinds: map[string]string{}, role: role,
			}
			out.Secrets = append(out.Secrets, jsonNeed)
		}
		var kept []ecstypes.KeyValuePair
		envPath := func(j int) string { // containerDefinitions[I].environment[J].value
			return "containerDefinitions[" + strconv.Itoa(m.i) + "].environment[" + strconv.Itoa(j) + "].value"
		}
		for j, kv := range c.Environment {
			if !move[j] {
				if kv.Value != nil {
					out.Moved[envPath(len(kept))] = envPath(j)
				}
				kept = append(kept, kv)
				continue
			}
			n := aws.ToString(kv.Name)
			need := jsonNeed
			if perVar {
				need = &secretNeed{
					token:  "(pending secret " + src + "#" + strconv.Itoa(m.i) + "/" + n + ")",
					source: ctx.source, container: aws.ToString(c.Name), variable: n, kinds: map[string]string{}, role: role,
				}
				out.Secrets = append(out.Secrets, need)
			}
			need.values = append(need.values, SecretValueSource{
				Key: n, SourceArn: src,
				SourcePath: envPath(j),
			})
			need.same = append(need.same, strconv.Quote(n)+"="+strconv.Quote(aws.ToString(kv.Value)))
			need.kinds[n] = m.kinds[n]
			key := ""
			if need.json {
				key = n
			}
			need.refs = append(need.refs, secretRefNeed{path: "containerDefinitions[" + strconv.Itoa(m.i) + "].secrets[" + strconv.Itoa(len(c.Secrets)) + "].valueFrom", key: key})
			c.Secrets = append(c.Secrets, ecstypes.Secret{Name: aws.String(n), ValueFrom: aws.String(need.token)})
			what := "the secret " + need.token
			if key != "" {
				what += ", key " + key
			}
			out.Edits = append(out.Edits, Edit{
				Control: detect.ECS8ID, Path: "containerDefinitions[" + label + "].environment[" + n + "]",
				Change: "move the plaintext " + m.kinds[n] + " to Secrets Manager: the environment entry becomes a secrets entry reading " + what,
			})
			if isAWSKey(n, m.kinds[n]) {
				rotate = append(rotate, n)
			}
		}
		if len(kept) == 0 {
			kept = nil
		}
		c.Environment = kept
	}
	out.Notes = append(out.Notes, "the new revision's containers read the moved variables from Secrets Manager when a task starts (the execution role "+role+" gets secretsmanager:GetSecretValue on exactly those secrets)")
	if perVar {
		out.Notes = append(out.Notes, "one secret per variable (fix.secrets.per_variable): each secrets entry's valueFrom is the bare ARN of its secret")
	} else {
		out.Notes = append(out.Notes, "one JSON secret per container: each secrets entry's valueFrom is the secret's ARN followed by :KEY:: (KEY the variable's name, a key of the JSON object)")
	}
	if len(rotate) > 0 {
		sort.Strings(rotate)
		out.Notes = append(out.Notes, fmt.Sprintf("%s held an AWS access key in plain text in %s, readable by anyone who may describe task definitions: rotate the key (create a new one, put it in the secret, deactivate the old one)",
			strings.Join(dedup(rotate), ", "), detect.ShortARN(src)))
	}
	return out
}

// isAWSKey reports a variable that held an AWS access key (id or secret).
func isAWSKey(name, kind string) bool {
	return name == "AWS_ACCESS_KEY_ID" || name == "AWS_SECRET_ACCESS_KEY" || kind == detect.KindAWSAccessKeyID || kind == detect.KindAWSSecretKey
}

// envValuePath is the path of the value of a container's environment entry.
var envValuePath = regexp.MustCompile(`^containerDefinitions\[\d+\]\.environment\[\d+\]\.value$`)

// SecretString is the secret's content, for the applier: each value read from the source revision it
// comes from (sources, by ARN: the revision the plan names; revisions are immutable, so the ARN
// identifies the values) at its SourcePath, an environment entry whose variable is the value's Key; a
// JSON object (keys sorted) when JSON, the one value otherwise. Errors name the key and the path, never
// a value.
func (c *CreateSecretChange) SecretString(sources map[string]*detect.TaskDefinition) (string, error) {
	if len(c.Values) == 0 {
		return "", fmt.Errorf("secret %s: no values", c.Name)
	}
	if !c.JSON && len(c.Values) != 1 {
		return "", fmt.Errorf("secret %s: a plain-text secret holds one value, the plan lists %d", c.Name, len(c.Values))
	}
	obj := map[string]string{}
	var plain string
	for _, v := range c.Values {
		src := sources[v.SourceArn]
		if src == nil {
			return "", fmt.Errorf("secret %s: key %s: source revision %s was not given", c.Name, v.Key, v.SourceArn)
		}
		if err := checkSource(v.SourceArn, src); err != nil {
			return "", fmt.Errorf("secret %s: key %s: %w", c.Name, v.Key, err)
		}
		root := reflect.ValueOf(RegisterInput(src)).Elem()
		entry, isEnv := strings.CutSuffix(v.SourcePath, ".value")
		if !isEnv || !envValuePath.MatchString(v.SourcePath) {
			return "", fmt.Errorf("secret %s: key %s: source path %s is not the value of an environment entry", c.Name, v.Key, v.SourcePath)
		}
		if name, err := getPath(root, entry+".name"); err != nil || name != v.Key {
			return "", fmt.Errorf("secret %s: key %s: the environment entry at %s in source revision %s is not the variable %s", c.Name, v.Key, entry, v.SourceArn, v.Key)
		}
		got, err := getPath(root, v.SourcePath)
		if err != nil {
			return "", fmt.Errorf("secret %s: key %s: source revision %s has no value at %s", c.Name, v.Key, v.SourceArn, v.SourcePath)
		}
		if _, dup := obj[v.Key]; dup {
			return "", fmt.Errorf("secret %s: key %s is listed twice", c.Name, v.Key)
		}
		obj[v.Key] = got
		plain = got
	}
	if !c.JSON {
		return plain, nil
	}
	b, err := json.Marshal(obj) // encoding/json sorts map keys
	if err != nil {
		return "", fmt.Errorf("secret %s: %v", c.Name, err)
	}
	return string(b), nil
}

// secretArn is the ARN of a secret without the random suffix AWS adds (what a create-secret action's
// Resource names).
func secretArn(partition, region, account, name string) string {
	return "arn:" + partition + ":secretsmanager:" + region + ":" + account + ":secret:" + name
}

// partitionOf is the partition field of an ARN ("aws" when it has none).
func partitionOf(arn string) string {
	// the field between the first and the second colon of an ARN (arn:PARTITION:…)
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return "aws"
	}
	partition, _, ok := strings.Cut(rest, ":")
	if !ok || partition == "" {
		return "aws"
	}
	return partition
}

// isKMSAlias reports a KMS key reference that is an alias (alias/NAME or an alias ARN).
func isKMSAlias(k string) bool {
	return strings.HasPrefix(k, "alias/") || strings.Contains(k, ":alias/")
}

// secretNamePrefix is the configured prefix of secret names, without a trailing slash.
func secretNamePrefix(o Options) string {
	if p := strings.TrimSuffix(o.Secrets.NamePrefix, "/"); p != "" {
		return p
	}
	return DefaultSecretPrefix
}

// secretsDenial is the skip reason when the execution role's known policies deny reading the planned
// secrets (by name, with any suffix) or decrypting them with the configured key: the grant ecsfix adds
// could not work.
func secretsDenial(ctx *revisionContext, role string, names []string) string {
	r, _ := ctx.inv.Role(role)
	if r == nil || !r.PoliciesKnown {
		return ""
	}
	src := ctx.source.ARN()
	part, region, account := partitionOf(src), detect.RegionOf(src), detect.AccountOf(src)
	for _, n := range names {
		res := secretArn(part, region, account, n) + "-AbCdEf"
		if d := roleDenial(r, "secretsmanager:GetSecretValue", res); d != "" {
			return fmt.Sprintf("the execution role %s may not read the secret %s: %s denies secretsmanager:GetSecretValue on it, so the grant ecsfix would add cannot work: change that statement, then re-plan", detect.ShortARN(role), n, d)
		}
	}
	if k := ctx.opts.Secrets.KmsKeyID; k != "" {
		key := kmsKeyArn(k, partitionOf(role), region, account)
		if d := roleDenial(r, "kms:Decrypt", key); d != "" {
			return fmt.Sprintf("the execution role %s may not decrypt the secrets: %s denies kms:Decrypt on %s, so the grant ecsfix would add cannot work: change that statement, then re-plan", detect.ShortARN(role), d, key)
		}
	}
	return ""
}
