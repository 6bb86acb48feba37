package plan

import (
	"strings"
	"testing"
)

// A container with every sorted list, and the same container with each list reversed, the defaults
// explicit or left out, and empty lists, objects and nulls for absent fields.
const (
	normBase = `{
  "family": "app",
  "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:4",
  "revision": 4,
  "status": "ACTIVE",
  "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
  "compatibilities": ["EC2", "FARGATE"],
  "registeredAt": "2026-01-01T00:00:00Z",
  "registeredBy": "arn:aws:iam::123456789012:user/x",
  "requiresCompatibilities": ["EC2", "FARGATE"],
  "containerDefinitions": [
    {"name": "a", "image": "a",
     "environment": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
     "secrets": [{"name": "S1", "valueFrom": "arn:1"}, {"name": "S2", "valueFrom": "arn:2"}],
     "mountPoints": [{"sourceVolume": "v1", "containerPath": "/a"}, {"sourceVolume": "v2", "containerPath": "/b", "readOnly": true}],
     "portMappings": [{"containerPort": 80}, {"containerPort": 443, "protocol": "tcp"}, {"containerPort": 8125, "protocol": "udp"}],
     "ulimits": [{"name": "core", "softLimit": 0, "hardLimit": 0}, {"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
     "extraHosts": [{"hostname": "a.local", "ipAddress": "10.0.0.1"}, {"hostname": "b.local", "ipAddress": "10.0.0.2"}],
     "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}, {"namespace": "net.ipv4.tcp_syncookies", "value": "1"}],
     "linuxParameters": {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"], "drop": ["ALL", "MKNOD"]}},
     "dependsOn": [{"containerName": "b", "condition": "START"}, {"containerName": "c", "condition": "HEALTHY"}],
     "essential": true, "privileged": false, "readonlyRootFilesystem": false},
    {"name": "b", "image": "b", "essential": false}
  ],
  "volumes": [{"name": "v1"}, {"name": "v2", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "DISABLED"}}],
  "placementConstraints": [{"type": "memberOf", "expression": "attribute:a == 1"}, {"type": "memberOf", "expression": "attribute:b == 2"}],
  "tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
}`
	normReordered = `{
  "tags": [{"key": "b", "value": "2"}, {"key": "a", "value": "1"}],
  "placementConstraints": [{"type": "memberOf", "expression": "attribute:b == 2"}, {"type": "memberOf", "expression": "attribute:a == 1"}],
  "volumes": [{"name": "v2", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}, {"name": "v1"}],
  "requiresCompatibilities": ["FARGATE", "EC2"],
  "containerDefinitions": [
    {"name": "b", "image": "b", "essential": false, "privileged": null, "mountPoints": [], "dockerLabels": {},
     "linuxParameters": {"capabilities": {"add": []}}},
    {"name": "a", "image": "a",
     "dependsOn": [{"containerName": "c", "condition": "HEALTHY"}, {"containerName": "b", "condition": "START"}],
     "linuxParameters": {"capabilities": {"add": ["SYS_TIME", "NET_ADMIN"], "drop": ["MKNOD", "ALL"]}},
     "systemControls": [{"namespace": "net.ipv4.tcp_syncookies", "value": "1"}, {"namespace": "net.core.somaxconn", "value": "1024"}],
     "extraHosts": [{"hostname": "b.local", "ipAddress": "10.0.0.2"}, {"hostname": "a.local", "ipAddress": "10.0.0.1"}],
     "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}, {"name": "core", "softLimit": 0, "hardLimit": 0}],
     "portMappings": [{"containerPort": 8125, "protocol": "udp"}, {"containerPort": 443}, {"containerPort": 80, "protocol": "tcp"}],
     "mountPoints": [{"sourceVolume": "v2", "containerPath": "/b", "readOnly": true}, {"sourceVolume": "v1", "containerPath": "/a", "readOnly": false}],
     "secrets": [{"name": "S2", "valueFrom": "arn:2"}, {"name": "S1", "valueFrom": "arn:1"}],
     "environment": [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}]}
  ],
  "family": "app"
}`
)

