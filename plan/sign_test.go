package plan

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// testSigner makes a fresh ed25519 SSH signer.
func testSigner(t testing.TB) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signerLine is an allowed_signers line for s.
func signerLine(principals, options string, s ssh.Signer) string {
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
	if options != "" {
		return principals + " " + options + " " + key
	}
	return principals + " " + key
}

func mustSigners(t testing.TB, lines ...string) *AllowedSigners {
	t.Helper()
	s, err := ParseAllowedSigners("allowed_signers", []byte(strings.Join(lines, "\n")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStatement(t *testing.T) {
	a := Approval{By: "alice", Ticket: "OPS-1", At: time.Date(2026, 5, 2, 8, 0, 0, 0, time.UTC), PlanHash: "sha256:ab"}
	got, err := a.Statement()
	if err != nil {
		t.Fatal(err)
	}
	want := "ecsfix approval v1\nplan: sha256:ab\nby: alice\nticket: OPS-1\nat: 2026-05-02T08:00:00Z\n"
	if string(got) != want {
		t.Errorf("Statement = %q, want %q", got, want)
	}
	a.By = "alice\nticket: OPS-2"
	if _, err := a.Statement(); err == nil {
		t.Error("a name with a newline made a statement")
	}
	p := renderFixture(t)
	if err := p.Approve("mallory\x1b[2J", "", a.At); err == nil {
		t.Error("Approve accepted a name with an escape sequence")
	}
	if _, err := p.ApproveSigned("bob", "OPS\n1", a.At, testSigner(t)); err == nil {
		t.Error("ApproveSigned accepted a ticket with a newline")
	}
}

func TestCheckApprovals(t *testing.T) {
	now := time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC)
	at := now.Add(-time.Hour)
	alice, bob, eve := testSigner(t), testSigner(t), testSigner(t)
	listed := mustSigners(t,
		"# team",
		signerLine("alice", "", alice),
		signerLine("bob,robert", `namespaces="ecsfix-plan,file"`, bob),
	)

	// approve returns a fresh plan with the approvals that add makes.
	type approver func(t *testing.T, p *Plan)
	signed := func(by, ticket string, s ssh.Signer) approver {
		return func(t *testing.T, p *Plan) {
			if _, err := p.ApproveSigned(by, ticket, at, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	edit := func(a approver, f func(*Approval)) approver {
		return func(t *testing.T, p *Plan) {
			a(t, p)
			f(&p.Approvals[len(p.Approvals)-1])
		}
	}
	other := renderFixture(t)
	other.Actions[0].Summary = "other content"
	otherApproval, err := other.ApproveSigned("alice", "OPS-1", at, alice)
	if err != nil {
		t.Fatal(err)
	}
	fileSig := func(p *Plan) string { // alice's signature of the right statement, in the namespace "file"
		a := Approval{By: "alice", Ticket: "OPS-1", At: at, PlanHash: p.ContentHash()}
		stmt, _ := a.Statement()
		sig, err := sshsig.Sign(bytes.NewReader(stmt), alice, sshsig.HashSHA512, "file")
		if err != nil {
			t.Fatal(err)
		}
		return string(sshsig.Armor(sig))
	}

	tests := []struct {
		name     string
		signers  *AllowedSigners
		pol      ApprovalPolicy
		add      []approver
		counts   []bool
		reason   string // in the first refused approval's reason
		distinct int    // distinct signers
	}{
		{name: "signed, listed", signers: listed, add: []approver{signed("alice", "OPS-1", alice)}, counts: []bool{true}, distinct: 1},
		{name: "listed under a second principal", signers: listed, add: []approver{signed("robert", "", bob)}, counts: []bool{true}, distinct: 1},
		{name: "unsigned with allowed signers", signers: listed,
			add:    []approver{func(t *testing.T, p *Plan) { _ = p.Approve("alice", "", at) }},
			counts: []bool{false}, reason: "unsigned, and approvals.allowed_signers is set"},
		{name: "unsigned without allowed signers", add: []approver{func(t *testing.T, p *Plan) { _ = p.Approve("alice", "", at) }},
			counts: []bool{true}, distinct: 1},
		{name: "signed without allowed signers", add: []approver{signed("eve", "", eve)}, counts: []bool{true}, distinct: 1},
		{name: "forged signature", signers: listed,
			add: []approver{edit(signed("alice", "OPS-1", alice), func(a *Approval) {
				forged := Approval{By: "alice", Ticket: "OPS-1", At: at, PlanHash: "sha256:00"}
				_ = forged.sign(alice) // a real signature of another statement, pasted
				a.Signature = forged.Signature
			})},
			counts: []bool{false}, reason: "does not verify"},
		{name: "signature over another hash", signers: listed,
			add: []approver{func(t *testing.T, p *Plan) {
				a := otherApproval
				a.PlanHash = p.ContentHash() // claim this plan, keep the other plan's signature
				p.Approvals = append(p.Approvals, a)
			}},
			counts: []bool{false}, reason: "does not verify"},
		{name: "approval of other content", signers: listed,
			add:    []approver{func(t *testing.T, p *Plan) { p.Approvals = append(p.Approvals, otherApproval) }},
			counts: []bool{false}, reason: "approved other content"},
		{name: "ticket changed after signing", signers: listed,
			add:    []approver{edit(signed("alice", "OPS-1", alice), func(a *Approval) { a.Ticket = "OPS-2" })},
			counts: []bool{false}, reason: "does not verify"},
		{name: "time changed after signing", signers: listed,
			add:    []approver{edit(signed("alice", "OPS-1", alice), func(a *Approval) { a.At = a.At.Add(time.Minute) })},
			counts: []bool{false}, reason: "does not verify"},
		{name: "signer field swapped", signers: listed,
			add:    []approver{edit(signed("alice", "", alice), func(a *Approval) { a.Signer = ssh.FingerprintSHA256(bob.PublicKey()) })},
			counts: []bool{false}, reason: "names signer"},
		{name: "garbage signature", signers: listed,
			add:    []approver{edit(signed("alice", "", alice), func(a *Approval) { a.Signature = "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n" })},
			counts: []bool{false}, reason: "not an SSH signature"},
		{name: "key not listed", signers: listed, add: []approver{signed("alice", "", eve)},
			counts: []bool{false}, reason: "is not in approvals.allowed_signers"},
		{name: "principal not matching by", signers: listed, add: []approver{signed("alice", "", bob)},
			counts: []bool{false}, reason: `lists it for bob,robert, not for alice`},
		{name: "namespace mismatch in the signature", signers: listed,
			add:    []approver{edit(signed("alice", "OPS-1", alice), func(a *Approval) { a.Signature = fileSig(renderFixture(t)) })},
			counts: []bool{false}, reason: `namespace "file"`},
		{name: "namespace not allowed by the line", signers: mustSigners(t, signerLine("alice", `namespaces="git"`, alice)),
			add: []approver{signed("alice", "", alice)}, counts: []bool{false}, reason: `allows namespaces "git"`},
		{name: "expired valid-before", signers: mustSigners(t, signerLine("alice", `valid-before="20260502Z"`, alice)),
			add: []approver{signed("alice", "", alice)}, counts: []bool{false}, reason: "expired"},
		{name: "not yet valid-after", signers: mustSigners(t, signerLine("alice", `valid-after="20260601"`, alice)),
			add: []approver{signed("alice", "", alice)}, counts: []bool{false}, reason: "valid after"},
		{name: "within validity", signers: mustSigners(t, signerLine("alice", `valid-after="20260101",valid-before="20270101Z"`, alice)),
			add: []approver{signed("alice", "", alice)}, counts: []bool{true}, distinct: 1},
		{name: "wildcard principal", signers: mustSigners(t, signerLine("*@example.com,!mallory@example.com", "", alice)),
			add: []approver{signed("alice@example.com", "", alice), signed("mallory@example.com", "", alice)}, counts: []bool{true, false}, distinct: 1},
		{name: "the same key twice", signers: mustSigners(t, signerLine("alice,bob", "", alice)),
			add: []approver{signed("alice", "", alice), signed("bob", "", alice)}, counts: []bool{true, true}, distinct: 1},
		{name: "one name with two keys", signers: mustSigners(t, signerLine("alice", "", alice), signerLine("alice", "", bob)),
			add: []approver{signed("alice", "", alice), signed("Alice", "", bob)}, counts: []bool{true, false}, reason: "lists it for alice, not for Alice", distinct: 1},
		{name: "two signers", signers: listed, add: []approver{signed("alice", "", alice), signed("bob", "", bob)}, counts: []bool{true, true}, distinct: 2},
		{name: "an old approval", signers: listed, pol: ApprovalPolicy{MaxApprovalAge: 30 * time.Minute},
			add: []approver{signed("alice", "", alice)}, counts: []bool{false}, reason: "longer ago than approvals.max_approval_age (30m0s)"},
		{name: "a recent approval", signers: listed, pol: ApprovalPolicy{MaxApprovalAge: 2 * time.Hour},
			add: []approver{signed("alice", "", alice)}, counts: []bool{true}, distinct: 1},
		{name: "dated in the future", signers: listed,
			add: []approver{func(t *testing.T, p *Plan) {
				if _, err := p.ApproveSigned("alice", "", now.Add(time.Hour), alice); err != nil {
					t.Fatal(err)
				}
			}},
			counts: []bool{false}, reason: "in the future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := renderFixture(t)
			p.Approvals = nil
			for _, add := range tt.add {
				add(t, p)
			}
			pol := tt.pol
			pol.Signers = tt.signers
			checks := p.CheckApprovals(pol, now)
			if len(checks) != len(tt.counts) {
				t.Fatalf("%d checks, want %d", len(checks), len(tt.counts))
			}
			refused := ""
			for i, c := range checks {
				if c.Counts != tt.counts[i] {
					t.Errorf("approval %d counts = %v, want %v (%s)", i+1, c.Counts, tt.counts[i], c.Describe())
				}
				if !c.Counts && refused == "" {
					refused = c.Reason
				}
			}
			if tt.reason != "" && !strings.Contains(refused, tt.reason) {
				t.Errorf("reason %q lacks %q", refused, tt.reason)
			}
			if n := len(DistinctSigners(checks)); n != tt.distinct {
				t.Errorf("%d distinct signers, want %d", n, tt.distinct)
			}
		})
	}
}

func TestSignedApprovalRoundTrip(t *testing.T) {
	p := renderFixture(t)
	p.Approvals = nil
	s := testSigner(t)
	a, err := p.ApproveSigned("alice", "OPS-1", time.Date(2026, 5, 2, 8, 0, 0, 5e8, time.UTC), s)
	if err != nil {
		t.Fatal(err)
	}
	if !a.At.Equal(time.Date(2026, 5, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("At = %v, want it kept to the second", a.At)
	}
	if !strings.HasPrefix(a.Signature, "-----BEGIN SSH SIGNATURE-----\n") || a.Signer != ssh.FingerprintSHA256(s.PublicKey()) {
		t.Errorf("approval = %+v", a)
	}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	read, err := Read("plan.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	checks := read.CheckApprovals(ApprovalPolicy{Signers: mustSigners(t, signerLine("alice", "", s))}, a.At.Add(time.Minute))
	if len(checks) != 1 || !checks[0].Counts || !checks[0].Verified {
		t.Fatalf("after a round trip: %+v", checks)
	}
	// An unknown field in an approval is refused, as anywhere in the plan.
	withField := strings.Replace(b.String(), `"signer": `, `"keyring": "x",`+"\n      "+`"signer": `, 1)
	if _, err := Read("plan.json", []byte(withField)); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("Read with an unknown approval field: %v", err)
	}
}

func TestParseAllowedSigners(t *testing.T) {
	s := testSigner(t)
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
	tests := []struct {
		name, file string
		err        string // "" parses
	}{
		{name: "plain", file: "alice " + key + " alice@laptop\n"},
		{name: "comments and blank lines", file: "# team\n\n  alice " + key + "\n"},
		{name: "quoted principals", file: `"alice,bob" ` + key + "\n"},
		{name: "tab", file: "alice\t" + key + "\n"},
		{name: "options", file: `alice namespaces="ecsfix-plan",valid-after="20260101",valid-before="202701011200Z" ` + key + "\n"},
		{name: "empty", file: "# nobody\n", err: "no allowed signer"},
		{name: "cert-authority", file: "alice cert-authority " + key + "\n", err: `allowed_signers:1: option "cert-authority" is not supported`},
		{name: "unknown option", file: "alice " + key + "\n" + `bob no-touch-required ` + key + "\n", err: "allowed_signers:2:"},
		{name: "bad time", file: `alice valid-before="2026-01-01" ` + key + "\n", err: "YYYYMMDD"},
		{name: "unquoted value", file: `alice valid-before=20260101 ` + key + "\n", err: "double quotes"},
		{name: "no key", file: "alice\n", err: "no public key"},
		{name: "broken key", file: "alice ssh-ed25519 AAAAnotbase64!\n", err: "no public key"},
		{name: "unclosed quote", file: `"alice ` + key + "\n", err: "no closing quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAllowedSigners("allowed_signers", []byte(tt.file))
			if tt.err == "" {
				if err != nil || len(got.Signers) != 1 {
					t.Fatalf("ParseAllowedSigners: %v, %+v", err, got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one with %q", err, tt.err)
			}
		})
	}
	got, err := ParseAllowedSigners("f", []byte(`alice namespaces="ecsfix-plan",valid-after="20260101",valid-before="202701011200Z" `+key))
	if err != nil {
		t.Fatal(err)
	}
	e := got.Signers[0]
	if e.Namespaces != "ecsfix-plan" || !e.ValidBefore.Equal(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)) ||
		!e.ValidAfter.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local)) {
		t.Errorf("options = %+v", e)
	}
}

func TestQuorumAndPlanAge(t *testing.T) {
	pol := ApprovalPolicy{Quorum: map[Risk]int{RiskHigh: 2, RiskMedium: 0}, MaxPlanAge: 24 * time.Hour}
	for r, want := range map[Risk]int{RiskLow: 1, RiskMedium: 1, RiskHigh: 2} {
		if got := pol.QuorumFor(r); got != want {
			t.Errorf("QuorumFor(%s) = %d, want %d", r, got, want)
		}
	}
	p := renderFixture(t) // made 2026-05-01 10:00 UTC
	if err := pol.CheckPlanAge(p, p.CreatedAt.Add(23*time.Hour)); err != nil {
		t.Error(err)
	}
	err := pol.CheckPlanAge(p, p.CreatedAt.Add(25*time.Hour))
	if err == nil || !strings.Contains(err.Error(), "approvals.max_plan_age (24h0m0s)") {
		t.Errorf("an old plan: %v", err)
	}
	if err := (ApprovalPolicy{}).CheckPlanAge(p, p.CreatedAt.Add(1000*time.Hour)); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestDescribeEscapes(t *testing.T) {
	c := ApprovalCheck{Index: 1, Approval: Approval{By: "mallory\x1b[31m", At: time.Unix(0, 0)}, Reason: "x"}
	if d := c.Describe(); strings.ContainsRune(d, 0x1b) || !strings.Contains(d, `"mallory\x1b[31m"`) {
		t.Errorf("Describe = %q", d)
	}
}
