package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// planted is a secret value planted in the source revision's environment: it must never appear in a
// journal, in Out, in a log or in an error.
const planted = "PlantedS3cretValue-9f8e7d"

// estate is the state a test builds in its own emulated account.
type estate struct {
	cfg     aws.Config
	api     *ecs.Client
	account string
	cluster string // ARN of cluster "prod" (no Container Insights)
	web     string // ARN of service "web" (EC2, pinned to web:1)
	fargate string // ARN of service "api" (FARGATE, platform 1.3.0)
	webRevs []string
	apiRev  string
}

func seed(t *testing.T) *estate {
	t.Helper()
	cfg := mototest.Config(t, mototest.MaxAttempts(3))
	ctx := context.Background()
	e := &estate{cfg: cfg, api: ecs.NewFromConfig(cfg), account: mototest.AccountID(cfg)}
	cl, err := e.api.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	e.cluster = aws.ToString(cl.Cluster.ClusterArn)
	for i := 1; i <= 3; i++ {
		out, err := e.api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family:      aws.String("web"),
			NetworkMode: ecstypes.NetworkModeBridge,
			PidMode:     ecstypes.PidModeTask,
			IpcMode:     ecstypes.IpcModeTask,
			Cpu:         aws.String("256"), Memory: aws.String("512"),
			TaskRoleArn: aws.String("arn:aws:iam::" + e.account + ":role/web-task"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{
				Name: aws.String("web"), Image: aws.String(fmt.Sprintf("nginx:1.%d", i)), Memory: aws.Int32(256), Essential: aws.Bool(true),
				Environment: []ecstypes.KeyValuePair{
					{Name: aws.String("DB_PASSWORD"), Value: aws.String(planted)},
					{Name: aws.String("MODE"), Value: aws.String("production-mode")},
				},
				PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(80), HostPort: aws.Int32(0)}},
				DockerLabels: map[string]string{"team": "payments"},
				Ulimits:      []ecstypes.Ulimit{{Name: ecstypes.UlimitNameNofile, SoftLimit: 1024, HardLimit: 4096}},
			}},
			Volumes:              []ecstypes.Volume{{Name: aws.String("scratch"), Host: &ecstypes.HostVolumeProperties{}}},
			PlacementConstraints: []ecstypes.TaskDefinitionPlacementConstraint{{Type: ecstypes.TaskDefinitionPlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.os-type == linux")}},
			Tags:                 []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		e.webRevs = append(e.webRevs, aws.ToString(out.TaskDefinition.TaskDefinitionArn))
	}
	api, err := e.api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("api:1"), Memory: aws.Int32(512)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.apiRev = aws.ToString(api.TaskDefinition.TaskDefinitionArn)

	svc, err := e.api.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("web"), TaskDefinition: aws.String(e.webRevs[0]),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeEc2,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.web = aws.ToString(svc.Service.ServiceArn)

	ec := ec2.NewFromConfig(cfg)
	subnets, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(subnets.Subnets) == 0 {
		t.Fatalf("default subnets: %v", err)
	}
	sgs, err := ec.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil || len(sgs.SecurityGroups) == 0 {
		t.Fatalf("default security group: %v", err)
	}
	svc, err = e.api.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: aws.String(e.apiRev),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate, PlatformVersion: aws.String("1.3.0"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId)}, SecurityGroups: []string{aws.ToString(sgs.SecurityGroups[0].GroupId)},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.fargate = aws.ToString(svc.Service.ServiceArn)
	return e
}

func (e *estate) service(t *testing.T, name string) ecstypes.Service {
	t.Helper()
	out, err := e.api.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{name}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("describe service %s: %v", name, err)
	}
	return out.Services[0]
}

func (e *estate) clusterState(t *testing.T) ecstypes.Cluster {
	t.Helper()
	out, err := e.api.DescribeClusters(context.Background(), &ecs.DescribeClustersInput{Clusters: []string{"prod"}, Include: []ecstypes.ClusterField{ecstypes.ClusterFieldSettings}})
	if err != nil || len(out.Clusters) != 1 {
		t.Fatalf("describe cluster: %v", err)
	}
	return out.Clusters[0]
}

