package fix

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"golang.org/x/crypto/ssh"

	"github.com/ecsfix/ecsfix/plan"
)

func TestApply(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		if a.Status != StatusDone {
			t.Errorf("%s: status %s (%s), want done", a.ID, a.Status, a.Error)
		}
	}
	newArn := rep.Action("a1").TaskDefinitionArn
	if !strings.HasSuffix(newArn, ":task-definition/web:4") {
		t.Fatalf("registered %q, want web:4", newArn)
	}

	// The new revision is the source with every field, plus the edit (and the provenance tags).
	src, got := e.taskDef(t, e.webRevs[0]), e.taskDef(t, newArn)
	want := plan.RegisterInput(src)
	want.ContainerDefinitions[0].ReadonlyRootFilesystem = aws.Bool(true)
	for _, p := range []string{"/var/cache/nginx", "/var/run", "/tmp"} { // the nginx image's paths (the table)
		v := "ecsfix-web-" + strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")
		want.Volumes = append(want.Volumes, ecstypes.Volume{Name: aws.String(v)})
		want.ContainerDefinitions[0].MountPoints = append(want.ContainerDefinitions[0].MountPoints,
			ecstypes.MountPoint{SourceVolume: aws.String(v), ContainerPath: aws.String(p), ReadOnly: aws.Bool(false)})
	}
	gotIn := plan.RegisterInput(got) // leaves out the ecsfix: provenance tags
	var provenance []ecstypes.Tag
	for _, tg := range got.Tags {
		if k := aws.ToString(tg.Key); k == TagPlan || k == TagAction {
			provenance = append(provenance, tg)
		}
	}
	if !reflect.DeepEqual(want, gotIn) {
		t.Errorf("the new revision is not the source plus the edit:\nwant %+v\ngot  %+v", want, gotIn)
	}
	if aws.ToString(got.ContainerDefinitions[0].Environment[0].Value) != planted {
		t.Errorf("the masked environment value was not restored from the source revision")
	}
	if len(provenance) != 2 {
		t.Errorf("provenance tags = %v, want %s and %s", provenance, TagPlan, TagAction)
	}

	if s := e.service(t, "web"); aws.ToString(s.TaskDefinition) != newArn {
		t.Errorf("service web runs %s, want %s", aws.ToString(s.TaskDefinition), newArn)
	}
	if s := e.service(t, "api"); aws.ToString(s.PlatformVersion) != "LATEST" {
		t.Errorf("service api platform %s, want 1.4.0", aws.ToString(s.PlatformVersion))
	}
	if v := containerInsights(e.clusterState(t)); v != "enabled" {
		t.Errorf("containerInsights = %q, want enabled", v)
	}

	// The journal: a header, then started and done for every action; no secret anywhere.
	recs, err := ReadJournal(o.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Type != RecHeader || recs[0].PlanHash != p.ContentHash() || recs[0].Account != e.account {
		t.Errorf("header = %+v", recs[0])
	}
	count := map[string]int{}
	for _, r := range recs {
		count[r.Type]++
		if r.Type == RecStarted && r.ActionType == plan.UpdateService && r.Action == "a2" {
			if r.Before.TaskDefinition != e.webRevs[0] {
				t.Errorf("a2 before = %+v, want taskDefinition %s", r.Before, e.webRevs[0])
			}
		}
		if r.Type == RecStarted && r.Action == "a3" && r.Before.PlatformVersion != "1.3.0" {
			t.Errorf("a3 before = %+v, want platform 1.3.0", r.Before)
		}
	}
	if count[RecStarted] != 4 || count[RecDone] != 4 {
		t.Errorf("journal records %v, want 4 started and 4 done", count)
	}
	journal := readFile(t, o.JournalPath)
	noSecret(t, "the journal", journal)
	noSecret(t, "Out", out.String())
	if strings.Contains(journal, "production-mode") {
		t.Errorf("the journal holds an environment value")
	}

	// Applying again changes nothing: every action is skipped, no write is made.
	out.Reset()
	rep, err = Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatalf("apply again: %v\n%s", err, out.String())
	}
	for _, a := range rep.Actions {
		if a.Status != StatusSkipped {
			t.Errorf("again: %s: status %s, want skipped", a.ID, a.Status)
		}
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("applying again wrote: %v", w)
	}
	if n := len(e.webRevisions(t)); n != 4 {
		t.Errorf("family web has %d ACTIVE revisions, want 4", n)
	}
}

func TestApplyRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(t *testing.T, e *estate, p *plan.Plan, o *Options)
		want   error
		check  func(t *testing.T, err error)
	}{
		{
			name: "stale: service moved after planning",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				if _, err := e.api.UpdateService(context.Background(), updateWebTo(e.webRevs[1])); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrStale,
			check: func(t *testing.T, err error) {
				var se *StaleError
				if !errors.As(err, &se) {
					t.Fatalf("not a *StaleError: %v", err)
				}
				found := false
				for _, c := range se.Changes {
					if c.Fact == plan.FactTaskDefinition && strings.HasSuffix(c.Current, "web:2") && strings.HasSuffix(c.Planned, "web:1") {
						found = true
					}
				}
				if !found {
					t.Errorf("the stale error does not name the service's revision: %v", err)
				}
			},
		},
		{
			name: "stale: newer revision of the family",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				src := e.taskDef(t, e.webRevs[2])
				if _, err := e.api.RegisterTaskDefinition(context.Background(), plan.RegisterInput(src)); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrStale,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), plan.FactLatestActive) {
					t.Errorf("the stale error does not name the latest revision: %v", err)
				}
			},
		},
		{
			name: "not approved: a high-risk action",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				p.Actions[2].Risk = plan.RiskHigh
			},
			want: ErrNotApproved,
			check: func(t *testing.T, err error) {
				var ne *NotApprovedError
				if !errors.As(err, &ne) || len(ne.Actions) != 1 || ne.Actions[0].ID != "a3" {
					t.Errorf("want a *NotApprovedError naming a3, got %v", err)
				}
			},
		},
		{
			name: "not approved: an approval of other content",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				p.Actions[2].Risk = plan.RiskHigh
				if err := p.Approve("alice", "T-1", p.CreatedAt); err != nil {
					t.Fatal(err)
				}
				p.Actions[2].Summary = "changed after approval"
			},
			want: ErrNotApproved,
		},
		{
			name: "not approved: unsigned, with allowed signers",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				p.Actions[2].Risk = plan.RiskHigh
				_, o.Approvals.Signers = approvalSigner(t, "alice")
				if err := p.Approve("alice", "T-1", p.CreatedAt); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrNotApproved,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "approval 1 by alice (ticket T-1)") || !strings.Contains(err.Error(), "unsigned, and approvals.allowed_signers is set") {
					t.Errorf("the error does not say which approval was refused and why: %v", err)
				}
			},
		},
		{
			name: "not approved: a quorum of two, one key twice",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				p.Actions[2].Risk = plan.RiskHigh
				var signer ssh.Signer
				signer, o.Approvals.Signers = approvalSigner(t, "alice,bob")
				o.Approvals.Quorum = map[plan.Risk]int{plan.RiskHigh: 2}
				o.Now = func() time.Time { return p.CreatedAt.Add(time.Hour) }
				for _, by := range []string{"alice", "bob"} {
					if _, err := p.ApproveSigned(by, "T-1", p.CreatedAt, signer); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: ErrNotApproved,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "high risk needs 2 distinct signer(s) (approvals.quorum.high), 1 counted") {
					t.Errorf("the error does not name the quorum: %v", err)
				}
			},
		},
		{
			name: "not approved: a plan older than max_plan_age",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				o.Approvals.MaxPlanAge = time.Hour
				o.Now = func() time.Time { return p.CreatedAt.Add(2 * time.Hour) }
			},
			want: ErrNotApproved,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "approvals.max_plan_age (1h0m0s)") {
					t.Errorf("the error does not name the rule: %v", err)
				}
			},
		},
		{
			name: "wrong account",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				for i := range p.Actions {
					p.Actions[i].Account = "999999999999"
				}
			},
			want: ErrWrongAccount,
		},
		{
			name: "wrong region",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				p.Actions[3].Region = "eu-west-1"
			},
			want: ErrWrongAccount,
		},
		{
			name: "journal of another plan",
			change: func(t *testing.T, e *estate, p *plan.Plan, o *Options) {
				other := e.makePlan(t)
				other.Actions = other.Actions[2:3]
				if _, err := Apply(context.Background(), e.cfg, other, *o); err != nil {
					t.Fatal(err)
				}
				if _, err := e.api.UpdateService(context.Background(), updateAPIPlatform("1.3.0")); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrJournalMismatch,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := seed(t)
			p := e.makePlan(t)
			var out bytes.Buffer
			o := opts(t, &out)
			tt.change(t, e, p, &o)
			web, api, cluster := e.service(t, "web"), e.service(t, "api"), e.clusterState(t)
			rep, err := Apply(context.Background(), e.cfg, p, o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if rep != nil {
				if w := writes(rep.Calls); len(w) != 0 {
					t.Errorf("a refused plan wrote: %v", w)
				}
			}
			if tt.want != ErrJournalMismatch && readJournalExists(o.JournalPath) {
				t.Errorf("a refused plan wrote a journal")
			}
			// Nothing changed.
			if got := e.service(t, "web"); aws.ToString(got.TaskDefinition) != aws.ToString(web.TaskDefinition) {
				t.Errorf("service web moved")
			}
			if got := e.service(t, "api"); aws.ToString(got.PlatformVersion) != aws.ToString(api.PlatformVersion) {
				t.Errorf("service api changed platform")
			}
			if got := e.clusterState(t); containerInsights(got) != containerInsights(cluster) {
				t.Errorf("cluster settings changed")
			}
			noSecret(t, "the error", err.Error())
		})
	}
}

