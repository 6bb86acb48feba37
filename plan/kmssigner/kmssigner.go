// Package kmssigner signs approvals with an AWS KMS asymmetric key: an ssh.Signer whose private key never
// leaves KMS. `ecsfix approve --key kms:KEY` makes with it an ordinary SSHSIG signature (the format of
// `ssh-keygen -Y sign`), which ecsfix and stock OpenSSH verify with the key's public key listed in
// approvals.allowed_signers, without calling AWS. IAM (kms:Sign on the key) decides who may approve.
package kmssigner

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"golang.org/x/crypto/ssh"
)

// Prefix marks a --key value that names a KMS key rather than a file.
const Prefix = "kms:"

// MaxRawMessage is the largest message KMS Sign takes with MessageType RAW. An SSHSIG signs a short
// blob (magic, namespace and the message's hash), far below it.
const MaxRawMessage = 4096

// API is the part of the KMS client a Signer calls.
type API interface {
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// The forms of KEY in kms:KEY: a key id (a multi-Region one starts with mrk-), a key ARN, an alias name
// or an alias ARN.
var (
	keyIDPattern    = regexp.MustCompile(`^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	aliasPattern    = regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)
	keyARNPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	aliasARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:alias/[A-Za-z0-9/_-]{1,250}$`)
)

// IsRef says whether a --key value names a KMS key (it starts with "kms:"). A file whose name starts so
// is named ./kms:….
func IsRef(s string) bool { return strings.HasPrefix(s, Prefix) }

// ParseRef returns KEY from a "kms:KEY" value: a key id, a key ARN, an alias name (alias/NAME) or an
// alias ARN. Anything else is refused, naming the forms.
func ParseRef(s string) (string, error) {
	key, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return "", fmt.Errorf("%q does not start with %s", s, Prefix)
	}
	for _, p := range []*regexp.Regexp{keyIDPattern, aliasPattern, keyARNPattern, aliasARNPattern} {
		if p.MatchString(key) {
			return key, nil
		}
	}
	return "", fmt.Errorf("%q is not kms:KEY with KEY a key id, a key ARN, alias/NAME or an alias ARN", s)
}

// Region is the region of a key or alias ARN, "" for a key id or an alias name (the SDK's region then).
func Region(key string) string {
	for _, p := range []*regexp.Regexp{keyARNPattern, aliasARNPattern} {
		if m := p.FindStringSubmatch(key); m != nil {
			return m[1]
		}
	}
	return ""
}

// keySpec is how one KMS key spec signs in SSH: the SSH signature algorithms it makes and the KMS
// signing algorithm of each (RSA signs with rsa-sha2-512 by default, as OpenSSH's SSHSIG does).
type keySpec struct {
	algorithms []string
	kms        map[string]types.SigningAlgorithmSpec
	// curve is the ECDSA curve (nil for RSA); bits the RSA modulus size.
	curve elliptic.Curve
	bits  int
}

var rsaAlgorithms = map[string]types.SigningAlgorithmSpec{
	ssh.KeyAlgoRSASHA512: types.SigningAlgorithmSpecRsassaPkcs1V15Sha512,
	ssh.KeyAlgoRSASHA256: types.SigningAlgorithmSpecRsassaPkcs1V15Sha256,
}

// specs are the key specs an SSH key can be: NIST ECDSA curves (each SSH algorithm fixes the hash KMS
// must use) and RSA with PKCS#1 v1.5. ECC_SECG_P256K1, SM2, ML-DSA, HMAC and symmetric keys have no SSH
// signature algorithm.
var specs = map[types.KeySpec]keySpec{
	types.KeySpecEccNistP256: {[]string{ssh.KeyAlgoECDSA256}, map[string]types.SigningAlgorithmSpec{ssh.KeyAlgoECDSA256: types.SigningAlgorithmSpecEcdsaSha256}, elliptic.P256(), 0},
	types.KeySpecEccNistP384: {[]string{ssh.KeyAlgoECDSA384}, map[string]types.SigningAlgorithmSpec{ssh.KeyAlgoECDSA384: types.SigningAlgorithmSpecEcdsaSha384}, elliptic.P384(), 0},
	types.KeySpecEccNistP521: {[]string{ssh.KeyAlgoECDSA521}, map[string]types.SigningAlgorithmSpec{ssh.KeyAlgoECDSA521: types.SigningAlgorithmSpecEcdsaSha512}, elliptic.P521(), 0},
	types.KeySpecRsa2048:     {[]string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}, rsaAlgorithms, nil, 2048},
	types.KeySpecRsa3072:     {[]string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}, rsaAlgorithms, nil, 3072},
	types.KeySpecRsa4096:     {[]string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}, rsaAlgorithms, nil, 4096},
}

// SupportedSpecs names the key specs a Signer accepts, for messages and documentation.
const SupportedSpecs = "ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, RSA_2048, RSA_3072 or RSA_4096"

// Signer is an ssh.MultiAlgorithmSigner whose signatures KMS makes with an asymmetric SIGN_VERIFY key.
// Each signature is checked against the key's public key before it is returned.
type Signer struct {
	ctx  context.Context
	api  API
	key  string // the key's ARN as KMS names it: every Sign uses the key the public key came from
	spec keySpec
	pub  ssh.PublicKey
}

