// This file holds the unit tests of the KMS signer: the kms:KEY forms, and what the signer does with
// answers a real KMS would not give (a small in-process fake signing with local keys).

package kmssigner

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

func TestParseRef(t *testing.T) {
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, tt := range []struct {
		in, key, region string
	}{
		{"kms:" + id, id, ""},
		{"kms:mrk-1234abcd12ab34cd56ef1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab", ""},
		{"kms:arn:aws:kms:eu-west-1:111122223333:key/" + id, "arn:aws:kms:eu-west-1:111122223333:key/" + id, "eu-west-1"},
		{"kms:arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/" + id, "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/" + id, "us-gov-west-1"},
		{"kms:alias/ecsfix/alice_approver-1", "alias/ecsfix/alice_approver-1", ""},
		{"kms:arn:aws:kms:us-east-2:111122223333:alias/ecsfix-alice", "arn:aws:kms:us-east-2:111122223333:alias/ecsfix-alice", "us-east-2"},
	} {
		key, err := ParseRef(tt.in)
		if err != nil || key != tt.key {
			t.Errorf("ParseRef(%q) = %q, %v; want %q", tt.in, key, err, tt.key)
		}
		if r := Region(key); r != tt.region {
			t.Errorf("Region(%q) = %q, want %q", key, r, tt.region)
		}
	}
	for _, bad := range []string{
		"kms:", "kms:alias/", "kms:alias", "kms:my-key", "kms:" + id + "x", "kms:" + strings.ToUpper(id),
		"kms:alias/a*", "kms:alias/a b", "kms:alias/a\n", "kms:arn:aws:kms:us-east-1:1111:key/" + id,
		"kms:arn:aws:kms:us-east-1:111122223333:key/*", "kms:arn:aws:s3:::bucket", "kms: " + id,
		"kms:alias/" + strings.Repeat("a", 251), "/home/alice/.ssh/id_ed25519", "KMS:" + id,
	} {
		if key, err := ParseRef(bad); err == nil {
			t.Errorf("ParseRef(%q) = %q, want an error", bad, key)
		} else if !strings.Contains(err.Error(), "kms:KEY") && IsRef(bad) {
			t.Errorf("ParseRef(%q): %v does not name the forms", bad, err)
		}
	}
	if IsRef("./kms:alias/x") || !IsRef("kms:") {
		t.Error("IsRef: only a value starting with kms: names a KMS key")
	}
}

// fakeKMS answers GetPublicKey and Sign for one local key, as KMS would, unless told otherwise.
type fakeKMS struct {
	priv  crypto.Signer
	usage types.KeyUsageType
	spec  types.KeySpec
	algs  []types.SigningAlgorithmSpec
	// pub, when set, is the DER public key answered instead of priv's.
	pub []byte
	// tamper changes the signature; answerAlg, when set, is the algorithm Sign says it used.
	tamper    bool
	answerAlg types.SigningAlgorithmSpec
	signed    []*kms.SignInput
}

// fakeARN is the ARN the fake names its key by, whatever it was asked for.
const fakeARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func (f *fakeKMS) GetPublicKey(_ context.Context, _ *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	der := f.pub
	if der == nil {
		var err error
		if der, err = x509.MarshalPKIXPublicKey(f.priv.Public()); err != nil {
			return nil, err
		}
	}
	return &kms.GetPublicKeyOutput{KeyId: aws.String(fakeARN),
		KeyUsage: f.usage, KeySpec: f.spec, SigningAlgorithms: f.algs, PublicKey: der}, nil
}

func (f *fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	f.signed = append(f.signed, in)
	if in.MessageType != types.MessageTypeRaw {
		return nil, errors.New("fake: RAW only")
	}
	var h crypto.Hash
	var digest []byte
	switch in.SigningAlgorithm {
	case types.SigningAlgorithmSpecEcdsaSha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256:
		s := sha256.Sum256(in.Message)
		h, digest = crypto.SHA256, s[:]
	case types.SigningAlgorithmSpecRsassaPkcs1V15Sha512:
		s := sha512.Sum512(in.Message)
		h, digest = crypto.SHA512, s[:]
	default:
		return nil, errors.New("fake: unexpected algorithm " + string(in.SigningAlgorithm))
	}
	sig, err := f.priv.Sign(rand.Reader, digest, h)
	if err != nil {
		return nil, err
	}
	if f.tamper {
		sig[len(sig)/2] ^= 1
	}
	alg := in.SigningAlgorithm
	if f.answerAlg != "" {
		alg = f.answerAlg
	}
	return &kms.SignOutput{KeyId: in.KeyId, Signature: sig, SigningAlgorithm: alg}, nil
}

func p256(t *testing.T) *fakeKMS {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKMS{priv: k, usage: types.KeyUsageTypeSignVerify, spec: types.KeySpecEccNistP256,
		algs: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecEcdsaSha256}}
}

func rsa2048(t *testing.T) *fakeKMS {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKMS{priv: k, usage: types.KeyUsageTypeSignVerify, spec: types.KeySpecRsa2048,
		algs: []types.SigningAlgorithmSpec{types.SigningAlgorithmSpecRsassaPssSha256, types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
			types.SigningAlgorithmSpecRsassaPkcs1V15Sha512}}
}

