package live

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// signals records which calls were made, each once.
type signals struct {
	mu   sync.Mutex
	seen map[string]chan struct{}
}

func (s *signals) ch(name string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[name] == nil {
		s.seen[name] = make(chan struct{})
	}
	return s.seen[name]
}

func (s *signals) note(name string) {
	ch := s.ch(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// slowFamilyECS holds the read of family "slow" until the reads that do not depend on it have been
// made, or a timeout passes.
type slowFamilyECS struct {
	*fakeECS
	sig     *signals
	waitFor []string
	missed  chan string
}

func (f slowFamilyECS) DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	ref := aws.ToString(in.TaskDefinition)
	if ref == tdArnOf("pinned", 1) {
		f.sig.note("pinned revision")
	}
	if ref == "slow" {
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for _, name := range f.waitFor {
			select {
			case <-f.sig.ch(name):
			case <-wait.Done():
				f.missed <- name
			}
		}
	}
	return f.fakeECS.DescribeTaskDefinition(ctx, in, opts...)
}

type noteEC2 struct {
	fakeEC2
	sig *signals
}

func (f noteEC2) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	f.sig.note("security groups")
	return f.fakeEC2.DescribeSecurityGroups(ctx, in, opts...)
}

type noteIAM struct {
	*fakeIAM
	sig *signals
}

func (f noteIAM) GetRole(ctx context.Context, in *iam.GetRoleInput, opts ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	f.sig.note("role " + aws.ToString(in.RoleName))
	return f.fakeIAM.GetRole(ctx, in, opts...)
}

// TestReadsDoNotWaitForOtherFamilies: while one family's read is slow, the reads that do not depend on it
// go on: the older revision a service runs of another family, the services' security groups, and the
// role of a revision already kept. Nothing is read twice.
func TestReadsDoNotWaitForOtherFamilies(t *testing.T) {
	f := newFakes()
	f.ecs.clusters = []string{"c"}
	f.ecs.addFamily("slow", active)
	f.ecs.addFamily("pinned", active, active)
	f.ecs.revs["pinned"][1].TaskRoleArn = aws.String(roleArn("task"))
	f.iam.inline["task"] = map[string]string{}
	svc := f.ecs.addService("c", "s", tdArnOf("pinned", 1))
	svc.NetworkConfiguration = &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		SecurityGroups: []string{"sg-1"}, Subnets: []string{"subnet-1"}}}

	sig := &signals{seen: map[string]chan struct{}{}}
	missed := make(chan string, 8)
	slow := slowFamilyECS{fakeECS: f.ecs, sig: sig, waitFor: []string{"pinned revision", "security groups", "role task"}, missed: missed}
	cf := clientFactory{
		region: func(string) regionClients {
			return regionClients{ecs: slow, ec2: noteEC2{fakeEC2{f.rec}, sig}, elb: fakeELB{f.rec}}
		},
		iam: func() iamAPI { return noteIAM{f.iam, sig} },
	}
	inv, _, err := scan(context.Background(), cf, []string{"us-east-1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	close(missed)
	for name := range missed {
		t.Errorf("%s: not read while family slow was being read", name)
	}
	if got := tdArns(inv); len(got) != 3 || len(inv.Roles) != 1 || len(inv.SecurityGroups) != 1 {
		t.Errorf("revisions %v, roles %d, security groups %d", got, len(inv.Roles), len(inv.SecurityGroups))
	}
	if n := f.rec.count("DescribeTaskDefinition"); n != 3 {
		t.Errorf("%d DescribeTaskDefinition, want 3 (slow, pinned, pinned:1)", n)
	}
}
