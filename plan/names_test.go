// Tests of the checks of the AWS names ecsfix makes up: each refusal, and the plan-time refusal of a
// substituted name that would become a wildcard or an escaping path in a grant.

package plan

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestCheckLogGroupName(t *testing.T) {
	for _, ok := range []string{"/ecs/web", "/ecs/web/app", "app.logs", "team#1/app_x-y", "/aws/ecs/web", strings.Repeat("a", 512)} {
		if err := CheckLogGroupName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":                       "empty",
		"*app*":                  `character '*'`,
		"/ecs/app?":              `character '?'`,
		"/ecs/../prod":           `".." path segment`,
		"/ecs/./web":             `"." path segment`,
		"..":                     `".." path segment`,
		"aws/ecs/web":            "reserves",
		"/ecs/web app":           `character ' '`,
		"/ecs/web:*":             `character ':'`,
		"/ecs/{family}":          `character '{'`,
		"/ecs/wéb":               `character 'é'`,
		strings.Repeat("a", 513): "513 characters",
	} {
		if err := CheckLogGroupName(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", bad, err, want)
		}
	}
}

func TestCheckSecretName(t *testing.T) {
	for _, ok := range []string{"ecsfix/web/app", "ecsfix/web/app/DB_PASSWORD", "team+a=b.c@d-e", strings.Repeat("s", 512)} {
		if err := CheckSecretName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":                       "empty",
		"ecsfix/*":               `character '*'`,
		"ecsfix/we?":             `character '?'`,
		"../../prod/db":          `".." path segment`,
		"ecsfix/./web":           `"." path segment`,
		"/ecsfix/web":            "starts with /",
		"ecsfix//web":            "empty path segment",
		"ecsfix/web/":            "empty path segment",
		"ecsfix web":             `character ' '`,
		"ecsfix:web":             `character ':'`,
		strings.Repeat("s", 513): "513 characters",
	} {
		if err := CheckSecretName(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", bad, err, want)
		}
	}
}

func TestCheckRegionName(t *testing.T) {
	for _, ok := range []string{"eu-west-1", "us-gov-east-1", "cn-north-1", "ap-southeast-4"} {
		if err := CheckRegionName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "*", "eu-west-*", "eu-west", "eu--1", "EU-WEST-1", "eu-west-1:*"} {
		if err := CheckRegionName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestSubstitutedNamesNeverWiden plans the logging and secrets fixes with names that would widen the
// grant (a wildcard template, a ".." prefix, a container or variable name AWS would refuse): each fix is
// Not fixed with the reason, and no action creates, or grants on, such a name.
func TestSubstitutedNamesNeverWiden(t *testing.T) {
	noLogs := func(c *ecstypes.ContainerDefinition) { c.LogConfiguration = nil }
	named := func(name string) tdMod {
		return ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Name = aws.String(name) })
	}
	tests := []struct {
		name   string
		td     detect.TaskDefinition
		opts   func(*Options)
		reason string
	}{
		{"wildcard log group template", bTD("web", 1, withExecRole, ctrMod(0, noLogs)),
			func(o *Options) { o.Logs.GroupTemplate = "*{container}*" }, `character '*'`},
		{"escaping log group template", bTD("web", 1, withExecRole, ctrMod(0, noLogs)),
			func(o *Options) { o.Logs.GroupTemplate = "/ecs/../{family}" }, `".." path segment`},
		{"container name with a wildcard, logs", bTD("web", 1, withExecRole, ctrMod(0, noLogs), named("a*")),
			func(o *Options) { o.Logs.GroupTemplate = "/ecs/{container}" }, `character '*'`},
		{"existing awslogs group with a wildcard", bTD("web", 1, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) {
			c.LogConfiguration.Options["awslogs-group"] = "*"
		})), func(o *Options) { o.Secrets.ExecutionRole = tExecRole }, "awslogs-group is invalid"},
		{"existing awslogs region with a wildcard", bTD("web", 1, credEnv(), ctrMod(0, func(c *ecstypes.ContainerDefinition) {
			c.LogConfiguration.Options["awslogs-region"] = "*"
		})), func(o *Options) { o.Secrets.ExecutionRole = tExecRole }, "awslogs-region is invalid"},
		{"escaping secret name prefix", bTD("web", 1, withExecRole, credEnv()),
			func(o *Options) { o.Secrets.NamePrefix = "../.." }, `".." path segment`},
		{"wildcard secret name prefix", bTD("web", 1, withExecRole, credEnv()),
			func(o *Options) { o.Secrets.NamePrefix = "*" }, `character '*'`},
		{"container name with a wildcard, secrets", bTD("web", 1, withExecRole, credEnv(), named("a*")),
			nil, `character '*'`},
		{"variable name with a wildcard, one secret per variable", bTD("web", 1, withExecRole, withEnv("KEY*", tAccessKey)),
			func(o *Options) { o.Secrets.PerVariable = true }, `character '*'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{tt.td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
			in.Roles = []detect.Role{execRoleOf()}
			o := bOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			p := buildPlan(t, in, o)
			found := false
			for _, s := range p.Skipped {
				found = found || strings.Contains(s.Reason, tt.reason)
			}
			if !found {
				t.Errorf("no Skipped reason with %q: %+v", tt.reason, p.Skipped)
			}
			for _, a := range p.Actions {
				switch {
				case a.CreateSecret != nil:
					t.Errorf("create-secret %s planned", a.CreateSecret.Name)
				case a.EnsureLogGroup != nil:
					t.Errorf("ensure-log-group %s planned", a.EnsureLogGroup.Name)
				case a.PutRolePolicy != nil:
					t.Errorf("put-role-policy planned: %+v", a.PutRolePolicy.Statements)
				}
			}
		})
	}
}
