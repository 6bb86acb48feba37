// This file reads the configurations of the container images the task definitions name, from ECR:
// the manifest (ecr:BatchGetImage), for a multi-platform image the manifest of the task definition's
// platform, and the configuration blob the manifest names (ecr:GetDownloadUrlForLayer, then an HTTP GET
// of the URL). Each is content-addressed, and each is checked against its digest before it is trusted.

package live

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsfix/ecsfix/detect"
)

// ImageAPI are the ECR calls reading image configurations makes.
type ImageAPI interface {
	BatchGetImage(context.Context, *ecr.BatchGetImageInput, ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
	GetDownloadUrlForLayer(context.Context, *ecr.GetDownloadUrlForLayerInput, ...func(*ecr.Options)) (*ecr.GetDownloadUrlForLayerOutput, error)
}

// Manifest media types read (acceptedMediaTypes of BatchGetImage): a platform manifest (Docker v2
// schema 2, OCI) or a multi-platform index (Docker manifest list, OCI index).
const (
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaOCIIndex       = "application/vnd.oci.image.index.v1+json"
)

var acceptedManifests = []string{mediaDockerManifest, mediaOCIManifest, mediaDockerList, mediaOCIIndex}

const (
	// batchGetImageBatch is the most image ids one BatchGetImage accepts.
	batchGetImageBatch = 100
	// MaxImageConfigBytes bounds the configuration blob read: an image configuration is a few KiB.
	MaxImageConfigBytes = 1 << 20
)

// imageID is the image id BatchGetImage is asked for: by digest when the reference pins one.
func imageID(e detect.ECRImage) ecrtypes.ImageIdentifier {
	if e.Digest != "" {
		return ecrtypes.ImageIdentifier{ImageDigest: aws.String(e.Digest)}
	}
	return ecrtypes.ImageIdentifier{ImageTag: aws.String(e.Tag)}
}

// imageKey names an image id within its repository.
func imageKey(e detect.ECRImage) string {
	if e.Digest != "" {
		return e.Digest
	}
	return "tag:" + e.Tag
}

// ImageWant is an image to read and the platform whose configuration is wanted.
type ImageWant struct {
	Ref string
	// OS and Architecture as an image index names them ("linux", "amd64").
	OS, Architecture string
}

// ImageFailure is an image whose configuration could not be read (or not trusted), and why: it stays
// unknown. Denied is set when ECR refused the call (the caller lacks ecr:BatchGetImage or
// ecr:GetDownloadUrlForLayer).
type ImageFailure struct {
	Ref     string
	Op      string
	Message string
	Denied  bool
}

// PlatformOf is the platform a task definition runs on, as an image index names it: its
// runtimePlatform, linux/amd64 when it names none.
func PlatformOf(td *ecstypes.TaskDefinition) (os, arch string) {
	os, arch = "linux", "amd64"
	if rp := td.RuntimePlatform; rp != nil {
		if rp.CpuArchitecture == ecstypes.CPUArchitectureArm64 {
			arch = "arm64"
		}
		if f := string(rp.OperatingSystemFamily); strings.HasPrefix(f, "WINDOWS") {
			os = "windows"
		}
	}
	return os, arch
}

// ImageWants lists the images of tds in ECR registry account, region (an image of another registry is
// not read), each once: with the platform of the first task definition naming it (sorted by ARN).
func ImageWants(tds []detect.TaskDefinition, account, region string) []ImageWant {
	sorted := slices.Clone(tds)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ARN() < sorted[j].ARN() })
	seen := map[string]bool{}
	var out []ImageWant
	for i := range sorted {
		td := &sorted[i]
		acct := account
		if acct == "" {
			acct = detect.AccountOf(td.ARN())
		}
		os, arch := PlatformOf(&td.TaskDefinition)
		for _, c := range td.ContainerDefinitions {
			ref := aws.ToString(c.Image)
			img, ok := detect.ParseECRImage(ref)
			if !ok || seen[ref] || img.Registry != acct || img.Region != region {
				continue
			}
			seen[ref] = true
			out = append(out, ImageWant{Ref: ref, OS: os, Architecture: arch})
		}
	}
	return out
}

// ReadImages reads the configurations of wants (images of ECR registries in region, which api
// reaches), with at most 4 calls in flight. httpc fetches the configuration blobs (nil: the SDK's
// default client). What cannot be read or trusted is a failure and stays unknown.
func ReadImages(ctx context.Context, api ImageAPI, httpc aws.HTTPClient, wants []ImageWant) (map[string]detect.ImageConfig, []ImageFailure) {
	return readImages(ctx, newLane(4), api, httpc, wants)
}

