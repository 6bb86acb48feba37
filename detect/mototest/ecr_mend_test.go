// This file holds the tests of the launcher's ECR mends: manifest digests, BatchGetImage's accepted media
// types and failures, the layer upload and GetDownloadUrlForLayer.

package mototest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// The launcher's mends: a config blob pushed with docker's calls is downloaded through the URL
// GetDownloadUrlForLayer answers, byte for byte; a manifest's digest is the sha256 of its bytes.
func TestECRLayersMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := ecr.NewFromConfig(Config(t, MaxAttempts(1)))
	cfgBlob := []byte(`{"architecture":"amd64","os":"linux","config":{"User":"app"}}`)
	digest := PushImage(t, c, "web", "v1", cfgBlob)

	got, err := c.BatchGetImage(ctx, &ecr.BatchGetImageInput{RepositoryName: aws.String("web"),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("v1")}}})
	if err != nil || len(got.Images) != 1 {
		t.Fatalf("BatchGetImage: %v %+v", err, got)
	}
	if m := aws.ToString(got.Images[0].ImageManifest); Digest([]byte(m)) != digest || aws.ToString(got.Images[0].ImageId.ImageDigest) != digest {
		t.Fatalf("digest %s is not the sha256 of the manifest (%s)", digest, Digest([]byte(m)))
	}

	u, err := c.GetDownloadUrlForLayer(ctx, &ecr.GetDownloadUrlForLayerInput{RepositoryName: aws.String("web"), LayerDigest: aws.String(Digest(cfgBlob))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u.LayerDigest) != Digest(cfgBlob) {
		t.Fatalf("layerDigest %s", aws.ToString(u.LayerDigest))
	}
	resp, err := http.Get(aws.ToString(u.DownloadUrl))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != string(cfgBlob) {
		t.Fatalf("download: HTTP %d %q", resp.StatusCode, body)
	}

	// A blob never uploaded: LayersNotFoundException; one uploaded but referenced by no image:
	// LayerInaccessibleException.
	_, err = c.GetDownloadUrlForLayer(ctx, &ecr.GetDownloadUrlForLayerInput{RepositoryName: aws.String("web"), LayerDigest: aws.String(Digest([]byte("nothing")))})
	var nf *ecrtypes.LayersNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing layer: %v, want LayersNotFoundException", err)
	}
	loose := PushBlob(t, c, "web", []byte("loose"))
	_, err = c.GetDownloadUrlForLayer(ctx, &ecr.GetDownloadUrlForLayerInput{RepositoryName: aws.String("web"), LayerDigest: aws.String(loose)})
	var li *ecrtypes.LayerInaccessibleException
	if !errors.As(err, &li) {
		t.Fatalf("unreferenced layer: %v, want LayerInaccessibleException", err)
	}
}

// The launcher's mend: CompleteLayerUpload refuses a digest that is not the bytes uploaded, and an
// upload it does not know; UploadLayerPart refuses a part that does not follow the bytes uploaded.
func TestECRLayerUploadErrorsMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := ecr.NewFromConfig(Config(t, MaxAttempts(1)))
	EnsureRepository(t, c, "app")
	up, err := c.InitiateLayerUpload(ctx, &ecr.InitiateLayerUploadInput{RepositoryName: aws.String("app")})
	if err != nil || aws.ToString(up.UploadId) == "" || aws.ToInt64(up.PartSize) <= 0 {
		t.Fatalf("InitiateLayerUpload: %v %+v", err, up)
	}
	_, err = c.UploadLayerPart(ctx, &ecr.UploadLayerPartInput{RepositoryName: aws.String("app"), UploadId: up.UploadId,
		PartFirstByte: aws.Int64(5), PartLastByte: aws.Int64(7), LayerPartBlob: []byte("abc")})
	var part *ecrtypes.InvalidLayerPartException
	if !errors.As(err, &part) {
		t.Fatalf("out-of-order part: %v, want InvalidLayerPartException", err)
	}
	_, err = c.CompleteLayerUpload(ctx, &ecr.CompleteLayerUploadInput{RepositoryName: aws.String("app"), UploadId: up.UploadId, LayerDigests: []string{Digest([]byte("abc"))}})
	var empty *ecrtypes.EmptyUploadException
	if !errors.As(err, &empty) {
		t.Fatalf("empty upload: %v, want EmptyUploadException", err)
	}
	if _, err := c.UploadLayerPart(ctx, &ecr.UploadLayerPartInput{RepositoryName: aws.String("app"), UploadId: up.UploadId,
		PartFirstByte: aws.Int64(0), PartLastByte: aws.Int64(2), LayerPartBlob: []byte("abc")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CompleteLayerUpload(ctx, &ecr.CompleteLayerUploadInput{RepositoryName: aws.String("app"), UploadId: up.UploadId, LayerDigests: []string{Digest([]byte("abd"))}})
	var bad *ecrtypes.InvalidLayerException
	if !errors.As(err, &bad) {
		t.Fatalf("wrong digest: %v, want InvalidLayerException", err)
	}
	_, err = c.CompleteLayerUpload(ctx, &ecr.CompleteLayerUploadInput{RepositoryName: aws.String("app"), UploadId: aws.String("no-such-upload"), LayerDigests: []string{Digest([]byte("abc"))}})
	var nf *ecrtypes.UploadNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown upload: %v, want UploadNotFoundException", err)
	}
}

// The launcher's mend: BatchGetImage answers only manifests of an accepted media type, and names each
// failure by the id asked.
func TestECRBatchGetImageMend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := ecr.NewFromConfig(Config(t, MaxAttempts(1)))
	amd := PushImage(t, c, "multi", "", []byte(`{"architecture":"amd64","os":"linux","config":{}}`))
	idx := PushIndex(t, c, "multi", "v2", map[string]string{"linux/amd64": amd})
	if idx == amd || idx != Digest(mustManifest(t, c, "multi", idx)) {
		t.Fatalf("index digest %s", idx)
	}
	out, err := c.BatchGetImage(ctx, &ecr.BatchGetImageInput{RepositoryName: aws.String("multi"),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageTag: aws.String("v2")}, {ImageDigest: aws.String(amd)}, {ImageDigest: aws.String(Digest([]byte("x")))}},
		AcceptedMediaTypes: []string{MediaDockerManifest}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Images) != 1 || aws.ToString(out.Images[0].ImageId.ImageDigest) != amd {
		t.Fatalf("images %+v, want only the platform manifest", out.Images)
	}
	if len(out.Failures) != 2 || aws.ToString(out.Failures[0].ImageId.ImageTag) != "v2" ||
		aws.ToString(out.Failures[1].ImageId.ImageDigest) != Digest([]byte("x")) || out.Failures[1].FailureCode != ecrtypes.ImageFailureCodeImageNotFound {
		t.Fatalf("failures %+v", out.Failures)
	}
}

func mustManifest(t *testing.T, c *ecr.Client, repo, digest string) []byte {
	t.Helper()
	out, err := c.BatchGetImage(context.Background(), &ecr.BatchGetImageInput{RepositoryName: aws.String(repo),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("BatchGetImage %s: %v", digest, err)
	}
	return []byte(aws.ToString(out.Images[0].ImageManifest))
}
