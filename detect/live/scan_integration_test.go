package live

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

// motoOptions keeps 500s (the emulator's unimplemented calls, injected failures) from retrying for long.
var motoOptions = Options{MaxBackoff: time.Millisecond, MaxAttempts: 3}

func ids[T any](items []T, key func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, key(it))
	}
	slices.Sort(out)
	return out
}

func sorted(ss ...string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return ss
}

func TestScanMoto(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	e := seedEstate(t, cfg)
	tdArn := func(famRev string) string {
		return "arn:aws:ecs:us-east-1:" + e.account + ":task-definition/" + famRev
	}

	var progress []int
	opts := motoOptions
	opts.Progress = func(n int) { progress = append(progress, n) }
	inv, st, err := Scan(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}

	checks := []struct {
		name string
		got  []string
		want []string
	}{
		// web:3 is INACTIVE (web:2 is the latest ACTIVE), api:2 is the latest and api:1 runs, gone has no
		// ACTIVE revision.
		{"task definitions", ids(inv.TaskDefinitions, func(td detect.TaskDefinition) string { return td.ARN() }),
			sorted(tdArn("api:1"), tdArn("api:2"), tdArn("batch:1"), tdArn("solo:1"), tdArn("web:2"))},
		// The deleted service "old" and xprod's services listed under prod are not kept twice.
		{"services", ids(inv.Services, func(s ecstypes.Service) string { return aws.ToString(s.ServiceArn) }), sorted(e.api, e.ext, e.web, e.worker)},
		{"clusters", ids(inv.Clusters, func(c ecstypes.Cluster) string { return aws.ToString(c.ClusterArn) }), sorted(e.prod, e.xprod)},
		{"task sets", ids(inv.TaskSets, func(ts ecstypes.TaskSet) string { return aws.ToString(ts.TaskSetArn) }), []string{e.taskSet}},
		{"capacity providers", ids(inv.CapacityProviders, func(c ecstypes.CapacityProvider) string { return aws.ToString(c.CapacityProviderArn) }), []string{e.capacityProvider}},
		{"security groups", ids(inv.SecurityGroups, func(g ec2types.SecurityGroup) string { return aws.ToString(g.GroupId) }), sorted(e.webSG, e.lbSG, e.taskSetSG)},
		{"subnets", ids(inv.Subnets, func(s ec2types.Subnet) string { return aws.ToString(s.SubnetId) }), sorted(e.subnetA, e.subnetB)},
		{"route tables", ids(inv.RouteTables, func(r ec2types.RouteTable) string { return aws.ToString(r.RouteTableId) }), sorted(e.routeTable, e.mainRouteTable)},
		{"vpc endpoints", ids(inv.VpcEndpoints, func(v ec2types.VpcEndpoint) string { return aws.ToString(v.VpcEndpointId) }), sorted(e.s3Endpoint, e.logsEndpoint)},
		{"network interfaces", ids(inv.NetworkInterfaces, func(n ec2types.NetworkInterface) string { return aws.ToString(n.NetworkInterfaceId) }), []string{e.webENI}},
		{"target groups", ids(inv.TargetGroups, func(tg elbtypes.TargetGroup) string { return aws.ToString(tg.TargetGroupArn) }), []string{e.tg}},
		{"load balancers", ids(inv.LoadBalancers, func(lb elbtypes.LoadBalancer) string { return aws.ToString(lb.LoadBalancerArn) }), []string{e.lb}},
		{"roles", ids(inv.Roles, func(r detect.Role) string { return r.Arn }), sorted(e.execRole, e.taskRole)},
	}
	for _, c := range checks {
		if diff := diff(c.want, c.got); diff != "" {
			t.Errorf("%s :\n%s", c.name, diff)
		}
	}

	// Contents that controls depend on.
	if c, _ := inv.Cluster(e.prod); c == nil || len(c.Settings) != 1 || aws.ToString(c.Settings[0].Value) != "enabled" || len(c.Tags) != 1 {
		t.Errorf("cluster prod lacks its settings or tags: %+v", c)
	}
	if td, _ := inv.TaskDefinition(tdArn("web:2")); td == nil || len(td.Tags) != 1 || aws.ToString(td.Tags[0].Value) != "2" {
		t.Errorf("web:2 lacks its tags: %+v", td)
	}
	if rt, ok := inv.RouteTableFor(e.subnetB); !ok || aws.ToString(rt.RouteTableId) != e.mainRouteTable {
		t.Errorf("subnet B should fall back to the main route table, got %v", rt)
	}
	if !inv.VpcEndpointsKnown {
		t.Error("VpcEndpointsKnown is false after every DescribeVpcEndpoints succeeded")
	}
	for _, ep := range inv.VpcEndpointsOf(e.vpc) {
		if aws.ToString(ep.VpcEndpointId) == e.s3Endpoint && (ep.VpcEndpointType != ec2types.VpcEndpointTypeGateway || len(ep.RouteTableIds) != 1 || ep.RouteTableIds[0] != e.routeTable) {
			t.Errorf("s3 endpoint lacks its type or route table: %+v", ep)
		}
	}
	if !inv.NetworkInterfacesKnown {
		t.Error("NetworkInterfacesKnown is false after every DescribeNetworkInterfaces succeeded")
	}
	if nis := inv.InterfacesWithGroup(e.webSG); len(nis) != 1 || aws.ToString(nis[0].Description) != "bastion" {
		t.Errorf("InterfacesWithGroup(web) = %+v", nis)
	}
	task, _ := inv.Role(e.taskRole)
	if task == nil || !task.PoliciesKnown || len(task.Inline) != 1 || task.Inline[0].Name != "s3" || len(task.Attached) != 2 {
		t.Fatalf("task role incomplete: %+v", task)
	}
	for _, a := range task.Attached {
		if !strings.Contains(a.Document, `"Allow"`) {
			t.Errorf("attached policy %s has no document: %q", a.Arn, a.Document)
		}
	}
	if exec, _ := inv.Role(e.execRole); exec == nil || !exec.PoliciesKnown || len(exec.Attached) != 1 || exec.Attached[0].Document == "" {
		t.Errorf("exec role incomplete: %+v", exec)
	}

	// The scan is complete (the test harness's launcher mends moto's DescribeCapacityProviders without
	// names; TestScanMotoCapacityProvidersFallback covers that call failing).
	if len(inv.Errors) != 0 {
		t.Errorf("errors = %+v, want none", inv.Errors)
	}

	// The call plan: one DescribeTaskDefinition per family (api, batch, gone, solo, web), the fallback
	// (ListTaskDefinitions + describe) for web (INACTIVE highest) and gone (nothing ACTIVE: list only),
	// plus api:1 which a service runs. Shared policy "logs" is read once for two roles.
	wantOps := map[string]int{
		"ecs:ListClusters": 1, "ecs:DescribeClusters": 1, "ecs:ListServices": 2, "ecs:DescribeServices": 2,
		"ecs:ListTaskDefinitionFamilies": 1, "ecs:DescribeTaskDefinition": 5 + 1 + 1, "ecs:ListTaskDefinitions": 2,
		"ecs:DescribeCapacityProviders": 1, "autoscaling:DescribeAutoScalingGroups": 1, // the provider's group (none in moto)
		"ec2:DescribeSecurityGroups": 1, "ec2:DescribeSubnets": 1, "ec2:DescribeRouteTables": 2, "ec2:DescribeVpcEndpoints": 1,
		"ec2:DescribeNetworkInterfaces": 1,
		"elbv2:DescribeTargetGroups":    1, "elbv2:DescribeLoadBalancers": 1,
		"iam:GetRole": 2, "iam:ListRolePolicies": 2, "iam:GetRolePolicy": 1, "iam:ListAttachedRolePolicies": 2,
		"iam:GetPolicy": 2, "iam:GetPolicyVersion": 2,
	}
	if diff := diff(wantOps, st.PerOperation); diff != "" {
		t.Errorf("calls per operation :\n%s", diff)
	}
	total := 0
	for _, n := range wantOps {
		total += n
	}
	if st.Calls != total || st.Retries != 0 {
		t.Errorf("stats: calls %d retries %d, want %d and 0", st.Calls, st.Retries, total)
	}
	if st.Resources != inv.Count() || len(progress) == 0 || progress[len(progress)-1] != inv.Count() || !slices.IsSorted(progress) {
		t.Errorf("resources %d, inventory %d, progress %v", st.Resources, inv.Count(), progress)
	}
}

