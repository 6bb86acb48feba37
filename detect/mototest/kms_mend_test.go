// This file holds the test of the launcher's KMS mend.

package mototest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// The launcher's mend: KMS GetPublicKey names the key by its ARN and its spec in KeySpec, as AWS does
// (moto 5.2.1 answers the bare key id and only CustomerMasterKeySpec), through the SDK's real request,
// for a key asked for by id or by alias.
func TestGetPublicKeyMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := kms.NewFromConfig(Config(t, MaxAttempts(1)))
	for _, spec := range []types.KeySpec{types.KeySpecEccNistP256, types.KeySpecRsa2048} {
		key, err := c.CreateKey(ctx, &kms.CreateKeyInput{KeyUsage: types.KeyUsageTypeSignVerify, KeySpec: spec})
		if err != nil {
			t.Fatal(err)
		}
		alias := "alias/mend-" + string(spec)
		if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{aws.ToString(key.KeyMetadata.KeyId), alias} {
			out, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)})
			if err != nil {
				t.Fatal(err)
			}
			if out.KeySpec != spec || aws.ToString(out.KeyId) != aws.ToString(key.KeyMetadata.Arn) ||
				out.KeyUsage != types.KeyUsageTypeSignVerify || len(out.PublicKey) == 0 || len(out.SigningAlgorithms) == 0 {
				t.Errorf("GetPublicKey(%s) = KeyId %s, KeySpec %q, KeyUsage %s, %d-byte key, %v; want the ARN %s and %s",
					id, aws.ToString(out.KeyId), out.KeySpec, out.KeyUsage, len(out.PublicKey), out.SigningAlgorithms,
					aws.ToString(key.KeyMetadata.Arn), spec)
			}
		}
	}
}
