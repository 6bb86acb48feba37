package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"
)

// The render fixture: a hand-built plan with every action type, notes, preconditions, dependencies,
// masked values, skipped findings and two approvals (one valid, one for other content). Its volatile
// fields (createdAt, tool version, approval times) are fixed here, not blanked after rendering.

const (
	fxAccount = "123456789012"
	fxRegion  = "eu-west-1"
	fxWeb3    = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"
	fxWorker7 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:7"
	fxCluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
	fxWebSvc  = "arn:aws:ecs:eu-west-1:123456789012:service/prod/web"
	fxAPISvc  = "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
	fxTaskSet = "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/batch/ecs-svc/1234567890"
	fxWebRole = "arn:aws:iam::123456789012:role/web-task"
	tAdminFx  = "arn:aws:iam::aws:policy/AdministratorAccess"
)

// webExtraBefore is an inline policy of web-task with two statements granting administrative access
// among others; webExtraAfter is the document without them, as the planner indents it.
const webExtraBefore = `{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"ReadAssets","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::web-assets/*"},{"Effect":"Allow","Action":"*:*","Resource":["*"]}]}`

const webExtraAfter = `{
  "Statement": [
    {
      "Action": [
        "s3:GetObject"
      ],
      "Effect": "Allow",
      "Resource": "arn:aws:s3:::web-assets/*",
      "Sid": "ReadAssets"
    }
  ],
  "Version": "2012-10-17"
}
`

