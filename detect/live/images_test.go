package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

func digestOf(b string) string {
	s := sha256.Sum256([]byte(b))
	return "sha256:" + hex.EncodeToString(s[:])
}

// fakeECR answers BatchGetImage from manifests (by digest, tags pointing at digests) and
// GetDownloadUrlForLayer with a URL of blobs; denied makes every call AccessDeniedException.
type fakeECR struct {
	mu        sync.Mutex
	manifests map[string][2]string // digest -> media type, content
	tags      map[string]string
	blobURL   string
	denied    bool
	calls     map[string]int
}

func (f *fakeECR) count(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
}

func (f *fakeECR) BatchGetImage(_ context.Context, in *ecr.BatchGetImageInput, _ ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
	f.count("BatchGetImage")
	if f.denied {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	}
	out := &ecr.BatchGetImageOutput{}
	for _, id := range in.ImageIds {
		d := aws.ToString(id.ImageDigest)
		if t := aws.ToString(id.ImageTag); t != "" {
			d = f.tags[t]
		}
		m, ok := f.manifests[d]
		if !ok {
			out.Failures = append(out.Failures, ecrtypes.ImageFailure{ImageId: &id, FailureCode: ecrtypes.ImageFailureCodeImageNotFound, FailureReason: aws.String("Requested image not found")})
			continue
		}
		out.Images = append(out.Images, ecrtypes.Image{ImageId: &ecrtypes.ImageIdentifier{ImageDigest: aws.String(d), ImageTag: id.ImageTag},
			ImageManifestMediaType: aws.String(m[0]), ImageManifest: aws.String(m[1])})
	}
	return out, nil
}

func (f *fakeECR) GetDownloadUrlForLayer(_ context.Context, in *ecr.GetDownloadUrlForLayerInput, _ ...func(*ecr.Options)) (*ecr.GetDownloadUrlForLayerOutput, error) {
	f.count("GetDownloadUrlForLayer")
	if f.denied {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	}
	return &ecr.GetDownloadUrlForLayerOutput{DownloadUrl: aws.String(f.blobURL + "/" + aws.ToString(in.LayerDigest)), LayerDigest: in.LayerDigest}, nil
}

func (f *fakeECR) put(tag, mediaType, content string) string {
	d := digestOf(content)
	if f.manifests == nil {
		f.manifests, f.tags = map[string][2]string{}, map[string]string{}
	}
	f.manifests[d] = [2]string{mediaType, content}
	if tag != "" {
		f.tags[tag] = d
	}
	return d
}

func imageManifest(config string) string {
	return `{"schemaVersion":2,"mediaType":"` + mediaDockerManifest + `","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"` + digestOf(config) + `","size":1},"layers":[]}`
}

// What cannot be read or trusted stays unknown, with why: a denied call (marked Denied), a manifest whose
// content is not its digest, an index without the platform, a configuration larger than the bound; a
// configuration shared by two references is fetched once.
func TestReadImagesFailures(t *testing.T) {
	big := `{"os":"linux","architecture":"amd64","config":{"User":"` + strings.Repeat("x", MaxImageConfigBytes) + `"}}`
	good := `{"os":"linux","architecture":"amd64","config":{"User":"app"}}`
	blobs := map[string]string{digestOf(big): big, digestOf(good): good}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := blobs[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(b))
	}))
	defer srv.Close()

	f := &fakeECR{blobURL: srv.URL}
	const reg = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/repo"
	goodDigest := f.put("good", mediaDockerManifest, imageManifest(good))
	f.put("alias", mediaDockerManifest, imageManifest(good)+" ") // another manifest, the same configuration
	f.put("big", mediaDockerManifest, imageManifest(big))
	f.put("armonly", mediaOCIIndex, `{"schemaVersion":2,"manifests":[{"digest":"`+goodDigest+`","platform":{"os":"linux","architecture":"arm64"}}]}`)
	f.manifests[digestOf("forged")] = [2]string{mediaDockerManifest, imageManifest(good)} // content is not its digest
	f.tags["forged"] = digestOf("forged")

	wants := []ImageWant{}
	for _, tag := range []string{"good", "alias", "big", "armonly", "forged", "gone"} {
		wants = append(wants, ImageWant{Ref: reg + ":" + tag, OS: "linux", Architecture: "amd64"})
	}
	got, failures := ReadImages(context.Background(), f, srv.Client(), wants)
	if len(got) != 2 || got[reg+":good"].User != "app" || got[reg+":alias"].User != "app" {
		t.Fatalf("read %+v", got)
	}
	why := map[string]string{}
	for _, fl := range failures {
		why[strings.TrimPrefix(fl.Ref, reg+":")] = fl.Message
		if fl.Denied {
			t.Errorf("%s marked denied", fl.Ref)
		}
	}
	for tag, want := range map[string]string{"big": "larger than", "armonly": "no manifest for linux/amd64", "forged": "does not match its digest", "gone": "ImageNotFound"} {
		if !strings.Contains(why[tag], want) {
			t.Errorf("%s: %q, want %q", tag, why[tag], want)
		}
	}
	if n := f.calls["BatchGetImage"]; n != 1 {
		t.Errorf("BatchGetImage calls %d, want 1 (one repository)", n)
	}
	if n := f.calls["GetDownloadUrlForLayer"]; n != 2 {
		t.Errorf("GetDownloadUrlForLayer calls %d, want 2 (good and big, each once)", n)
	}

	denied := &fakeECR{denied: true}
	got, failures = ReadImages(context.Background(), denied, srv.Client(), wants[:1])
	if len(got) != 0 || len(failures) != 1 || !failures[0].Denied {
		t.Errorf("denied: %+v %+v", got, failures)
	}
}