// failUnnamedCapacityProviders answers ECS DescribeCapacityProviders without names with a 500, as moto
// 5.2.1 did before the test harness's launcher mended it, and passes every other request on.
type failUnnamedCapacityProviders struct{ next http.RoundTripper }

func (f failUnnamedCapacityProviders) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".DescribeCapacityProviders") || req.Body == nil {
		return f.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var in struct {
		CapacityProviders []string `json:"capacityProviders"`
	}
	if err := json.Unmarshal(body, &in); err == nil && len(in.CapacityProviders) == 0 {
		return &http.Response{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error",
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Request: req,
			Body: io.NopCloser(strings.NewReader(`{"__type":"ServerException","message":"injected"}`))}, nil
	}
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	return f.next.RoundTrip(req)
}

// TestScanMotoCapacityProvidersFallback: when DescribeCapacityProviders without names fails, the providers
// the clusters name are read by name instead, and the failure stays recorded (providers attached to no
// cluster may be missing).
func TestScanMotoCapacityProvidersFallback(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	e := seedEstate(t, cfg)
	cfg.HTTPClient = &http.Client{Timeout: time.Minute, Transport: failUnnamedCapacityProviders{http.DefaultTransport}}
	inv, st, err := Scan(context.Background(), cfg, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(inv.CapacityProviders, func(c ecstypes.CapacityProvider) string { return aws.ToString(c.CapacityProviderArn) })
	if diff := diff([]string{e.capacityProvider}, got); diff != "" {
		t.Errorf("capacity providers :\n%s", diff)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Operation != "DescribeCapacityProviders" || inv.Errors[0].Resource != "*" {
		t.Errorf("errors = %+v, want only the unnamed DescribeCapacityProviders", inv.Errors)
	}
	// The unnamed call (attempted MaxAttempts times), then one by name.
	if n := st.PerOperation["ecs:DescribeCapacityProviders"]; n != 2 || st.Retries != motoOptions.MaxAttempts-1 {
		t.Errorf("DescribeCapacityProviders calls %d, retries %d; want 2 and %d", n, st.Retries, motoOptions.MaxAttempts-1)
	}
}

// TestScanMotoReadErrors: what cannot be read is reported, never dropped or guessed.
func TestScanMotoReadErrors(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	ctx := context.Background()
	e := seedEstate(t, cfg)
	defer recoverSeed(t)
	ecsc, ec2c := ecs.NewFromConfig(cfg), ec2.NewFromConfig(cfg)
	// A revision whose task role does not exist, run by a service whose security group was deleted.
	must(ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("orphan"),
		TaskRoleArn:          aws.String("arn:aws:iam::" + e.account + ":role/missing"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(64)}}}))
	doomed := must(ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("doomed"), Description: aws.String("x"), VpcId: aws.String(e.vpc)}))
	must(ecsc.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("orphan"), TaskDefinition: aws.String("orphan:1"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{e.subnetA}, SecurityGroups: []string{aws.ToString(doomed.GroupId)}}}}))
	must(ec2c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: doomed.GroupId}))

	inv, _, err := Scan(ctx, cfg, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, re := range inv.Errors {
		got = append(got, re.ResourceType+" "+re.Resource+" "+re.Operation)
	}
	want := []string{ // sorted by region ("" for IAM, global) first
		"AWS::IAM::Role arn:aws:iam::" + e.account + ":role/missing GetRole",
		"AWS::EC2::SecurityGroup " + aws.ToString(doomed.GroupId) + " DescribeSecurityGroups",
	}
	if diff := diff(want, got); diff != "" {
		t.Errorf("read errors :\n%s\n%+v", diff, inv.Errors)
	}
	if _, ok := inv.Role("arn:aws:iam::" + e.account + ":role/missing"); ok {
		t.Error("a role that could not be read must be absent")
	}
	if _, ok := inv.TaskDefinition("arn:aws:ecs:us-east-1:" + e.account + ":task-definition/orphan:1"); !ok {
		t.Error("the orphan revision should still be read")
	}
}

