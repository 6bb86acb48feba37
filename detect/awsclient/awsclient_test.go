package awsclient

import (
	"testing"
)

func TestShortService(t *testing.T) {
	for id, want := range map[string]string{"ECS": "ecs", "EC2": "ec2", "Elastic Load Balancing v2": "elbv2", "IAM": "iam", "STS": "sts"} {
		if got := ShortService(id); got != want {
			t.Errorf("ShortService(%q) = %q, want %q", id, got, want)
		}
	}
}
