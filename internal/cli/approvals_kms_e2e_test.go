package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"golang.org/x/crypto/ssh"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

// kmsKey creates a KMS key of usage and spec in cfg's emulated account, with alias when set, and returns
// its id.
func kmsKey(t *testing.T, cfg aws.Config, usage types.KeyUsageType, spec types.KeySpec, alias string) string {
	t.Helper()
	ctx := context.Background()
	c := kms.NewFromConfig(cfg)
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: usage, KeySpec: spec})
	if err != nil {
		t.Fatal(err)
	}
	if alias != "" {
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(out.KeyMetadata.KeyId)
}

// kmsAllowedKey returns a KMS key's public key as allowed_signers key text, converted the way the README
// says (GetPublicKey's DER as a PEM PUBLIC KEY, then `ssh-keygen -i -m PKCS8`) when ssh-keygen is
// installed, and checks that ssh-keygen and Go agree on it.
func kmsAllowedKey(t *testing.T, cfg aws.Config, keyID, dir string) string {
	t.Helper()
	out, err := kms.NewFromConfig(cfg).GetPublicKey(context.Background(), &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	goText := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		return goText
	}
	pemFile := filepath.Join(dir, keyID+".pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: out.PublicKey}), 0o600); err != nil {
		t.Fatal(err)
	}
	conv, err := exec.Command(keygen, "-i", "-m", "PKCS8", "-f", pemFile).Output()
	if err != nil {
		t.Fatalf("ssh-keygen -i -m PKCS8: %v", err)
	}
	if got := strings.TrimSpace(string(conv)); got != goText {
		t.Fatalf("ssh-keygen converts the KMS public key to %q, Go to %q", got, goText)
	}
	return goText
}

