package detect

import "testing"

func TestShortARN(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3": "web:3",
		"arn:aws:ecs:eu-west-1:123456789012:service/prod/web":      "prod/web",
		"arn:aws:ecs:eu-west-1:123456789012:cluster/prod":          "prod",
		"arn:aws:iam::123456789012:role/app/web-task":              "app/web-task",
		"arn:aws:iam::aws:policy/AdministratorAccess":              "AdministratorAccess",
		"arn:aws:sns:eu-west-1:123456789012:topic":                 "topic",
		"arn:aws:ecs:eu-west-1":                                    "arn:aws:ecs:eu-west-1",
		"web:3":                                                    "web:3",
		"":                                                         "",

		"arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0d1c:autoScalingGroupName/nodes": "autoScalingGroup/nodes",
	} {
		if got := ShortARN(in); got != want {
			t.Errorf("ShortARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestARNName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::1:role/path/app":                   "app",
		"arn:aws:ecs:eu-west-1:1:service/prod/web":       "web",
		"arn:aws:ecs:eu-west-1:123456789012:cluster/ops": "ops",
		"web": "web",
		"":    "",
	} {
		if got := ARNName(in); got != want {
			t.Errorf("ARNName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClusterOfServiceARN(t *testing.T) {
	t.Parallel()
	if got := ClusterOfServiceARN("arn:aws:ecs:eu-west-1:1:service/prod/web"); got != "prod" {
		t.Errorf("long format: %q", got)
	}
	if got := ClusterOfServiceARN("arn:aws:ecs:eu-west-1:1:service/web"); got != "" {
		t.Errorf("short format: %q", got)
	}
}
