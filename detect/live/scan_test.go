package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const active, inactive = ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive

func runFakes(t *testing.T, f *fakes, opts Options) *detect.Inventory {
	t.Helper()
	inv, _, err := scan(context.Background(), f.factory(), []string{"us-east-1"}, opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return inv
}

func tdArns(inv *detect.Inventory) []string {
	return ids(inv.TaskDefinitions, func(td detect.TaskDefinition) string { return td.ARN() })
}

func TestPaginationAndBatching(t *testing.T) {
	f := newFakes()
	f.ecs.pageSize = 7
	for i := range 250 {
		f.ecs.clusters = append(f.ecs.clusters, fmt.Sprintf("c%03d", i))
	}
	for i := range 25 {
		f.ecs.addService("c000", fmt.Sprintf("s%02d", i), tdArnOf("fam000", 1))
	}
	for i := range 20 {
		f.ecs.addFamily(fmt.Sprintf("fam%03d", i), active)
	}
	inv := runFakes(t, f, Options{})

	if len(inv.Clusters) != 250 || len(inv.Services) != 25 || len(inv.TaskDefinitions) != 20 || len(inv.CapacityProviders) != 2 {
		t.Fatalf("got %d clusters, %d services, %d revisions, %d capacity providers",
			len(inv.Clusters), len(inv.Services), len(inv.TaskDefinitions), len(inv.CapacityProviders))
	}
	tests := []struct {
		op          string
		calls, maxN int
	}{
		{"ListClusters", 36, 0},      // ceil(250/7) pages
		{"DescribeClusters", 3, 100}, // 100+100+50
		{"ListServices", 250 + 3, 0}, // one page for each empty cluster, 4 pages for c000
		{"DescribeServices", 3, 10},  // 10+10+5
		{"ListTaskDefinitionFamilies", 3, 0},
		{"DescribeTaskDefinition", 20, 1}, // one per family; the services' revision is one of them
		{"ListTaskDefinitions", 0, 0},
		{"DescribeCapacityProviders", 2, 0},
	}
	for _, tt := range tests {
		if got := f.rec.count(tt.op); got != tt.calls {
			t.Errorf("%s: %d calls, want %d", tt.op, got, tt.calls)
		}
		if got := f.rec.maxBatch[tt.op]; got != tt.maxN {
			t.Errorf("%s: largest batch %d, want %d", tt.op, got, tt.maxN)
		}
	}
}

func TestServicesOfOtherClustersAndInactive(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"prod"}
	f.ecs.addFamily("web", active)
	f.ecs.addService("prod", "web", tdArnOf("web", 1))
	f.ecs.addService("prod", "old", tdArnOf("web", 1)).Status = aws.String("INACTIVE")
	// Listed under prod (as the emulator does for cluster names containing "prod") but xprod's.
	other := f.ecs.addService("prod", "other", tdArnOf("web", 1))
	other.ClusterArn = aws.String(clusterArn("xprod"))
	inv := runFakes(t, f, Options{})
	got := ids(inv.Services, func(s ecstypes.Service) string { return aws.ToString(s.ServiceArn) })
	if d := diff([]string{serviceArn("prod", "web")}, got); d != "" {
		t.Error(d)
	}
}

