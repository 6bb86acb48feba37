// This file holds the benchmark of a snapshot load's memory, as bytes per byte of input: the peak heap
// while loading, the heap still held by the loaded inventory, and all bytes allocated.

package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// snapshotBytes is the size of the snapshot's files (snapshottest.Size).
func snapshotBytes(tb testing.TB, dir string) int64 {
	n, err := snapshottest.Size(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// writeServicesFile writes one describe-services output of n services with 20 events each (as the CLI
// prints them: the events are most of the bytes).
func writeServicesFile(tb testing.TB, name string, n int) {
	tb.Helper()
	const p = "arn:aws:ecs:eu-west-1:123456789012:"
	var b strings.Builder
	b.WriteString("{\n    \"services\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `        {"serviceArn": "%sservice/prod/svc%06d", "serviceName": "svc%06d", "clusterArn": "%scluster/prod",
            "status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "pendingCount": 0, "launchType": "FARGATE", "platformVersion": "1.4.0",
            "taskDefinition": "%stask-definition/fam%06d:1",
            "deployments": [{"id": "ecs-svc/%d", "status": "PRIMARY", "taskDefinition": "%stask-definition/fam%06d:1", "desiredCount": 2,
                "createdAt": "2024-05-21T08:31:40.260000+00:00", "rolloutState": "COMPLETED"}],
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}},
            "events": [`, p, i, i, p, p, i, i, p, i)
		for e := range 20 {
			if e > 0 {
				b.WriteString(",\n                ")
			}
			fmt.Fprintf(&b, `{"id": "%08x-0000-4000-8000-%012x", "createdAt": "2024-05-21T08:%02d:40.260000+00:00", "message": "(service svc%06d) has reached a steady state."}`, i, e, e, i)
		}
		b.WriteString("],\n            \"schedulingStrategy\": \"REPLICA\", \"tags\": []}")
	}
	b.WriteString("\n    ],\n    \"failures\": []\n}\n")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// writeHugeTaskDefinition writes a describe-task-definition output whose container has n environment
// variables.
func writeHugeTaskDefinition(tb testing.TB, name string, n int) {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/huge:1", "family": "huge", "revision": 1,
    "status": "ACTIVE", "networkMode": "awsvpc", "containerDefinitions": [{"name": "app", "image": "nginx", "essential": true, "environment": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n        ")
		}
		fmt.Fprintf(&b, `{"name": "VARIABLE_%07d", "value": "value-%07d"}`, i, i)
	}
	b.WriteString("]}]}, \"tags\": []}\n")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// writeUsersFile writes a get-account-authorization-details output of n users and no role: all of it
// is read and checked, none of it kept.
func writeUsersFile(tb testing.TB, name string, n int) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("{\n    \"UserDetailList\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `        {"Path": "/", "UserName": "user%06d", "UserId": "AIDA%016d", "Arn": "arn:aws:iam::123456789012:user/user%06d",
            "CreateDate": "2024-01-01T00:00:00+00:00", "GroupList": ["developers", "readers"],
            "UserPolicyList": [{"PolicyName": "own-bucket", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bucket/user%06d/*"}]}}],
            "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "Tags": [{"Key": "team", "Value": "t%d"}]}`, i, i, i, i, i%7)
	}
	b.WriteString("\n    ],\n    \"GroupDetailList\": [],\n    \"RoleDetailList\": [],\n    \"Policies\": [],\n    \"IsTruncated\": false\n}\n")
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkLoadMemory loads large snapshots and reports, per byte of input: peak-B/B, the largest heap
// seen while loading (garbage not yet collected included) less the heap before; kept-B/B, the heap the
// loaded snapshot holds; alloc-B/B, all bytes allocated.
func BenchmarkLoadMemory(b *testing.B) {
	cases := []struct {
		name  string
		write func(tb testing.TB, dir string)
	}{
		// 20,000 task definitions, one per file, and 500 services: the shape of a large estate.
		{"TaskDefinitions20k", func(tb testing.TB, dir string) { snapshottest.WriteLarge(tb, dir, 5000, 4) }},
		// One describe-services file of 2,000 services: a large file whose resources are all kept.
		{"OneServicesFile", func(tb testing.TB, dir string) { writeServicesFile(tb, filepath.Join(dir, "services.json"), 2000) }},
		// One task definition with 300,000 environment variables: one huge element, kept.
		{"OneHugeTaskDefinition", func(tb testing.TB, dir string) {
			writeHugeTaskDefinition(tb, filepath.Join(dir, "taskdef.json"), 300000)
		}},
		// One authorization-details file of 100,000 users: a large file of which nothing is kept.
		{"UnkeptUsersFile", func(tb testing.TB, dir string) { writeUsersFile(tb, filepath.Join(dir, "iam.json"), 100000) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			c.write(b, dir)
			size := float64(snapshotBytes(b, dir))
			var peak, kept, alloc float64
			for b.Loop() {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				base := snapshottest.HeapNow()
				h := snapshottest.StartSampler()
				snap, err := Open(dir)
				p := h.End()
				if err != nil {
					b.Fatal(err)
				}
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				runtime.GC()
				k := snapshottest.HeapNow()
				runtime.KeepAlive(snap)
				peak += float64(p - base)
				kept += float64(k) - float64(base)
				alloc += float64(after.TotalAlloc - before.TotalAlloc)
			}
			n := float64(b.N)
			b.ReportMetric(size/1e6, "input-MB")
			b.ReportMetric(peak/n/size, "peak-B/B")
			b.ReportMetric(kept/n/size, "kept-B/B")
			b.ReportMetric(alloc/n/size, "alloc-B/B")
		})
	}
}
