package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

const (
	tTaskRole   = "arn:aws:iam::111122223333:role/app-task"
	tAdminArn   = "arn:aws:iam::aws:policy/AdministratorAccess"
	tCustomArn  = "arn:aws:iam::111122223333:policy/everything"
	tReadS3     = `{"Sid":"ReadBucket","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*"}`
	tAdminStmt  = `{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}`
	tAdminStmt2 = `{"Effect":"Allow","Action":["*:*"],"Resource":["*"]}`
)

func withTaskRole(arn string) tdMod {
	return func(td *detect.TaskDefinition) { td.TaskRoleArn = aws.String(arn) }
}

func policyDoc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

type roleMod func(*detect.Role)

func taskRole(mods ...roleMod) detect.Role {
	r := detect.Role{Arn: tTaskRole, Name: "app-task", PoliciesKnown: true}
	for _, m := range mods {
		m(&r)
	}
	return r
}

func attached(arn, doc string) roleMod {
	return func(r *detect.Role) {
		r.Attached = append(r.Attached, detect.AttachedPolicy{Name: arn[strings.LastIndexByte(arn, '/')+1:], Arn: arn, Document: doc})
	}
}

func inline(name, doc string) roleMod {
	return func(r *detect.Role) { r.Inline = append(r.Inline, detect.PolicyDocument{Name: name, Document: doc}) }
}

func detachAdmin(o *Options) { o.DetachAdmin = true }