// fixtureSecrets are the values the fixture's masked places stand for. They appear in no plan document:
// only their hashes do. No golden file may contain them.
var fixtureSecrets = map[string]string{
	"AWS_ACCESS_KEY_ID":     "AKIAIOSFODNN7EXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"DB_PASSWORD":           "correct-horse-battery-staple-42",
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// webBefore is web:3 as a RegisterTaskDefinition input with every environment value masked (as the
// planner masks them); lists in an arbitrary order and defaults explicit, so that normalisation has
// something to do.
const webBefore = `{
  "family": "web",
  "taskRoleArn": "arn:aws:iam::123456789012:role/web-task",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2",
      "essential": true,
      "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
      "environment": [
        {"name": "AWS_SECRET_ACCESS_KEY", "value": "(masked)"},
        {"name": "DB_PASSWORD", "value": "(masked)"},
        {"name": "AWS_ACCESS_KEY_ID", "value": "(masked)"},
        {"name": "LOG_LEVEL", "value": "(masked)"}
      ],
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "web"}}
    },
    {
      "name": "envoy",
      "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
      "essential": false,
      "readonlyRootFilesystem": true,
      "user": "1337",
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "envoy"}}
    }
  ],
  "tags": [{"key": "team", "value": "payments"}, {"key": "env", "value": "prod"}]
}`

// webAfter is the fixed revision: containers, environment and tags in another order, essential left
// implicit; a read-only root filesystem with /tmp on a task volume. Every environment value stays masked.
const webAfter = `{
  "family": "web",
  "taskRoleArn": "arn:aws:iam::123456789012:role/web-task",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "envoy",
      "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
      "essential": false,
      "readonlyRootFilesystem": true,
      "user": "1337",
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "envoy"}}
    },
    {
      "name": "web",
      "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2",
      "portMappings": [{"containerPort": 8080}],
      "environment": [
        {"name": "LOG_LEVEL", "value": "(masked)"},
        {"name": "DB_PASSWORD", "value": "(masked)"},
        {"name": "AWS_ACCESS_KEY_ID", "value": "(masked)"},
        {"name": "AWS_SECRET_ACCESS_KEY", "value": "(masked)"}
      ],
      "readonlyRootFilesystem": true,
      "mountPoints": [{"sourceVolume": "ecsfix-tmp", "containerPath": "/tmp"}],
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "web"}}
    }
  ],
  "volumes": [{"name": "ecsfix-tmp"}],
  "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "payments"}]
}`

const workerBefore = `{
  "family": "worker",
  "networkMode": "bridge",
  "requiresCompatibilities": ["EC2"],
  "containerDefinitions": [
    {
      "name": "worker",
      "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:2.0.0",
      "memory": 1024,
      "privileged": true,
      "readonlyRootFilesystem": true,
      "logConfiguration": {"logDriver": "json-file"}
    }
  ]
}`

const workerAfter = `{
  "family": "worker",
  "networkMode": "bridge",
  "requiresCompatibilities": ["EC2"],
  "containerDefinitions": [
    {
      "name": "worker",
      "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:2.0.0",
      "memory": 1024,
      "user": "1000:1000",
      "readonlyRootFilesystem": true,
      "logConfiguration": {"logDriver": "json-file"}
    }
  ]
}`

// compactJSON is a fixture document as the planner would hold it (compact).
func compactJSON(t testing.TB, doc string) json.RawMessage {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("fixture document: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// renderFixture builds the render fixture, approved once for its content and once for other content.
func renderFixture(t testing.TB) *Plan {
	t.Helper()
	p := &Plan{
		FormatVersion: FormatVersion,
		Tool:          Tool{Name: "ecsfix", Version: "v0.0.0-test"},
		CreatedAt:     time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		Source:        Source{Kind: "snapshot", Path: "testdata/demo"},
		Actions: []Action{
			{
				ID: "a1", Type: RegisterTaskDefinition, Account: fxAccount, Region: fxRegion, Resource: fxWeb3,
				Controls: []string{"ECS.5"}, Risk: RiskMedium,
				Summary: "Register a new revision of web with a read-only root filesystem, /tmp on a task volume",
				Notes: []string{
					"Service prod/web runs web:3, the family's latest revision.",
					"ECS Exec is enabled on service prod/web: a read-only root filesystem can break interactive sessions that write outside /tmp.",
				},
				Preconditions: []Precondition{
					{Check: "operating system family", Result: "LINUX (not Windows)"},
					{Check: "writable paths from configuration", Result: "/tmp"},
				},
				RegisterTaskDefinition: &RegisterTaskDefinitionChange{
					SourceArn: fxWeb3, Family: "web",
					Before: compactJSON(t, webBefore), After: compactJSON(t, webAfter),
					Edits: []Edit{
						{Control: "ECS.5", Path: "containerDefinitions[web].readonlyRootFilesystem", Change: "absent → true"},
						{Control: "ECS.5", Path: "containerDefinitions[web].mountPoints", Change: "mount task volume ecsfix-tmp at /tmp"},
					},
					Masked: []Masked{
						{Path: "containerDefinitions[1].environment[3].value", SourcePath: "containerDefinitions[0].environment[0].value"},
						{Path: "containerDefinitions[1].environment[1].value", SourcePath: "containerDefinitions[0].environment[1].value"},
						{Path: "containerDefinitions[1].environment[2].value", SourcePath: "containerDefinitions[0].environment[2].value"},
						{Path: "containerDefinitions[1].environment[0].value", SourcePath: "containerDefinitions[0].environment[3].value"},
					},
				},
			},
			{
				ID: "a2", Type: RegisterTaskDefinition, Account: fxAccount, Region: fxRegion, Resource: fxWorker7,
				Controls: []string{"ECS.4", "ECS.20"}, Risk: RiskHigh,
				Summary: "Register a new revision of worker that is not privileged and runs as user 1000:1000",
				Notes:   []string{"No service runs worker:7; the new revision is registered for the next deployment."},
				RegisterTaskDefinition: &RegisterTaskDefinitionChange{
					SourceArn: fxWorker7, Family: "worker",
					Before: compactJSON(t, workerBefore), After: compactJSON(t, workerAfter),
					Edits: []Edit{
						{Control: "ECS.4", Path: "containerDefinitions[worker].privileged", Change: "true → absent"},
						{Control: "ECS.20", Path: "containerDefinitions[worker].user", Change: "absent → 1000:1000", Risk: RiskHigh,
							Why: `user from configuration (fix.linux_user): the image declares no non-root user, or is unknown; files the image writes to, and ports below 1024, must be usable by "1000:1000"`},
					},
				},
			},
			{
				ID: "a3", Type: UpdateService, Account: fxAccount, Region: fxRegion, Resource: fxWebSvc,
				Controls: []string{"ECS.5"}, Risk: RiskMedium,
				Summary:   "Deploy the fixed revision of web to service prod/web",
				Notes:     []string{"This redeploys the service (a rolling deployment)."},
				DependsOn: []string{"a1"},
				UpdateService: &UpdateServiceChange{
					Cluster: fxCluster, Service: fxWebSvc,
					Before:             ServiceSettings{TaskDefinition: fxWeb3, PlatformVersion: "1.4.0"},
					After:              ServiceSettings{TaskDefinition: "web"},
					TaskDefinitionFrom: "a1",
				},
			},
			{
				ID: "a4", Type: UpdateService, Account: fxAccount, Region: fxRegion, Resource: fxAPISvc,
				Controls: []string{"ECS.10"}, Risk: RiskLow,
				Summary:       "Run service prod/api on the latest Fargate platform version",
				Notes:         []string{"This redeploys the service (a rolling deployment)."},
				Preconditions: []Precondition{{Check: "launch type", Result: "FARGATE"}},
				UpdateService: &UpdateServiceChange{
					Cluster: fxCluster, Service: fxAPISvc,
					Before: ServiceSettings{TaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:12", PlatformVersion: "1.3.0"},
					After:  ServiceSettings{PlatformVersion: "LATEST"},
				},
			},
			{
				ID: "a5", Type: UpdateClusterSettings, Account: fxAccount, Region: fxRegion, Resource: fxCluster,
				Controls: []string{"ECS.12"}, Risk: RiskLow,
				Summary: "Enable Container Insights on cluster prod",
				Notes:   []string{"Container Insights is billed as CloudWatch custom metrics and logs."},
				UpdateClusterSettings: &UpdateClusterSettingsChange{
					Cluster: fxCluster,
					Before:  []ClusterSetting{{Name: "containerInsights", Value: "disabled"}},
					After:   []ClusterSetting{{Name: "containerInsights", Value: "enabled"}},
				},
			},
			{
				ID: "a6", Type: CreateSecret, Account: fxAccount, Region: fxRegion,
				Resource: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecsfix/web/web",
				Controls: []string{"ECS.8", "EXPOSURE.plaintext-credentials"}, Risk: RiskMedium,
				Summary: "create secret ecsfix/web/web holding a JSON object with the keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, DB_PASSWORD from container web of web:3",
				Notes:   []string{"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY held an AWS access key in plain text: rotate it (create a new key, update this secret, deactivate the old key)"},
				CreateSecret: &CreateSecretChange{
					Name: "ecsfix/web/web", KmsKeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", JSON: true,
					Values: []SecretValueSource{
						{Key: "AWS_ACCESS_KEY_ID", SourceArn: fxWeb3, SourcePath: "containerDefinitions[0].environment[2].value"},
						{Key: "AWS_SECRET_ACCESS_KEY", SourceArn: fxWeb3, SourcePath: "containerDefinitions[0].environment[0].value"},
						{Key: "DB_PASSWORD", SourceArn: fxWeb3, SourcePath: "containerDefinitions[0].environment[1].value"},
					},
					Tags: map[string]string{"ecsfix:source": fxWeb3, "ecsfix:container": "web"},
				},
			},
			{
				ID: "a7", Type: EnsureLogGroup, Account: fxAccount, Region: fxRegion,
				Resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/worker",
				Controls: []string{"ECS.9"}, Risk: RiskMedium,
				Summary:        "create log group /ecs/worker (logs kept 30 days) unless it exists",
				EnsureLogGroup: &EnsureLogGroupChange{Name: "/ecs/worker", RetentionDays: 30},
			},
			{
				ID: "a8", Type: PutRolePolicy, Account: fxAccount, Region: fxRegion,
				Resource: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
				Controls: []string{"ECS.8", "ECS.9", "EXPOSURE.plaintext-credentials"}, Risk: RiskMedium,
				Summary:   "grant ecsTaskExecutionRole secretsmanager:GetSecretValue on 1 secret, kms:Decrypt on 1234abcd-12ab-34cd-56ef-1234567890ab, writing to 1 log group (inline policy ecsfix)",
				DependsOn: []string{"a6"},
				PutRolePolicy: &PutRolePolicyChange{
					Role: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole", PolicyName: OwnedPolicyName,
					Before: `{"Version":"2012-10-17","Statement":[{"Sid":"EcsfixReadSecrets","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecsfix/api/api-Xy12Ab"}]}`,
					Statements: []PolicyStatement{
						{Sid: SidReadSecrets, Actions: []string{"secretsmanager:GetSecretValue"}, ResourcesFrom: []string{"a6"}},
						{Sid: SidDecryptSecrets, Actions: []string{"kms:Decrypt"}, Resources: []string{"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
						{Sid: SidWriteLogs, Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []string{"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/worker:*"}},
					},
				},
			},
			{
				ID: "a9", Type: DeregisterTaskDefinition, Account: fxAccount, Region: fxRegion, Resource: fxWeb3,
				Controls: []string{"ECS.8", "EXPOSURE.plaintext-credentials"}, Risk: RiskHigh,
				Summary:                  "deregister web:3, which holds the moved credentials in plain text",
				DependsOn:                []string{"a3"},
				DeregisterTaskDefinition: &DeregisterTaskDefinitionChange{TaskDefinitions: []string{fxWeb3}},
			},
			{
				ID: "a10", Type: DetachRolePolicy, Account: fxAccount, Region: fxRegion, Resource: fxWebRole,
				Controls: []string{"EXPOSURE.admin-task-role"}, Risk: RiskHigh,
				Summary: "detach AdministratorAccess from task role web-task",
				Notes: []string{
					"task role web-task is used by service prod/web: it loses this access",
					"the application may need some of these permissions: grant them explicitly first (a policy naming the actions and resources it uses)",
					"rollback attaches " + tAdminFx + " again",
				},
				Preconditions: []Precondition{
					{Check: "attached policies of web-task", Result: tAdminFx},
					{Check: "inline policies of web-task", Result: "web-extra"},
				},
				DetachRolePolicy: &DetachRolePolicyChange{Role: fxWebRole, PolicyArn: tAdminFx},
			},
			{
				ID: "a11", Type: RemovePolicyStatements, Account: fxAccount, Region: fxRegion, Resource: fxWebRole,
				Controls: []string{"EXPOSURE.admin-task-role"}, Risk: RiskHigh,
				Summary: `remove statements "Admin", #2 (Allow every action on every resource) from inline policy web-extra of task role web-task`,
				Notes: []string{
					"task role web-task is used by service prod/web: it loses this access",
					"rollback puts inline policy web-extra back as it was (before)",
				},
				Preconditions: []Precondition{
					{Check: "attached policies of web-task", Result: tAdminFx},
					{Check: "inline policies of web-task", Result: "web-extra"},
				},
				RemovePolicyStatements: &RemovePolicyStatementsChange{
					Role: fxWebRole, PolicyName: "web-extra", Before: webExtraBefore, After: webExtraAfter,
					Removed: []string{"Admin", "#2"},
				},
			},
		},
		State: []Fingerprint{
			{Resource: fxWeb3, ResourceType: "AWS::ECS::TaskDefinition", Region: fxRegion, Facts: map[string]string{FactStatus: "ACTIVE", FactLatestActive: fxWeb3}},
			{Resource: fxWorker7, ResourceType: "AWS::ECS::TaskDefinition", Region: fxRegion, Facts: map[string]string{FactStatus: "ACTIVE", FactLatestActive: fxWorker7}},
			{Resource: fxWebSvc, ResourceType: "AWS::ECS::Service", Region: fxRegion, Facts: map[string]string{FactTaskDefinition: fxWeb3, FactPlatformVersion: "1.4.0", FactStatus: "ACTIVE", FactDeploymentID: "ecs-svc/1111111111111111111"}},
			{Resource: fxAPISvc, ResourceType: "AWS::ECS::Service", Region: fxRegion, Facts: map[string]string{FactTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:12", FactPlatformVersion: "1.3.0", FactStatus: "ACTIVE", FactDeploymentID: "ecs-svc/2222222222222222222"}},
			{Resource: fxCluster, ResourceType: "AWS::ECS::Cluster", Region: fxRegion, Facts: map[string]string{FactSettings: "containerInsights=disabled", FactStatus: "ACTIVE"}},
		},
		Skipped: []Skipped{
			{Control: "ECS.16", Resource: fxTaskSet, Reason: "a task set cannot change its network configuration in place: create a new task set with assignPublicIp DISABLED and delete this one"},
			{Control: "ECS.8", Resource: fxWeb3, Reason: "no automatic fix yet: move the credentials to Secrets Manager (a secrets entry per variable, with GetSecretValue for the execution role on exactly those secrets) and rotate them"},
			{Control: "EXPOSURE.plaintext-credentials", Resource: fxWebSvc, Reason: "container web: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and DB_PASSWORD hold credentials in plain text; no automatic fix yet"},
		},
	}
	if err := p.Approve("alice", "CHG-1234", time.Date(2026, 5, 1, 11, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	p.Approvals = append(p.Approvals, Approval{By: "bob", Ticket: "CHG-1200", At: time.Date(2026, 4, 30, 9, 0, 0, 0, time.UTC),
		PlanHash: "sha256:" + sha256Hex("an earlier plan")})
	return p
}

// emptyFixture is a plan with nothing to change and one finding not fixed.
func emptyFixture() *Plan {
	return &Plan{
		FormatVersion: FormatVersion,
		Tool:          Tool{Name: "ecsfix", Version: "v0.0.0-test"},
		CreatedAt:     time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC),
		Source:        Source{Kind: "live", Regions: []string{"eu-west-1"}},
		Skipped: []Skipped{
			{Control: "ECS.2", Resource: fxAPISvc, Reason: "owned by CloudFormation stack prod-api (tag aws:cloudformation:stack-name): set AssignPublicIp: DISABLED in its template"},
		},
	}
}