func TestRevisionsDeduplicatedAndFallback(t *testing.T) {
	f := newFakes()
	f.ecs.highestByFamily = true
	f.ecs.clusters = []string{"a", "b"}
	f.ecs.addFamily("web", active, active, inactive) // INACTIVE highest: latest ACTIVE is web:2
	f.ecs.addFamily("web-api", active)               // listed by familyPrefix "web": must not be taken for web
	f.ecs.addFamily("api", active, active)
	// api:1 runs in two services of two clusters and in a deployment: described once.
	f.ecs.addService("a", "api", tdArnOf("api", 1))
	svc := f.ecs.addService("b", "api", tdArnOf("api", 2))
	svc.Deployments = []ecstypes.Deployment{{TaskDefinition: aws.String(tdArnOf("api", 1))}, {TaskDefinition: aws.String(tdArnOf("api", 2))}}
	// A service still runs the INACTIVE web:3: it is read (already described by the family call).
	f.ecs.addService("a", "web", tdArnOf("web", 3))

	inv := runFakes(t, f, Options{})
	want := sorted(tdArnOf("api", 1), tdArnOf("api", 2), tdArnOf("web", 2), tdArnOf("web", 3), tdArnOf("web-api", 1))
	if d := diff(want, tdArns(inv)); d != "" {
		t.Error(d)
	}
	for _, arn := range want {
		if td, _ := inv.TaskDefinition(arn); td == nil || len(td.Tags) != 1 {
			t.Errorf("%s lacks its tags", arn)
		}
	}
	latest, _ := inv.LatestActive(tdArnOf("web", 3))
	if latest == nil || latest.Revision != 2 {
		t.Errorf("latest ACTIVE of web = %v, want revision 2", latest)
	}
	// Families api, web, web-api: 3 describes; web's fallback describes web:2; api:1 once.
	if got := f.rec.count("DescribeTaskDefinition"); got != 5 {
		t.Errorf("DescribeTaskDefinition: %d calls, want 5", got)
	}
	if got := f.rec.count("ListTaskDefinitions"); got != 1 {
		t.Errorf("ListTaskDefinitions: %d calls, want 1 (web only)", got)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors: %v", inv.Errors)
	}
}