func TestAdminTaskRoleFix(t *testing.T) {
	web := bTD("web", 1, withTaskRole(tTaskRole))
	webSvc := bSvc("web", bTDArn("web", 1))
	tests := []struct {
		name     string
		tds      []detect.TaskDefinition
		svcs     []ecstypes.Service
		roles    []detect.Role
		opts     func(*Options)
		converge bool
		check    func(t *testing.T, p *Plan)
	}{
		{
			name:  "opt-in off: skipped naming the role, the policy and the statement",
			tds:   []detect.TaskDefinition{web},
			svcs:  []ecstypes.Service{webSvc},
			roles: []detect.Role{taskRole(inline("app", policyDoc(tReadS3, tAdminStmt)))},
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 {
					t.Fatalf("actions %+v", p.Actions)
				}
				for _, want := range []string{tTaskRole, `inline policy "app"`, `statement "Admin"`, "detaching is opt-in: set fix.iam.detach_admin"} {
					if !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), want) {
						t.Errorf("no skipped reason with %q: %+v", want, p.Skipped)
					}
				}
			},
		},
		{
			name:     "AdministratorAccess attached: detached",
			tds:      []detect.TaskDefinition{web},
			svcs:     []ecstypes.Service{webSvc},
			roles:    []detect.Role{taskRole(attached(tAdminArn, ""), attached("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", policyDoc(tReadS3)))},
			opts:     detachAdmin,
			converge: true,
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				a := p.Actions[0]
				if a.Type != DetachRolePolicy || a.DetachRolePolicy.PolicyArn != tAdminArn || a.DetachRolePolicy.Role != tTaskRole || a.Resource != tTaskRole {
					t.Fatalf("action %+v", a)
				}
				if a.Risk != RiskHigh || strings.Join(a.Controls, ",") != detect.ExposureAdminTaskRoleID {
					t.Errorf("risk %s controls %v", a.Risk, a.Controls)
				}
				notes := strings.Join(a.Notes, "\n")
				for _, want := range []string{"prod/web", "grant them explicitly first", "rollback attaches " + tAdminArn} {
					if !strings.Contains(notes, want) {
						t.Errorf("notes lack %q:\n%s", want, notes)
					}
				}
				pre := a.Preconditions
				if len(pre) < 2 || !strings.Contains(pre[0].Result, "AmazonS3ReadOnlyAccess") || !strings.Contains(pre[0].Result, "AdministratorAccess") || pre[1].Result != "(none)" {
					t.Errorf("preconditions %+v", pre)
				}
				f := stateOf(p, tTaskRole)
				if f == nil || f.ResourceType != detect.TypeRole || f.Facts[FactAttached] == "" || f.Facts[FactInline] != "" {
					t.Fatalf("fingerprint %+v", f)
				}
				if _, ok := f.Facts[FactOwnedPolicy]; !ok {
					t.Errorf("fingerprint lacks %s: %+v", FactOwnedPolicy, f.Facts)
				}
			},
		},
		{
			name:     "inline */* among other statements: just those removed",
			tds:      []detect.TaskDefinition{web},
			svcs:     []ecstypes.Service{webSvc},
			roles:    []detect.Role{taskRole(inline("app", policyDoc(tAdminStmt, tReadS3, tAdminStmt2)), inline("other", policyDoc(tReadS3)))},
			opts:     detachAdmin,
			converge: true,
			check: func(t *testing.T, p *Plan) {
				rs := actionsOf(p, RemovePolicyStatements)
				if len(p.Actions) != 1 || len(rs) != 1 {
					t.Fatalf("actions %+v", p.Actions)
				}
				c := rs[0].RemovePolicyStatements
				if c.PolicyName != "app" || strings.Join(c.Removed, ",") != "Admin,#2" || c.Before != policyDoc(tAdminStmt, tReadS3, tAdminStmt2) {
					t.Fatalf("change %+v", c)
				}
				stmts, err := detect.ParsePolicy(c.After)
				if err != nil || len(stmts) != 1 || stmts[0].Sid != "ReadBucket" {
					t.Fatalf("after %q: %v %+v", c.After, err, stmts)
				}
				if !strings.Contains(c.After, "\n  ") || !strings.Contains(c.After, `"Version": "2012-10-17"`) {
					t.Errorf("after is not the indented document:\n%s", c.After)
				}
				if !strings.Contains(rs[0].Summary, `statements "Admin", #2`) {
					t.Errorf("summary %q", rs[0].Summary)
				}
				if pre := rs[0].Preconditions; len(pre) < 2 || pre[1].Result != "app, other" {
					t.Errorf("preconditions %+v", pre)
				}
			},
		},
		{
			name:     "inline policy with only */*: deleted",
			tds:      []detect.TaskDefinition{web},
			svcs:     []ecstypes.Service{webSvc},
			roles:    []detect.Role{taskRole(inline("admin", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`))},
			opts:     detachAdmin,
			converge: true,
			check: func(t *testing.T, p *Plan) {
				rs := actionsOf(p, RemovePolicyStatements)
				if len(rs) != 1 || rs[0].RemovePolicyStatements.After != "" || strings.Join(rs[0].RemovePolicyStatements.Removed, ",") != "#0" {
					t.Fatalf("actions %+v", p.Actions)
				}
				if !strings.Contains(rs[0].Summary, "delete inline policy admin") {
					t.Errorf("summary %q", rs[0].Summary)
				}
			},
		},
		{
			name:     "customer-managed */*: skipped, AdministratorAccess still detached",
			tds:      []detect.TaskDefinition{web},
			svcs:     []ecstypes.Service{webSvc},
			roles:    []detect.Role{taskRole(attached(tCustomArn, policyDoc(tAdminStmt)), attached(tAdminArn, ""))},
			opts:     detachAdmin,
			converge: true,
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 1 || p.Actions[0].Type != DetachRolePolicy {
					t.Fatalf("actions %+v", p.Actions)
				}
				if !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), "edit or detach policy "+tCustomArn+" yourself: ecsfix does not change managed policies other than detaching AdministratorAccess") {
					t.Errorf("skipped %+v", p.Skipped)
				}
			},
		},
		{
			name:     "customer-managed */* alone: nothing to do",
			tds:      []detect.TaskDefinition{web},
			svcs:     []ecstypes.Service{webSvc},
			roles:    []detect.Role{taskRole(attached(tCustomArn, policyDoc(tAdminStmt)))},
			opts:     detachAdmin,
			converge: true,
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), `statement "Admin"`) {
					t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
				if stateOf(p, tTaskRole) != nil {
					t.Error("a role the plan does not change is fingerprinted")
				}
			},
		},
		{
			name: "two services share the role: one action set, the note names both",
			tds:  []detect.TaskDefinition{web, bTD("api", 4, withTaskRole(tTaskRole))},
			svcs: []ecstypes.Service{webSvc, bSvc("api", bTDArn("api", 4))},
			roles: []detect.Role{taskRole(attached(tAdminArn, ""),
				inline("app", policyDoc(tAdminStmt, tReadS3)))},
			opts:     detachAdmin,
			converge: true,
			check: func(t *testing.T, p *Plan) {
				if len(actionsOf(p, DetachRolePolicy)) != 1 || len(actionsOf(p, RemovePolicyStatements)) != 1 || len(p.Actions) != 2 {
					t.Fatalf("actions %+v", p.Actions)
				}
				for _, a := range p.Actions {
					if !strings.Contains(strings.Join(a.Notes, "\n"), "used by services prod/api, prod/web: all of them lose this access") {
						t.Errorf("%s notes %v", a.ID, a.Notes)
					}
				}
				n := 0
				for _, f := range p.State {
					if f.Resource == tTaskRole {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%d fingerprints of the role", n)
				}
			},
		},
		{
			name:  "owned role: skipped",
			tds:   []detect.TaskDefinition{web},
			svcs:  []ecstypes.Service{webSvc},
			roles: []detect.Role{taskRole(attached(tAdminArn, ""), func(r *detect.Role) { r.Tags = map[string]string{"aws:cloudformation:stack-name": "app"} })},
			opts:  detachAdmin,
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), "owned by CloudFormation stack app") {
					t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name:  "owned service: skipped",
			tds:   []detect.TaskDefinition{web},
			svcs:  []ecstypes.Service{bSvc("web", bTDArn("web", 1), func(s *ecstypes.Service) { s.Tags = bTags("terraform", "true") })},
			roles: []detect.Role{taskRole(attached(tAdminArn, ""))},
			opts:  detachAdmin,
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), "in its source") {
					t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name:  "role shared with an owned service: skipped",
			tds:   []detect.TaskDefinition{web, bTD("api", 4, withTaskRole(tTaskRole))},
			svcs:  []ecstypes.Service{webSvc, bSvc("api", bTDArn("api", 4), func(s *ecstypes.Service) { s.Tags = bTags("terraform", "true") })},
			roles: []detect.Role{taskRole(attached(tAdminArn, ""))},
			opts:  detachAdmin,
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), "service prod/api, which also uses task role") {
					t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
		{
			name:  "not selected: skipped",
			tds:   []detect.TaskDefinition{web},
			svcs:  []ecstypes.Service{webSvc},
			roles: []detect.Role{taskRole(attached(tAdminArn, ""))},
			opts:  func(o *Options) { o.DetachAdmin, o.Fix = true, []string{"ECS.5"} },
			check: func(t *testing.T, p *Plan) {
				if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), "not selected") {
					t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory(tt.tds, tt.svcs)
			in.Roles = tt.roles
			o := bOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			p := buildPlan(t, in, o)
			tt.check(t, p)
			for _, a := range p.Actions {
				if got := p.EffectiveRisk(a, map[string]Risk{detect.ExposureAdminTaskRoleID: RiskLow}); got != RiskHigh {
					t.Errorf("%s: effective risk %s with a low override, want high", a.ID, got)
				}
			}
			for _, format := range []string{"text", "markdown", "json"} {
				r, _ := NewRenderer(format, RenderOptions{UnattendedRisk: RiskLow})
				if err := r.Render(&bytes.Buffer{}, p); err != nil {
					t.Errorf("render %s: %v", format, err)
				}
			}
			if tt.converge {
				after := assertConverges(t, in, p, o)
				again := buildPlan(t, after, o)
				for _, r := range detect.Evaluate(after, bSettings()) {
					if r.Control == detect.ExposureAdminTaskRoleID && r.Status == detect.Failed && len(p.Actions) > 0 && !hasSkipped(again, detect.ExposureAdminTaskRoleID, r.ResourceArn, "managed policies") {
						t.Errorf("after applying, %s still fails: %s", r.ResourceArn, r.Reason)
					}
				}
			}
		})
	}
}

// TestAdminTaskRoleCannotTell: a finding whose role is not in the inventory, or whose policies are not,
// is skipped (the results came from another inventory).
func TestAdminTaskRoleCannotTell(t *testing.T) {
	tds := []detect.TaskDefinition{bTD("web", 1, withTaskRole(tTaskRole))}
	svcs := []ecstypes.Service{bSvc("web", bTDArn("web", 1))}
	evaluated := bInventory(tds, svcs)
	evaluated.Roles = []detect.Role{taskRole(attached(tAdminArn, ""))}
	results := detect.Evaluate(evaluated, bSettings())
	for _, tt := range []struct {
		name  string
		roles []detect.Role
		want  string
	}{
		{"role not in the inventory", nil, "cannot tell which policies task role " + tTaskRole + " has: the role is not in the inventory"},
		{"policies unknown", []detect.Role{{Arn: tTaskRole, Name: "app-task"}}, "cannot tell which policies task role " + tTaskRole + " has: its policies are not in the inventory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := bInventory(tds, svcs)
			in.Roles = tt.roles
			p, err := Build(in, results, bOptions(detachAdmin))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Actions) != 0 || !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), tt.want) {
				t.Fatalf("actions %+v skipped %+v", p.Actions, p.Skipped)
			}
		})
	}
}

// TestAdminTaskRoleThatTheSecretsFixGrants: a role that is the execution role the secrets fix grants and the
// task role holding administrative access gets the grant, but keeps its access (it is an execution role).
func TestAdminTaskRoleThatTheSecretsFixGrants(t *testing.T) {
	in := bInventory([]detect.TaskDefinition{bTD("web", 1, withExecRole, withTaskRole(tExecRole), credEnv())},
		[]ecstypes.Service{bSvc("web", bTDArn("web", 1))})
	in.Roles = []detect.Role{execRoleOf(detect.PolicyDocument{Name: "app", Document: policyDoc(tReadS3, tAdminStmt)})}
	o := bOptions(detachAdmin)
	p := buildPlan(t, in, o)
	if len(actionsOf(p, PutRolePolicy)) != 1 || len(actionsOf(p, RemovePolicyStatements)) != 0 {
		t.Fatalf("actions %+v", p.Actions)
	}
	if !hasSkipped(p, detect.ExposureAdminTaskRoleID, bSvcArn("web"), "is also the execution role of task definition web:1") {
		t.Fatalf("skipped %+v", p.Skipped)
	}
	assertConverges(t, in, p, o)
}

func TestAdminTaskRoleValidation(t *testing.T) {
	detach := func() Action {
		return Action{ID: "a1", Type: DetachRolePolicy, Account: bAccount, Region: bRegion, Resource: tTaskRole,
			Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh, Summary: "detach",
			DetachRolePolicy: &DetachRolePolicyChange{Role: tTaskRole, PolicyArn: tAdminArn}}
	}
	remove := func() Action {
		return Action{ID: "a1", Type: RemovePolicyStatements, Account: bAccount, Region: bRegion, Resource: tTaskRole,
			Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh, Summary: "remove",
			RemovePolicyStatements: &RemovePolicyStatementsChange{Role: tTaskRole, PolicyName: "app",
				Before: policyDoc(tAdminStmt, tReadS3), After: policyDoc(tReadS3), Removed: []string{"Admin"}}}
	}
	tests := []struct {
		name string
		a    func() Action
		want string
	}{
		{"detach ok", detach, ""},
		{"remove ok", remove, ""},
		{"remove to nothing ok", func() Action {
			a := remove()
			a.RemovePolicyStatements.Before, a.RemovePolicyStatements.After = policyDoc(tAdminStmt), ""
			return a
		}, ""},
		{"remove to nothing while other statements remain", func() Action { a := remove(); a.RemovePolicyStatements.After = ""; return a }, "after is empty (the policy deleted)"},
		{"remove by index ok", func() Action { a := remove(); a.RemovePolicyStatements.Removed = []string{"#0"}; return a }, ""},
		{"detach without payload", func() Action { a := detach(); a.DetachRolePolicy = nil; return a }, "needs its detachRolePolicy payload"},
		{"detach with another payload", func() Action {
			a := detach()
			a.RemovePolicyStatements = remove().RemovePolicyStatements
			return a
		}, "may carry only its detachRolePolicy payload"},
		{"remove with the detach payload", func() Action {
			a := remove()
			a.RemovePolicyStatements, a.DetachRolePolicy = nil, detach().DetachRolePolicy
			return a
		}, "needs its removePolicyStatements payload"},
		{"role not a role ARN", func() Action {
			a := detach()
			a.DetachRolePolicy.Role = "arn:aws:iam::111122223333:user/bob"
			return a
		}, "is not an IAM role ARN"},
		{"role not the resource", func() Action { a := detach(); a.Resource = "arn:aws:iam::111122223333:role/other"; return a }, "is not the action's resource"},
		{"policy not a policy ARN", func() Action { a := detach(); a.DetachRolePolicy.PolicyArn = "AdministratorAccess"; return a }, "is not an IAM policy ARN"},
		{"wrong control", func() Action { a := detach(); a.Controls = []string{"ECS.4"}; return a }, `"ECS.4" is not a control that a detach-role-policy action fixes`},
		{"no control", func() Action { a := remove(); a.Controls = nil; return a }, "fixes at least one control"},
		{"remove role not a role ARN", func() Action { a := remove(); a.RemovePolicyStatements.Role = "app-task"; return a }, "is not an IAM role ARN"},
		{"before does not parse", func() Action { a := remove(); a.RemovePolicyStatements.Before = "{"; return a }, "before: malformed policy document"},
		{"before empty", func() Action { a := remove(); a.RemovePolicyStatements.Before = ""; return a }, "before: malformed policy document"},
		{"after does not parse", func() Action { a := remove(); a.RemovePolicyStatements.After = `{"Statement":7}`; return a }, "after: malformed Statement"},
		{"removed empty", func() Action { a := remove(); a.RemovePolicyStatements.Removed = nil; return a }, "removed is empty"},
		{"removed names nothing", func() Action { a := remove(); a.RemovePolicyStatements.Removed = []string{"Nope"}; return a }, `"Nope" names no statement of before`},
		{"no policy name", func() Action { a := remove(); a.RemovePolicyStatements.PolicyName = ""; return a }, "policyName is required"},
		{"detach another policy", func() Action {
			a := detach()
			a.DetachRolePolicy.PolicyArn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
			return a
		}, "is not AdministratorAccess"},
		{"detach a customer AdministratorAccess", func() Action {
			a := detach()
			a.DetachRolePolicy.PolicyArn = "arn:aws:iam::111122223333:policy/AdministratorAccess"
			return a
		}, "is not AdministratorAccess"},
		{"detach in another partition ok", func() Action {
			a := detach()
			a.DetachRolePolicy.PolicyArn = "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"
			return a
		}, ""},
		{"remove a statement that is not admin", func() Action { a := remove(); a.RemovePolicyStatements.Removed = []string{"#1"}; return a }, "is not an Allow of every action on every resource"},
		{"remove a Deny", func() Action {
			a := remove()
			a.RemovePolicyStatements.Before = policyDoc(tAdminStmt, `{"Sid":"NoDelete","Effect":"Deny","Action":"*","Resource":"*"}`)
			a.RemovePolicyStatements.Removed = []string{"Admin", "NoDelete"}
			return a
		}, `"NoDelete" is not an Allow of every action on every resource`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := emptyFixture()
			p.Actions = []Action{tt.a()}
			err := p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestAdminTaskRoleEffectiveRisk(t *testing.T) {
	p := renderFixture(t)
	for _, typ := range []ActionType{DetachRolePolicy, RemovePolicyStatements} {
		as := actionsOf(p, typ)
		if len(as) != 1 {
			t.Fatalf("the fixture has %d %s actions", len(as), typ)
		}
		a := as[0]
		a.Risk = RiskLow
		if got := p.EffectiveRisk(a, map[string]Risk{detect.ExposureAdminTaskRoleID: RiskLow}); got != RiskHigh {
			t.Errorf("%s: effective risk %s, want high", typ, got)
		}
		if kept, _ := p.Subset(RiskMedium, nil); func() bool {
			for _, k := range kept.Actions {
				if k.Type == typ {
					return true
				}
			}
			return false
		}() {
			t.Errorf("%s is kept in a medium-risk subset", typ)
		}
	}
}

func TestAdminTaskRoleRendering(t *testing.T) {
	p := renderFixture(t)
	var text, md bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{UnattendedRisk: RiskLow}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p, RenderOptions{UnattendedRisk: RiskLow}); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), md.String()} {
		for _, want := range []string{
			"detach-role-policy", tAdminFx, "remove-policy-statements",
			"role/web-task policy web-extra (now)", `-      "Action": "*",`, `statement "Admin"`, "statement #2",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("rendering lacks %q", want)
			}
		}
	}
	if !strings.Contains(text.String(), "detach:      "+tAdminFx) {
		t.Errorf("text lacks the detach line:\n%s", text.String())
	}
	// a policy that is deleted shows so
	c := actionsOf(p, RemovePolicyStatements)[0]
	c.RemovePolicyStatements.After = ""
	diff, err := actionDiff(&c)
	if err != nil || !strings.Contains(diff, "+(the inline policy is deleted)") {
		t.Errorf("diff of a deleted policy: %v\n%s", err, diff)
	}
}

// A task role that is also an execution role keeps its access: the agent needs it at task start.
func TestAdminTaskRoleThatIsAlsoExecutionRoleIsSkipped(t *testing.T) {
	for _, ref := range []string{tTaskRole, detect.ShortARN(tTaskRole)} {
		td := bTD("web", 1, withTaskRole(tTaskRole), func(td *detect.TaskDefinition) { td.ExecutionRoleArn = aws.String(ref) })
		in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{bSvc("web", bTDArn("web", 1))})
		in.Roles = []detect.Role{taskRole(attached(tAdminArn, ""))}
		p := buildPlan(t, in, bOptions(detachAdmin))
		if as := actionsOf(p, DetachRolePolicy); len(as) != 0 {
			t.Fatalf("execution role %s: detaches %s", ref, as[0].DetachRolePolicy.PolicyArn)
		}
		found := false
		for _, s := range p.Skipped {
			if s.Control == detect.ExposureAdminTaskRoleID && strings.Contains(s.Reason, "is also the execution role of task definition web:1") &&
				strings.Contains(s.Reason, "give the task a separate task role") {
				found = true
			}
		}
		if !found {
			t.Fatalf("execution role %s: no Skipped naming the execution role: %+v", ref, p.Skipped)
		}
	}
}
