package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
)

// More tests of the remove-policy-statements change kind: each validation message, Rebuild's refusals,
// sameJSON, details and diff.

const (
	rpsAdmin = `{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}`
	rpsAnon  = `{"Effect":"Allow","Action":"*:*","Resource":"*"}`
	rpsRead  = `{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`
)

func rpsDoc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func rpsAction(f func(c *RemovePolicyStatementsChange)) Action {
	c := &RemovePolicyStatementsChange{Role: fxWebRole, PolicyName: "app", Before: rpsDoc(rpsAdmin, rpsRead, rpsAnon),
		After: rpsDoc(rpsRead), Removed: []string{"Admin", "#2"}}
	if f != nil {
		f(c)
	}
	return Action{ID: "x1", Type: RemovePolicyStatements, Resource: fxWebRole, Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh,
		RemovePolicyStatements: c}
}

func TestRemovePolicyStatementsValidateCases(t *testing.T) {
	checkValidate(t, []vcase{
		{"valid", nil, rpsAction(nil), ""},
		{"every statement removed, the policy deleted", nil, rpsAction(func(c *RemovePolicyStatementsChange) {
			c.Before, c.After, c.Removed = rpsDoc(rpsAdmin, rpsAnon), "", []string{"#0", "#1"}
		}), ""},
		{"every statement removed, after kept", nil, rpsAction(func(c *RemovePolicyStatementsChange) {
			c.Before, c.After, c.Removed = rpsDoc(rpsAdmin), rpsDoc(), []string{"Admin"}
		}), "after is not before without exactly the statements removed names (Admin)"},
		{"a role name", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Role = "web-task" }), `removePolicyStatements: role "web-task" is not an IAM role ARN`},
		{"another role", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Role = "arn:aws:iam::123456789012:role/other" }),
			"removePolicyStatements: role arn:aws:iam::123456789012:role/other is not the action's resource " + fxWebRole},
		{"no policy name", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.PolicyName = "" }), "removePolicyStatements: policyName is required"},
		{"a before that is not a policy", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Before = "[" }), "removePolicyStatements: before: "},
		{"nothing removed", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Removed = nil }), "removePolicyStatements: removed is empty"},
		{"a label naming nothing", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Removed = []string{"Admin", "#7"} }),
			`removePolicyStatements: removed 2: "#7" names no statement of before (a Sid or #index)`},
		{"a narrow statement by index", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Removed = []string{"#1"} }),
			`removePolicyStatements: removed 1: "#1" is not an Allow of every action on every resource`},
		{"a narrow statement by Sid", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.Removed = []string{"Admin", "Read"} }),
			`removePolicyStatements: removed 2: "Read" is not an Allow of every action on every resource`},
		{"an after that is not a policy", nil, rpsAction(func(c *RemovePolicyStatementsChange) { c.After = "[" }), "removePolicyStatements: after: "},
	})
	// A bad label, or an after that is not a policy, is not also compared with before.
	for _, a := range []Action{
		rpsAction(func(c *RemovePolicyStatementsChange) { c.Removed = []string{"#7"}; c.After = rpsDoc() }),
		rpsAction(func(c *RemovePolicyStatementsChange) { c.Removed = []string{"Read"}; c.After = rpsDoc() }),
		rpsAction(func(c *RemovePolicyStatementsChange) { c.After = "[" }),
	} {
		p := emptyFixture()
		p.Actions = []Action{a}
		if err := p.Validate(); err == nil || strings.Contains(err.Error(), "after is not before") || strings.Count(err.Error(), "removePolicyStatements") != 1 {
			t.Errorf("%v: Validate = %v", a.RemovePolicyStatements.Removed, err)
		}
	}
	// Two statements with the Sid of a narrow one: said once.
	dup := rpsAction(func(c *RemovePolicyStatementsChange) {
		c.Before, c.Removed = rpsDoc(rpsRead, rpsRead), []string{"Read"}
	})
	if errs := dup.RemovePolicyStatements.validate(&dup, nil); len(errs) != 1 {
		t.Errorf("two narrow statements of one Sid: %v", errs)
	}
	// A statement without Sid is named by its index only, never by the empty label.
	anon := rpsAction(func(c *RemovePolicyStatementsChange) {
		c.Before, c.After, c.Removed = rpsDoc(rpsRead, rpsAnon), rpsDoc(rpsRead), []string{""}
	})
	if errs := anon.RemovePolicyStatements.validate(&anon, nil); !strings.Contains(errorsText(errs), `removed 1: "" names no statement`) {
		t.Errorf("the empty label: %v", errs)
	}
}

