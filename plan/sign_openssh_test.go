package plan

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestOpenSSHInterop checks that stock OpenSSH and ecsfix agree both ways: `ssh-keygen -Y verify`
// accepts an approval ecsfix signed, and ecsfix accepts a signature `ssh-keygen -Y sign` made of an
// approval's statement, for the same allowed_signers file.
func TestOpenSSHInterop(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed")
	}
	dir := t.TempDir()
	run := func(stdin []byte, args ...string) string {
		t.Helper()
		cmd := exec.Command(keygen, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		t.Run(typ, func(t *testing.T) {
			keyFile := filepath.Join(dir, "id_"+typ)
			run(nil, "-q", "-t", typ, "-N", "", "-C", "alice@test", "-f", keyFile)
			pub, err := os.ReadFile(keyFile + ".pub")
			if err != nil {
				t.Fatal(err)
			}
			allowedFile := filepath.Join(dir, "allowed_"+typ)
			allowedText := `alice namespaces="ecsfix-plan" ` + string(pub)
			if err := os.WriteFile(allowedFile, []byte(allowedText), 0o600); err != nil {
				t.Fatal(err)
			}
			allowed, err := ReadAllowedSigners(allowedFile)
			if err != nil {
				t.Fatal(err)
			}
			keyPEM, err := os.ReadFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := ssh.ParsePrivateKey(keyPEM)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Now().UTC()

			// ecsfix signs, OpenSSH verifies.
			p := renderFixture(t)
			p.Approvals = nil
			a, err := p.ApproveSigned("alice", "OPS-1", at, signer)
			if err != nil {
				t.Fatal(err)
			}
			stmt, _ := a.Statement()
			sigFile := filepath.Join(dir, "ecsfix_"+typ+".sig")
			if err := os.WriteFile(sigFile, []byte(a.Signature), 0o600); err != nil {
				t.Fatal(err)
			}
			out := run(stmt, "-Y", "verify", "-f", allowedFile, "-I", "alice", "-n", SignatureNamespace, "-s", sigFile)
			if !strings.Contains(out, `Good "ecsfix-plan" signature for alice`) {
				t.Errorf("ssh-keygen -Y verify: %s", out)
			}
			// OpenSSH refuses it for another statement too.
			cmd := exec.Command(keygen, "-Y", "verify", "-f", allowedFile, "-I", "alice", "-n", SignatureNamespace, "-s", sigFile)
			cmd.Stdin = strings.NewReader(strings.Replace(string(stmt), "OPS-1", "OPS-2", 1))
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("ssh-keygen verified a changed statement: %s", out)
			}

			// OpenSSH signs, ecsfix verifies.
			q := renderFixture(t)
			q.Approvals = nil
			b := Approval{By: "alice", Ticket: "OPS-2", At: at.Truncate(time.Second), PlanHash: q.ContentHash()}
			stmt, _ = b.Statement()
			msgFile := filepath.Join(dir, "statement_"+typ)
			if err := os.WriteFile(msgFile, stmt, 0o600); err != nil {
				t.Fatal(err)
			}
			run(nil, "-q", "-Y", "sign", "-f", keyFile, "-n", SignatureNamespace, msgFile)
			sig, err := os.ReadFile(msgFile + ".sig")
			if err != nil {
				t.Fatal(err)
			}
			b.Signature, b.Signer = string(sig), ssh.FingerprintSHA256(signer.PublicKey())
			q.Approvals = append(q.Approvals, b)
			checks := q.CheckApprovals(ApprovalPolicy{Signers: allowed}, at.Add(time.Minute))
			if len(checks) != 1 || !checks[0].Counts {
				t.Fatalf("ecsfix refused an approval signed by ssh-keygen: %s", checks[0].Describe())
			}
			// ssh-keygen's signature of the same statement in another namespace does not count.
			if err := os.WriteFile(msgFile+"_file", stmt, 0o600); err != nil {
				t.Fatal(err)
			}
			run(nil, "-q", "-Y", "sign", "-f", keyFile, "-n", "file", "-O", "hashalg=sha256", msgFile+"_file")
			sig, err = os.ReadFile(msgFile + "_file.sig")
			if err != nil {
				t.Fatal(err)
			}
			q.Approvals[0].Signature = string(sig)
			checks = q.CheckApprovals(ApprovalPolicy{Signers: allowed}, at.Add(time.Minute))
			if checks[0].Counts || !strings.Contains(checks[0].Reason, `namespace "file"`) {
				t.Errorf("a signature in namespace file: %s", checks[0].Describe())
			}
		})
	}
}