func mustNormalize(t *testing.T, doc string) string {
	t.Helper()
	b, err := NormalizeTaskDefinition([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNormalizeIgnoresOrderDefaultsAndReadOnlyFields(t *testing.T) {
	a, b := mustNormalize(t, normBase), mustNormalize(t, normReordered)
	if a != b {
		d, _ := unifiedDiff("base", "reordered", a, b)
		t.Errorf("reordered lists, explicit defaults or read-only fields show as a change:\n%s", d)
	}
	for _, field := range readOnlyTaskDefinitionFields {
		if strings.Contains(a, `"`+field+`"`) {
			t.Errorf("read-only field %s was kept", field)
		}
	}
}

func TestNormalizeIsIdempotent(t *testing.T) {
	once := mustNormalize(t, normReordered)
	if twice := mustNormalize(t, once); twice != once {
		t.Errorf("normalising twice changes the result:\n%s\n%s", once, twice)
	}
}

// TestNormalizeKeepsRealChanges: what carries meaning still shows as a change.
func TestNormalizeKeepsRealChanges(t *testing.T) {
	base := `{"family":"app","containerDefinitions":[{"name":"a","image":"a",` +
		`"environmentFiles":[{"type":"s3","value":"arn:aws:s3:::b/1.env"},{"type":"s3","value":"arn:aws:s3:::b/2.env"}],` +
		`"entryPoint":["sh","-c"],"dnsServers":["10.0.0.2","10.0.0.3"]}]}`
	tests := []struct {
		name, old, new string
	}{
		{"essential false", `"image":"a",`, `"image":"a","essential":false,`},
		{"privileged true", `"image":"a",`, `"image":"a","privileged":true,`},
		{"readonlyRootFilesystem true", `"image":"a",`, `"image":"a","readonlyRootFilesystem":true,`},
		{"environmentFiles order", `"arn:aws:s3:::b/1.env"},{"type":"s3","value":"arn:aws:s3:::b/2.env"}`, `"arn:aws:s3:::b/2.env"},{"type":"s3","value":"arn:aws:s3:::b/1.env"}`},
		{"entryPoint order", `["sh","-c"]`, `["-c","sh"]`},
		{"dnsServers order", `["10.0.0.2","10.0.0.3"]`, `["10.0.0.3","10.0.0.2"]`},
		{"network mode", `{"family":"app",`, `{"family":"app","networkMode":"bridge",`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := strings.Replace(base, tt.old, tt.new, 1)
			if changed == base {
				t.Fatal("the edit changed nothing; fix the test")
			}
			if mustNormalize(t, base) == mustNormalize(t, changed) {
				t.Errorf("%s does not show as a change", tt.name)
			}
		})
	}
}

// TestRegistrationDiffEmptyForEquivalentDocuments: a registration whose After differs from Before only by
// order and explicit defaults diffs to nothing; one real edit gives exactly its lines.
func TestRegistrationDiffEmptyForEquivalentDocuments(t *testing.T) {
	c := &RegisterTaskDefinitionChange{SourceArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:4", Family: "app",
		Before: []byte(normBase), After: []byte(normReordered)}
	d, err := c.diff()
	if err != nil {
		t.Fatal(err)
	}
	if d != "" {
		t.Errorf("diff of equivalent documents:\n%s", d)
	}
	c.After = []byte(strings.Replace(normReordered, `{"name": "b", "image": "b", "essential": false, "privileged": null,`,
		`{"name": "b", "image": "b", "essential": false, "user": "1000",`, 1))
	d, err = c.diff()
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, l := range strings.Split(d, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			changed = append(changed, l)
		}
	}
	want := []string{`-      "readonlyRootFilesystem": false`, `+      "readonlyRootFilesystem": false,`, `+      "user": "1000"`}
	if strings.Join(changed, "\n") != strings.Join(want, "\n") {
		t.Errorf("changed lines = %q, want %q\n%s", changed, want, d)
	}
}

func TestNormalizeRejectsNonObjects(t *testing.T) {
	for _, doc := range []string{`[]`, `"x"`, `{`, `{} {}`} {
		if _, err := NormalizeTaskDefinition([]byte(doc)); err == nil {
			t.Errorf("NormalizeTaskDefinition(%s) should fail", doc)
		}
	}
}
