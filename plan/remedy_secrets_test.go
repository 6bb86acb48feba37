package plan

// Pins of the ECS.8 / plaintext-credentials remedy (environment credentials moved to Secrets Manager)
// through Build: which variables move (and which stay), JSON or per-variable secrets, the skip reasons,
// the execution role (own, configured, its ECR pulls and log groups, its denials), the notes.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// secretsEnv sets container i's environment (name, value pairs; the value "<nil>" is an entry without
// value).
func secretsEnv(i int, kv ...string) tdMod {
	return ctrMod(i, func(c *ecstypes.ContainerDefinition) {
		c.Environment = nil
		for j := 0; j+1 < len(kv); j += 2 {
			e := ecstypes.KeyValuePair{Name: aws.String(kv[j]), Value: aws.String(kv[j+1])}
			if kv[j+1] == "<nil>" {
				e.Value = nil
			}
			c.Environment = append(c.Environment, e)
		}
	})
}

// secretsSecond adds a second container, "worker".
func secretsSecond(td *detect.TaskDefinition) {
	td.ContainerDefinitions = append(td.ContainerDefinitions, bContainer("worker"))
}

// secretsImage sets container i's image.
func secretsImage(i int, image string) tdMod {
	return ctrMod(i, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String(image) })
}

// secretsLogs sets container i's awslogs options.
func secretsLogs(i int, kv ...string) tdMod {
	return ctrMod(i, func(c *ecstypes.ContainerDefinition) {
		o := map[string]string{}
		for j := 0; j+1 < len(kv); j += 2 {
			o[kv[j]] = kv[j+1]
		}
		c.LogConfiguration = &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: o}
	})
}

func secretsRole(known bool, docs ...string) detect.Role {
	r := detect.Role{Arn: tExecRole, Name: "exec", PoliciesKnown: known}
	for i, d := range docs {
		r.Inline = append(r.Inline, detect.PolicyDocument{Name: string(rune('p' + i)), Document: d})
	}
	return r
}

const (
	secretsECR1    = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app:1"
	secretsECR2    = "444455556666.dkr.ecr-fips.us-east-1.amazonaws.com/base@sha256:abc"
	secretsAllowTk = `{"Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`
	secretsAllowR1 = `{"Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:eu-west-1:111122223333:repository/team/app"}]}`
	secretsAllowR2 = `{"Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:us-east-1:444455556666:repository/base"}]}`
	secretsAllowCG = `{"Statement":[{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/made:*"}]}`
	secretsDenyLog = `{"Statement":[{"Effect":"Deny","Action":"logs:CreateLogStream","Resource":"arn:aws:logs:us-east-1:111122223333:log-group:/ecs/far:*"}]}`
	secretsDenyGet = `{"Statement":[{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecsfix/web/worker-*"}]}`
	secretsDenyGV2 = `{"Statement":[{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:ecsfix/web/worker/DB_PASSWORD-*"}]}`
	secretsDenyKMS = `{"Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`
)