// imageRead is one read of images: per repository, one BatchGetImage per 100 distinct ids, one per
// 100 distinct platform manifests of the indexes among them, one GetDownloadUrlForLayer and one GET per
// distinct configuration.
type imageRead struct {
	c    caller
	api  ImageAPI
	http aws.HTTPClient

	mu       sync.Mutex
	out      map[string]detect.ImageConfig
	failures []ImageFailure
}

type repoKey struct{ registry, repository string }

func readImages(ctx context.Context, c caller, api ImageAPI, httpc aws.HTTPClient, wants []ImageWant) (map[string]detect.ImageConfig, []ImageFailure) {
	if httpc == nil {
		httpc = awshttp.NewBuildableClient()
	}
	r := &imageRead{c: c, api: api, http: httpc, out: map[string]detect.ImageConfig{}}
	byRepo := map[repoKey][]ImageWant{}
	for _, w := range wants {
		img, ok := detect.ParseECRImage(w.Ref)
		if !ok {
			continue
		}
		k := repoKey{img.Registry, img.Repository}
		byRepo[k] = append(byRepo[k], w)
	}
	var wg sync.WaitGroup
	for k, ws := range byRepo {
		wg.Go(func() { r.repository(ctx, k, ws) })
	}
	wg.Wait()
	sort.Slice(r.failures, func(i, j int) bool { return r.failures[i].Ref < r.failures[j].Ref })
	return r.out, r.failures
}

func (r *imageRead) fail(ref, op string, err error) {
	f := ImageFailure{Ref: ref, Op: op, Message: message(err)}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDeniedException", "AccessDenied", "UnauthorizedOperation":
			f.Denied = true
		}
	}
	r.mu.Lock()
	r.failures = append(r.failures, f)
	r.mu.Unlock()
}

// manifest is what is read of an image manifest or index.
type manifest struct {
	MediaType string `json:"mediaType"`
	Config    struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	} `json:"config"`
	Manifests []struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Platform  *struct {
			OS           string `json:"os"`
			Architecture string `json:"architecture"`
		} `json:"platform"`
	} `json:"manifests"`
}

// got is a manifest read and verified: its digest, media type and content.
type got struct {
	digest, mediaType string
	m                 manifest
}

// repository reads the images of one repository.
func (r *imageRead) repository(ctx context.Context, k repoKey, wants []ImageWant) {
	// Round 1: the manifests the references name, each distinct id once.
	ids := map[string]detect.ECRImage{}
	for _, w := range wants {
		img, _ := detect.ParseECRImage(w.Ref)
		ids[imageKey(img)] = img
	}
	first, errs := r.batchGet(ctx, k, ids)
	for _, g := range slices.Collect(maps.Values(first)) {
		first[g.digest] = g
	}
	// Round 2: the platform manifests of the indexes.
	platform := map[string]string{} // want ref -> digest of the platform manifest
	second := map[string]detect.ECRImage{}
	for _, w := range wants {
		img, _ := detect.ParseECRImage(w.Ref)
		g, ok := first[imageKey(img)]
		if !ok {
			r.fail(w.Ref, "BatchGetImage", errs[imageKey(img)])
			continue
		}
		if g.mediaType != mediaDockerList && g.mediaType != mediaOCIIndex {
			platform[w.Ref] = g.digest
			continue
		}
		d := ""
		for _, e := range g.m.Manifests {
			if e.Platform != nil && e.Platform.OS == w.OS && e.Platform.Architecture == w.Architecture {
				d = e.Digest
				break
			}
		}
		if d == "" {
			r.fail(w.Ref, "BatchGetImage", fmt.Errorf("the image index %s names no manifest for %s/%s", g.digest, w.OS, w.Architecture))
			continue
		}
		platform[w.Ref] = d
		if _, ok := first[d]; !ok {
			second[d] = detect.ECRImage{Registry: k.registry, Repository: k.repository, Digest: d}
		}
	}
	if len(second) > 0 {
		more, moreErrs := r.batchGet(ctx, k, second)
		for d, g := range more {
			first[d] = g
		}
		for d, err := range moreErrs {
			errs[d] = err
		}
	}
	// Round 3: the configurations, each distinct digest once.
	type blob struct {
		cfg  imageConfigBlob
		err  error
		op   string
		done bool
	}
	blobs := map[string]*blob{}
	for _, w := range wants {
		d := platform[w.Ref]
		if d == "" {
			continue
		}
		g, ok := first[d]
		if !ok {
			r.fail(w.Ref, "BatchGetImage", errs[d])
			delete(platform, w.Ref)
			continue
		}
		if g.mediaType != mediaDockerManifest && g.mediaType != mediaOCIManifest {
			r.fail(w.Ref, "BatchGetImage", fmt.Errorf("manifest %s is of media type %q, not an image manifest", d, g.mediaType))
			delete(platform, w.Ref)
			continue
		}
		if cd := g.m.Config.Digest; blobs[cd] == nil {
			blobs[cd] = &blob{}
		}
	}
	var wg sync.WaitGroup
	for cd, b := range blobs {
		wg.Go(func() { b.cfg, b.op, b.err = r.config(ctx, k, cd) })
	}
	wg.Wait()
	for _, w := range wants {
		d, ok := platform[w.Ref]
		if !ok {
			continue
		}
		img, _ := detect.ParseECRImage(w.Ref)
		top := first[imageKey(img)]
		b := blobs[first[d].m.Config.Digest]
		if b.err != nil {
			r.fail(w.Ref, b.op, b.err)
			continue
		}
		c := b.cfg.toImageConfig(w.Ref, top.digest)
		r.mu.Lock()
		r.out[w.Ref] = c
		r.mu.Unlock()
	}
}

