package plan

// Pins of the ECS.9 remedy (awslogs added where a container has no log driver) through Build: which
// containers, where the run is on Fargate (the revision, then its services), the execution role and its
// denials, the log groups, the notes.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// logsNoCompat is a revision whose compatibilities are unknown: where it runs is the services' say.
func logsNoCompat(td *detect.TaskDefinition) {
	td.RequiresCompatibilities = nil
	td.Compatibilities = nil
}

func logsEC2Only(td *detect.TaskDefinition) {
	td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
	td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
}

// logsMissing are three containers: one that logs, one whose logConfiguration has options but no
// driver, one without logConfiguration (a FireLens router).
func logsMissing(td *detect.TaskDefinition) {
	td.ContainerDefinitions[0].Name = aws.String("logs-ok")
	noDriver := bContainer("nodriver")
	noDriver.LogConfiguration = &ecstypes.LogConfiguration{Options: map[string]string{"mode": "non-blocking"}}
	router := bContainer("router")
	router.LogConfiguration = nil
	router.FirelensConfiguration = &ecstypes.FirelensConfiguration{Type: ecstypes.FirelensConfigurationTypeFluentbit}
	td.ContainerDefinitions = append(td.ContainerDefinitions, noDriver, router)
}

func TestRemedyLogs(t *testing.T) {
	denyRouter := detect.PolicyDocument{Name: "deny", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"logs:PutLogEvents","Resource":"arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/web-router:*"}]}`}
	perContainer := func(o *Options) { o.Logs.GroupTemplate = "/ecs/{family}-{container}" }
	tests := []struct {
		name  string
		td    detect.TaskDefinition
		svcs  []svcMod // one service each
		roles []detect.Role
		opts  []func(*Options)
	}{
		{name: "fargate, own role, two containers of three", td: bTD("web", 1, withExecRole, logsMissing),
			roles: []detect.Role{execRoleOf()}, opts: []func(*Options){perContainer, func(o *Options) { o.Logs.RetentionDays = 7; o.Logs.KmsKeyID = "k1" }}},
		{name: "fargate, own role denied on the last group", td: bTD("web", 1, withExecRole, logsMissing),
			roles: []detect.Role{execRoleOf(denyRouter)}, opts: []func(*Options){perContainer}},
		{name: "ec2 only, no role: the instance role note", td: bTD("web", 1, logsEC2Only, logsMissing), opts: []func(*Options){perContainer}},
		{name: "ec2 only, one group", td: bTD("web", 1, logsEC2Only, logsMissing)},
		{name: "unknown compatibilities, ec2 service", td: bTD("web", 1, logsNoCompat, logsMissing),
			svcs: []svcMod{func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 }}},
		{name: "unknown compatibilities, ec2 then fargate service", td: bTD("web", 1, logsNoCompat, logsMissing),
			svcs: []svcMod{func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 }, func(s *ecstypes.Service) {}}},
		{name: "unknown compatibilities, default strategy", td: bTD("web", 1, logsNoCompat, logsMissing),
			svcs: []svcMod{func(s *ecstypes.Service) { s.LaunchType = "" }}},
		{name: "unknown compatibilities, ec2 capacity provider", td: bTD("web", 1, logsNoCompat, logsMissing),
			svcs: []svcMod{func(s *ecstypes.Service) {
				s.LaunchType = ""
				s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("cp-ec2")}}
			}}},
		{name: "unknown compatibilities, spot after ec2 capacity provider", td: bTD("web", 1, logsNoCompat, logsMissing),
			svcs: []svcMod{func(s *ecstypes.Service) {
				s.LaunchType = ""
				s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("cp-ec2")}, {CapacityProvider: aws.String("FARGATE_SPOT")}}
			}}},
		{name: "unknown compatibilities, fargate capacity provider", td: bTD("web", 1, logsNoCompat, logsMissing),
			svcs: []svcMod{func(s *ecstypes.Service) {
				s.LaunchType = ""
				s.CapacityProviderStrategy = []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE")}}
			}}},
		{name: "compatible with fargate only", td: bTD("web", 1, logsMissing, func(td *detect.TaskDefinition) {
			td.RequiresCompatibilities = nil
			td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2, ecstypes.CompatibilityFargate}
		}), svcs: []svcMod{func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 }}},
		{name: "requires fargate only in source compat order", td: bTD("web", 1, logsMissing, func(td *detect.TaskDefinition) {
			td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2, ecstypes.CompatibilityFargate}
			td.Compatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityEc2}
		}), svcs: []svcMod{func(s *ecstypes.Service) { s.LaunchType = ecstypes.LaunchTypeEc2 }}},
		{name: "fargate, configured role added", td: bTD("web", 1, logsMissing),
			opts: []func(*Options){func(o *Options) { o.Secrets.ExecutionRole = "exec" }}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var svcs []ecstypes.Service
			for i, m := range tc.svcs {
				s := bSvc(string(rune('a'+i))+"svc", tc.td.ARN(), m)
				svcs = append(svcs, s)
			}
			in := bInventory([]detect.TaskDefinition{tc.td}, svcs)
			in.Roles = tc.roles
			remedyPin(t, remedyBuild(t, in, nil, tc.opts...))
		})
	}
}
