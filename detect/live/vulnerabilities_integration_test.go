package live

// A live scan reads the Amazon Inspector findings of the ECR images the services run (DescribeImages to
// the digest, ListFindings by repository and digests), and ECR basic scanning's when Inspector is denied;
// the vulnerabilities trait reports them. The findings are seeded in the emulator (the launcher's
// mend_inspector2_list_findings); images are pushed with PutImage.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

// pushImage creates the repository if needed and pushes a small manifest under tag; it returns the
// image's digest. moto derives the digest from the layers' digests (AWS: from the manifest), so each
// image gets a layer of its own.
func pushImage(t *testing.T, cfg aws.Config, repo, tag string) string {
	t.Helper()
	ctx := context.Background()
	c := ecr.NewFromConfig(cfg)
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo)}); err != nil && !strings.Contains(err.Error(), "RepositoryAlreadyExists") {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(repo + ":" + tag))
	layer := "sha256:" + hex.EncodeToString(sum[:])
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"` + layer + `"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":100,"digest":"` + layer + `"}]}`
	out, err := c.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String(repo), ImageTag: aws.String(tag), ImageManifest: aws.String(manifest)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Image.ImageId.ImageDigest)
}

// runService registers a revision with the given images and runs a service on it.
func runService(t *testing.T, cfg aws.Config, name string, images ...string) {
	t.Helper()
	ctx := context.Background()
	api := ecs.NewFromConfig(cfg)
	if _, err := api.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	var cs []ecstypes.ContainerDefinition
	for i, img := range images {
		cs = append(cs, ecstypes.ContainerDefinition{Name: aws.String(fmt.Sprintf("c%d", i)), Image: aws.String(img), Memory: aws.Int32(256)})
	}
	td, err := api.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(name), ContainerDefinitions: cs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(name), ServiceName: aws.String(name),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
}

func vulnResult(t *testing.T, inv *detect.Inventory) detect.Result {
	t.Helper()
	for _, r := range detect.Evaluate(inv, &detect.Settings{Controls: []string{detect.ExposureVulnerabilitiesID}}) {
		return r
	}
	t.Fatal("no vulnerabilities result")
	return detect.Result{}
}