// batchGet reads the manifests ids names (by key) in batches of 100, and verifies each: its content's
// sha256 is its digest, and the digest pinned when the id is one. Answered by key; what is missing has
// its error in the second map.
func (r *imageRead) batchGet(ctx context.Context, k repoKey, ids map[string]detect.ECRImage) (map[string]got, map[string]error) {
	out, errs := map[string]got{}, map[string]error{}
	keys := sortedKeys(ids)
	for _, batch := range chunks(keys, batchGetImageBatch) {
		in := &ecr.BatchGetImageInput{RegistryId: aws.String(k.registry), RepositoryName: aws.String(k.repository), AcceptedMediaTypes: acceptedManifests}
		for _, key := range batch {
			in.ImageIds = append(in.ImageIds, imageID(ids[key]))
		}
		var res *ecr.BatchGetImageOutput
		err := r.c.call(ctx, func(ctx context.Context) (err error) {
			res, err = r.api.BatchGetImage(ctx, in)
			return err
		})
		if err != nil {
			for _, key := range batch {
				errs[key] = err
			}
			continue
		}
		for _, f := range res.Failures {
			key := ""
			if f.ImageId != nil {
				if d := aws.ToString(f.ImageId.ImageDigest); d != "" {
					key = d
				} else if t := aws.ToString(f.ImageId.ImageTag); t != "" {
					key = "tag:" + t
				}
			}
			if _, ok := ids[key]; ok {
				errs[key] = fmt.Errorf("%s: %s", f.FailureCode, aws.ToString(f.FailureReason))
			}
		}
		for _, im := range res.Images {
			if im.ImageId == nil {
				continue
			}
			digest, tag := aws.ToString(im.ImageId.ImageDigest), aws.ToString(im.ImageId.ImageTag)
			for _, key := range batch {
				want := ids[key]
				if (want.Digest != "" && want.Digest == digest) || (want.Digest == "" && want.Tag == tag) {
					g, err := verifyManifest(aws.ToString(im.ImageManifest), aws.ToString(im.ImageManifestMediaType), digest)
					if err != nil {
						errs[key] = err
						continue
					}
					out[key] = g
				}
			}
		}
		for _, key := range batch {
			if _, ok := out[key]; !ok && errs[key] == nil {
				errs[key] = errors.New("BatchGetImage answered neither the image nor a failure for it")
			}
		}
	}
	return out, errs
}

// verifyManifest checks a manifest's content against its digest and decodes it.
func verifyManifest(content, mediaType, digest string) (got, error) {
	if err := checkDigest([]byte(content), digest); err != nil {
		return got{}, fmt.Errorf("manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal([]byte(content), &m); err != nil {
		return got{}, fmt.Errorf("manifest %s: %v", digest, err)
	}
	if mediaType == "" {
		mediaType = m.MediaType
	}
	if mediaType == "" && len(m.Manifests) > 0 {
		mediaType = mediaOCIIndex
	} else if mediaType == "" {
		mediaType = mediaOCIManifest
	}
	return got{digest: digest, mediaType: mediaType, m: m}, nil
}

// checkDigest checks that content's sha256 is digest ("sha256:HEX").
func checkDigest(content []byte, digest string) error {
	want, ok := strings.CutPrefix(digest, "sha256:")
	if !ok {
		return fmt.Errorf("digest %q is not a sha256 digest", digest)
	}
	sum := sha256.Sum256(content)
	if hex.EncodeToString(sum[:]) != strings.ToLower(want) {
		return fmt.Errorf("the content read does not match its digest %s (sha256:%s): not trusted", digest, hex.EncodeToString(sum[:]))
	}
	return nil
}

// imageConfigBlob is what is read of an image configuration (the OCI image config).
type imageConfigBlob struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Config       struct {
		User       string              `json:"User"`
		WorkingDir string              `json:"WorkingDir"`
		Volumes    map[string]struct{} `json:"Volumes"`
	} `json:"config"`
}