func readJournalExists(path string) bool {
	st, _, err := readJournal(path)
	return err != nil || st != nil
}

func TestApplyDryRun(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	var out bytes.Buffer
	o := opts(t, &out)
	o.DryRun = true
	rep, err := Apply(context.Background(), e.cfg, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(rep.Calls); len(w) != 0 {
		t.Errorf("a dry run wrote: %v", w)
	}
	if readJournalExists(o.JournalPath) {
		t.Errorf("a dry run wrote a journal")
	}
	for _, want := range []string{
		"would call ecs:RegisterTaskDefinition", `"readonlyRootFilesystem": true`, plan.MaskedValue,
		`would call ecs:UpdateService {"cluster":"prod","service":"web","taskDefinition":"(the revision a1 registers)"}`,
		`would call ecs:UpdateService {"cluster":"prod","platformVersion":"LATEST","service":"api"}`,
		`would call ecs:UpdateCluster {"cluster":"prod","settings":[{"name":"containerInsights","value":"enabled"}]}`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the dry run does not print %s:\n%s", want, out.String())
		}
	}
	noSecret(t, "Out", out.String())
	for _, a := range rep.Actions {
		if a.Status != StatusWouldDo {
			t.Errorf("%s: %s, want would-do", a.ID, a.Status)
		}
	}
	if n := len(e.webRevisions(t)); n != 3 {
		t.Errorf("family web has %d revisions after a dry run, want 3", n)
	}
}

// approvalSigner makes an ed25519 key and an allowed_signers list giving it the principals.
func approvalSigner(t *testing.T, principals string) (ssh.Signer, *plan.AllowedSigners) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	list, err := plan.ParseAllowedSigners("allowed_signers", append([]byte(principals+" "), ssh.MarshalAuthorizedKey(s.PublicKey())...))
	if err != nil {
		t.Fatal(err)
	}
	return s, list
}
