package snapshot

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// writeTree writes files (relative path -> content) under a new temporary folder.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const tdWeb1 = `{
    "taskDefinition": {
        "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1",
        "containerDefinitions": [
            {"name": "web", "image": "nginx", "cpu": 0, "essential": true,
             "environment": [{"name": "PORT", "value": "8080"}], "readonlyRootFilesystem": false,
             "dockerLabels": {"com.example.team": "web"},
             "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}, "secretOptions": []}}
        ],
        "family": "web",
        "networkMode": "awsvpc",
        "revision": 1,
        "volumes": [{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "DISABLED"}}],
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "ecs.capability.task-eni"}],
        "compatibilities": ["EC2", "FARGATE"],
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "registeredAt": "2024-05-21T10:29:51.907000+02:00",
        "registeredBy": "arn:aws:sts::123456789012:assumed-role/deployer/ci"
    },
    "tags": [{"key": "team", "value": "web"}]
}`

func TestParseKinds(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, in *detect.Inventory)
	}{
		{"describe-task-definition", tdWeb1, func(t *testing.T, in *detect.Inventory) {
			if len(in.TaskDefinitions) != 1 {
				t.Fatalf("task definitions = %d", len(in.TaskDefinitions))
			}
			td := in.TaskDefinitions[0]
			if td.Revision != 1 || td.Status != ecstypes.TaskDefinitionStatusActive || *td.Cpu != "256" {
				t.Errorf("revision/status/cpu = %d/%s/%s", td.Revision, td.Status, *td.Cpu)
			}
			c := td.ContainerDefinitions[0]
			if c.ReadonlyRootFilesystem == nil || *c.ReadonlyRootFilesystem || c.Essential == nil || !*c.Essential {
				t.Errorf("readonlyRootFilesystem/essential not decoded: %+v", c)
			}
			if c.LogConfiguration.LogDriver != ecstypes.LogDriverAwslogs || c.LogConfiguration.Options["awslogs-group"] != "/ecs/web" {
				t.Errorf("logConfiguration = %+v", c.LogConfiguration)
			}
			if c.DockerLabels["com.example.team"] != "web" {
				t.Errorf("dockerLabels = %v", c.DockerLabels)
			}
			if td.Volumes[0].EfsVolumeConfiguration.TransitEncryption != ecstypes.EFSTransitEncryptionDisabled {
				t.Errorf("volume = %+v", td.Volumes[0])
			}
			if len(td.Tags) != 1 || *td.Tags[0].Key != "team" {
				t.Errorf("tags = %+v", td.Tags)
			}
			want := time.Date(2024, 5, 21, 8, 29, 51, 907000000, time.UTC)
			if !td.RegisteredAt.Equal(want) || td.RegisteredAt.Location() != time.UTC {
				t.Errorf("registeredAt = %v, want %v in UTC", td.RegisteredAt, want)
			}
		}},
		{"describe-services", `{"services": [{"serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/prod/web", "serviceName": "web",
			"clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", "desiredCount": 2, "launchType": "FARGATE", "platformVersion": "1.3.0",
			"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}},
			"deployments": [{"id": "ecs-svc/1", "status": "PRIMARY", "createdAt": 1716280311.26, "rolloutState": "COMPLETED"}],
			"deploymentConfiguration": {"lifecycleHooks": [{"hookTargetArn": "arn:aws:lambda:eu-west-1:123456789012:function:f", "hookDetails": {"a": [1, "b"]}}]},
			"taskSets": [{"taskSetArn": "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc/9", "status": "PRIMARY"}]}],
			"failures": []}`, func(t *testing.T, in *detect.Inventory) {
			if len(in.Services) != 1 || len(in.TaskSets) != 1 {
				t.Fatalf("services/task sets = %d/%d", len(in.Services), len(in.TaskSets))
			}
			s := in.Services[0]
			if s.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp != ecstypes.AssignPublicIpEnabled || s.DesiredCount != 2 {
				t.Errorf("service = %+v", s)
			}
			if got := s.Deployments[0].CreatedAt.UnixMilli(); got != 1716280311260 {
				t.Errorf("deployment createdAt = %d ms", got)
			}
			hd := s.DeploymentConfiguration.LifecycleHooks[0].HookDetails
			var v any
			if err := hd.UnmarshalSmithyDocument(&v); err != nil || len(v.(map[string]any)["a"].([]any)) != 2 {
				t.Errorf("hookDetails = %v, %v", v, err)
			}
			if len(s.TaskSets) != 1 {
				t.Errorf("the service's own taskSets were dropped")
			}
		}},
		{"describe-clusters", `{"clusters": [{"clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", "clusterName": "prod",
			"settings": [{"name": "containerInsights", "value": "enhanced"}], "statistics": [], "tags": []}], "failures": []}`,
			func(t *testing.T, in *detect.Inventory) {
				if len(in.Clusters) != 1 || in.Clusters[0].Settings[0].Value == nil || *in.Clusters[0].Settings[0].Value != "enhanced" {
					t.Errorf("clusters = %+v", in.Clusters)
				}
			}},
		{"describe-task-sets", `{"taskSets": [{"taskSetArn": "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/web/ecs-svc/9",
			"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}}, "scale": {"value": 100.0, "unit": "PERCENT"}}], "failures": []}`,
			func(t *testing.T, in *detect.Inventory) {
				if len(in.TaskSets) != 1 || in.TaskSets[0].Scale.Value != 100 {
					t.Errorf("task sets = %+v", in.TaskSets)
				}
			}},
		{"describe-capacity-providers", `{"capacityProviders": [{"capacityProviderArn": "arn:aws:ecs:eu-west-1:123456789012:capacity-provider/cp",
			"name": "cp", "status": "ACTIVE", "autoScalingGroupProvider": {"autoScalingGroupArn": "arn:asg", "managedTerminationProtection": "DISABLED",
			"managedScaling": {"status": "ENABLED", "targetCapacity": 100}}}], "failures": [], "nextToken": "abc"}`,
			func(t *testing.T, in *detect.Inventory) {
				if len(in.CapacityProviders) != 1 || in.CapacityProviders[0].AutoScalingGroupProvider.ManagedTerminationProtection != ecstypes.ManagedTerminationProtectionDisabled {
					t.Errorf("capacity providers = %+v", in.CapacityProviders)
				}
			}},
		{"describe-security-groups", `{"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1",
			"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}],
			"IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}], "NextToken": "x"}`,
			func(t *testing.T, in *detect.Inventory) {
				g, ok := in.SecurityGroup("sg-1")
				if !ok || *g.IpPermissions[0].FromPort != 8080 || *g.IpPermissions[0].IpRanges[0].CidrIp != "0.0.0.0/0" {
					t.Errorf("security group = %+v", g)
				}
			}},
		{"describe-subnets", `{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "MapPublicIpOnLaunch": true, "AvailableIpAddressCount": 250}]}`,
			func(t *testing.T, in *detect.Inventory) {
				s, ok := in.Subnet("subnet-1")
				if !ok || !*s.MapPublicIpOnLaunch || *s.AvailableIpAddressCount != 250 {
					t.Errorf("subnet = %+v", s)
				}
			}},
		{"describe-route-tables", `{"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1",
			"Associations": [{"Main": false, "SubnetId": "subnet-1", "RouteTableAssociationId": "rtbassoc-1", "AssociationState": {"State": "associated"}}],
			"Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute", "State": "active"}]}]}`,
			func(t *testing.T, in *detect.Inventory) {
				rt, ok := in.RouteTableFor("subnet-1")
				if !ok || *rt.Routes[0].NatGatewayId != "nat-1" {
					t.Errorf("route table = %+v", rt)
				}
			}},
		{"describe-load-balancers", `{"LoadBalancers": [{"LoadBalancerArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/a/1",
			"DNSName": "a.elb.amazonaws.com", "Scheme": "internet-facing", "Type": "application", "State": {"Code": "active"},
			"CreatedTime": "2024-03-04T10:05:27.340Z", "SecurityGroups": ["sg-alb"]}], "NextMarker": "m"}`,
			func(t *testing.T, in *detect.Inventory) {
				lb, ok := in.LoadBalancer("arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/a/1")
				if !ok || lb.SecurityGroups[0] != "sg-alb" || *lb.DNSName != "a.elb.amazonaws.com" {
					t.Errorf("load balancer = %+v", lb)
				}
			}},
		{"describe-target-groups", `{"TargetGroups": [{"TargetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/1",
			"Port": 8080, "Protocol": "HTTP", "TargetType": "ip", "Matcher": {"HttpCode": "200"}, "LoadBalancerArns": ["arn:lb"]}]}`,
			func(t *testing.T, in *detect.Inventory) {
				if len(in.TargetGroups) != 1 || *in.TargetGroups[0].Port != 8080 {
					t.Errorf("target groups = %+v", in.TargetGroups)
				}
			}},
		{"get-role", `{"Role": {"Path": "/", "RoleName": "app", "RoleId": "AROA1", "Arn": "arn:aws:iam::123456789012:role/app",
			"CreateDate": "2024-01-01T00:00:00+00:00", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]},
			"MaxSessionDuration": 3600, "Tags": [{"Key": "team", "Value": "web"}], "RoleLastUsed": {}}}`,
			func(t *testing.T, in *detect.Inventory) {
				r, ok := in.Role("arn:aws:iam::123456789012:role/app")
				if !ok || r.PoliciesKnown || r.Name != "app" || r.Tags["team"] != "web" {
					t.Fatalf("role = %+v", r)
				}
				if r.AssumeRolePolicy != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}` {
					t.Errorf("trust policy = %s", r.AssumeRolePolicy)
				}
			}},
		{"get-account-authorization-details", `{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [{"RoleName": "app",
			"Arn": "arn:aws:iam::123456789012:role/app", "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D",
			"RolePolicyList": [{"PolicyName": "s3", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}],
			"AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
				{"PolicyName": "local", "PolicyArn": "arn:aws:iam::123456789012:policy/local"}]}],
			"Policies": [{"PolicyName": "local", "Arn": "arn:aws:iam::123456789012:policy/local", "DefaultVersionId": "v2", "IsAttachable": true,
				"PolicyVersionList": [{"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": []}},
					{"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}],
			"IsTruncated": false}`,
			func(t *testing.T, in *detect.Inventory) {
				r, ok := in.Role("arn:aws:iam::123456789012:role/app")
				if !ok || !r.PoliciesKnown {
					t.Fatalf("role = %+v", r)
				}
				if r.AssumeRolePolicy != `{"Version":"2012-10-17"}` {
					t.Errorf("URL-encoded trust policy not decoded: %s", r.AssumeRolePolicy)
				}
				want := []detect.PolicyDocument{{Name: "s3", Document: `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}}
				if !reflect.DeepEqual(r.Inline, want) {
					t.Errorf("inline = %+v", r.Inline)
				}
				wantAttached := []detect.AttachedPolicy{
					{Name: "AdministratorAccess", Arn: "arn:aws:iam::aws:policy/AdministratorAccess"},
					{Name: "local", Arn: "arn:aws:iam::123456789012:policy/local", Document: `{"Statement":[]}`},
				}
				if !reflect.DeepEqual(r.Attached, wantAttached) {
					t.Errorf("attached = %+v", r.Attached)
				}
			}},
		{"describe-vpc-endpoints", vpceDoc, func(t *testing.T, in *detect.Inventory) {
			if !in.VpcEndpointsKnown || len(in.VpcEndpoints) != 2 {
				t.Fatalf("known %v, endpoints %d", in.VpcEndpointsKnown, len(in.VpcEndpoints))
			}
			eps := in.VpcEndpointsOf("vpc-1")
			if len(eps) != 2 {
				t.Fatalf("VpcEndpointsOf(vpc-1) = %d", len(eps))
			}
			s3, logs := eps[0], eps[1]
			if s3.VpcEndpointType != ec2types.VpcEndpointTypeGateway || !strings.EqualFold(string(s3.State), "available") || len(s3.RouteTableIds) != 1 || s3.RouteTableIds[0] != "rtb-1" {
				t.Errorf("s3 endpoint = %+v", s3)
			}
			if logs.VpcEndpointType != ec2types.VpcEndpointTypeInterface || logs.PrivateDnsEnabled == nil || !*logs.PrivateDnsEnabled || *logs.ServiceName != "com.amazonaws.eu-west-1.logs" {
				t.Errorf("logs endpoint = %+v", logs)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Parse("doc.json", []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, in)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"unknown field", `{"services": [{"serviceArn": "a"},
			{"serviceArn": "b", "fooBar": 1}]}`,
			[]string{"x.json: services[1].fooBar: unknown field (line 2,"}},
		{"unknown top-level field", `{"services": [], "nextToken": "x"}`, []string{"x.json: nextToken: unknown field"}},
		{"string for number", `{"services": [{"serviceArn": "a", "desiredCount": "2"}]}`,
			[]string{"x.json: services[0].desiredCount: expected integer, got string"}},
		{"fraction for integer", `{"services": [{"serviceArn": "a", "desiredCount": 2.5}]}`,
			[]string{"services[0].desiredCount: expected an integer that fits in 32 bits, got 2.5"}},
		{"overflow", `{"services": [{"serviceArn": "a", "desiredCount": 4294967296}]}`, []string{"desiredCount: expected an integer"}},
		{"object for string", `{"clusters": [{"clusterArn": {"a": 1}}]}`, []string{"clusters[0].clusterArn: expected string, got object"}},
		{"array for object", `{"clusters": [{"clusterArn": "a", "configuration": []}]}`, []string{"clusters[0].configuration: expected object, got array"}},
		{"number for boolean", `{"Subnets": [{"SubnetId": "s", "MapPublicIpOnLaunch": 1}]}`, []string{"Subnets[0].MapPublicIpOnLaunch: expected boolean, got number"}},
		{"bad timestamp", `{"services": [{"serviceArn": "a", "createdAt": "yesterday"}]}`, []string{`services[0].createdAt: invalid timestamp "yesterday"`}},
		{"duplicate field", `{"services": [{"serviceArn": "a", "ServiceArn": "b"}]}`, []string{"services[0].ServiceArn: duplicate field"}},
		{"duplicate map key", `{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:1",
			"containerDefinitions": [{"dockerLabels": {"a": "1", "a": "2"}}]}}`, []string{`containerDefinitions[0].dockerLabels.a: duplicate key`}},
		{"malformed JSON", "{\n  \"services\": [\n    {\"serviceArn\": \"a\",}\n  ]\n}", []string{"x.json:3:24: invalid JSON: unexpected character '}'"}},
		{"truncated JSON", `{"services": [`, []string{"x.json:1:15: invalid JSON: unexpected end of input"}},
		{"trailing data", `{"services": []} {}`, []string{"x.json:1:18: invalid JSON: unexpected character '{' after the end"}},
		{"empty file", ``, []string{"x.json:1:1: invalid JSON"}},
		{"unrecognised", `{"Reservations": []}`, []string{"x.json: not a recognised AWS CLI document (top-level keys: Reservations)", "aws ecs describe-services", "aws iam get-account-authorization-details"}},
		{"many unrecognised keys", "{" + manyKeys(60) + "}", []string{"(top-level keys: k00, k01, ", "k49, and 10 more)"}},
		{"not an object", `"x"`, []string{"x.json: not a recognised AWS CLI document: the top level is string"}},
		{"array of numbers", `[1, 2]`, []string{"x.json: not a recognised AWS CLI document: the top level is an array, and its element [0] is a number, so it is not a containerDefinitions array"}},
		{"mixed kinds", `{"services": [], "clusters": []}`, []string{"x.json: mixes the outputs of several commands (aws ecs describe-services; aws ecs describe-clusters)"}},
		{"missing ARN", `{"services": [{"serviceName": "web"}]}`, []string{"x.json: services[0]: missing serviceArn"}},
		{"bad task-definition ARN", `{"taskDefinition": {"taskDefinitionArn": "web:1"}}`, []string{"x.json: taskDefinition.taskDefinitionArn:", "is not a task-definition ARN"}},
		{"revision mismatch", `{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/a:2", "revision": 3}}`,
			[]string{"taskDefinition.revision: 3 does not match the ARN's revision 2"}},
		{"null task definition", `{"taskDefinition": null}`, []string{"x.json: taskDefinition: missing value"}},
		{"conflicting duplicate in one file", `{"services": [{"serviceArn": "a", "desiredCount": 1}, {"serviceArn": "a", "desiredCount": 2}]}`,
			[]string{"x.json: AWS::ECS::Service a appears twice with different content (services[0] and services[1])"}},
		{"inline policy without its role", `{"RoleName": "app", "PolicyName": "p", "PolicyDocument": {"Statement": []}}`,
			[]string{"x.json: inline policy p of role app: the snapshot has no role named app"}},
		{"deep nesting", strings.Repeat("[", 10000), []string{"x.json:1:201: invalid JSON: document nested deeper than 200 levels"}},
		{"invalid UTF-8", "{\"services\": [{\"serviceArn\": \"a\xff\"}]}", []string{"invalid UTF-8 in string"}},
		{"control character", "{\"services\": [{\"serviceArn\": \"a\tb\"}]}", []string{"control character 0x09 in string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.json", []byte(tt.doc))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// manyKeys is n members "kNN": NN, for a document with many top-level keys.
func manyKeys(n int) string {
	members := make([]string, n)
	for i := range n {
		members[i] = fmt.Sprintf(`"k%02d": %d`, i, i)
	}
	return strings.Join(members, ", ")
}

func TestTimestamps(t *testing.T) {
	want := time.Date(2024, 5, 21, 8, 29, 51, 907000000, time.UTC)
	for _, v := range []string{
		`"2024-05-21T08:29:51.907000+00:00"`,
		`"2024-05-21T10:29:51.907+02:00"`,
		`"2024-05-21T08:29:51.907Z"`,
		`"2024-05-21T03:29:51.907-0500"`,
		`"2024-05-21T08:29:51.907"`,
		`"2024-05-21 08:29:51.907+00:00"`,
		`1716280191.907`,
		`1716280191.907000`,
		`1.716280191907e9`,
		`"1716280191.907"`,
	} {
		t.Run(v, func(t *testing.T) {
			doc := `{"services": [{"serviceArn": "a", "createdAt": ` + v + `}]}`
			in, err := Parse("t.json", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			got := *in.Services[0].CreatedAt
			if got.Sub(want).Abs() > time.Microsecond || got.Location() != time.UTC {
				t.Errorf("createdAt = %v, want %v", got, want)
			}
		})
	}
	in, err := Parse("t.json", []byte(`{"services": [{"serviceArn": "a", "createdAt": 1716280191}]}`))
	if err != nil || !in.Services[0].CreatedAt.Equal(time.Unix(1716280191, 0)) {
		t.Errorf("integer epoch: %v, %v", in, err)
	}
}

func TestNull(t *testing.T) {
	in, err := Parse("n.json", []byte(`{"services": [{"serviceArn": "a", "desiredCount": null, "loadBalancers": null,
		"networkConfiguration": null, "enableExecuteCommand": null, "createdAt": null}], "failures": null}`))
	if err != nil {
		t.Fatal(err)
	}
	s := in.Services[0]
	if s.DesiredCount != 0 || s.LoadBalancers != nil || s.NetworkConfiguration != nil || s.EnableExecuteCommand || s.CreatedAt != nil {
		t.Errorf("null did not give zero values: %+v", s)
	}
}

func TestFailures(t *testing.T) {
	in, err := Parse("f.json", []byte(`{"services": [], "failures": [
		{"arn": "arn:aws:ecs:eu-west-1:123456789012:service/prod/gone", "reason": "MISSING"},
		{"arn": "arn:aws:ecs:eu-west-1:123456789012:service/prod/web", "reason": "AccessDenied", "detail": "not authorized"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []detect.ReadError{{Region: "eu-west-1", ResourceType: detect.TypeService, Resource: "arn:aws:ecs:eu-west-1:123456789012:service/prod/web",
		Operation: "DescribeServices", Message: "f.json: AccessDenied: not authorized"}}
	if !reflect.DeepEqual(in.Errors, want) {
		t.Errorf("errors = %+v", in.Errors)
	}
}

const svcA = `{"services": [{"serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/prod/a", "desiredCount": 1,
	"taskSets": [{"taskSetArn": "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/a/ecs-svc/1", "status": "PRIMARY"}]}]}`

const vpceDoc = `{"VpcEndpoints": [
	{"VpcEndpointId": "vpce-s3", "VpcEndpointType": "Gateway", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.eu-west-1.s3",
	 "State": "available", "PolicyDocument": "{\"Statement\":[]}", "RouteTableIds": ["rtb-1"], "SubnetIds": [], "Groups": [],
	 "PrivateDnsEnabled": false, "RequesterManaged": false, "NetworkInterfaceIds": [], "DnsEntries": [],
	 "CreationTimestamp": "2024-03-12T09:41:27.000Z", "Tags": [], "OwnerId": "123456789012"},
	{"VpcEndpointId": "vpce-logs", "VpcEndpointType": "Interface", "VpcId": "vpc-1", "ServiceName": "com.amazonaws.eu-west-1.logs",
	 "State": "available", "SubnetIds": ["subnet-1"], "Groups": [{"GroupId": "sg-1", "GroupName": "endpoints"}], "IpAddressType": "ipv4",
	 "DnsOptions": {"DnsRecordIpType": "ipv4"}, "PrivateDnsEnabled": true, "RequesterManaged": false}]}`

// TestVpcEndpointsKnown: the endpoints are known only when the snapshot holds the whole
// describe-vpc-endpoints output.
func TestVpcEndpointsKnown(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		known bool
		count int
	}{
		{"no endpoints document", map[string]string{"svc.json": svcA}, false, 0},
		{"endpoints document", map[string]string{"svc.json": svcA, "ec2/vpc-endpoints.json": vpceDoc}, true, 2},
		{"empty endpoints document: the VPCs have none", map[string]string{"ec2/vpc-endpoints.json": `{"VpcEndpoints": []}`}, true, 0},
		{"one page of several", map[string]string{"ec2/vpc-endpoints.json": strings.Replace(vpceDoc, `"VpcEndpoints": [`, `"NextToken": "abc", "VpcEndpoints": [`, 1)}, false, 2},
		{"same endpoints twice", map[string]string{"a.json": vpceDoc, "b.json": vpceDoc}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Load(writeTree(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			if in.VpcEndpointsKnown != tt.known || len(in.VpcEndpoints) != tt.count {
				t.Errorf("known %v, endpoints %d; want %v, %d", in.VpcEndpointsKnown, len(in.VpcEndpoints), tt.known, tt.count)
			}
		})
	}
	_, err := Load(writeTree(t, map[string]string{"a.json": vpceDoc, "b.json": strings.Replace(vpceDoc, `"available"`, `"pending"`, 1)}))
	if err == nil || !strings.Contains(err.Error(), "AWS::EC2::VPCEndpoint vpce-s3 differs between") {
		t.Errorf("conflicting endpoints: %v", err)
	}
	_, err = Parse("e.json", []byte(`{"VpcEndpoints": [{"VpcId": "vpc-1"}]}`))
	if err == nil || !strings.Contains(err.Error(), "e.json: VpcEndpoints[0]: missing VpcEndpointId") {
		t.Errorf("endpoint without id: %v", err)
	}
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr []string
		check   func(t *testing.T, in *detect.Inventory)
	}{
		{"identical duplicates kept once", map[string]string{"a.json": svcA, "b/a-again.json": svcA,
			"ts.json": `{"taskSets": [{"taskSetArn": "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/a/ecs-svc/1", "status": "PRIMARY"}], "failures": []}`},
			nil, func(t *testing.T, in *detect.Inventory) {
				if len(in.Services) != 1 || len(in.TaskSets) != 1 {
					t.Errorf("services/task sets = %d/%d", len(in.Services), len(in.TaskSets))
				}
			}},
		{"conflicting duplicates", map[string]string{"a.json": svcA, "b.json": strings.Replace(svcA, `"desiredCount": 1`, `"desiredCount": 3`, 1)},
			[]string{"AWS::ECS::Service arn:aws:ecs:eu-west-1:123456789012:service/prod/a differs between", "a.json (services[0]) and ", "b.json (services[0])"}, nil},
		{"conflicting task set", map[string]string{"a.json": svcA,
			"ts.json": `{"taskSets": [{"taskSetArn": "arn:aws:ecs:eu-west-1:123456789012:task-set/prod/a/ecs-svc/1", "status": "DRAINING"}]}`},
			[]string{"AWS::ECS::TaskSet", "a.json (services[0].taskSets[0])", "ts.json (taskSets[0])"}, nil},
		{"revisions of one family", map[string]string{"web-1.json": tdWeb1,
			"web-2.json": strings.NewReplacer("web:1", "web:2", `"revision": 1`, `"revision": 2`).Replace(tdWeb1),
			"web-3.json": strings.NewReplacer("web:1", "web:3", `"revision": 1`, `"revision": 3`, `"ACTIVE"`, `"INACTIVE"`).Replace(tdWeb1)},
			nil, func(t *testing.T, in *detect.Inventory) {
				latest, ok := in.LatestActive("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1")
				if len(in.TaskDefinitions) != 3 || !ok || latest.Revision != 2 {
					t.Errorf("task definitions = %d, latest active = %v", len(in.TaskDefinitions), latest)
				}
			}},
		{"get-role, get-role-policy and authorization details", map[string]string{
			"iam/role.json":        `{"Role": {"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app", "AssumeRolePolicyDocument": {"Statement": []}}}`,
			"iam/role-policy.json": `{"RoleName": "app", "PolicyName": "s3", "PolicyDocument": {"Statement": [{"Effect": "Allow"}]}}`,
		}, nil, func(t *testing.T, in *detect.Inventory) {
			r, _ := in.Role("arn:aws:iam::123456789012:role/app")
			if r == nil || r.PoliciesKnown || len(r.Inline) != 1 || r.Inline[0].Document != `{"Statement":[{"Effect":"Allow"}]}` {
				t.Errorf("role = %+v", r)
			}
		}},
		{"get-role then complete details", map[string]string{
			"iam/a-role.json": `{"Role": {"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app", "AssumeRolePolicyDocument": {"Statement": []}}}`,
			"iam/b-auth.json": `{"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app", "AssumeRolePolicyDocument": {"Statement": []},
				"RolePolicyList": [{"PolicyName": "s3", "PolicyDocument": {"Statement": [{"Effect": "Allow"}]}}]}], "Policies": []}`,
			"iam/c-role-policy.json": `{"RoleName": "app", "PolicyName": "s3", "PolicyDocument": {"Statement": [{"Effect": "Allow"}]}}`,
		}, nil, func(t *testing.T, in *detect.Inventory) {
			r, _ := in.Role("arn:aws:iam::123456789012:role/app")
			if len(in.Roles) != 1 || !r.PoliciesKnown || len(r.Inline) != 1 {
				t.Errorf("roles = %+v", in.Roles)
			}
		}},
		{"inline policy missing from complete details", map[string]string{
			"iam/auth.json":        `{"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app"}]}`,
			"iam/role-policy.json": `{"RoleName": "app", "PolicyName": "s3", "PolicyDocument": {"Statement": []}}`,
		}, []string{"role-policy.json: inline policy s3 of role app is not among the role's policies in", "auth.json"}, nil},
		{"conflicting trust policies", map[string]string{
			"a.json": `{"Role": {"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app", "AssumeRolePolicyDocument": {"Statement": []}}}`,
			"b.json": `{"Role": {"RoleName": "app", "Arn": "arn:aws:iam::123456789012:role/app", "AssumeRolePolicyDocument": {"Statement": [{}]}}}`,
		}, []string{"AWS::IAM::Role arn:aws:iam::123456789012:role/app differs between", "a.json (Role)", "b.json (Role)"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Load(writeTree(t, tt.files))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\ndoes not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, in)
		})
	}
}

func TestLoadWalk(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"ecs/services.json":         svcA,
		"ecs/deep/er/taskdef.JSON":  tdWeb1,
		"ecs/notes.txt":             "not json",
		".git/config.json":          "garbage",
		"ecs/.hidden.json":          "garbage",
		"ecs/.cache/sub/thing.json": "garbage",
	})
	in, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Services) != 1 || len(in.TaskDefinitions) != 1 {
		t.Errorf("services/task definitions = %d/%d", len(in.Services), len(in.TaskDefinitions))
	}

	// A single file is read whatever its name.
	single := filepath.Join(dir, "ecs", "notes.txt")
	if err := os.WriteFile(single, []byte(svcA), 0o644); err != nil {
		t.Fatal(err)
	}
	if in, err := Load(single); err != nil || len(in.Services) != 1 {
		t.Errorf("single file: %v, %v", in, err)
	}

	// A file that cannot be read is a read error naming it; the other files are read.
	bad := writeTree(t, map[string]string{"a/ok.json": svcA, "b/bad.json": `{"services": [}`})
	if in, err := Load(bad); err != nil || len(in.Errors) != 1 || in.Errors[0].Resource != filepath.Join(bad, "b", "bad.json") ||
		!strings.HasPrefix(in.Errors[0].Message, "1:15: invalid JSON") || len(in.Services) != 1 {
		t.Errorf("Load = %+v, %v", in, err)
	}
	// Given alone, it is an error naming it.
	if _, err := Load(filepath.Join(bad, "b", "bad.json")); err == nil || !strings.Contains(err.Error(), filepath.Join(bad, "b", "bad.json")+":1:15: invalid JSON") {
		t.Errorf("error = %v", err)
	}

	for name, files := range map[string]map[string]string{
		"empty folder":        {},
		"folder with no JSON": {"readme.txt": "x", ".hidden.json": svcA},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(writeTree(t, files))
			if err == nil || !strings.Contains(err.Error(), "no *.json files") {
				t.Errorf("error = %v", err)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "nope")); err == nil {
		t.Error("missing path: no error")
	}
}

// TestDecoderCoversSDKTypes fails when an SDK type the snapshot decodes gains a field of a kind the
// decoder cannot fill (it would fail at load time on real data otherwise).
func TestDecoderCoversSDKTypes(t *testing.T) {
	for _, k := range kinds {
		ty := reflect.TypeOf(k.newDoc()).Elem()
		for _, bad := range awsjson.Unsupported(ty) {
			t.Errorf("unsupported field type at %s", bad)
		}
	}
}

func TestDemo(t *testing.T) {
	in, err := Load(filepath.Join("..", "..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string][2]int{
		"task definitions":   {len(in.TaskDefinitions), 10},
		"services":           {len(in.Services), 6},
		"clusters":           {len(in.Clusters), 2},
		"capacity providers": {len(in.CapacityProviders), 3},
		"security groups":    {len(in.SecurityGroups), 6},
		"subnets":            {len(in.Subnets), 4},
		"route tables":       {len(in.RouteTables), 3},
		"vpc endpoints":      {len(in.VpcEndpoints), 1},
		"load balancers":     {len(in.LoadBalancers), 1},
		"target groups":      {len(in.TargetGroups), 2},
		"roles":              {len(in.Roles), 7},
		"read errors":        {len(in.Errors), 0},
	}
	for what, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%s: %d, want %d", what, c[0], c[1])
		}
	}
	const p = "arn:aws:ecs:eu-west-1:123456789012:"
	// The worker runs revision 2, the family's latest ACTIVE is 3.
	worker, ok := in.Service(p + "service/storefront-prod/worker")
	if !ok || *worker.TaskDefinition != p+"task-definition/worker:2" {
		t.Fatalf("worker = %+v", worker)
	}
	if latest, ok := in.LatestActive(*worker.TaskDefinition); !ok || latest.Revision != 3 {
		t.Errorf("worker latest ACTIVE = %+v", latest)
	}
	// api:3 is the highest revision but INACTIVE: api:2 is the latest ACTIVE.
	if latest, ok := in.LatestActive(p + "task-definition/api:3"); !ok || latest.Revision != 2 {
		t.Errorf("api latest ACTIVE = %+v", latest)
	}
	web, _ := in.Service(p + "service/storefront-prod/web")
	if web == nil || *web.PlatformVersion != "1.3.0" || len(web.LoadBalancers) != 1 {
		t.Fatalf("web = %+v", web)
	}
	sg, ok := in.SecurityGroup(web.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0])
	if !ok || *sg.IpPermissions[0].IpRanges[0].CidrIp != "0.0.0.0/0" || *sg.IpPermissions[0].FromPort != 8080 {
		t.Errorf("web task security group = %+v", sg)
	}
	tg, ok := in.TargetGroup(*web.LoadBalancers[0].TargetGroupArn)
	if !ok {
		t.Fatal("web target group missing")
	}
	if lb, ok := in.LoadBalancer(tg.LoadBalancerArns[0]); !ok || lb.SecurityGroups[0] == *sg.GroupId {
		t.Errorf("load balancer = %+v", lb)
	}
	webTD, _ := in.TaskDefinition(*web.TaskDefinition)
	env := map[string]string{}
	for _, kv := range webTD.ContainerDefinitions[0].Environment {
		env[*kv.Name] = *kv.Value
	}
	if env["AWS_ACCESS_KEY_ID"] != "AKIAIOSFODNN7EXAMPLE" || env["DB_PASSWORD"] == "" {
		t.Errorf("web environment lacks the example credentials")
	}
	role, ok := in.Role(*webTD.TaskRoleArn)
	if !ok || !role.PoliciesKnown || role.Attached[0].Arn != "arn:aws:iam::aws:policy/AdministratorAccess" {
		t.Errorf("web task role = %+v", role)
	}
	if _, ok := in.Role(*webTD.ExecutionRoleArn); !ok {
		t.Error("execution role missing")
	}
	api, _ := in.Service(p + "service/storefront-prod/api")
	if api.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp != ecstypes.AssignPublicIpEnabled || *api.PlatformVersion != "LATEST" {
		t.Errorf("api = %+v", api.NetworkConfiguration)
	}
	rt, ok := in.RouteTableFor(api.NetworkConfiguration.AwsvpcConfiguration.Subnets[0])
	if !ok || rt.Routes[1].NatGatewayId == nil {
		t.Errorf("api subnet route table = %+v", rt)
	}
	if !in.VpcEndpointsKnown {
		t.Error("the demo holds describe-vpc-endpoints: its endpoints are known")
	}
	insights := map[string]string{}
	for _, c := range in.Clusters {
		insights[*c.ClusterName] = *c.Settings[0].Value
	}
	if insights["storefront-prod"] != "enabled" || insights["ops-ec2"] != "disabled" {
		t.Errorf("container insights = %v", insights)
	}
	agent, _ := in.TaskDefinition(p + "task-definition/monitoring-agent:1")
	if agent == nil || agent.NetworkMode != ecstypes.NetworkModeHost || !*agent.ContainerDefinitions[0].Privileged || *agent.Volumes[0].Host.SourcePath == "" {
		t.Errorf("monitoring agent = %+v", agent)
	}
	if cp := in.CapacityProviders[0]; cp.AutoScalingGroupProvider.ManagedTerminationProtection != ecstypes.ManagedTerminationProtectionDisabled {
		t.Errorf("capacity provider = %+v", cp)
	}
	// The demo evaluates without surprises whatever controls exist.
	for _, r := range detect.Evaluate(in, &detect.Settings{}) {
		if r.ResourceArn == "" {
			t.Errorf("result without a resource: %+v", r)
		}
	}
}

func TestOpenRecordsOrigins(t *testing.T) {
	snap, err := Open("../../testdata/demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, td := range snap.Inventory.TaskDefinitions {
		o, ok := snap.Origins[td.ARN()]
		if !ok || o.Line < 1 {
			t.Errorf("no origin for %s: %+v", td.ARN(), o)
			continue
		}
		data, err := os.ReadFile(o.File)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		if o.Line > len(lines) || !strings.Contains(lines[o.Line-1], td.ARN()) {
			t.Errorf("origin %s:%d of %s does not hold its ARN", o.File, o.Line, td.ARN())
		}
	}
	if len(snap.Origins) == 0 {
		t.Fatal("no origins")
	}
}

const eniDoc = `{"NetworkInterfaces": [
	{"NetworkInterfaceId": "eni-task", "InterfaceType": "interface", "Description": "arn:aws:ecs:eu-west-1:123456789012:attachment/0b4c",
	 "RequesterId": "578734482556", "RequesterManaged": true, "Status": "in-use", "SubnetId": "subnet-1", "VpcId": "vpc-1",
	 "Groups": [{"GroupId": "sg-1", "GroupName": "web"}], "PrivateIpAddress": "10.0.1.5", "Attachment": {"Status": "attached"}},
	{"NetworkInterfaceId": "eni-db", "InterfaceType": "interface", "Description": "bastion", "Status": "in-use",
	 "SubnetId": "subnet-1", "VpcId": "vpc-1", "Groups": [{"GroupId": "sg-1", "GroupName": "web"}, {"GroupId": "sg-2", "GroupName": "db"}]}]}`

// TestNetworkInterfacesKnown: describe-network-interfaces is recognised, indexed by group, and known only
// when whole.
func TestNetworkInterfacesKnown(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		known bool
		count int
	}{
		{"no interfaces document", map[string]string{"svc.json": svcA}, false, 0},
		{"interfaces document", map[string]string{"svc.json": svcA, "ec2/network-interfaces.json": eniDoc}, true, 2},
		{"empty interfaces document", map[string]string{"ec2/network-interfaces.json": `{"NetworkInterfaces": []}`}, true, 0},
		{"one page of several", map[string]string{"ec2/network-interfaces.json": strings.Replace(eniDoc, `"NetworkInterfaces": [`, `"NextToken": "abc", "NetworkInterfaces": [`, 1)}, false, 2},
		{"same interfaces twice", map[string]string{"a.json": eniDoc, "b.json": eniDoc}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := Load(writeTree(t, tt.files))
			if err != nil {
				t.Fatal(err)
			}
			if in.NetworkInterfacesKnown != tt.known || len(in.NetworkInterfaces) != tt.count {
				t.Errorf("known %v, interfaces %d; want %v, %d", in.NetworkInterfacesKnown, len(in.NetworkInterfaces), tt.known, tt.count)
			}
		})
	}
	in, err := Parse("eni.json", []byte(eniDoc))
	if err != nil {
		t.Fatal(err)
	}
	if nis := in.InterfacesWithGroup("sg-1"); len(nis) != 2 {
		t.Errorf("InterfacesWithGroup(sg-1) = %d, want 2", len(nis))
	}
	if nis := in.InterfacesWithGroup("sg-2"); len(nis) != 1 || *nis[0].NetworkInterfaceId != "eni-db" || *nis[0].Description != "bastion" {
		t.Errorf("InterfacesWithGroup(sg-2) = %+v", nis)
	}
	if !slices.Contains(Recognised(), "aws ec2 describe-network-interfaces") {
		t.Error("describe-network-interfaces is not recognised")
	}
	_, err = Parse("e.json", []byte(`{"NetworkInterfaces": [{"VpcId": "vpc-1"}]}`))
	if err == nil || !strings.Contains(err.Error(), "e.json: NetworkInterfaces[0]: missing NetworkInterfaceId") {
		t.Errorf("interface without id: %v", err)
	}
}
