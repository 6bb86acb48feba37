package plan

// Pins of the admin task-role remedy (EXPOSURE.admin-task-role: AdministratorAccess detached, admin
// statements removed from inline policies) through Build: roles, services, task definitions and policies
// not first, the execution-role and owner guards, and every reason it skips.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const arZZRole = "arn:aws:iam::111122223333:role/zz-task"

func TestRemedyAdminRole(t *testing.T) {
	zz := func(mods ...roleMod) detect.Role {
		r := taskRole(mods...)
		r.Arn, r.Name = arZZRole, "zz-task"
		return r
	}
	admin := attached(tAdminArn, "")
	adminInline := inline("a-admin", policyDoc(tReadS3, tAdminStmt))
	owned := func(s *ecstypes.Service) { s.Tags = bTags("terraform", "true") }
	type scenario struct {
		name   string
		tds    []detect.TaskDefinition
		svcs   []ecstypes.Service
		roles  []detect.Role
		forged []string // services given a forged FAILED result
		opts   []func(*Options)
	}
	tests := []scenario{
		{name: "two roles: the first owned through a service, the second fixed; services without role first",
			tds: []detect.TaskDefinition{bTD("none", 1), bTD("web", 1, withTaskRole(tTaskRole)), bTD("zz", 1, withTaskRole(arZZRole))},
			svcs: []ecstypes.Service{bSvc("a-none", bTDArn("none", 1)), bSvc("b-gone", bTDArn("gone", 1)),
				bSvc("web", bTDArn("web", 1), owned), bSvc("web2", bTDArn("web", 1), func(s *ecstypes.Service) { s.Tags = bTags("copilot-application", "x") }),
				bSvc("web3", bTDArn("web", 1)), bSvc("zz", bTDArn("zz", 1)), bSvc("zz2", bTDArn("zz", 1))},
			roles: []detect.Role{taskRole(admin), zz(admin)}},
		{name: "two roles: the first also an execution role, the second fixed",
			tds: []detect.TaskDefinition{bTD("plain", 1), bTD("web", 1, withTaskRole(tTaskRole)), bTD("zz", 1, withTaskRole(arZZRole)),
				bTD("x", 2, func(td *detect.TaskDefinition) { td.ExecutionRoleArn = aws.String("app-task") }),
				bTD("x", 1, func(td *detect.TaskDefinition) { td.ExecutionRoleArn = aws.String(tTaskRole) }),
				bTD("y", 1, func(td *detect.TaskDefinition) {
					td.ExecutionRoleArn = aws.String("arn:aws:iam::111122223333:role/other")
				})},
			svcs:  []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("zz", bTDArn("zz", 1))},
			roles: []detect.Role{taskRole(admin), zz(inline("other", policyDoc(tReadS3)), adminInline, inline("b-admin", policyDoc(tAdminStmt2, tReadS3)))}},
		{name: "attached policies after AdministratorAccess: unknown, unreadable, admin, harmless",
			tds:  []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			roles: []detect.Role{taskRole(admin, attached("arn:aws:iam::111122223333:policy/unknown", ""),
				attached("arn:aws:iam::111122223333:policy/bad", "{"), attached(tCustomArn, policyDoc(tAdminStmt, tAdminStmt2)),
				attached("arn:aws:iam::111122223333:policy/fine", policyDoc(tReadS3)),
				attached("arn:aws:iam::111122223333:policy/one", policyDoc(tReadS3, tAdminStmt2)))}},
		{name: "inline policies: unreadable first, then harmless, then admin ones",
			tds:   []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole))},
			svcs:  []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			roles: []detect.Role{taskRole(inline("bad", "{"), inline("fine", policyDoc(tReadS3)), adminInline, inline("only", policyDoc(tAdminStmt2)))}},
		{name: "inline policy whose admin Sid is also a narrower statement's",
			tds:  []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			roles: []detect.Role{taskRole(inline("dup", policyDoc(`{"Sid":"Admin","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`, tAdminStmt)),
				adminInline)}},
		{name: "inline statement as an object",
			tds:   []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole))},
			svcs:  []ecstypes.Service{bSvc("web", bTDArn("web", 1))},
			roles: []detect.Role{taskRole(inline("obj", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`), adminInline)}},
		{name: "first role has nothing to fix, the second is fixed",
			tds:   []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole)), bTD("zz", 1, withTaskRole(arZZRole))},
			svcs:  []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("zz", bTDArn("zz", 1))},
			roles: []detect.Role{taskRole(inline("fine", policyDoc(tReadS3))), zz(admin)}, forged: []string{bSvcArn("web")}},
		{name: "forged: the service, its revision, its role unknown, its policies unknown, no role",
			tds: []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole)), bTD("byname", 1, withTaskRole("ghost")),
				bTD("norole", 1), bTD("unknown", 1, withTaskRole(arZZRole))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("gone", 4)), bSvc("byname", bTDArn("byname", 1)), bSvc("norole", bTDArn("norole", 1)),
				bSvc("unknown", bTDArn("unknown", 1))},
			roles:  []detect.Role{taskRole(admin), {Arn: arZZRole, Name: "zz-task"}},
			forged: []string{bSvcArn("nothere"), bSvcArn("web"), bSvcArn("byname"), bSvcArn("norole"), bSvcArn("unknown")}},
		{name: "owned revision, owned role, not opted in",
			tds: []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole), withTags("aws:cloudformation:stack-name", "s")),
				bTD("zz", 1, withTaskRole(arZZRole)), bTD("plain", 1, withTaskRole("arn:aws:iam::111122223333:role/plain"))},
			svcs: []ecstypes.Service{bSvc("web", bTDArn("web", 1)), bSvc("zz", bTDArn("zz", 1)), bSvc("plain", bTDArn("plain", 1))},
			roles: []detect.Role{taskRole(admin), zz(admin, func(r *detect.Role) { r.Tags = map[string]string{"terraform": "x", "aws:cdk:path": "y"} }),
				func() detect.Role {
					r := taskRole(admin)
					r.Arn, r.Name = "arn:aws:iam::111122223333:role/plain", "plain"
					return r
				}()},
			opts: []func(*Options){func(o *Options) { o.DetachAdmin = false }}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bInventory(tc.tds, tc.svcs)
			in.Roles = tc.roles
			var rs []detect.Result
			if len(tc.forged) > 0 {
				rs = pinResults(in, detect.ExposureAdminTaskRoleID, tc.forged...)
			}
			remedyPin(t, remedyBuild(t, in, rs, append([]func(*Options){detachAdmin}, tc.opts...)...))
		})
	}
}