// New asks KMS for the public key of key (a key id, key ARN, alias name or alias ARN) and returns a
// Signer that signs with it under ctx. It refuses a key that is not an asymmetric SIGN_VERIFY key of a
// spec SSH can verify, with a message naming the key and why.
func New(ctx context.Context, api API, key string) (*Signer, error) {
	out, err := api.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("KMS key %s: get its public key: %w", key, err)
	}
	name := key
	if id := aws.ToString(out.KeyId); id != "" {
		name = id
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("KMS key %s has key usage %s: approvals are signed with an asymmetric key of usage %s",
			name, orUnknown(string(out.KeyUsage)), types.KeyUsageTypeSignVerify)
	}
	spec, ok := specs[out.KeySpec]
	if !ok {
		return nil, fmt.Errorf("KMS key %s has key spec %s, which SSH signatures cannot use: give a key of spec %s",
			name, orUnknown(string(out.KeySpec)), SupportedSpecs)
	}
	for _, alg := range spec.algorithms {
		if !slices.Contains(out.SigningAlgorithms, spec.kms[alg]) {
			return nil, fmt.Errorf("KMS key %s does not offer signing algorithm %s (it offers %v)", name, spec.kms[alg], out.SigningAlgorithms)
		}
	}
	pub, err := publicKey(out.PublicKey, spec)
	if err != nil {
		return nil, fmt.Errorf("KMS key %s (%s): its public key: %w", name, out.KeySpec, err)
	}
	return &Signer{ctx: ctx, api: api, key: name, spec: spec, pub: pub}, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(not given)"
	}
	return s
}

// publicKey parses KMS's DER SubjectPublicKeyInfo and checks it is the key spec says.
func publicKey(der []byte, spec keySpec) (ssh.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	switch k := k.(type) {
	case *ecdsa.PublicKey:
		if spec.curve == nil || k.Curve != spec.curve {
			return nil, fmt.Errorf("an ECDSA key on %s, not what the key spec says", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if spec.bits == 0 || k.N.BitLen() != spec.bits {
			return nil, fmt.Errorf("a %d-bit RSA key, not what the key spec says", k.N.BitLen())
		}
	default:
		return nil, fmt.Errorf("a %T, not an ECDSA or RSA key", k)
	}
	return ssh.NewPublicKey(k)
}

// KeyID is the key's id or ARN as KMS named it.
func (s *Signer) KeyID() string { return s.key }

// PublicKey is the KMS key's public key in SSH form.
func (s *Signer) PublicKey() ssh.PublicKey { return s.pub }

// Algorithms lists the SSH signature algorithms the key can make, the default first.
func (s *Signer) Algorithms() []string { return slices.Clone(s.spec.algorithms) }

// Sign signs data with the key's default algorithm (rsa-sha2-512 for RSA: KMS has no SHA-1 signing).
func (s *Signer) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	return s.SignWithAlgorithm(rand, data, "")
}

// SignWithAlgorithm asks KMS to sign data (MessageType RAW: KMS hashes it as the SSH algorithm requires)
// and returns the signature in SSH's wire form, once it verifies with the key's public key.
func (s *Signer) SignWithAlgorithm(_ io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	if algorithm == "" {
		algorithm = s.spec.algorithms[0]
	}
	kmsAlg, ok := s.spec.kms[algorithm]
	if !ok {
		return nil, fmt.Errorf("KMS key %s cannot make %s signatures (it makes %s)", s.key, algorithm, strings.Join(s.spec.algorithms, ", "))
	}
	if len(data) > MaxRawMessage {
		return nil, fmt.Errorf("KMS key %s: a message of %d bytes is over the %d bytes KMS signs", s.key, len(data), MaxRawMessage)
	}
	out, err := s.api.Sign(s.ctx, &kms.SignInput{
		KeyId:            aws.String(s.key),
		Message:          data,
		MessageType:      types.MessageTypeRaw,
		SigningAlgorithm: kmsAlg,
	})
	if err != nil {
		return nil, fmt.Errorf("KMS key %s: sign: %w", s.key, err)
	}
	if out.SigningAlgorithm != "" && out.SigningAlgorithm != kmsAlg {
		return nil, fmt.Errorf("KMS key %s signed with %s, not %s", s.key, out.SigningAlgorithm, kmsAlg)
	}
	blob := out.Signature
	if s.spec.curve != nil {
		if blob, err = ecdsaBlob(out.Signature); err != nil {
			return nil, fmt.Errorf("KMS key %s: its signature: %w", s.key, err)
		}
	}
	sig := &ssh.Signature{Format: algorithm, Blob: blob}
	if err := s.pub.Verify(data, sig); err != nil {
		return nil, fmt.Errorf("KMS key %s returned a signature that does not verify with its public key", s.key)
	}
	return sig, nil
}

// ecdsaBlob turns a DER ECDSA signature (SEQUENCE of INTEGER r, s: what KMS returns) into SSH's form:
// r and s as mpints (RFC 5656, section 3.1.2).
func ecdsaBlob(der []byte) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil {
		return nil, fmt.Errorf("not a DER ECDSA signature (%v)", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("not a DER ECDSA signature (trailing bytes)")
	}
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		return nil, errors.New("not an ECDSA signature (r or s not positive)")
	}
	return ssh.Marshal(rs), nil
}

// AuthorizedKey is the key's public key as one line of an authorized_keys or allowed_signers file
// (without principals): type, base64 key and comment.
func (s *Signer) AuthorizedKey(comment string) string {
	line := bytes.TrimSpace(ssh.MarshalAuthorizedKey(s.pub))
	if comment != "" {
		return string(line) + " " + comment
	}
	return string(line)
}