func TestFamilyWithoutActiveRevisionSkipped(t *testing.T) {
	f := newFakes()
	f.ecs.highestByFamily = true
	// Listed as a family with an ACTIVE revision, deregistered before it is described (on the emulator,
	// families without any ACTIVE revision are listed too).
	f.ecs.addFamily("gone", active, inactive)
	inv, _, err := scan(context.Background(), clientFactory{
		region: func(string) regionClients {
			return regionClients{ecs: deactivateAfterList{f.ecs}, ec2: fakeEC2{f.rec}, elb: fakeELB{f.rec}}
		},
		iam: func() iamAPI { return f.iam },
	}, []string{"us-east-1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.TaskDefinitions) != 0 || len(inv.Errors) != 0 {
		t.Errorf("revisions %v errors %v, want none", tdArns(inv), inv.Errors)
	}
	if f.rec.count("ListTaskDefinitions") != 1 {
		t.Errorf("ListTaskDefinitions: %d calls, want 1", f.rec.count("ListTaskDefinitions"))
	}
}

// deactivateAfterList deregisters every revision right after the families are listed.
type deactivateAfterList struct{ *fakeECS }

func (d deactivateAfterList) ListTaskDefinitionFamilies(ctx context.Context, in *ecs.ListTaskDefinitionFamiliesInput, o ...func(*ecs.Options)) (*ecs.ListTaskDefinitionFamiliesOutput, error) {
	out, err := d.fakeECS.ListTaskDefinitionFamilies(ctx, in, o...)
	for _, revs := range d.revs {
		for _, td := range revs {
			td.Status = inactive
		}
	}
	return out, err
}

func TestRolesDeduplicatedAndPolicyErrors(t *testing.T) {
	f := newFakes()
	f.ecs.addFamily("a", active)
	f.ecs.addFamily("b", active)
	f.ecs.addFamily("c", active)
	for _, fam := range []string{"a", "b"} {
		f.ecs.revs[fam][0].TaskRoleArn = aws.String(roleArn("shared"))
		f.ecs.revs[fam][0].ExecutionRoleArn = aws.String(roleArn("exec"))
	}
	f.ecs.revs["c"][0].TaskRoleArn = aws.String(roleArn("broken"))
	f.ecs.revs["c"][0].ExecutionRoleArn = aws.String("missing") // a role given by name
	f.ecs.addFamily("d", active)
	f.ecs.revs["d"][0].TaskRoleArn = aws.String("arn:aws:iam::999999999999:role/shared") // another account's
	admin, logs, bad := "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::"+acct+":policy/logs", "arn:aws:iam::"+acct+":policy/bad"
	f.iam.policies[admin] = `%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D`
	f.iam.policies[logs] = `{"Statement":[]}`
	f.iam.inline["shared"] = map[string]string{"one": `{"a":1}`, "two": `%7B%22b%22%3A2%7D`}
	f.iam.attached["shared"] = []string{admin, logs}
	f.iam.inline["exec"] = map[string]string{}
	f.iam.attached["exec"] = []string{logs}
	f.iam.inline["broken"] = map[string]string{}
	f.iam.attached["broken"] = []string{logs, bad}
	f.rec.fail["GetPolicyVersion "+bad] = apiErr("AccessDenied")

	inv := runFakes(t, f, Options{})
	// Each role once although shared and exec serve two families; the fake lists one policy a page.
	for op, want := range map[string]int{
		"GetRole":                  5, // shared, exec, broken, missing, the other account's shared
		"ListRolePolicies":         2 + 1 + 1,
		"ListAttachedRolePolicies": 2 + 1 + 2,
		"GetRolePolicy":            2,
	} {
		if got := f.rec.count(op); got != want {
			t.Errorf("%s: %d calls, want %d", op, got, want)
		}
	}
	if got := f.rec.count("GetPolicy"); got != 3 { // admin, logs, bad: each once
		t.Errorf("GetPolicy: %d calls, want 3", got)
	}
	shared, _ := inv.Role(roleArn("shared"))
	if shared == nil || !shared.PoliciesKnown || len(shared.Inline) != 2 || len(shared.Attached) != 2 {
		t.Fatalf("shared role: %+v", shared)
	}
	if shared.Inline[1].Document != `{"b":2}` || !strings.HasPrefix(shared.Attached[0].Document, `{"Statement":[{"Effect":"Allow","Action":"*"`) {
		t.Errorf("documents not decoded: %+v", shared)
	}
	if shared.AssumeRolePolicy != `{"Version":"2012-10-17"}` {
		t.Errorf("trust policy %q", shared.AssumeRolePolicy)
	}
	broken, _ := inv.Role(roleArn("broken"))
	if broken == nil || broken.PoliciesKnown {
		t.Errorf("broken role must be present with PoliciesKnown=false: %+v", broken)
	}
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.Resource+" "+e.Operation)
	}
	want := []string{roleArn("broken") + " GetPolicyVersion " + bad, "arn:aws:iam::999999999999:role/shared GetRole", "missing GetRole"}
	if d := diff(want, got); d != "" {
		t.Error(d)
	}
	if _, ok := inv.Role(roleArn("missing")); ok {
		t.Error("unreadable role must be absent")
	}
}

