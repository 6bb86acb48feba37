// This file holds the signer's integration tests on the moto emulator: real SDK calls to KMS's
// GetPublicKey and Sign, for each key spec SSH can use, and the keys the signer refuses.

package kmssigner

import (
	"bytes"
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"

	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// createKey creates a KMS key of usage and spec in the emulator and returns its metadata.
func createKey(t *testing.T, ctx context.Context, c *kms.Client, usage types.KeyUsageType, spec types.KeySpec) *types.KeyMetadata {
	t.Helper()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: usage, KeySpec: spec})
	if err != nil {
		t.Fatalf("create a %s %s key: %v", usage, spec, err)
	}
	return out.KeyMetadata
}

// TestSignerOnMoto signs an approval with a KMS key of each supported spec, addressed by key id, key
// ARN, alias name and alias ARN, and checks that the approval verifies with the public key KMS gives
// (through ecsfix's own verification, with no KMS call) and that KMS's Verify agrees.
func TestSignerOnMoto(t *testing.T) {
	ctx := context.Background()
	c := kms.NewFromConfig(mototest.Config(t))
	for i, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecEccNistP384, types.KeySpecEccNistP521, types.KeySpecRsa2048, types.KeySpecRsa3072} {
		t.Run(string(spec), func(t *testing.T) {
			md := createKey(t, ctx, c, types.KeyUsageTypeSignVerify, spec)
			alias := "alias/ecsfix-approver-" + strings.ToLower(string(spec))
			if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: md.KeyId}); err != nil {
				t.Fatal(err)
			}
			aliasARN := strings.Replace(aws.ToString(md.Arn), ":key/"+aws.ToString(md.KeyId), ":"+alias, 1)
			ref := []string{aws.ToString(md.KeyId), aws.ToString(md.Arn), alias, aliasARN}[i%4]
			if _, err := ParseRef(Prefix + ref); err != nil {
				t.Fatalf("the emulator's key %s: %v", ref, err)
			}
			s, err := New(ctx, c, ref)
			if err != nil {
				t.Fatalf("New(%s): %v", ref, err)
			}
			if s.KeyID() != aws.ToString(md.Arn) {
				t.Errorf("KeyID() = %s, want the key's ARN %s", s.KeyID(), aws.ToString(md.Arn))
			}
			pk, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: md.KeyId})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := x509.ParsePKIXPublicKey(pk.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ssh.NewPublicKey(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s.PublicKey().Marshal(), want.Marshal()) {
				t.Fatal("the signer's public key is not the one KMS gives")
			}

			p := &plan.Plan{FormatVersion: plan.FormatVersion, CreatedAt: time.Now().UTC()}
			a, err := p.ApproveSigned("alice", "OPS-1", time.Now(), s)
			if err != nil {
				t.Fatal(err)
			}
			allowed, err := plan.ParseAllowedSigners("allowed_signers", []byte("alice "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(want)))+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			checks := p.CheckApprovals(plan.ApprovalPolicy{Signers: allowed}, time.Now())
			if len(checks) != 1 || !checks[0].Counts || !checks[0].Verified || checks[0].Fingerprint != ssh.FingerprintSHA256(want) {
				t.Fatalf("the KMS-signed approval does not count: %+v", checks)
			}

			// The SSHSIG verifies with the public key KMS gives, read on its own (not through the signer).
			sig, err := sshsig.Unarmor([]byte(a.Signature))
			if err != nil {
				t.Fatal(err)
			}
			stmt, err := a.Statement()
			if err != nil {
				t.Fatal(err)
			}
			if err := sshsig.Verify(bytes.NewReader(stmt), sig, want, sig.HashAlgorithm, plan.SignatureNamespace); err != nil {
				t.Fatalf("sshsig.Verify: %v", err)
			}
		})
	}
}

// TestSignerOnMotoRefuses checks that keys SSH signatures cannot use are refused with a message naming
// the key and why, before anything is signed, and that an unknown key is KMS's error, named.
func TestSignerOnMotoRefuses(t *testing.T) {
	ctx := context.Background()
	c := kms.NewFromConfig(mototest.Config(t))
	for _, tt := range []struct {
		usage types.KeyUsageType
		spec  types.KeySpec
		want  string
	}{
		{types.KeyUsageTypeEncryptDecrypt, types.KeySpecRsa2048, "has key usage ENCRYPT_DECRYPT: approvals are signed with an asymmetric key of usage SIGN_VERIFY"},
		{types.KeyUsageTypeEncryptDecrypt, types.KeySpecSymmetricDefault, "has key usage ENCRYPT_DECRYPT"},
		{types.KeyUsageTypeSignVerify, types.KeySpecEccSecgP256k1, "has key spec ECC_SECG_P256K1, which SSH signatures cannot use: give a key of spec " + SupportedSpecs},
	} {
		md := createKey(t, ctx, c, tt.usage, tt.spec)
		_, err := New(ctx, c, aws.ToString(md.KeyId))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), aws.ToString(md.KeyId)) {
			t.Errorf("a %s %s key: %v, want %q", tt.usage, tt.spec, err, tt.want)
		}
	}
	_, err := New(ctx, c, "alias/nobody")
	if err == nil || !strings.Contains(err.Error(), "KMS key alias/nobody: get its public key:") || !strings.Contains(err.Error(), "NotFoundException") {
		t.Errorf("an unknown alias: %v", err)
	}
}
