// Package snapshottest writes large snapshots for benchmarks, measures the decode floor they are compared
// with, and samples the heap while code runs. It is imported by tests and benchmarks only.
package snapshottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WriteLarge writes into dir families × revisions task definitions, one describe-task-definition output
// per file (a mix of failing and passing fields, an INACTIVE last revision in one family of five), and
// describe-services outputs of ten services each, one service for every ten families. Every file is
// printed as the AWS CLI prints its JSON output (Python's json.dumps with indent=4: one member or element
// a line, four spaces a level, a newline at the end), so that sizes and timings are those of real snapshots.
func WriteLarge(tb testing.TB, dir string, families, revisions int) {
	tb.Helper()
	const p = "arn:aws:ecs:eu-west-1:123456789012:"
	if err := os.MkdirAll(filepath.Join(dir, "ecs"), 0o755); err != nil {
		tb.Fatal(err)
	}
	write := func(name, content string) {
		var out bytes.Buffer
		if err := json.Indent(&out, []byte(strings.TrimSpace(content)), "", "    "); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out.WriteByte('\n')
		if err := os.WriteFile(filepath.Join(dir, "ecs", name), out.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	var services []string
	for f := range families {
		for r := 1; r <= revisions; r++ {
			status := "ACTIVE"
			if r == revisions && f%5 == 0 {
				status = "INACTIVE"
			}
			network, user, readonly, env := "awsvpc", `"user": "1000",`, "true", `{"name": "PORT", "value": "8080"}`
			switch f % 4 {
			case 1:
				network, user = "host", ""
			case 2:
				readonly, env = "false", `{"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`
			case 3:
				env = `{"name": "DB_PASSWORD", "value": "hunter2"}`
			}
			logs := `"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/f", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "x"}, "secretOptions": []},`
			if r%2 == 0 {
				logs = ""
			}
			write(fmt.Sprintf("taskdef-fam%04d-%d.json", f, r), fmt.Sprintf(`{
    "taskDefinition": {
        "taskDefinitionArn": "%stask-definition/fam%04d:%d",
        "containerDefinitions": [
            {"name": "app", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:%d", "cpu": 256, "memory": 512,
             "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}], "essential": true,
             "environment": [%s, {"name": "LOG_LEVEL", "value": "info"}], "mountPoints": [], "volumesFrom": [], %s
             "readonlyRootFilesystem": %s, %s "systemControls": []},
            {"name": "sidecar", "image": "public.ecr.aws/xray/aws-xray-daemon:3", "cpu": 32, "memoryReservation": 256,
             "portMappings": [], "essential": false, "environment": [], "mountPoints": [], "volumesFrom": [], "systemControls": []}
        ],
        "family": "fam%04d", "taskRoleArn": "arn:aws:iam::123456789012:role/task", "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "networkMode": "%s", "revision": %d,
        "volumes": [{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/", "transitEncryption": "DISABLED"}}],
        "status": "%s",
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}, {"name": "ecs.capability.task-eni"}],
        "placementConstraints": [], "compatibilities": ["EC2", "FARGATE"], "requiresCompatibilities": ["FARGATE"],
        "cpu": "512", "memory": "1024", "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "registeredAt": "2024-05-21T08:29:51.907000+00:00", "registeredBy": "arn:aws:sts::123456789012:assumed-role/ci/x"
    },
    "tags": [{"key": "team", "value": "t%d"}]
}
`, p, f, r, r, env, logs, readonly, user, f, network, r, status, f%7))
		}
		if f%10 == 0 {
			services = append(services, fmt.Sprintf(`{"serviceArn": "%sservice/prod/svc%04d", "serviceName": "svc%04d", "clusterArn": "%scluster/prod",
  "status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "launchType": "FARGATE", "platformVersion": "1.3.0",
  "taskDefinition": "%stask-definition/fam%04d:1",
  "deployments": [{"id": "ecs-svc/%d", "status": "PRIMARY", "taskDefinition": "%stask-definition/fam%04d:1", "createdAt": "2024-05-21T08:31:40.260000+00:00"}],
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}},
  "schedulingStrategy": "REPLICA", "tags": []}`, p, f, f, p, p, f, f, p, f))
		}
	}
	for i := 0; i < len(services); i += 10 {
		batch := services[i:min(i+10, len(services))]
		doc := `{"services": [` + batch[0]
		for _, s := range batch[1:] {
			doc += ",\n" + s
		}
		write(fmt.Sprintf("services-%03d.json", i/10), doc+`], "failures": []}`)
	}
}
