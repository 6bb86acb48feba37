package awsclient

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

func TestConfigureAttempts(t *testing.T) {
	tests := []struct {
		name    string
		cfg     int // cfg.RetryMaxAttempts
		max     int
		backoff time.Duration
		want    int
	}{
		{"explicit", 3, 5, 0, 5},
		{"from the config", 3, 0, 0, 3},
		{"default", 0, 0, time.Millisecond, DefaultMaxAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := aws.Config{RetryMaxAttempts: tt.cfg, RetryMode: aws.RetryModeAdaptive}
			out := Configure(in, tt.max, tt.backoff, NewCounter())
			r := out.Retryer()
			if got := r.MaxAttempts(); got != tt.want {
				t.Errorf("MaxAttempts = %d, want %d", got, tt.want)
			}
			if out.RetryMaxAttempts != 0 || out.RetryMode != "" {
				t.Errorf("the SDK would wrap the retryer again: %d %q", out.RetryMaxAttempts, out.RetryMode)
			}
			if _, ok := r.(*retry.Standard); !ok {
				t.Errorf("retryer is %T, want *retry.Standard", r)
			}
			if len(out.APIOptions) != len(in.APIOptions)+1 {
				t.Errorf("the counter middleware is not installed")
			}
		})
	}
}

func TestShortService(t *testing.T) {
	for id, want := range map[string]string{"ECS": "ecs", "EC2": "ec2", "Elastic Load Balancing v2": "elbv2", "IAM": "iam", "STS": "sts"} {
		if got := ShortService(id); got != want {
			t.Errorf("ShortService(%q) = %q, want %q", id, got, want)
		}
	}
}
