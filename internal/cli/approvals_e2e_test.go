package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// writeKey writes a fresh ed25519 private key in OpenSSH's format (encrypted with passphrase when
// set) and returns its path and its allowed_signers key text.
func writeKey(t *testing.T, dir, name, passphrase string) (path, pub string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase != "" {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, name, []byte(passphrase))
	} else {
		block, err = ssh.MarshalPrivateKey(priv, name)
	}
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return path, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
}

// TestSignedApprovalWorkflow runs the ticket flow with signed approvals on the emulator: plan, apply
// refused (and warned about unsigned approvals) without allowed signers, then with allowed signers and a
// quorum of two for high risk: unsigned, unlisted, mismatched, doubled and edited approvals refused with
// exit 6 and nothing changed, an old plan refused, two signed approvals applied, show naming the
// signers.
func TestSignedApprovalWorkflow(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config(t)
	buildSmallEstate(t, ctx, cfg)
	liveEnv(t, cfg)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if _, errOut, code := runCLI(t, "plan", "--out", planFile); code != exitOK {
		t.Fatalf("plan: exit %d\n%s", code, errOut)
	}
	tdBefore, pvBefore := describeService(t, cfg)
	unchanged := func(what string) {
		t.Helper()
		if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore || insights(t, cfg) == "enabled" {
			t.Fatalf("%s changed something", what)
		}
	}

	// Without allowed signers, apply says on every run that approvals are unsigned records.
	_, errOut, code := runCLI(t, "apply", planFile)
	if code != exitNotApproved || !strings.Contains(errOut, "approvals.allowed_signers is not set") {
		t.Fatalf("apply without allowed signers: exit %d\n%s", code, errOut)
	}

	aliceKey, alicePub := writeKey(t, dir, "alice", "")
	bobKey, bobPub := writeKey(t, dir, "bob", "")
	eveKey, _ := writeKey(t, dir, "eve", "")
	lockedKey, _ := writeKey(t, dir, "locked", "correct horse")
	signers := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(signers, []byte("# ops team\nalice "+alicePub+"\nbob,robert namespaces=\"ecsfix-plan\" "+bobPub+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)
	t.Setenv("ECSFIX_APPROVALS_QUORUM_HIGH", "2")
	original, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	planUnchanged := func(what string) {
		t.Helper()
		if now, _ := os.ReadFile(planFile); string(now) != string(original) {
			t.Fatalf("%s wrote the plan file", what)
		}
	}

	// approve refuses what apply would not count, and writes nothing.
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unsigned", []string{"--by", "alice"}, exitUsage, "must be signed"},
		{"unlisted key", []string{"--by", "alice", "--key", eveKey}, exitError, "is not in approvals.allowed_signers"},
		{"another's name", []string{"--by", "bob", "--key", aliceKey}, exitError, "lists it for alice, not for bob"},
		{"encrypted key without a terminal", []string{"--by", "alice", "--key", lockedKey}, exitError, "encrypted; ecsfix asks for its passphrase on a terminal only"},
		{"not a key", []string{"--by", "alice", "--key", signers}, exitError, "not an SSH private key"},
		{"a control character", []string{"--by", "alice\x1b[2J", "--key", aliceKey}, exitError, "control character"},
	} {
		out, errOut, code := runCLI(t, append([]string{"approve", planFile}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("approve (%s): exit %d, want %d with %q\n%s%s", tt.name, code, tt.code, tt.want, out, errOut)
		}
		if strings.Contains(errOut, "PRIVATE KEY") || strings.ContainsRune(errOut, 0x1b) {
			t.Errorf("approve (%s) printed key material or a raw escape: %q", tt.name, errOut)
		}
		planUnchanged("approve (" + tt.name + ")")
	}

	// An approval written by hand (unsigned) applies nothing.
	p, err := plan.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Approve("alice", "OPS-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	handFile := filepath.Join(dir, "hand.json")
	if err := writePlanFile(handFile, p); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runCLI(t, "apply", handFile)
	if code != exitNotApproved || !strings.Contains(errOut, "approval 1 by alice (ticket OPS-1)") || !strings.Contains(errOut, "unsigned, and approvals.allowed_signers is set") {
		t.Errorf("an unsigned approval: exit %d\n%s", code, errOut)
	}
	if strings.Contains(errOut, "approvals.allowed_signers is not set") {
		t.Errorf("apply warned of unsigned approvals with allowed signers set:\n%s", errOut)
	}
	unchanged("an unsigned approval")

	// One signed approval is not the quorum of two for high risk; the same key again is still one.
	for i := 0; i < 2; i++ {
		out, errOut, code := runCLI(t, "approve", planFile, "--by", "alice", "--ticket", "OPS-1", "--key", aliceKey)
		if code != 0 || !strings.Contains(out, "signed with key SHA256:") {
			t.Fatalf("approve: exit %d\n%s%s", code, out, errOut)
		}
	}
	_, errOut, code = runCLI(t, "apply", planFile)
	if code != exitNotApproved || !strings.Contains(errOut, "high risk needs 2 distinct signer(s) (approvals.quorum.high), 1 counted") {
		t.Errorf("one signer twice: exit %d\n%s", code, errOut)
	}
	unchanged("one signer twice")

	// bob signs, under his second principal.
	out, errOut, code := runCLI(t, "approve", planFile, "--by", "robert", "--ticket", "OPS-1", "--key", bobKey)
	if code != 0 {
		t.Fatalf("approve by robert: exit %d\n%s%s", code, out, errOut)
	}
	signed, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}

	// Changing the ticket or the time of a signed approval voids its signature.
	for name, edit := range map[string]func(string) string{
		"ticket": func(s string) string {
			i := strings.LastIndex(s, `"ticket": "OPS-1"`)
			return s[:i] + `"ticket": "OPS-2"` + s[i+len(`"ticket": "OPS-1"`):]
		},
		"by": func(s string) string { return strings.Replace(s, `"by": "robert"`, `"by": "bob"`, 1) },
	} {
		f := filepath.Join(dir, "edited-"+name+".json")
		if err := os.WriteFile(f, []byte(edit(string(signed))), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := runCLI(t, "apply", f)
		if code != exitNotApproved || !strings.Contains(errOut, "does not verify") {
			t.Errorf("a signed approval with its %s edited: exit %d\n%s", name, code, errOut)
		}
	}
	unchanged("an edited approval")

	// An old plan is refused by approvals.max_plan_age, an old approval by max_approval_age.
	for key, want := range map[string]string{
		"ECSFIX_APPROVALS_MAX_PLAN_AGE":     "longer ago than approvals.max_plan_age (1ms)",
		"ECSFIX_APPROVALS_MAX_APPROVAL_AGE": "longer ago than approvals.max_approval_age (1ms)",
	} {
		t.Setenv(key, "1ms")
		_, errOut, code := runCLI(t, "apply", planFile)
		if code != exitNotApproved || !strings.Contains(errOut, want) {
			t.Errorf("%s=1ms: exit %d\n%s", key, code, errOut)
		}
		t.Setenv(key, "0s")
	}
	unchanged("an old plan or approval")

	out, _, code = runCLI(t, "show", planFile)
	for _, want := range []string{
		"signers allowed by " + signers,
		"approval 3 by robert (ticket OPS-1)",
		"signature verified, key SHA256:",
		"(allowed signers line 3); counts",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	out, errOut, code = runCLI(t, "apply", planFile)
	if code != 0 || !strings.Contains(out, "check: approved (high risk needs 2 distinct signer(s))") {
		t.Fatalf("apply with two signers: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if td, pv := describeService(t, cfg); td == tdBefore || pv != "LATEST" || insights(t, cfg) != "enabled" {
		t.Fatalf("after apply: service on %s (%s)", td, pv)
	}
	if out, errOut, code := runCLI(t, "rollback", planFile+".journal"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errOut)
	}
	if td, pv := describeService(t, cfg); td != tdBefore || pv != pvBefore {
		t.Errorf("after rollback the service runs %s on %s", td, pv)
	}
}
