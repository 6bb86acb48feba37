// Scope on the emulator: a scan narrowed to a few named resources of an estate of many families reads
// far fewer, evaluates the named resources as a whole scan does, and never lists or describes the
// families nothing names.

package live

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"golang.org/x/sync/errgroup"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

func TestScopeMotoCallsAndVerdicts(t *testing.T) {
	t.Parallel()
	const families, services = 60, 20
	cfg := mototest.Config(t)
	ctx := context.Background()
	account := mototest.AccountID(cfg)
	client, im := ecs.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	var g errgroup.Group
	g.SetLimit(8)
	for c := range 2 {
		g.Go(func() error {
			_, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(fmt.Sprint("c", c))})
			return err
		})
	}
	for f := range families {
		g.Go(func() error {
			var role *string
			if f%6 == 0 { // every sixth family has a task role of its own
				out, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("task%02d", f)),
					AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
				if err != nil {
					return err
				}
				role = out.Role.Arn
			}
			for rev := range 2 {
				if _, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
					Family: aws.String(fmt.Sprintf("fam%02d", f)), TaskRoleArn: role,
					ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("nginx"), Memory: aws.Int32(128),
						Privileged: aws.Bool(rev == 0 || f%2 == 0), ReadonlyRootFilesystem: aws.Bool(f%3 == 0)}},
				}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for s := range services {
		g.Go(func() error {
			_, err := client.CreateService(ctx, &ecs.CreateServiceInput{
				Cluster: aws.String(fmt.Sprint("c", s%2)), ServiceName: aws.String(fmt.Sprintf("svc%02d", s)),
				TaskDefinition: aws.String(fmt.Sprintf("fam%02d:%d", s, 1+s%2)), DesiredCount: aws.Int32(1),
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	arn := func(rest string) string { return "arn:aws:ecs:" + mototest.Region + ":" + account + ":" + rest }

	whole, wst, err := Scan(ctx, cfg, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	// fam04 (svc04 runs fam04:1, not the latest), fam06 (a task role; svc06 runs fam06:1), fam30 (no
	// service), svc11 (runs fam11:2, the latest), cluster c1, and a family that does not exist.
	names := &Names{Families: []string{"fam04", "fam06", "fam30", "gone"}, Services: []string{arn("service/c1/svc11")}, Clusters: []string{arn("cluster/c1")}}
	opts := motoOptions
	opts.Scope = Scope{{Account: account, Region: mototest.Region}: names}
	narrow, nst, err := ScanAccounts(ctx, []Target{{Account: account, Config: cfg, Regions: []string{mototest.Region}}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Errors)+len(narrow.Errors) != 0 {
		t.Fatalf("read errors: %v %v", whole.Errors, narrow.Errors)
	}
	t.Logf("whole read: %d calls, %d resources: %v", wst.Calls, wst.Resources, wst.PerOperation)
	t.Logf("narrowed read: %d calls, %d resources: %v", nst.Calls, nst.Resources, nst.PerOperation)

	if n := nst.PerOperation["ecs:ListTaskDefinitionFamilies"]; n != 0 || wst.PerOperation["ecs:ListTaskDefinitionFamilies"] == 0 {
		t.Errorf("ListTaskDefinitionFamilies: %d calls narrowed, %d whole", n, wst.PerOperation["ecs:ListTaskDefinitionFamilies"])
	}
	// By name: fam04, fam06, fam30, gone, and fam11 (svc11's); the revisions services run that are not
	// their family's latest: fam04:1, fam06:1.
	if n := nst.PerOperation["ecs:DescribeTaskDefinition"]; n > 7 {
		t.Errorf("narrowed read: %d DescribeTaskDefinition calls, want at most 7 (whole read: %d)", n, wst.PerOperation["ecs:DescribeTaskDefinition"])
	}
	if nst.Calls*4 > wst.Calls {
		t.Errorf("narrowed read: %d calls, not a quarter of the whole read's %d", nst.Calls, wst.Calls)
	}
	for _, td := range narrow.TaskDefinitions {
		if f := aws.ToString(td.Family); !slices.Contains([]string{"fam04", "fam06", "fam30", "fam11"}, f) {
			t.Errorf("the narrowed read described %s, which nothing names", td.ARN())
		}
	}
	if got := ids(narrow.Roles, func(r detect.Role) string { return r.Name }); !slices.Equal(got, []string{"task06", "task30"}) {
		t.Errorf("roles read %v, want only fam06's and fam30's", got)
	}

	// The named resources evaluate as in the whole read.
	named := []string{arn("task-definition/fam04:2"), arn("task-definition/fam04:1"), arn("task-definition/fam06:2"), arn("task-definition/fam30:2"),
		arn("service/c0/svc04"), arn("service/c0/svc06"), arn("service/c1/svc11"), arn("task-definition/fam11:2"), arn("cluster/c1")}
	wr, nr := detect.Evaluate(whole, nil), detect.Evaluate(narrow, nil)
	for _, a := range named {
		w, n := resultsOf(wr, a), resultsOf(nr, a)
		if len(w) == 0 || !slices.Equal(w, n) {
			t.Errorf("%s: narrowed %v, whole %v", a, n, w)
		}
	}
	for _, r := range nr {
		if strings.Contains(r.ResourceArn, "svc0") && !slices.Contains(named, r.ResourceArn) {
			t.Errorf("the narrowed read evaluated %s", r.ResourceArn)
		}
	}
}