func TestRemedySecrets(t *testing.T) {
	worker := func(kv ...string) []tdMod { return []tdMod{secretsSecond, secretsEnv(1, kv...)} }
	moves := worker("LOG_LEVEL", "info", "AWS_ACCESS_KEY_ID", tAccessKey, "EMPTY", "<nil>", "DB_PASSWORD", tDBPass, "MODE", "fast")
	configured := func(role string) func(*Options) { return func(o *Options) { o.Secrets.ExecutionRole = role } }
	tests := []struct {
		name  string
		mods  []tdMod
		roles []detect.Role
		svc   svcMod
		opts  []func(*Options)
	}{
		{name: "json, second container, kept and nil entries", mods: append([]tdMod{withExecRole}, append(moves,
			ctrMod(1, func(c *ecstypes.ContainerDefinition) {
				c.Secrets = []ecstypes.Secret{{Name: aws.String("OLD"), ValueFrom: aws.String("arn:aws:ssm:eu-west-1:111122223333:parameter/old")}}
			}))...), roles: []detect.Role{secretsRole(true)}},
		{name: "per variable, kms key, prefix", mods: append([]tdMod{withExecRole}, moves...), roles: []detect.Role{secretsRole(true)},
			opts: []func(*Options){func(o *Options) {
				o.Secrets.PerVariable = true
				o.Secrets.KmsKeyID = "key-1"
				o.Secrets.NamePrefix = "team/"
			}}},
		{name: "two containers move, only keys: everything leaves environment", mods: []tdMod{withExecRole, secretsSecond,
			secretsEnv(0, "ECS_ENGINE_AUTH_DATA", "plain", "TOKEN_ID", "AKIAIOSFODNN7EXAMPLF"),
			secretsEnv(1, "AWS_SECRET_ACCESS_KEY", tSecretKey)}, roles: []detect.Role{secretsRole(true)}},
		{name: "duplicate variable", mods: append([]tdMod{withExecRole}, worker("LOG_LEVEL", "x", "DB_PASSWORD", tDBPass, "AWS_ACCESS_KEY_ID", tAccessKey, "DB_PASSWORD", tDBPass)...)},
		{name: "in environment and secrets", mods: append([]tdMod{withExecRole}, append(worker("AWS_ACCESS_KEY_ID", tAccessKey, "DB_PASSWORD", tDBPass),
			ctrMod(1, func(c *ecstypes.ContainerDefinition) {
				c.Secrets = []ecstypes.Secret{{Name: aws.String("X"), ValueFrom: aws.String("x")}, {Name: aws.String("DB_PASSWORD"), ValueFrom: aws.String("y")}}
			}))...)},
		{name: "kms alias", mods: append([]tdMod{withExecRole}, moves...), opts: []func(*Options){func(o *Options) { o.Secrets.KmsKeyID = "arn:aws:kms:eu-west-1:111122223333:alias/k" }}},
		{name: "ec2 only without role", mods: append([]tdMod{logsEC2Only}, moves...), svc: func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 }},
		{name: "fargate without role, none configured", mods: moves},
		{name: "configured role by name, unknown policies, ecr images, log groups", mods: append(append([]tdMod{
			secretsImage(0, secretsECR1), secretsLogs(0, "awslogs-group", "/ecs/made", "awslogs-create-group", "True"),
		}, moves...), secretsImage(1, secretsECR2), secretsLogs(1, "awslogs-group", "/ecs/far", "awslogs-region", "us-east-1")),
			opts: []func(*Options){configured("/exec")}},
		{name: "configured role known, allows all", mods: append(append([]tdMod{
			secretsImage(0, secretsECR1), secretsLogs(0, "awslogs-group", "/ecs/made", "awslogs-create-group", "true"),
		}, moves...), secretsImage(1, secretsECR2), secretsLogs(1, "awslogs-group", "/ecs/made")),
			roles: []detect.Role{secretsRole(true, secretsAllowTk, secretsAllowR1, secretsAllowR2, secretsAllowCG)}, opts: []func(*Options){configured(tExecRole)}},
		{name: "configured role known, lacks token and second repository", mods: append(append([]tdMod{secretsImage(0, secretsECR1)}, moves...), secretsImage(1, secretsECR2)),
			roles: []detect.Role{secretsRole(true, secretsAllowR1)}, opts: []func(*Options){configured("exec")}},
		{name: "configured role known, may not create the group", mods: append(append([]tdMod{
			secretsLogs(0, "awslogs-group", "/ecs/other", "awslogs-create-group", "true"),
		}, moves...), secretsLogs(1, "awslogs-group", "/ecs/made", "awslogs-create-group", "true")),
			roles: []detect.Role{secretsRole(true, secretsAllowCG)}, opts: []func(*Options){configured("exec")}},
		{name: "configured role known, unknown create-group", mods: append(append([]tdMod{
			secretsLogs(0, "awslogs-group", "/ecs/made", "awslogs-create-group", "true"),
		}, moves...), secretsLogs(1, "awslogs-group", ""), func(td *detect.TaskDefinition) {
			c := bContainer("fluent")
			c.LogConfiguration.LogDriver = ecstypes.LogDriverFluentd
			td.ContainerDefinitions = append(td.ContainerDefinitions, c)
		}),
			roles: []detect.Role{{Arn: tExecRole, Name: "exec"}}, opts: []func(*Options){configured("exec")}},
		{name: "configured role known, log groups after other drivers, empty and repeated groups", mods: append(append([]tdMod{
			secretsLogs(0, "awslogs-group", "/ecs/a"), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.LogConfiguration.LogDriver = ecstypes.LogDriverFluentd }),
		}, moves...), secretsLogs(1, "awslogs-group", ""), func(td *detect.TaskDefinition) {
			for _, g := range []string{"/ecs/a", "/ecs/a", "/ecs/b"} {
				c := bContainer("c" + g[5:])
				c.LogConfiguration.Options["awslogs-group"] = g
				td.ContainerDefinitions = append(td.ContainerDefinitions, c)
			}
		}), roles: []detect.Role{secretsRole(true)}, opts: []func(*Options){configured("exec")}},
		{name: "own role denies the second container's secret", mods: []tdMod{withExecRole, secretsSecond,
			secretsEnv(0, "AWS_ACCESS_KEY_ID", tAccessKey), secretsEnv(1, "AWS_SECRET_ACCESS_KEY", tSecretKey)},
			roles: []detect.Role{secretsRole(true, secretsDenyGet)}},
		{name: "configured role known, log writing denied", mods: append(append([]tdMod{secretsLogs(0, "awslogs-group", "/ecs/near")}, moves...),
			secretsLogs(1, "awslogs-group", "/ecs/far", "awslogs-region", "us-east-1")),
			roles: []detect.Role{secretsRole(true, secretsDenyLog)}, opts: []func(*Options){configured("exec")}},
		{name: "own role denies the json secret", mods: append([]tdMod{withExecRole}, moves...), roles: []detect.Role{secretsRole(true, secretsDenyGet)}},
		{name: "own role denies a per-variable secret", mods: append([]tdMod{withExecRole}, moves...), roles: []detect.Role{secretsRole(true, secretsDenyGV2)},
			opts: []func(*Options){func(o *Options) { o.Secrets.PerVariable = true }}},
		{name: "own role denies decrypting", mods: append([]tdMod{withExecRole}, moves...), roles: []detect.Role{secretsRole(true, secretsDenyKMS)},
			opts: []func(*Options){func(o *Options) { o.Secrets.KmsKeyID = "key-1" }}},
		{name: "own role with unknown policies denies nothing", mods: append([]tdMod{withExecRole}, moves...), roles: []detect.Role{secretsRole(false, secretsDenyKMS)},
			opts: []func(*Options){func(o *Options) { o.Secrets.KmsKeyID = "key-1" }}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			td := bTD("web", 1, tc.mods...)
			svc := bSvc("web", td.ARN())
			if tc.svc != nil {
				tc.svc(&svc)
			}
			in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{svc})
			in.Roles = tc.roles
			remedyPin(t, remedyBuild(t, in, nil, tc.opts...))
		})
	}
}