// TestSignerSignsSSHSIG checks that an SSHSIG made through the signer verifies with the KMS key's public
// key, for ECDSA (DER turned into SSH's r, s) and RSA (rsa-sha2-512 by default, rsa-sha2-256 on request),
// and that KMS is asked with MessageType RAW and the key's ARN.
func TestSignerSignsSSHSIG(t *testing.T) {
	ctx := context.Background()
	for name, f := range map[string]*fakeKMS{"ecdsa": p256(t), "rsa": rsa2048(t)} {
		t.Run(name, func(t *testing.T) {
			s, err := New(ctx, f, "alias/alice")
			if err != nil {
				t.Fatal(err)
			}
			want, err := ssh.NewPublicKey(f.priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s.PublicKey().Marshal(), want.Marshal()) {
				t.Fatal("the signer's public key is not the KMS key's")
			}
			msg := []byte("ecsfix approval v1\n")
			sig, err := sshsig.Sign(bytes.NewReader(msg), s, sshsig.HashSHA512, "ecsfix-plan")
			if err != nil {
				t.Fatal(err)
			}
			if err := sshsig.Verify(bytes.NewReader(msg), sig, want, sshsig.HashSHA512, "ecsfix-plan"); err != nil {
				t.Fatalf("the SSHSIG does not verify: %v", err)
			}
			if err := sshsig.Verify(bytes.NewReader([]byte("other")), sig, want, sshsig.HashSHA512, "ecsfix-plan"); err == nil {
				t.Fatal("the SSHSIG verifies for another message")
			}
			in := f.signed[len(f.signed)-1]
			if in.MessageType != types.MessageTypeRaw || aws.ToString(in.KeyId) != fakeARN {
				t.Errorf("Sign asked with %s for %s", in.MessageType, aws.ToString(in.KeyId))
			}
			if name == "rsa" {
				if sig.Signature.Format != ssh.KeyAlgoRSASHA512 {
					t.Errorf("RSA signed with %s, want rsa-sha2-512", sig.Signature.Format)
				}
				s256, err := s.SignWithAlgorithm(rand.Reader, msg, ssh.KeyAlgoRSASHA256)
				if err != nil || s256.Format != ssh.KeyAlgoRSASHA256 || want.Verify(msg, s256) != nil {
					t.Errorf("rsa-sha2-256: %v", err)
				}
			}
			if _, err := s.SignWithAlgorithm(rand.Reader, msg, ssh.KeyAlgoRSA); err == nil || !strings.Contains(err.Error(), "cannot make ssh-rsa signatures") {
				t.Errorf("ssh-rsa (SHA-1): %v", err)
			}
		})
	}
}

// TestSignerRefuses checks the keys and answers the signer refuses, each with a message naming why.
func TestSignerRefuses(t *testing.T) {
	ctx := context.Background()
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKIXPublicKey(p384.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(*fakeKMS)
		want string
	}{
		{"encrypt usage", func(f *fakeKMS) { f.usage = types.KeyUsageTypeEncryptDecrypt }, "has key usage ENCRYPT_DECRYPT: approvals are signed with an asymmetric key of usage SIGN_VERIFY"},
		{"no usage", func(f *fakeKMS) { f.usage = "" }, "has key usage (not given)"},
		{"secp256k1", func(f *fakeKMS) { f.spec = types.KeySpecEccSecgP256k1 }, "has key spec ECC_SECG_P256K1, which SSH signatures cannot use: give a key of spec ECC_NIST_P256"},
		{"ml-dsa", func(f *fakeKMS) { f.spec = types.KeySpecMlDsa65 }, "has key spec ML_DSA_65, which SSH signatures cannot use"},
		{"algorithm not offered", func(f *fakeKMS) { f.algs = nil }, "does not offer signing algorithm ECDSA_SHA_256"},
		{"public key of another curve", func(f *fakeKMS) { f.pub = p384DER }, "an ECDSA key on P-384, not what the key spec says"},
		{"public key not DER", func(f *fakeKMS) { f.pub = []byte("not a key") }, "its public key:"},
	} {
		f := p256(t)
		tt.edit(f)
		if _, err := New(ctx, f, "alias/alice"); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "KMS key "+fakeARN) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
		if len(f.signed) != 0 {
			t.Errorf("%s: asked KMS to sign", tt.name)
		}
	}
	f := rsa2048(t)
	f.spec = types.KeySpecRsa4096
	if _, err := New(ctx, f, "alias/alice"); err == nil || !strings.Contains(err.Error(), "a 2048-bit RSA key, not what the key spec says") {
		t.Errorf("RSA size: %v", err)
	}

	for _, tt := range []struct {
		name string
		edit func(*fakeKMS)
		msg  []byte
		want string
	}{
		{"tampered signature", func(f *fakeKMS) { f.tamper = true }, []byte("m"), "returned a signature that does not verify with its public key"},
		{"another algorithm", func(f *fakeKMS) { f.answerAlg = types.SigningAlgorithmSpecEcdsaSha384 }, []byte("m"), "signed with ECDSA_SHA_384, not ECDSA_SHA_256"},
		{"over the RAW limit", func(*fakeKMS) {}, make([]byte, MaxRawMessage+1), "a message of 4097 bytes is over the 4096 bytes KMS signs"},
	} {
		f := p256(t)
		s, err := New(ctx, f, "alias/alice")
		if err != nil {
			t.Fatal(err)
		}
		tt.edit(f)
		if sig, err := s.Sign(rand.Reader, tt.msg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, %v; want %q", tt.name, sig, err, tt.want)
		}
	}
}

func TestECDSABlob(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("m"))
	der, err := ecdsa.SignASN1(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	blob, err := ecdsaBlob(der)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := ssh.NewPublicKey(&k.PublicKey)
	if err := pub.Verify([]byte("m"), &ssh.Signature{Format: ssh.KeyAlgoECDSA256, Blob: blob}); err != nil {
		t.Fatalf("the SSH blob does not verify: %v", err)
	}
	for name, bad := range map[string][]byte{
		"trailing bytes": append(bytes.Clone(der), 0),
		"empty":          nil,
		"zero r":         {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01},
		"negative s":     {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0xff},
	} {
		if _, err := ecdsaBlob(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
