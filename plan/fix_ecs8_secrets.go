package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
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
// one plain secret per variable (PREFIX/<family>/<container>/<VAR>). The plan holds each value's SHA-256,
// never the value; the applier reads it from the source revision (CreateSecretChange.SecretString). The
// execution role gets secretsmanager:GetSecretValue on exactly those secrets (and kms:Decrypt on a
// configured key) through the inline policy ecsfix owns (put-role-policy).

// exposurePlaintext is the plaintext-credentials exposure trait.
const exposurePlaintext = "EXPOSURE.plaintext-credentials"

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
	refs      []secretRefNeed
	kinds     map[string]string // variable -> kind of credential
	controls  map[string]bool
	role      string // the execution role that reads it
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

// ensureExecutionRole makes sure the input has an execution role: the one it has, or the configured one
// (with an edit). It returns the role, or "" when there is none to use.
func ensureExecutionRole(ctx *revisionContext, in *ecs.RegisterTaskDefinitionInput, control, why string) (string, []Edit) {
	if r := aws.ToString(in.ExecutionRoleArn); r != "" {
		return r, nil
	}
	r := roleArnOf(ctx.opts.Secrets.ExecutionRole, ctx.source.ARN())
	if r == "" {
		return "", nil
	}
	in.ExecutionRoleArn = aws.String(r)
	return r, []Edit{{Control: control, Path: "executionRoleArn",
		Change: "set executionRoleArn to " + r + " (fix.secrets.execution_role; the revision had none): " + why}}
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
	var out fixOutcome
	role, edits := ensureExecutionRole(ctx, in, "ECS.8", "it reads the secrets when a task starts")
	if role == "" {
		return fixOutcome{Skip: "moving the credentials to Secrets Manager needs an execution role to read secrets: set fix.secrets.execution_role"}
	}
	out.Edits = append(out.Edits, edits...)
	out.Moved = map[string]string{}
	src := ctx.source.ARN()
	perVar := ctx.opts.Secrets.PerVariable
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
				token:  fmt.Sprintf("(pending secret %s#%d)", src, m.i),
				source: ctx.source, container: aws.ToString(c.Name), json: true, kinds: map[string]string{}, role: role,
			}
			out.Secrets = append(out.Secrets, jsonNeed)
		}
		var kept []ecstypes.KeyValuePair
		for j, kv := range c.Environment {
			if !move[j] {
				if kv.Value != nil {
					out.Moved[fmt.Sprintf("containerDefinitions[%d].environment[%d].value", m.i, len(kept))] =
						fmt.Sprintf("containerDefinitions[%d].environment[%d].value", m.i, j)
				}
				kept = append(kept, kv)
				continue
			}
			n := aws.ToString(kv.Name)
			need := jsonNeed
			if perVar {
				need = &secretNeed{
					token:  fmt.Sprintf("(pending secret %s#%d/%s)", src, m.i, n),
					source: ctx.source, container: aws.ToString(c.Name), variable: n, kinds: map[string]string{}, role: role,
				}
				out.Secrets = append(out.Secrets, need)
			}
			need.values = append(need.values, SecretValueSource{
				Key: n, SourceArn: src,
				SourcePath: fmt.Sprintf("containerDefinitions[%d].environment[%d].value", m.i, j),
				SHA256:     hashValue(aws.ToString(kv.Value)),
			})
			need.kinds[n] = m.kinds[n]
			key := ""
			if need.json {
				key = n
			}
			need.refs = append(need.refs, secretRefNeed{path: fmt.Sprintf("containerDefinitions[%d].secrets[%d].valueFrom", m.i, len(c.Secrets)), key: key})
			c.Secrets = append(c.Secrets, ecstypes.Secret{Name: aws.String(n), ValueFrom: aws.String(need.token)})
			what := "the secret " + need.token
			if key != "" {
				what += ", key " + key
			}
			out.Edits = append(out.Edits, Edit{
				Control: "ECS.8", Path: "containerDefinitions[" + label + "].environment[" + n + "]",
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
	if len(rotate) > 0 {
		sort.Strings(rotate)
		out.Notes = append(out.Notes, fmt.Sprintf("%s held an AWS access key in plain text in %s, readable by anyone who may describe task definitions: rotate the key (create a new one, put it in the secret, deactivate the old one)",
			strings.Join(dedup(rotate), ", "), revName(src)))
	}
	return out
}

// isAWSKey reports a variable that held an AWS access key (id or secret).
func isAWSKey(name, kind string) bool {
	return name == "AWS_ACCESS_KEY_ID" || name == "AWS_SECRET_ACCESS_KEY" || kind == detect.KindAWSAccessKeyID || kind == detect.KindAWSSecretKey
}

// SecretString is the secret's content, for the applier: each value read from the source revision it
// comes from (sources, by ARN) at its SourcePath and checked against the plan's SHA-256; a JSON object
// (keys sorted) when JSON, the one value otherwise. Errors name the key and the path, never a value.
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
		got, err := getPath(reflect.ValueOf(RegisterInput(src)).Elem(), v.SourcePath)
		if err != nil {
			return "", fmt.Errorf("secret %s: key %s: source revision %s has no value at %s", c.Name, v.Key, v.SourceArn, v.SourcePath)
		}
		if hashValue(got) != strings.ToLower(v.SHA256) {
			return "", fmt.Errorf("secret %s: key %s: the value at %s in source revision %s does not match the plan's SHA-256 (the source changed since planning)", c.Name, v.Key, v.SourcePath, v.SourceArn)
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
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", partition, region, account, name)
}

// partitionOf is the partition field of an ARN ("aws" when it has none).
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) < 3 || parts[0] != "arn" || parts[1] == "" {
		return "aws"
	}
	return parts[1]
}