// TestScanClosedEndpoint: nothing answers; every entry point is a read error, the scan is not an error.
func TestScanClosedEndpoint(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	cfg.BaseEndpoint = aws.String("http://127.0.0.1:1")
	inv, st, err := Scan(context.Background(), cfg, Options{MaxAttempts: 2, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, re := range inv.Errors {
		ops = append(ops, re.Operation)
		if !strings.Contains(re.Message, "connect") {
			t.Errorf("message %q does not say what failed", re.Message)
		}
	}
	if diff := diff([]string{"DescribeCapacityProviders", "ListClusters", "ListTaskDefinitionFamilies"}, sorted(ops...)); diff != "" {
		t.Errorf("errors :\n%s", diff)
	}
	if inv.Count() != 0 || st.Retries != 3 {
		t.Errorf("count %d retries %d", inv.Count(), st.Retries)
	}
}

func TestScanNoCredentials(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1"}
	if _, _, err := Scan(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("err = %v, want a credentials error", err)
	}
	if _, _, err := Scan(context.Background(), aws.Config{}, Options{}); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("err = %v, want a region error", err)
	}
}

func TestEnabledRegionsMoto(t *testing.T) {
	t.Parallel()
	regions, err := EnabledRegions(context.Background(), mototest.Config(t))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(regions, "us-east-1") || !slices.Contains(regions, "eu-west-1") || !slices.IsSorted(regions) {
		t.Errorf("regions %v", regions)
	}
}

// TestScanMotoTwoRegions: each region is read with its own clients; IAM roles used in both are read once.
func TestScanMotoTwoRegions(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	e := seedEstate(t, cfg)
	west := cfg.Copy()
	west.Region = "eu-west-1"
	defer recoverSeed(t)
	must(ecs.NewFromConfig(west).RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("west"), TaskRoleArn: aws.String(e.taskRole),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(64)}}}))
	opts := motoOptions
	opts.Regions = []string{"us-east-1", "eu-west-1"}
	inv, st, err := Scan(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inv.TaskDefinition("arn:aws:ecs:eu-west-1:" + e.account + ":task-definition/west:1"); !ok || len(inv.TaskDefinitions) != 6 {
		t.Errorf("revisions %v", tdArns(inv))
	}
	if st.PerOperation["iam:GetRole"] != 2 || st.PerOperation["ecs:ListTaskDefinitionFamilies"] != 2 {
		t.Errorf("calls %v", st.PerOperation)
	}
	if d := diff([]string{"eu-west-1", "us-east-1"}, inv.Regions()); d != "" {
		t.Error(d)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors = %+v, want none", inv.Errors)
	}
}
