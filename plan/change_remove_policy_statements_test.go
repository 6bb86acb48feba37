package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
)

// TestRemovePolicyStatementsOnlyRemovesAdministrative: a statement removal's After is its Before without
// exactly the administrative statements it names (or nothing, when nothing else was there); anything else
// is refused by the plan's validation, before the applier reads or writes anything.
func TestRemovePolicyStatementsOnlyRemovesAdministrative(t *testing.T) {
	const (
		admin = `{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}`
		guard = `{"Sid":"Guard","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}`
		read  = `{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`
	)
	before := policyDoc(admin, guard, read)
	tests := []struct {
		name    string
		removed []string
		after   string
		want    string // "" when valid
	}{
		{"the admin statement removed", []string{"Admin"}, policyDoc(guard, read), ""},
		{"a Deny removed (widens)", []string{"Guard"}, policyDoc(admin, read), "is not an Allow of every action"},
		{"a narrow Allow removed", []string{"Read"}, policyDoc(admin, guard), "is not an Allow of every action"},
		{"a Deny dropped that removed does not name", []string{"Admin"}, policyDoc(read), "after is not before without exactly"},
		{"a statement added", []string{"Admin"}, policyDoc(guard, read, `{"Effect":"Allow","Action":"iam:*","Resource":"*"}`), "after is not before without exactly"},
		{"the Version changed", []string{"Admin"}, `{"Version":"2008-10-17","Statement":[` + guard + `,` + read + `]}`, "after is not before without exactly"},
		{"the policy deleted while a Deny remains", []string{"Admin"}, "", "after is empty (the policy deleted)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{FormatVersion: FormatVersion, Tool: Tool{Name: "ecsfix", Version: "test"}, CreatedAt: time.Unix(0, 0).UTC(),
				Actions: []Action{{ID: "a1", Type: RemovePolicyStatements, Account: bAccount, Region: bRegion, Resource: tTaskRole,
					Controls: []string{detect.ExposureAdminTaskRoleID}, Risk: RiskHigh, Summary: "remove",
					RemovePolicyStatements: &RemovePolicyStatementsChange{Role: tTaskRole, PolicyName: "app",
						Before: before, After: tt.after, Removed: tt.removed}}}}
			err := ValidateAction(p, &p.Actions[0])
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ValidateAction: %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ValidateAction: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