// TestKMSApprovalWorkflow runs the ticket flow with approvals signed by AWS KMS keys on the emulator:
// malformed kms: references are flag errors; keys that cannot sign SSH signatures are refused; an
// approval by a KMS key not in allowed_signers applies nothing (exit 6); approvals by an ECDSA and an
// RSA KMS key listed in allowed_signers verify without AWS (show, and `ssh-keygen -Y verify` when
// installed) and make the quorum of two apply counts.
func TestKMSApprovalWorkflow(t *testing.T) {
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

	aliceKey := kmsKey(t, cfg, types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "alias/ecsfix-alice")
	bobKey := kmsKey(t, cfg, types.KeyUsageTypeSignVerify, types.KeySpecRsa2048, "")
	eveKey := kmsKey(t, cfg, types.KeyUsageTypeSignVerify, types.KeySpecEccNistP256, "alias/ecsfix-eve")
	encryptKey := kmsKey(t, cfg, types.KeyUsageTypeEncryptDecrypt, types.KeySpecRsa2048, "")
	k1Key := kmsKey(t, cfg, types.KeyUsageTypeSignVerify, types.KeySpecEccSecgP256k1, "")
	bobARN := "arn:aws:kms:" + mototest.Region + ":" + mototest.AccountID(cfg) + ":key/" + bobKey

	// Malformed references are flag errors; keys that cannot make SSH signatures are refused.
	for _, tt := range []struct {
		name, key string
		code      int
		want      string
	}{
		{"empty", "kms:", exitUsage, `--key: "kms:" is not kms:KEY with KEY a key id, a key ARN, alias/NAME or an alias ARN`},
		{"not a key id", "kms:alice", exitUsage, "is not kms:KEY"},
		{"a wildcard", "kms:alias/*", exitUsage, "is not kms:KEY"},
		{"an unknown alias", "kms:alias/nobody", exitError, "KMS key alias/nobody: get its public key:"},
		{"an encryption key", "kms:" + encryptKey, exitError, "has key usage ENCRYPT_DECRYPT: approvals are signed with an asymmetric key of usage SIGN_VERIFY"},
		{"secp256k1", "kms:" + k1Key, exitError, "has key spec ECC_SECG_P256K1, which SSH signatures cannot use"},
	} {
		out, errOut, code := runCLI(t, "approve", planFile, "--by", "alice", "--key", tt.key)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("approve --key %s (%s): exit %d, want %d with %q\n%s%s", tt.key, tt.name, code, tt.code, tt.want, out, errOut)
		}
		planUnchanged("approve --key " + tt.key)
	}

	// Without allowed signers, eve's KMS key signs an approval; it is a verified signature of a key no
	// list vouches for.
	eveFile := filepath.Join(dir, "eve.json")
	if err := os.WriteFile(eveFile, original, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "approve", eveFile, "--by", "alice", "--ticket", "OPS-9", "--key", "kms:alias/ecsfix-eve")
	if code != 0 || !strings.Contains(out, "signed with key SHA256:") || !strings.Contains(out, "of KMS key arn:aws:kms:"+mototest.Region+":"+mototest.AccountID(cfg)+":key/"+eveKey) {
		t.Fatalf("approve with eve's KMS key: exit %d\n%s%s", code, out, errOut)
	}

	aliceText := kmsAllowedKey(t, cfg, aliceKey, dir)
	bobText := kmsAllowedKey(t, cfg, bobKey, dir)
	signers := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(signers, []byte("alice namespaces=\"ecsfix-plan\" "+aliceText+" kms:alias/ecsfix-alice\nbob "+bobText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECSFIX_APPROVALS_ALLOWED_SIGNERS", signers)
	t.Setenv("ECSFIX_APPROVALS_QUORUM_HIGH", "2")

	// eve's approval does not count: nothing is applied.
	_, errOut, code = runCLI(t, "apply", eveFile)
	if code != exitNotApproved || !strings.Contains(errOut, "approval 1 by alice (ticket OPS-9)") || !strings.Contains(errOut, "is not in approvals.allowed_signers") {
		t.Errorf("apply with an unlisted KMS key's approval: exit %d\n%s", code, errOut)
	}
	unchanged("an unlisted KMS key's approval")

	// approve refuses eve's key now, and says which line would let it sign.
	_, errOut, code = runCLI(t, "approve", planFile, "--by", "eve", "--key", "kms:alias/ecsfix-eve")
	eveText := kmsAllowedKey(t, cfg, eveKey, dir)
	if code != exitError || !strings.Contains(errOut, "is not in approvals.allowed_signers") ||
		!strings.Contains(errOut, `add this line to approvals.allowed_signers: eve namespaces="ecsfix-plan" `+eveText) {
		t.Errorf("approve with an unlisted KMS key: exit %d\n%s", code, errOut)
	}
	// alice's KMS key may not sign for bob.
	_, errOut, code = runCLI(t, "approve", planFile, "--by", "bob", "--key", "kms:alias/ecsfix-alice")
	if code != exitError || !strings.Contains(errOut, "lists it for alice, not for bob") || strings.Contains(errOut, "add this line") {
		t.Errorf("approve for bob with alice's KMS key: exit %d\n%s", code, errOut)
	}
	planUnchanged("refused KMS approvals")

	// alice (ECDSA, by alias) and bob (RSA, by ARN) approve.
	for _, a := range [][]string{{"alice", "kms:alias/ecsfix-alice"}, {"bob", "kms:" + bobARN}} {
		out, errOut, code := runCLI(t, "approve", planFile, "--by", a[0], "--ticket", "OPS-1", "--key", a[1])
		if code != 0 || !strings.Contains(out, "signed with key SHA256:") {
			t.Fatalf("approve by %s: exit %d\n%s%s", a[0], code, out, errOut)
		}
	}

	// Verification needs no AWS: show, with every AWS endpoint unreachable, says both signatures verify.
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	out, errOut, code = runCLI(t, "show", planFile)
	for _, want := range []string{
		"approval 1 by alice (ticket OPS-1)", "(allowed signers line 1); counts",
		"approval 2 by bob (ticket OPS-1)", "(allowed signers line 2); counts",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show lacks %q: exit %d\n%s%s", want, code, out, errOut)
		}
	}
	liveEnv(t, cfg)

	// Stock OpenSSH verifies the KMS signatures too.
	if keygen, err := exec.LookPath("ssh-keygen"); err == nil {
		p, err := plan.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Approvals {
			stmt, err := a.Statement()
			if err != nil {
				t.Fatal(err)
			}
			sigFile := filepath.Join(dir, a.By+".sig")
			if err := os.WriteFile(sigFile, []byte(a.Signature), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(keygen, "-Y", "verify", "-f", signers, "-I", a.By, "-n", plan.SignatureNamespace, "-s", sigFile)
			cmd.Stdin = bytes.NewReader(stmt)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), `Good "ecsfix-plan" signature for `+a.By) {
				t.Errorf("ssh-keygen -Y verify of %s's KMS signature: %v\n%s", a.By, err, out)
			}
		}
	}

	out, errOut, code = runCLI(t, "apply", planFile)
	if code != 0 || !strings.Contains(out, "check: approved (high risk needs 2 distinct signer(s))") {
		t.Fatalf("apply with two KMS signers: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if td, pv := describeService(t, cfg); td == tdBefore || pv != "LATEST" || insights(t, cfg) != "enabled" {
		t.Fatalf("after apply: service on %s (%s)", td, pv)
	}
}