func (b imageConfigBlob) toImageConfig(ref, digest string) detect.ImageConfig {
	vols := make([]string, 0, len(b.Config.Volumes))
	for v := range b.Config.Volumes {
		vols = append(vols, v)
	}
	sort.Strings(vols)
	if len(vols) == 0 {
		vols = nil
	}
	return detect.ImageConfig{Image: ref, Digest: digest, User: b.Config.User, WorkingDir: b.Config.WorkingDir,
		Volumes: vols, OS: b.OS, Architecture: b.Architecture}
}

// config reads and verifies the configuration blob of digest: GetDownloadUrlForLayer, then a GET of the
// URL of at most MaxImageConfigBytes, whose sha256 must be digest. op names the step that failed.
func (r *imageRead) config(ctx context.Context, k repoKey, digest string) (imageConfigBlob, string, error) {
	var out *ecr.GetDownloadUrlForLayerOutput
	err := r.c.call(ctx, func(ctx context.Context) (err error) {
		out, err = r.api.GetDownloadUrlForLayer(ctx, &ecr.GetDownloadUrlForLayerInput{
			RegistryId: aws.String(k.registry), RepositoryName: aws.String(k.repository), LayerDigest: aws.String(digest)})
		return err
	})
	if err != nil {
		return imageConfigBlob{}, "GetDownloadUrlForLayer", err
	}
	body, err := r.get(ctx, aws.ToString(out.DownloadUrl))
	if err != nil {
		return imageConfigBlob{}, "GET configuration", fmt.Errorf("configuration %s: %w", digest, err)
	}
	if err := checkDigest(body, digest); err != nil {
		return imageConfigBlob{}, "GET configuration", fmt.Errorf("configuration: %w", err)
	}
	var b imageConfigBlob
	if err := json.Unmarshal(body, &b); err != nil {
		return imageConfigBlob{}, "GET configuration", fmt.Errorf("configuration %s: %v", digest, err)
	}
	return b, "", nil
}

// get fetches url (never logged: a pre-signed URL carries a signature), at most MaxImageConfigBytes.
func (r *imageRead) get(ctx context.Context, url string) ([]byte, error) {
	if url == "" {
		return nil, errors.New("GetDownloadUrlForLayer answered no URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, errors.New("the download URL is not valid")
	}
	var body []byte
	err = r.c.call(ctx, func(context.Context) error {
		resp, err := r.http.Do(req)
		if err != nil {
			return errors.New("the download failed")
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("the download answered HTTP %d", resp.StatusCode)
		}
		body, err = io.ReadAll(io.LimitReader(resp.Body, MaxImageConfigBytes+1))
		if err != nil {
			return errors.New("the download was cut short")
		}
		if len(body) > MaxImageConfigBytes {
			return fmt.Errorf("the configuration is larger than %d bytes", MaxImageConfigBytes)
		}
		return nil
	})
	return bytes.Clone(body), err
}

// images reads the configurations of the images the region's revisions name that are in the scanned
// account's registry in this region. An image that cannot be read stays unknown: it is logged, never a
// read error of the scan (a caller without the ECR permissions still gets a complete scan).
func (r *regionScan) images(ctx context.Context, tds []detect.TaskDefinition) {
	if r.c.ecr == nil || ctx.Err() != nil {
		return
	}
	wants := ImageWants(tds, "", r.region)
	if len(wants) == 0 {
		return
	}
	got, failures := readImages(ctx, r.lane, r.c.ecr, r.c.http, wants)
	r.s.add(len(got), func(in *detect.Inventory) {
		if in.Images == nil {
			in.Images = map[string]detect.ImageConfig{}
		}
		for ref, c := range got {
			in.Images[ref] = c
		}
	})
	log := r.s.opts.Log
	if log == nil || ctx.Err() != nil {
		return
	}
	for _, f := range failures {
		why := f.Message
		if f.Denied {
			why = "access denied (" + f.Message + "): grant ecr:BatchGetImage and ecr:GetDownloadUrlForLayer to read image configurations"
		}
		log.Warn("image configuration unknown", slog.String("image", f.Ref), slog.String("region", r.region),
			slog.String("operation", f.Op), slog.String("reason", why))
	}
}
