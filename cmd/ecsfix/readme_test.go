package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadmeListsEveryControl(t *testing.T) {
	doc := readme(t)
	for _, c := range detect.All() {
		if !strings.Contains(doc, "| "+c.ID+" | "+c.Title+" | "+string(c.Severity)+" |") {
			t.Errorf("README's control table lacks %s (%s, %s)", c.ID, c.Title, c.Severity)
		}
	}
}

// TestReadmeScanPolicyCoversLiveScan runs a live scan on the emulator and checks that the README's
// read-only IAM policy allows every operation the scan made.
func TestReadmeScanPolicyCoversLiveScan(t *testing.T) {
	policy := regexp.MustCompile(`(?s)"Sid": "EcsfixScan".*?\]`).FindString(readme(t))
	if policy == "" {
		t.Fatal("README has no EcsfixScan policy statement")
	}
	cfg := mototest.Config(t, mototest.MaxAttempts(1))
	ctx := context.Background()
	buildSmallEstate(t, ctx, cfg)
	_, stats, err := live.Scan(ctx, cfg, live.Options{Regions: []string{cfg.Region}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.PerOperation) < 8 {
		t.Fatalf("the scan made too few kinds of calls to check: %v", stats.PerOperation)
	}
	for op := range stats.PerOperation {
		action := strings.Replace(op, "elbv2:", "elasticloadbalancing:", 1)
		if !strings.Contains(policy, `"`+action+`"`) {
			t.Errorf("the scan called %s, which the README's policy does not allow", action)
		}
	}
}

// TestReadmePoliciesAreComplete parses every JSON block of the README's IAM section, and every JSON block
// elsewhere that holds an "Effect", as a complete, pasteable IAM policy document: valid JSON, Version
// 2012-10-17, a non-empty Statement list whose statements each have a unique Sid, an Effect, an Action
// and a Resource; no Action or Resource of the bot's own write powers is "*" where the README promises
// a scope (the scan policy reads every role's policies, so iam:GetRolePolicy is on * there).
func TestReadmePoliciesAreComplete(t *testing.T) {
	doc := readme(t)
	start := strings.Index(doc, "## IAM permissions")
	end := strings.Index(doc, "## For each kind of user")
	if start < 0 || end < start {
		t.Fatal("README has no IAM permissions section")
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatchIndex(doc, -1)
	n := 0
	resources := map[string][]string{} // action → resources granted
	for _, m := range blocks {
		body := doc[m[2]:m[3]]
		inIAM := m[0] > start && m[0] < end
		if !inIAM && !strings.Contains(body, `"Effect"`) {
			continue
		}
		n++
		line := strings.Count(doc[:m[0]], "\n") + 1
		var policy struct {
			Version   string
			Statement []map[string]json.RawMessage
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&policy); err != nil {
			t.Errorf("README line %d: not a complete policy document: %v", line, err)
			continue
		}
		if policy.Version != "2012-10-17" || len(policy.Statement) == 0 {
			t.Errorf("README line %d: Version %q, %d statements", line, policy.Version, len(policy.Statement))
		}
		sids := map[string]bool{}
		for i, st := range policy.Statement {
			var sid, effect string
			_ = json.Unmarshal(st["Sid"], &sid)
			_ = json.Unmarshal(st["Effect"], &effect)
			if sid == "" || sids[sid] {
				t.Errorf("README line %d: statement %d has no Sid or a repeated one (%q)", line, i, sid)
			}
			sids[sid] = true
			if effect != "Allow" && effect != "Deny" {
				t.Errorf("README line %d: %s: Effect %q", line, sid, effect)
			}
			actions, errA := stringOrList(st["Action"])
			res, errR := stringOrList(st["Resource"])
			if errA != nil || errR != nil || len(actions) == 0 || len(res) == 0 {
				t.Errorf("README line %d: %s: Action %s, Resource %s", line, sid, st["Action"], st["Resource"])
			}
			for k := range st {
				switch k {
				case "Sid", "Effect", "Action", "Resource", "Condition":
				default:
					t.Errorf("README line %d: %s: unexpected field %s", line, sid, k)
				}
			}
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("README line %d: %s: wildcard action %s", line, sid, a)
				}
				resources[a] = append(resources[a], res...)
			}
		}
	}
	if n < 6 {
		t.Errorf("found %d policy blocks, want the scan, apply, secrets and logs, key, deregister, admin and security-group ones", n)
	}
	// The powers that could raise the bot's own privileges are scoped to what ecsfix manages.
	for _, a := range []string{
		"secretsmanager:CreateSecret", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:TagResource",
		"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:AttachRolePolicy",
		"iam:PassRole", "logs:CreateLogGroup", "kms:Decrypt",
	} {
		if len(resources[a]) == 0 {
			t.Errorf("no README policy grants %s", a)
		}
		for _, r := range resources[a] {
			if r == "*" {
				t.Errorf("a README policy grants %s on *", a)
			}
		}
	}
	if !strings.Contains(doc, `"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"`) {
		t.Error("the admin detach statement lacks its iam:PolicyARN condition")
	}
}

// stringOrList decodes a policy element that is a string or a list of strings.
func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	err := json.Unmarshal(raw, &list)
	return list, err
}