func TestReadErrorsRecorded(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a", "b"}
	f.ecs.addFamily("ok", active)
	f.ecs.addFamily("bad", active)
	f.ecs.addService("a", "s", tdArnOf("ok", 1))
	f.ecs.addService("b", "t", tdArnOf("ok", 1))
	f.rec.fail["DescribeTaskDefinition bad"] = apiErr("ServerException")
	f.rec.fail["ListServices "+clusterArn("b")] = apiErr("AccessDeniedException")
	f.rec.fail["DescribeCapacityProviders"] = apiErr("InternalError")
	inv := runFakes(t, f, Options{})

	if d := diff([]string{tdArnOf("ok", 1)}, tdArns(inv)); d != "" {
		t.Error(d)
	}
	if len(inv.Services) != 1 {
		t.Errorf("services %d, want 1", len(inv.Services))
	}
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.ResourceType+"|"+e.Resource+"|"+e.Operation+"|"+e.Message)
	}
	want := []string{
		"AWS::ECS::CapacityProvider|*|DescribeCapacityProviders|InternalError: InternalError (injected)",
		"AWS::ECS::Service|" + clusterArn("b") + " (services)|ListServices|AccessDeniedException: AccessDeniedException (injected)",
		"AWS::ECS::TaskDefinition|bad|DescribeTaskDefinition|ServerException: ServerException (injected)",
	}
	if d := diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestFatalCredentialsError(t *testing.T) {
	f := newFakes()
	f.rec.fail["ListClusters"] = apiErr("UnrecognizedClientException")
	_, _, err := scan(context.Background(), f.factory(), []string{"us-east-1"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "UnrecognizedClientException") {
		t.Fatalf("err = %v, want the credentials error", err)
	}
}

func TestCancelled(t *testing.T) {
	f := newFakes()
	f.ecs.addFamily("a", active)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := scan(ctx, f.factory(), []string{"us-east-1"}, Options{}); err == nil {
		t.Fatal("want an error for a cancelled scan")
	}
}

func TestConcurrencyBound(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := newFakes()
			f.rec.delay = 2 * time.Millisecond
			for i := range 5 {
				f.ecs.clusters = append(f.ecs.clusters, fmt.Sprint("c", i))
				f.ecs.addService(fmt.Sprint("c", i), "s", tdArnOf("f0", 1))
			}
			for i := range 30 {
				f.ecs.addFamily(fmt.Sprint("f", i), active)
			}
			var progress []int
			inv := runFakes(t, f, Options{Concurrency: n, Progress: func(k int) { progress = append(progress, k) }})
			if got := int(f.rec.maxInflight.Load()); got > n || (n > 1 && got < 2) {
				t.Errorf("most calls in flight %d, bound %d", got, n)
			}
			if len(progress) == 0 || progress[len(progress)-1] != inv.Count() {
				t.Errorf("progress %v, inventory %d", progress, inv.Count())
			}
		})
	}
}

func TestNetworkAndLoadBalancers(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a"}
	f.ecs.addFamily("f", active)
	for i := range 45 {
		s := f.ecs.addService("a", fmt.Sprint("s", i), tdArnOf("f", 1))
		s.LoadBalancers = []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(fmt.Sprint("tg-", i))}}
		s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{fmt.Sprint("subnet-", i%3)}, SecurityGroups: []string{fmt.Sprint("sg-", i)}}}
		if i == 0 {
			s.TaskSets = []ecstypes.TaskSet{{TaskSetArn: aws.String("ts-0"), TaskDefinition: aws.String(tdArnOf("f", 1)),
				NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{SecurityGroups: []string{"sg-ts"}}}}}
		}
	}
	inv := runFakes(t, f, Options{})
	if len(inv.TargetGroups) != 45 || len(inv.LoadBalancers) != 45 || len(inv.Subnets) != 3 || len(inv.RouteTables) != 1 {
		t.Errorf("tgs %d lbs %d subnets %d route tables %d", len(inv.TargetGroups), len(inv.LoadBalancers), len(inv.Subnets), len(inv.RouteTables))
	}
	if len(inv.SecurityGroups) != 45+1+1 { // services', the task set's, the load balancers' (shared)
		t.Errorf("security groups %d", len(inv.SecurityGroups))
	}
	if f.rec.maxBatch["DescribeLoadBalancers"] > 20 || f.rec.count("DescribeLoadBalancers") != 3 {
		t.Errorf("DescribeLoadBalancers: %d calls, largest %d", f.rec.count("DescribeLoadBalancers"), f.rec.maxBatch["DescribeLoadBalancers"])
	}
	if f.rec.count("DescribeSecurityGroups") != 1 || f.rec.count("DescribeRouteTables") != 2 {
		t.Errorf("DescribeSecurityGroups %d, DescribeRouteTables %d", f.rec.count("DescribeSecurityGroups"), f.rec.count("DescribeRouteTables"))
	}
	// The embedded task set had no tags: DescribeTaskSets was called once for them.
	if len(inv.TaskSets) != 1 || len(inv.TaskSets[0].Tags) != 1 || f.rec.count("DescribeTaskSets") != 1 {
		t.Errorf("task sets %+v, DescribeTaskSets %d", inv.TaskSets, f.rec.count("DescribeTaskSets"))
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors %v", inv.Errors)
	}
}