func TestRemovePolicyStatementsRebuildCases(t *testing.T) {
	tests := []struct {
		name    string
		before  string
		removed []string
		want    string // the document after, or the error
		wantErr bool
	}{
		{"not JSON", "{", []string{"Admin"}, "the policy document is not JSON", true},
		{"not an object", "[]", []string{"Admin"}, "the policy document is not a JSON object", true},
		{"a Statement string", `{"Statement":"x"}`, []string{"Admin"}, "the policy document's Statement is neither an object nor a list", true},
		{"no Statement", `{"Version":"2012-10-17"}`, []string{"Admin"}, "the policy document's Statement is neither an object nor a list", true},
		{"a statement that is not an object", `{"Statement":[1]}`, []string{"#0"}, "", true},
		{"one statement object", `{"Version":"2012-10-17","Statement":` + rpsRead + `}`, []string{"Read"}, "statement Read is not an Allow of every action on every resource", true},
		{"the empty label", rpsDoc(rpsAnon, rpsRead), []string{""}, "statement  is not in the policy document (a Sid or #index)", true},
		{"an index naming a statement with a Sid", rpsDoc(rpsRead, rpsAdmin), []string{"#1"}, rpsDoc(rpsRead), false},
		{"a Sid and an index", rpsDoc(rpsAdmin, rpsRead, rpsAnon), []string{"#2", "Admin"}, rpsDoc(rpsRead), false},
		{"the second label not found", rpsDoc(rpsAdmin, rpsRead), []string{"Admin", "Other"}, "statement Other is not in the policy document", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &RemovePolicyStatementsChange{Role: fxWebRole, PolicyName: "app", Removed: tt.removed}
			got, err := c.Rebuild(tt.before)
			switch {
			case tt.wantErr:
				if err == nil || got != "" || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Rebuild = %q, %v; want error %q", got, err, tt.want)
				}
			case err != nil:
				t.Fatal(err)
			case !sameJSON(got, tt.want):
				t.Errorf("Rebuild = %s, want %s", got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"", "", true}, {"", "{}", false}, {"{}", "", false}, {"{", "{", false},
		{`{"a":[1,2]}`, "{\n  \"a\": [1, 2]\n}", true}, {`{"a":[1,2]}`, `{"a":[2,1]}`, false},
	} {
		if got := sameJSON(tt.a, tt.b); got != tt.want {
			t.Errorf("sameJSON(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestRemovePolicyStatementsDetailsAndDiff(t *testing.T) {
	c := rpsAction(nil).RemovePolicyStatements
	want := [][2]string{{"role", fxWebRole}, {"policy", "app (inline)"}, {"remove", `statement "Admin"`}, {"remove", "statement #2"}}
	if got := c.details().rows; !reflect.DeepEqual(got, want) {
		t.Errorf("details = %q", got)
	}
	d, err := c.diff()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"--- role/web-task policy app (now)", "+++ role/web-task policy app (after)", `-      "Sid": "Admin"`, `       "Sid": "Read"`} {
		if !strings.Contains(d, s+"\n") {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	c.After = ""
	want = append(want, [2]string{"then", "no statement remains: the inline policy is deleted"})
	if got := c.details().rows; !reflect.DeepEqual(got, want) {
		t.Errorf("details of a deletion = %q", got)
	}
	if d, err := c.diff(); err != nil || !strings.Contains(d, "+"+deletedPolicyText) {
		t.Errorf("diff of a deletion = %v:\n%s", err, d)
	}
	c.Before = "{"
	if _, err := c.diff(); err == nil || !strings.HasPrefix(err.Error(), "role "+fxWebRole+" policy app: before: ") {
		t.Errorf("diff of a bad before = %v", err)
	}
	c.Before, c.After = rpsDoc(rpsAdmin), "{"
	if _, err := c.diff(); err == nil || !strings.HasPrefix(err.Error(), "role "+fxWebRole+" policy app: after: ") {
		t.Errorf("diff of a bad after = %v", err)
	}
}
