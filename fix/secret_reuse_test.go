package fix

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsread"
	"github.com/ecsfix/ecsfix/plan"
)

// replan makes the plan the planner would make again for app:1 once an earlier plan's app:2 exists:
// the same actions, against the current state (the family's latest revision, the role's policy).
func (e *secretsEstate) replan(t *testing.T, at time.Time) *plan.Plan {
	t.Helper()
	p := e.makeSecretsPlan(t, false)
	p.CreatedAt = at
	lt, err := awsread.LatestActive(context.Background(), e.api, "app", awsread.LatestOptions{})
	if err != nil || lt == nil {
		t.Fatalf("the latest revision of app: %v", err)
	}
	for i, f := range p.State {
		if f.Resource == e.src {
			p.State[i].Facts = plan.TaskDefinitionFacts(e.taskDef(t, e.src), lt.ARN())
		}
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSecretsReplanAfterRollback: apply, roll back, plan again (another plan hash) for the same
// revision, apply. The second plan reuses the secret the first created (same name, same family and
// container, same value), registers, and moves the service; nothing is created twice.
func TestSecretsReplanAfterRollback(t *testing.T) {
	t.Parallel()
	e := seedSecrets(t, "")
	p1 := e.makeSecretsPlan(t, false)
	var out bytes.Buffer
	o1 := secretsOpts(t, &out)
	if _, err := Apply(context.Background(), e.cfg, p1, o1); err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	if _, err := Rollback(context.Background(), e.cfg, p1, o1.JournalPath, o1); err != nil {
		t.Fatalf("rollback: %v\n%s", err, out.String())
	}
	arn1, _ := e.secretValue(t)

	p2 := e.replan(t, p1.CreatedAt.Add(time.Hour))
	if p2.ContentHash() == p1.ContentHash() {
		t.Fatal("the second plan has the first's hash")
	}
	out.Reset()
	o2 := secretsOpts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p2, o2)
	if err != nil {
		t.Fatalf("apply the second plan: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		if a.Status != StatusDone {
			t.Errorf("%s: %s (%s %s), want done", a.ID, a.Status, a.Detail, a.Error)
		}
	}
	a1 := rep.Action("a1")
	if a1.SecretArn != arn1 || !strings.Contains(a1.Detail, "reused") || !strings.Contains(a1.Detail, "plan "+shortHash(p1.ContentHash())) {
		t.Errorf("a1 = %+v, want %s reused, created by plan %s", a1, arn1, shortHash(p1.ContentHash()))
	}
	if n := rep.Calls["secretsmanager:CreateSecret"]; n != 0 {
		t.Errorf("CreateSecret called %d time(s)", n)
	}
	if n := e.secretCount(t); n != 1 {
		t.Errorf("%d secrets named %s, want 1", n, secretName)
	}
	newArn := rep.Action("a4").TaskDefinitionArn
	if !strings.HasSuffix(newArn, ":task-definition/app:3") {
		t.Fatalf("registered %q, want app:3", newArn)
	}
	e.checkFixed(t, newArn)
	recs, err := ReadJournal(o2.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Type == RecDone && r.Action == "a1" && (r.Result == nil || !r.Result.Reused || r.Result.SecretArn != arn1) {
			t.Errorf("a1 done = %+v, want %s reused", r.Result, arn1)
		}
	}
	noValues(t, "the journal", readFile(t, o2.JournalPath))
	noValues(t, "Out", out.String())
}

// TestSecretsExistingSecret: a secret of the planned name that exists before the apply is reused only
// when ecsfix created it (an ecsfix:plan tag) for the same container and the same source revision, or
// another revision of the same family, and it holds exactly the intended value. Anything else fails the
// action with nothing changed.
// thisPlan, as a tag value in TestSecretsExistingSecret, stands for the plan's short hash.
const thisPlan = "(this plan)"

func TestSecretsExistingSecret(t *testing.T) {
	t.Parallel()
	const refused = "was not created by ecsfix for family app container app with these values"
	for _, tc := range []struct {
		name      string
		tags      func(e *secretsEstate) map[string]string
		other     bool   // the secret holds another value than the intended one
		deleted   bool   // the secret is scheduled for deletion
		wantError string // "" when reused
	}{
		{name: "earlier plan, same source", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: "0123456789ab", TagAction: "a7", "ecsfix:source": e.src, "ecsfix:container": "app"}
		}},
		{name: "earlier plan, another revision of the family", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: "0123456789ab", TagAction: "a1", "ecsfix:source": strings.TrimSuffix(e.src, ":1") + ":7", "ecsfix:container": "app"}
		}},
		{name: "earlier plan, another value", other: true, wantError: "(it holds other values)", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: "0123456789ab", TagAction: "a1", "ecsfix:source": e.src, "ecsfix:container": "app"}
		}},
		{name: "earlier plan, another container", wantError: `(its ecsfix:container tag is "worker")`, tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: "0123456789ab", TagAction: "a1", "ecsfix:source": e.src, "ecsfix:container": "worker"}
		}},
		{name: "earlier plan, another family", wantError: "not a revision of family app", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: "0123456789ab", TagAction: "a1", "ecsfix:source": strings.Replace(e.src, "task-definition/app:", "task-definition/api:", 1), "ecsfix:container": "app"}
		}},
		// This plan's tags (thisPlan stands for its short hash): reused only with exactly the planned tags.
		{name: "this plan, the planned tags", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: thisPlan, TagAction: "a1", "ecsfix:source": e.src, "ecsfix:container": "app"}
		}},
		{name: "this plan, an extra tag", wantError: "(it carries tag owner, which the plan does not set)", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: thisPlan, TagAction: "a1", "ecsfix:source": e.src, "ecsfix:container": "app", "owner": "mallory"}
		}},
		{name: "this plan, another source tag", wantError: "its tag ecsfix:source is", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: thisPlan, TagAction: "a1", "ecsfix:source": strings.TrimSuffix(e.src, ":1") + ":7", "ecsfix:container": "app"}
		}},
		{name: "no ecsfix:plan tag", wantError: "(it carries no ecsfix:plan tag)", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{"ecsfix:source": e.src, "ecsfix:container": "app"}
		}},
		{name: "earlier plan, scheduled for deletion", deleted: true, wantError: "is scheduled for deletion", tags: func(e *secretsEstate) map[string]string {
			return map[string]string{TagPlan: "0123456789ab", TagAction: "a1", "ecsfix:source": e.src, "ecsfix:container": "app"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := seedSecrets(t, "")
			p := e.makeSecretsPlan(t, false)
			ctx := context.Background()
			value, err := p.Actions[0].CreateSecret.SecretString(map[string]*detect.TaskDefinition{e.src: e.taskDef(t, e.src)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.other {
				value = strings.Replace(value, planted, "another-password", 1)
			}
			in := &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(value)}
			for k, v := range tc.tags(e) {
				if v == thisPlan {
					v = shortHash(p.ContentHash())
				}
				in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			created, err := e.sm.CreateSecret(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.deleted {
				if _, err := e.sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(secretName), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			o := secretsOpts(t, &out)
			rep, err := Apply(ctx, e.cfg, p, o)
			if rep == nil {
				t.Fatalf("apply: %v", err)
			}
			for op, n := range anyWrites(rep.Calls) {
				if strings.HasPrefix(op, "secretsmanager:") {
					t.Errorf("apply called %s %d time(s)", op, n)
				}
			}
			a1 := rep.Action("a1")
			noValues(t, "a1's error", a1.Error)
			noValues(t, "Out", out.String())
			if tc.wantError == "" {
				if err != nil {
					t.Fatalf("apply: %v\n%s", err, out.String())
				}
				if a1.Status != StatusDone || a1.SecretArn != aws.ToString(created.ARN) || !strings.Contains(a1.Detail, "reused") ||
					!strings.Contains(a1.Detail, "plan 0123456789ab") && !strings.Contains(a1.Detail, "created by this plan earlier") {
					t.Errorf("a1 = %+v, want %s reused", a1, aws.ToString(created.ARN))
				}
				e.checkFixed(t, strings.TrimSuffix(e.src, ":1")+":2")
				return
			}
			if !errors.Is(err, ErrIncomplete) {
				t.Fatalf("err = %v, want ErrIncomplete", err)
			}
			if a1.Status != StatusFailed || !strings.Contains(a1.Error, tc.wantError) || strings.Contains(a1.Error, "this plan") {
				t.Errorf("a1 = %+v, want failed: %s", a1, tc.wantError)
			}
			if !tc.deleted && (!strings.Contains(a1.Error, "a secret named "+secretName+" exists") || !strings.Contains(a1.Error, refused) ||
				!strings.Contains(a1.Error, "fix.secrets.name_prefix")) {
				t.Errorf("a1's error = %q, want %q and the ways out", a1.Error, refused)
			}
			for _, id := range []string{"a2", "a4", "a5"} {
				if a := rep.Action(id); a.Status != StatusNotRun {
					t.Errorf("%s = %+v, want not run", id, a)
				}
			}
			if n := len(e.appRevisions(t)); n != 1 {
				t.Errorf("app has %d revisions, want 1 (nothing registered)", n)
			}
			if doc := e.ownedPolicy(t); doc != "" {
				t.Errorf("the role got a policy: %s", doc)
			}
			if !tc.deleted {
				got, err := e.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretName)})
				if err != nil || aws.ToString(got.SecretString) != value {
					t.Errorf("the existing secret was changed (%v)", err)
				}
			}
		})
	}
}
