package live

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/mototest"
)

// tamper is a transport that serves other bytes for the configuration blob of digest: a registry (or
// anything between) answering content that is not what the manifest names.
type tamper struct {
	digest string
	next   http.RoundTripper
}

func (t tamper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || req.URL.Query().Get("digest") != t.digest {
		return resp, err
	}
	resp.Body.Close()
	body := []byte(`{"architecture":"amd64","os":"linux","config":{"User":"1000"}}`)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// A live scan reads the configurations of the images in the account's ECR: by tag and by digest (each
// distinct configuration once), a multi-platform index resolved to the task definition's platform; a
// configuration whose bytes are not its digest is not trusted, and images of other registries are not
// read. Neither is a read error.
func TestScanReadsImageConfigurations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := mototest.Config(t)
	account := mototest.AccountID(cfg)
	c := ecr.NewFromConfig(cfg)
	reg := account + ".dkr.ecr.us-east-1.amazonaws.com/"

	webCfg := []byte(`{"architecture":"amd64","os":"linux","config":{"User":"app:app","WorkingDir":"/srv","Volumes":{"/var/cache/web":{},"/data":{}}}}`)
	webDigest := mototest.PushImage(t, c, "web", "v1", webCfg)
	amd := mototest.PushImage(t, c, "multi", "", []byte(`{"architecture":"amd64","os":"linux","config":{"User":"amd"}}`))
	arm := mototest.PushImage(t, c, "multi", "", []byte(`{"architecture":"arm64","os":"linux","config":{"User":"arm"}}`))
	idx := mototest.PushIndex(t, c, "multi", "v2", map[string]string{"linux/amd64": amd, "linux/arm64": arm})
	badCfg := []byte(`{"architecture":"amd64","os":"linux","config":{"User":"root"}}`)
	mototest.PushImage(t, c, "bad", "v1", badCfg)

	e := ecs.NewFromConfig(cfg)
	register := func(family string, platform *ecstypes.RuntimePlatform, images ...string) {
		t.Helper()
		in := &ecs.RegisterTaskDefinitionInput{Family: aws.String(family), RuntimePlatform: platform}
		for i, img := range images {
			in.ContainerDefinitions = append(in.ContainerDefinitions, ecstypes.ContainerDefinition{
				Name: aws.String(string(rune('a' + i))), Image: aws.String(img), Memory: aws.Int32(128)})
		}
		if _, err := e.RegisterTaskDefinition(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	register("web", nil, reg+"web:v1", "nginx:1.27", "public.ecr.aws/nginx/nginx:1", "123456789012.dkr.ecr.us-east-1.amazonaws.com/other:v1")
	register("pinned", nil, reg+"web@"+webDigest, reg+"web:missing")
	register("arm", &ecstypes.RuntimePlatform{CpuArchitecture: ecstypes.CPUArchitectureArm64, OperatingSystemFamily: ecstypes.OSFamilyLinux}, reg+"multi:v2")
	register("bad", nil, reg+"bad:v1")

	scanCfg := cfg.Copy()
	scanCfg.HTTPClient = &http.Client{Transport: tamper{digest: mototest.Digest(badCfg), next: http.DefaultTransport}}
	var logs bytes.Buffer
	opts := motoOptions
	opts.Log = slog.New(slog.NewTextHandler(&logs, nil))
	inv, st, err := Scan(ctx, scanCfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 {
		t.Fatalf("read errors: %+v", inv.Errors)
	}
	web, ok := inv.Image(reg + "web:v1")
	if !ok || web.User != "app:app" || web.WorkingDir != "/srv" || strings.Join(web.Volumes, ",") != "/data,/var/cache/web" ||
		web.Digest != webDigest || web.OS != "linux" || web.Architecture != "amd64" {
		t.Fatalf("web:v1 = %+v (%v)", web, ok)
	}
	if pinned, ok := inv.Image(reg + "web@" + webDigest); !ok || pinned.User != "app:app" {
		t.Fatalf("web@digest = %+v (%v)", pinned, ok)
	}
	if m, ok := inv.Image(reg + "multi:v2"); !ok || m.User != "arm" || m.Architecture != "arm64" || m.Digest != idx {
		t.Fatalf("multi:v2 on ARM64 = %+v (%v), want the arm64 manifest's configuration", m, ok)
	}
	for _, ref := range []string{reg + "bad:v1", reg + "web:missing", "nginx:1.27", "public.ecr.aws/nginx/nginx:1", "123456789012.dkr.ecr.us-east-1.amazonaws.com/other:v1"} {
		if got, ok := inv.Image(ref); ok {
			t.Errorf("%s is known (%+v): it should stay unknown", ref, got)
		}
	}
	if len(inv.Images) != 3 {
		t.Errorf("images read: %d, want 3", len(inv.Images))
	}
	if !strings.Contains(logs.String(), "bad:v1") || !strings.Contains(logs.String(), "not trusted") {
		t.Errorf("the tampered configuration is not logged as untrusted:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "web:missing") || !strings.Contains(logs.String(), "ImageNotFound") {
		t.Errorf("the missing image is not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "X-Amz-") || strings.Contains(logs.String(), "ecr-layer?") {
		t.Errorf("a download URL is logged:\n%s", logs.String())
	}
	// One BatchGetImage per repository (web's tag, digest and missing tag together), one more for the
	// index's platform manifest; one GetDownloadUrlForLayer per distinct configuration.
	if n := st.PerOperation["ecr:BatchGetImage"]; n != 4 {
		t.Errorf("ecr:BatchGetImage calls: %d, want 4 (web, multi, multi's platform manifest, bad)", n)
	}
	if n := st.PerOperation["ecr:GetDownloadUrlForLayer"]; n != 3 {
		t.Errorf("ecr:GetDownloadUrlForLayer calls: %d, want 3 (web, multi arm64, bad)", n)
	}

	// A scan narrowed to one family (--findings) reads the images of the revisions it keeps, and no other.
	scoped := motoOptions
	scoped.Scope = Scope{{Region: "us-east-1"}: &Names{Families: []string{"arm"}}}
	inv, _, err = Scan(ctx, scanCfg, scoped)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := inv.Image(reg + "multi:v2"); !ok || m.User != "arm" || len(inv.Images) != 1 {
		t.Errorf("scoped scan: images %+v, want only multi:v2 (arm64)", inv.Images)
	}
}

// A caller without the ECR permissions still gets a complete scan: the images stay unknown and the log
// says why (the permissions to grant), with no read error.
func TestScanWithoutECRPermissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := mototest.IAMEnforced(t)
	account := mototest.IAMAccount
	mototest.PushImage(t, ecr.NewFromConfig(admin), "no-ecr-app", "v1", []byte(`{"architecture":"amd64","os":"linux","config":{"User":"app"}}`))
	ref := account + ".dkr.ecr.us-east-1.amazonaws.com/no-ecr-app:v1"
	if _, err := ecs.NewFromConfig(admin).RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("no-ecr-app"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(ref), Memory: aws.Int32(128)}}}); err != nil {
		t.Fatal(err)
	}
	user, _ := mototest.UserConfig(t, admin, "ecsfix-scan-without-ecr",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:*","ec2:Describe*","elasticloadbalancing:Describe*","iam:Get*","iam:List*"],"Resource":"*"}]}`)
	var logs bytes.Buffer
	opts := motoOptions
	opts.Log = slog.New(slog.NewTextHandler(&logs, nil))
	inv, _, err := Scan(ctx, user, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("read errors: %+v", inv.Errors)
	}
	if _, ok := inv.TaskDefinition("arn:aws:ecs:us-east-1:" + account + ":task-definition/no-ecr-app:1"); !ok {
		t.Errorf("the task definition was not read: %d read, region %s, account %s", len(inv.TaskDefinitions), user.Region, account)
		for _, td := range inv.TaskDefinitions {
			t.Log(td.ARN())
		}
	}
	if got, ok := inv.Image(ref); ok {
		t.Errorf("image read without the permission: %+v", got)
	}
	if !strings.Contains(logs.String(), "no-ecr-app:v1") || !strings.Contains(logs.String(), "grant ecr:BatchGetImage and ecr:GetDownloadUrlForLayer") {
		t.Errorf("the log does not say why the image is unknown:\n%s", logs.String())
	}
}