func TestDecodePolicy(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain (emulator)", `{"a":"b c"}`, `{"a":"b c"}`},
		{"url-encoded (AWS)", `%7B%22a%22%3A%22b%20c%2Bd%22%7D`, `{"a":"b c+d"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodePolicy(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("decodePolicy(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	if _, err := decodePolicy("%zz"); err == nil {
		t.Error("want an error for a bad encoding")
	}
}

func TestVpcEndpointsBatchedAndPaginated(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a"}
	f.ecs.addFamily("f", active)
	for i := range 250 {
		s := f.ecs.addService("a", fmt.Sprint("s", i), tdArnOf("f", 1))
		s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{fmt.Sprint("subnet-vpc-", i)}, SecurityGroups: []string{"sg-1"}}}
	}
	inv := runFakes(t, f, Options{})
	// 250 VPCs (vpc-1, that of the fake route table, among them): batches of 200 and 50, the first in two pages
	if len(inv.VpcEndpoints) != 250 || !inv.VpcEndpointsKnown {
		t.Errorf("endpoints %d, known %v", len(inv.VpcEndpoints), inv.VpcEndpointsKnown)
	}
	if f.rec.maxBatch["DescribeVpcEndpoints"] > 200 || f.rec.count("DescribeVpcEndpoints") != 3 {
		t.Errorf("DescribeVpcEndpoints: %d calls, largest batch %d", f.rec.count("DescribeVpcEndpoints"), f.rec.maxBatch["DescribeVpcEndpoints"])
	}
	if eps := inv.VpcEndpointsOf("vpc-7"); len(eps) != 1 || aws.ToString(eps[0].VpcEndpointId) != "vpce-vpc-7" {
		t.Errorf("VpcEndpointsOf(vpc-7) = %+v", eps)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors %v", inv.Errors)
	}
}

func TestVpcEndpointsReadError(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a"}
	f.ecs.addFamily("f", active)
	s := f.ecs.addService("a", "s", tdArnOf("f", 1))
	s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets: []string{"subnet-vpc-a"}, SecurityGroups: []string{"sg-1"}}}
	f.rec.fail["DescribeVpcEndpoints"] = apiErr("UnauthorizedOperation")
	inv := runFakes(t, f, Options{})
	if inv.VpcEndpointsKnown || len(inv.VpcEndpoints) != 0 {
		t.Errorf("known %v, endpoints %d: a failed read must leave the endpoints unknown", inv.VpcEndpointsKnown, len(inv.VpcEndpoints))
	}
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.ResourceType+"|"+e.Resource+"|"+e.Operation+"|"+e.Message)
	}
	want := []string{"AWS::EC2::VPCEndpoint|vpc-a,vpc-1|DescribeVpcEndpoints|UnauthorizedOperation: UnauthorizedOperation (injected)"}
	if d := diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestNoNetworkEndpointsKnown(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a"}
	f.ecs.addFamily("f", active)
	f.ecs.addService("a", "s", tdArnOf("f", 1))
	inv := runFakes(t, f, Options{})
	if !inv.VpcEndpointsKnown || f.rec.count("DescribeVpcEndpoints") != 0 {
		t.Errorf("known %v, calls %d: no VPC used, nothing to read, nothing unknown", inv.VpcEndpointsKnown, f.rec.count("DescribeVpcEndpoints"))
	}
}

func TestNetworkInterfacesBatchedAndPaginated(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a"}
	f.ecs.addFamily("f", active)
	for i := range 250 {
		s := f.ecs.addService("a", fmt.Sprint("s", i), tdArnOf("f", 1))
		s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{"subnet-1"}, SecurityGroups: []string{fmt.Sprint("sg-", i)}}}
	}
	inv := runFakes(t, f, Options{})
	// 250 groups: batches of 200 and 50, the first in two pages
	if len(inv.NetworkInterfaces) != 250 || !inv.NetworkInterfacesKnown {
		t.Errorf("interfaces %d, known %v", len(inv.NetworkInterfaces), inv.NetworkInterfacesKnown)
	}
	if f.rec.maxBatch["DescribeNetworkInterfaces"] > 200 || f.rec.count("DescribeNetworkInterfaces") != 3 {
		t.Errorf("DescribeNetworkInterfaces: %d calls, largest batch %d", f.rec.count("DescribeNetworkInterfaces"), f.rec.maxBatch["DescribeNetworkInterfaces"])
	}
	if nis := inv.InterfacesWithGroup("sg-7"); len(nis) != 1 || aws.ToString(nis[0].NetworkInterfaceId) != "eni-sg-7" {
		t.Errorf("InterfacesWithGroup(sg-7) = %+v", nis)
	}
	if nis := inv.InterfacesWithGroup("sg-none"); len(nis) != 0 {
		t.Errorf("InterfacesWithGroup(sg-none) = %+v", nis)
	}
}

func TestNetworkInterfacesReadError(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"a"}
	f.ecs.addFamily("f", active)
	s := f.ecs.addService("a", "s", tdArnOf("f", 1))
	s.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}}}
	f.rec.fail["DescribeNetworkInterfaces"] = apiErr("UnauthorizedOperation")
	inv := runFakes(t, f, Options{})
	if inv.NetworkInterfacesKnown || len(inv.NetworkInterfaces) != 0 {
		t.Errorf("known %v, interfaces %d: a failed read must leave the interfaces unknown", inv.NetworkInterfacesKnown, len(inv.NetworkInterfaces))
	}
	var got []string
	for _, e := range inv.Errors {
		got = append(got, e.ResourceType+"|"+e.Resource+"|"+e.Operation+"|"+e.Message)
	}
	want := []string{"AWS::EC2::NetworkInterface|sg-1|DescribeNetworkInterfaces|UnauthorizedOperation: UnauthorizedOperation (injected)"}
	if d := diff(want, got); d != "" {
		t.Error(d)
	}
}

// Expect announces the bulk of the calls as the scan learns of them, and they match the calls made: a
// DescribeTaskDefinition a family listed, a DescribeClusters a hundred clusters, a DescribeServices ten
// services.
func TestExpectAnnouncesTheCallsMade(t *testing.T) {
	f := newFakes()
	f.ecs.pageSize = 7
	for i := range 120 {
		f.ecs.clusters = append(f.ecs.clusters, fmt.Sprintf("c%03d", i))
	}
	for i := range 25 {
		f.ecs.addService("c000", fmt.Sprintf("s%02d", i), tdArnOf("fam000", 1))
	}
	for i := range 20 {
		f.ecs.addFamily(fmt.Sprintf("fam%03d", i), active)
	}
	var mu sync.Mutex
	announced := map[string]int{}
	runFakes(t, f, Options{Expect: func(account, region, op string, n int) {
		mu.Lock()
		defer mu.Unlock()
		if account != "" || region != "us-east-1" {
			t.Errorf("Expect(%q, %q, %q, %d): another account or region", account, region, op, n)
		}
		announced[op] += n
	}})
	for _, op := range []string{"DescribeTaskDefinition", "DescribeClusters", "DescribeServices"} {
		if got, made := announced["ecs:"+op], f.rec.count(op); got != made || got == 0 {
			t.Errorf("%s: %d announced, %d made", op, got, made)
		}
	}
}