func (e *estate) taskDef(t *testing.T, ref string) *detect.TaskDefinition {
	t.Helper()
	out, err := e.api.DescribeTaskDefinition(context.Background(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatalf("describe task definition %s: %v", ref, err)
	}
	return &detect.TaskDefinition{TaskDefinition: *out.TaskDefinition, Tags: out.Tags}
}

// webRevisions lists the ACTIVE revisions of family web.
func (e *estate) webRevisions(t *testing.T) []string {
	t.Helper()
	out, err := e.api.ListTaskDefinitions(context.Background(), &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web"), Status: ecstypes.TaskDefinitionStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, arn := range out.TaskDefinitionArns {
		if a, err := detect.ParseTaskDefinitionARN(arn); err == nil && a.Family == "web" {
			revs = append(revs, arn)
		}
	}
	return revs
}

func containerInsights(c ecstypes.Cluster) string {
	for _, s := range c.Settings {
		if s.Name == ecstypes.ClusterSettingNameContainerInsights {
			return aws.ToString(s.Value)
		}
	}
	return ""
}

// registration is the registration of a new revision of src with the ECS.5 fix (read-only root
// filesystem), as the planner makes it (every environment value masked, the writable paths of the image
// table and the defaults, each through a task volume of its own): the applier re-derives it so.
func registration(t *testing.T, src *detect.TaskDefinition) *plan.RegisterTaskDefinitionChange {
	t.Helper()
	in := &detect.Inventory{TaskDefinitions: []detect.TaskDefinition{*src}}
	p, err := plan.Build(in, detect.Evaluate(in, &detect.Settings{Now: time.Now()}), plan.Options{ToolVersion: "test", Now: time.Now(),
		Fix: []string{detect.ECS5ID}, Source: plan.Source{Kind: "live", Regions: []string{mototest.Region}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actions {
		if a.Type == plan.RegisterTaskDefinition {
			return a.RegisterTaskDefinition
		}
	}
	t.Fatalf("no ECS.5 registration of %s: %+v", src.ARN(), p.Skipped)
	return nil
}

// makePlan plans, by hand, what the planner would: a new revision of web:1 (ECS.5) that service web
// moves to, Fargate platform LATEST for service api (ECS.10), Container Insights on cluster prod
// (ECS.12); with the fingerprints of the current state.
func (e *estate) makePlan(t *testing.T) *plan.Plan {
	t.Helper()
	src := e.taskDef(t, e.webRevs[0])
	web, api, cluster := e.service(t, "web"), e.service(t, "api"), e.clusterState(t)
	region := mototest.Region
	act := func(id string, typ plan.ActionType, resource, control string) plan.Action {
		risk := plan.RiskLow
		if control == "ECS.5" {
			risk = plan.RiskMedium
		}
		return plan.Action{ID: id, Type: typ, Account: e.account, Region: region, Resource: resource,
			Controls: []string{control}, Risk: risk, Summary: id}
	}
	a1 := act("a1", plan.RegisterTaskDefinition, src.ARN(), "ECS.5")
	a1.RegisterTaskDefinition = registration(t, src)
	a2 := act("a2", plan.UpdateService, e.web, "ECS.5")
	a2.DependsOn = []string{"a1"}
	a2.UpdateService = &plan.UpdateServiceChange{Cluster: "prod", Service: "web", TaskDefinitionFrom: "a1",
		Before: plan.ServiceSettings{TaskDefinition: e.webRevs[0]},
		After:  plan.ServiceSettings{TaskDefinition: strings.TrimSuffix(e.webRevs[0], ":1") + ":4"}}
	a3 := act("a3", plan.UpdateService, e.fargate, "ECS.10")
	a3.UpdateService = &plan.UpdateServiceChange{Cluster: "prod", Service: "api",
		Before: plan.ServiceSettings{PlatformVersion: "1.3.0"}, After: plan.ServiceSettings{PlatformVersion: "LATEST"}}
	a4 := act("a4", plan.UpdateClusterSettings, e.cluster, "ECS.12")
	a4.UpdateClusterSettings = &plan.UpdateClusterSettingsChange{Cluster: "prod",
		Before: []plan.ClusterSetting{{Name: "containerInsights", Value: containerInsights(cluster)}},
		After:  []plan.ClusterSetting{{Name: "containerInsights", Value: "enabled"}}}
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Tool:          plan.Tool{Name: "ecsfix", Version: "test"},
		CreatedAt:     time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Source:        plan.Source{Kind: "live", Regions: []string{region}},
		Actions:       []plan.Action{a1, a2, a3, a4},
		State: []plan.Fingerprint{
			{Resource: src.ARN(), ResourceType: detect.TypeTaskDefinition, Region: region, Facts: plan.TaskDefinitionFacts(src, e.webRevs[2])},
			{Resource: e.web, ResourceType: detect.TypeService, Region: region, Facts: plan.ServiceFacts(&web)},
			{Resource: e.fargate, ResourceType: detect.TypeService, Region: region, Facts: plan.ServiceFacts(&api)},
			{Resource: e.cluster, ResourceType: detect.TypeCluster, Region: region, Facts: plan.ClusterFacts(&cluster)},
		},
		Skipped: []plan.Skipped{},
	}
}

// opts returns Options writing the journal in a temporary folder, Out into buf. The fixture plan's
// actions are at most medium risk, applied unattended here; the approval tests raise one to high. The
// configured values are the defaults (log groups /ecs/{family}), with no trusted CIDR, replacement
// subnet or host-network configuration: tests that plan those set them.
func opts(t *testing.T, buf *bytes.Buffer) Options {
	return Options{JournalPath: filepath.Join(t.TempDir(), "journal.jsonl"), Out: buf, Concurrency: 2, MaxAttempts: 3, ToolVersion: "test",
		UnattendedRisk: plan.RiskMedium, Configured: &plan.ConfiguredValues{LogRetentionDays: 30}}
}

func writes(calls map[string]int) map[string]int {
	out := map[string]int{}
	for op, n := range calls {
		if strings.HasPrefix(op, "ecs:Register") || strings.HasPrefix(op, "ecs:Update") || strings.HasPrefix(op, "ecs:Create") ||
			strings.HasPrefix(op, "ecs:Delete") || strings.HasPrefix(op, "ecs:Deregister") {
			out[op] = n
		}
	}
	return out
}

// noSecret fails when the planted value appears in any of the texts.
func noSecret(t *testing.T, where string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, planted) {
			t.Errorf("%s holds the planted secret value", where)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fault fails or interrupts the nth write call (RegisterTaskDefinition, UpdateService, UpdateCluster, or
// the operations named by ops): "before" fails it before it is sent, "after" fails it after AWS made the
// change (the response is lost), "cancel" lets it succeed and cancels the run's context.
type fault struct {
	mu     sync.Mutex
	n      int
	mode   string
	count  int
	cancel context.CancelFunc
	ops    []string
}

func (f *fault) counts(op string) bool {
	if f.ops != nil {
		return slices.Contains(f.ops, op)
	}
	return op == "RegisterTaskDefinition" || op == "UpdateService" || op == "UpdateCluster"
}

var errInjected = errors.New("injected fault")

func (f *fault) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("injectFault",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			op := awsmiddleware.GetOperationName(ctx)
			if !f.counts(op) {
				return next.HandleInitialize(ctx, in)
			}
			f.mu.Lock()
			f.count++
			hit := f.count == f.n
			f.mu.Unlock()
			if !hit {
				return next.HandleInitialize(ctx, in)
			}
			switch f.mode {
			case "before":
				return middleware.InitializeOutput{}, middleware.Metadata{}, errInjected
			case "after":
				_, md, err := next.HandleInitialize(ctx, in)
				if err != nil {
					return middleware.InitializeOutput{}, md, err
				}
				return middleware.InitializeOutput{}, md, errInjected
			default: // cancel
				out, md, err := next.HandleInitialize(ctx, in)
				f.cancel()
				return out, md, err
			}
		}), middleware.Before)
}

func newTestLogger(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
