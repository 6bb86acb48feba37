package plan

// Attacks on what a plan file says about the services an action concerns: an update-service action
// whose cluster and service name another service than the one it reads (its resource), and a
// security-group action naming a protected service in another cluster than the service's own. Each is
// refused by validation, naming the field.

import (
	"strings"
	"testing"
)

func TestUpdateServiceWritesOnlyItsResource(t *testing.T) {
	const res = "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
	for _, tt := range []struct {
		name, cluster, service, why string
	}{
		{"its name and cluster name", "prod", "api", ""},
		{"its ARN and cluster ARN", "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", res, ""},
		{"another service's name", "prod", "web", "updateService.service"},
		{"another service's ARN", "prod", "arn:aws:ecs:eu-west-1:123456789012:service/prod/web", "updateService.service"},
		{"another cluster's name", "staging", "api", "updateService.cluster"},
		{"another cluster's ARN", "arn:aws:ecs:eu-west-1:123456789012:cluster/staging", "api", "updateService.cluster"},
		{"its cluster in another region", "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "api", "updateService.cluster"},
		{"its cluster in another account", "arn:aws:ecs:eu-west-1:999999999999:cluster/prod", "api", "updateService.cluster"},
		{"a path in the name", "prod", "prod/api", "updateService.service"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &Action{ID: "a1", Type: UpdateService, Account: "123456789012", Region: "eu-west-1", Resource: res, Risk: RiskLow,
				Controls: []string{"ECS.10"}, UpdateService: &UpdateServiceChange{Cluster: tt.cluster, Service: tt.service,
					After: ServiceSettings{PlatformVersion: "LATEST"}}}
			err := ValidateAction(&Plan{Actions: []Action{*a}}, a)
			switch {
			case tt.why == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.why != "" && (err == nil || !strings.Contains(err.Error(), tt.why)):
				t.Errorf("err = %v, want a refusal naming %s", err, tt.why)
			}
		})
	}
	a := &Action{ID: "a1", Type: UpdateService, Resource: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod", Risk: RiskLow, Controls: []string{"ECS.10"},
		UpdateService: &UpdateServiceChange{Cluster: "prod", Service: "api", After: ServiceSettings{PlatformVersion: "LATEST"}}}
	if err := ValidateAction(&Plan{Actions: []Action{*a}}, a); err == nil || !strings.Contains(err.Error(), "is not a service ARN") {
		t.Errorf("an update whose resource is a cluster: %v", err)
	}
}

func TestProtectedServiceInItsOwnCluster(t *testing.T) {
	p, _ := withLBs(ingressPlan(fromGroup("sg-alb")))
	a := &p.Actions[0]
	a.Account = "123456789012"
	for name, tt := range map[string]struct {
		cluster string
		ok      bool
	}{
		"its cluster's name":         {"prod", true},
		"its cluster's ARN":          {"arn:aws:ecs:eu-west-1:123456789012:cluster/prod", true},
		"another cluster":            {"staging", false},
		"another cluster's ARN":      {"arn:aws:ecs:eu-west-1:123456789012:cluster/staging", false},
		"its cluster, other account": {"arn:aws:ecs:eu-west-1:999999999999:cluster/prod", false},
		"its cluster, other region":  {"arn:aws:ecs:us-east-1:123456789012:cluster/prod", false},
	} {
		s := ProtectedService{Cluster: tt.cluster, Service: lbService}
		errs := validateProtected(a, "updateSecurityGroupIngress", []ProtectedService{s})
		if tt.ok != (len(errs) == 0) {
			t.Errorf("%s: %+v: errors %v", name, s, errs)
		}
		if !tt.ok && len(errs) > 0 && !strings.Contains(errs[0].Error(), "is not the cluster of service") {
			t.Errorf("%s: %v does not name the cluster", name, errs[0])
		}
	}
}
