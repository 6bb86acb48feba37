package awsread

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// fakeTDs answers DescribeTaskDefinition by family with its highest revision whatever its status (as the
// emulator does), and counts the calls.
type fakeTDs struct {
	family string
	status map[int]ecstypes.TaskDefinitionStatus
	calls  map[string]int
	fail   map[string]error
}

func arn(family string, rev int) string {
	return fmt.Sprintf("arn:aws:ecs:eu-west-1:123456789012:task-definition/%s:%d", family, rev)
}

func (f *fakeTDs) DescribeTaskDefinition(_ context.Context, in *ecs.DescribeTaskDefinitionInput, _ ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error) {
	f.calls["DescribeTaskDefinition"]++
	ref := aws.ToString(in.TaskDefinition)
	if err := f.fail[ref]; err != nil {
		return nil, err
	}
	rev := 0
	if ref == f.family {
		for r := range f.status {
			rev = max(rev, r)
		}
	} else if _, err := fmt.Sscanf(ref[strings.LastIndexByte(ref, '/')+1:], f.family+":%d", &rev); err != nil {
		return nil, errors.New("bad ref")
	}
	return &ecs.DescribeTaskDefinitionOutput{TaskDefinition: &ecstypes.TaskDefinition{
		TaskDefinitionArn: aws.String(arn(f.family, rev)), Family: aws.String(f.family), Revision: int32(rev), Status: f.status[rev],
	}}, nil
}

func (f *fakeTDs) ListTaskDefinitions(_ context.Context, in *ecs.ListTaskDefinitionsInput, _ ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error) {
	f.calls["ListTaskDefinitions"]++
	if err := f.fail["list"]; err != nil {
		return nil, err
	}
	var arns []string
	for r, st := range f.status {
		if st == ecstypes.TaskDefinitionStatusActive {
			arns = append(arns, arn(f.family, r))
		}
	}
	arns = append(arns, arn(f.family+"-other", 9)) // familyPrefix is a prefix
	return &ecs.ListTaskDefinitionsOutput{TaskDefinitionArns: arns}, nil
}

const (
	active   = ecstypes.TaskDefinitionStatusActive
	inactive = ecstypes.TaskDefinitionStatusInactive
)

func TestLatestActive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    map[int]ecstypes.TaskDefinitionStatus
		want      int // 0: none
		describes int
		lists     int
	}{
		{"the highest is ACTIVE: one call", map[int]ecstypes.TaskDefinitionStatus{1: active, 2: active}, 2, 1, 0},
		{"the highest is INACTIVE: listed, then described", map[int]ecstypes.TaskDefinitionStatus{1: active, 2: active, 3: inactive}, 2, 2, 1},
		{"none ACTIVE", map[int]ecstypes.TaskDefinitionStatus{1: inactive}, 0, 1, 1},
	}
	for _, tt := range tests {
		f := &fakeTDs{family: "web", status: tt.status, calls: map[string]int{}}
		td, err := LatestActive(context.Background(), f, "web", LatestOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := 0
		if td != nil {
			got = int(td.Revision)
		}
		if got != tt.want || f.calls["DescribeTaskDefinition"] != tt.describes || f.calls["ListTaskDefinitions"] != tt.lists {
			t.Errorf("%s: revision %d, calls %v; want revision %d, %d describes, %d lists", tt.name, got, f.calls, tt.want, tt.describes, tt.lists)
		}
	}
}

func TestLatestActiveFamilyError(t *testing.T) {
	t.Parallel()
	status := map[int]ecstypes.TaskDefinitionStatus{1: active}
	f := &fakeTDs{family: "web", status: status, calls: map[string]int{}, fail: map[string]error{"web": errors.New("boom")}}
	// By default the ACTIVE revisions are listed (AWS answers a family without an ACTIVE one with an error).
	if td, err := LatestActive(context.Background(), f, "web", LatestOptions{}); err != nil || td == nil || td.Revision != 1 {
		t.Errorf("fallback: %v, %v", td, err)
	}
	_, err := LatestActive(context.Background(), f, "web", LatestOptions{FamilyErrorFails: true})
	var re *Error
	if !errors.As(err, &re) || re.Op != OpDescribeTaskDefinition || re.Resource != "web" || err.Error() != "describe task definition web: boom" {
		t.Errorf("FamilyErrorFails: %v", err)
	}
	f.fail = map[string]error{"web": errors.New("boom"), "list": errors.New("throttled")}
	_, err = LatestActive(context.Background(), f, "web", LatestOptions{})
	if !errors.As(err, &re) || re.Op != OpListTaskDefinitions || err.Error() != "list task definitions of family web: throttled" {
		t.Errorf("list failure: %v", err)
	}
}