func TestScanMotoVulnerabilities(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	account := mototest.AccountID(cfg)
	d10 := pushImage(t, cfg, "shop/app", "1.0")
	d11 := pushImage(t, cfg, "shop/app", "1.1")
	ref := account + ".dkr.ecr." + cfg.Region + ".amazonaws.com/shop/app:1.0"
	runService(t, cfg, "shop", ref, "nginx:1.27")
	mototest.SeedInspectorFindings(t, cfg,
		mototest.ImageFinding{Repository: "shop/app", Digest: d10, Tags: []string{"1.0"}, Severity: "CRITICAL", CVE: "CVE-2024-0001", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Exploit: true, Fix: true},
		mototest.ImageFinding{Repository: "shop/app", Digest: d10, Tags: []string{"1.0"}, Severity: "LOW", CVE: "CVE-2024-0002", Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", Fix: true},
		mototest.ImageFinding{Repository: "shop/app", Digest: d10, Severity: "HIGH", CVE: "CVE-2024-0003", Status: "SUPPRESSED"},
		mototest.ImageFinding{Repository: "shop/app", Digest: d11, Tags: []string{"1.1"}, Severity: "HIGH", CVE: "CVE-2024-0004"},
	)

	inv, _, err := Scan(context.Background(), cfg, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) > 0 {
		t.Fatalf("read errors: %v", inv.Errors)
	}
	v, ok := inv.Vulnerabilities[ref]
	if !ok || len(inv.Vulnerabilities) != 1 {
		t.Fatalf("vulnerabilities = %+v, want only %s", inv.Vulnerabilities, ref)
	}
	if v.Source != detect.VulnSourceInspector || v.Digest != d10 || v.Repository != "shop/app" || v.Registry != account || v.PushedAt.IsZero() ||
		v.Counts["CRITICAL"] != 1 || v.Counts["LOW"] != 1 || v.Total() != 2 || v.NetworkExploitable != 1 || v.ExploitAvailable != 1 || v.FixAvailable != 2 ||
		strings.Join(v.Vulnerabilities, ",") != "CVE-2024-0001" || v.Unknown != "" {
		t.Errorf("image %s read as %+v", ref, v)
	}
	r := vulnResult(t, inv)
	for _, want := range []string{"1 CRITICAL, 1 LOW", "1 network-exploitable, 1 with a known exploit, 2 with a fix", "rebuild image " + ref + " (CVE-2024-0001)", "image nginx:1.27 is not in a private ECR registry"} {
		if r.Status != detect.Failed || !strings.Contains(r.Reason, want) {
			t.Errorf("result %s %q lacks %q", r.Status, r.Reason, want)
		}
	}
}

// Inspector denied: the image's ECR basic scan is read instead, and the trait says so. moto answers a
// scanned image's findings with its static result (CVE-9999-9999, HIGH, CVSS2 AV:N).
func TestScanMotoVulnerabilitiesBasicScanFallback(t *testing.T) {
	admin := mototest.IAMEnforced(t)
	repo := "fallback/" + strings.ToLower(mototest.NewAccountID())
	d := pushImage(t, admin, repo, "2.0")
	repos, err := ecr.NewFromConfig(admin).DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{repo}})
	if err != nil || len(repos.Repositories) != 1 {
		t.Fatalf("DescribeRepositories: %v %v", repos, err)
	}
	account := aws.ToString(repos.Repositories[0].RegistryId)
	if _, err := ecr.NewFromConfig(admin).StartImageScan(context.Background(), &ecr.StartImageScanInput{RepositoryName: aws.String(repo), ImageId: &ecrtypes.ImageIdentifier{ImageDigest: aws.String(d)}}); err != nil {
		t.Fatal(err)
	}
	ref := account + ".dkr.ecr." + admin.Region + ".amazonaws.com/" + repo + ":2.0"
	name := "fb" + mototest.NewAccountID()
	runService(t, admin, name, ref)
	user, _ := mototest.UserConfig(t, admin, "no-inspector-"+name, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"inspector2:*","Resource":"*"}]}`)

	inv, _, err := Scan(context.Background(), user, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := inv.Vulnerabilities[ref]
	if !ok || v.Source != detect.VulnSourceECRBasic || v.Digest != d || v.Counts["HIGH"] != 1 || v.Total() != 1 || v.NetworkExploitable != 1 || v.Unknown != "" {
		t.Fatalf("image %s read as %+v (present %v)", ref, v, ok)
	}
	var r detect.Result
	for _, x := range detect.Evaluate(inv, &detect.Settings{Controls: []string{detect.ExposureVulnerabilitiesID}}) {
		if strings.HasSuffix(x.ResourceArn, "/"+name) {
			r = x
		}
	}
	if r.Status != detect.Failed || !strings.Contains(r.Reason, "ECR basic scanning; Amazon Inspector was not available") || !strings.Contains(r.Reason, "1 HIGH") {
		t.Errorf("result %s %q", r.Status, r.Reason)
	}
}

// imageConfig is a small image configuration of platform os/arch; label makes it (and its image) unique.
func imageConfig(os, arch, label string) []byte {
	return []byte(`{"architecture":"` + arch + `","os":"` + os + `","config":{"Labels":{"build":"` + label + `"}},"rootfs":{"type":"layers","diff_ids":[]}}`)
}

// The newer images a vulnerable image may move to are the tagged container images of its repository, each
// read (manifest, index, configuration) for the platform the service's revision runs on (linux/amd64): an
// untagged per-platform manifest is not one, an arm64 image and an artifact are read not to serve it, an
// index naming an amd64 manifest does.
func TestScanMotoVulnerabilityCandidatesPlatform(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	account := mototest.AccountID(cfg)
	c := ecr.NewFromConfig(cfg)
	repo := "cand/" + strings.ToLower(mototest.NewAccountID())
	src := mototest.PushImage(t, c, repo, "1.0", imageConfig("linux", "amd64", "1.0"))
	time.Sleep(1100 * time.Millisecond) // moto's push times are whole seconds
	amd := mototest.PushImage(t, c, repo, "1.1", imageConfig("linux", "amd64", "1.1"))
	arm := mototest.PushImage(t, c, repo, "1.1-arm64", imageConfig("linux", "arm64", "1.1"))
	untagged := mototest.PushImage(t, c, repo, "", imageConfig("linux", "amd64", "1.2"))
	armOnly := mototest.PushImage(t, c, repo, "", imageConfig("linux", "arm64", "1.2"))
	index := mototest.PushIndex(t, c, repo, "1.2", map[string]string{"linux/amd64": untagged, "linux/arm64": armOnly})
	armIndex := mototest.PushIndex(t, c, repo, "1.2-arm64", map[string]string{"linux/arm64": armOnly})
	chartCfg := []byte(`{"name":"shop","version":"1.2.0"}`)
	chartDigest := mototest.PushBlob(t, c, repo, chartCfg)
	chart, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.cncf.helm.config.v1+json", "size": len(chartCfg), "digest": chartDigest}, "layers": []any{}})
	chartImage := mototest.PutManifest(t, c, repo, "chart-1.2", "application/vnd.oci.image.manifest.v1+json", chart)
	ref := account + ".dkr.ecr." + cfg.Region + ".amazonaws.com/" + repo + ":1.0"
	runService(t, cfg, "cand"+mototest.NewAccountID(), ref)
	mototest.SeedInspectorFindings(t, cfg, mototest.ImageFinding{Repository: repo, Digest: src, Tags: []string{"1.0"}, Severity: "CRITICAL", CVE: "CVE-2024-0001"})

	inv, _, err := Scan(context.Background(), cfg, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	v := inv.Vulnerabilities[ref]
	got := map[string]detect.ImageCandidate{}
	for _, x := range v.Newer {
		got[x.Digest] = x
	}
	if _, ok := got[untagged]; ok || len(got) != 5 {
		t.Errorf("candidates %+v: want the 5 tagged images, not the untagged manifests", v.Newer)
	}
	serves := func(d string) bool { return got[d].Unfit("linux/amd64") == "" }
	if !serves(amd) || !serves(index) || serves(arm) || serves(armIndex) || serves(chartImage) {
		t.Errorf("serving linux/amd64: 1.1 %v, index %v, arm64 %v, arm64 index %v, chart %v; candidates %+v",
			serves(amd), serves(index), serves(arm), serves(armIndex), serves(chartImage), v.Newer)
	}
	if w := got[arm].PlatformWhy; !strings.Contains(w, "its configuration is for linux/arm64") {
		t.Errorf("arm64 image: why %q", w)
	}
	if w := got[armIndex].PlatformWhy; !strings.Contains(w, "names no manifest for linux/amd64") {
		t.Errorf("arm64 index: why %q", w)
	}
	if m := got[index].MediaType; m != mototest.MediaOCIIndex {
		t.Errorf("index media type %q", m)
	}
}
