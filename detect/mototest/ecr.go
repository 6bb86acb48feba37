// This file pushes images to the emulator's ECR with the SDK calls docker push makes (the launcher's
// ECR mends): the configuration blob through the layer upload, then the manifest by PutImage.

package mototest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Manifest media types.
const (
	MediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaDockerConfig   = "application/vnd.docker.container.image.v1+json"
	MediaOCIIndex       = "application/vnd.oci.image.index.v1+json"
)

// Digest is the sha256 digest of b, as registries name content.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// EnsureRepository creates repository repo unless it exists.
func EnsureRepository(t testing.TB, c *ecr.Client, repo string) {
	t.Helper()
	_, err := c.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo)})
	var exists *ecrtypes.RepositoryAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		t.Fatal(err)
	}
}

// PushBlob uploads data to repo as a layer (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload)
// and returns its digest.
func PushBlob(t testing.TB, c *ecr.Client, repo string, data []byte) string {
	t.Helper()
	ctx := context.Background()
	up, err := c.InitiateLayerUpload(ctx, &ecr.InitiateLayerUploadInput{RepositoryName: aws.String(repo)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadLayerPart(ctx, &ecr.UploadLayerPartInput{RepositoryName: aws.String(repo), UploadId: up.UploadId,
		PartFirstByte: aws.Int64(0), PartLastByte: aws.Int64(int64(len(data) - 1)), LayerPartBlob: data}); err != nil {
		t.Fatal(err)
	}
	d := Digest(data)
	out, err := c.CompleteLayerUpload(ctx, &ecr.CompleteLayerUploadInput{RepositoryName: aws.String(repo), UploadId: up.UploadId, LayerDigests: []string{d}})
	var exists *ecrtypes.LayerAlreadyExistsException
	if errors.As(err, &exists) {
		return d
	}
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.LayerDigest) != d {
		t.Fatalf("CompleteLayerUpload: digest %s, want %s", aws.ToString(out.LayerDigest), d)
	}
	return d
}

// PutManifest puts manifest (of mediaType) in repo under tag ("" for none) and returns the digest ECR
// gives it.
func PutManifest(t testing.TB, c *ecr.Client, repo, tag, mediaType string, manifest []byte) string {
	t.Helper()
	in := &ecr.PutImageInput{RepositoryName: aws.String(repo), ImageManifest: aws.String(string(manifest)), ImageManifestMediaType: aws.String(mediaType)}
	if tag != "" {
		in.ImageTag = aws.String(tag)
	}
	out, err := c.PutImage(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Image.ImageId.ImageDigest)
}

// PushImage pushes an image whose configuration is config (JSON) to repo under tag, as docker push does:
// the configuration blob, then a Docker v2 schema 2 manifest naming it. It returns the manifest's digest.
func PushImage(t testing.TB, c *ecr.Client, repo, tag string, config []byte) string {
	t.Helper()
	EnsureRepository(t, c, repo)
	d := PushBlob(t, c, repo, config)
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": MediaDockerManifest,
		"config": map[string]any{"mediaType": MediaDockerConfig, "size": len(config), "digest": d}, "layers": []any{}})
	return PutManifest(t, c, repo, tag, MediaDockerManifest, m)
}

// PushIndex puts an OCI image index in repo under tag naming the manifests given by platform
// ("linux/arm64" to a manifest digest of the repository), and returns its digest.
func PushIndex(t testing.TB, c *ecr.Client, repo, tag string, platforms map[string]string) string {
	t.Helper()
	var ms []any
	for p, d := range platforms {
		os, arch, _ := strings.Cut(p, "/")
		ms = append(ms, map[string]any{"mediaType": MediaDockerManifest, "digest": d, "size": 1,
			"platform": map[string]string{"os": os, "architecture": arch}})
	}
	m, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": MediaOCIIndex, "manifests": ms})
	return PutManifest(t, c, repo, tag, MediaOCIIndex, m)
}
