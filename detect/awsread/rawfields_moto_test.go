package awsread

// DescribeTaskDefinition on the emulator: the raw response read alongside the SDK's decoding, in the same
// call. The emulator answers with what it stores, all of it known to the SDK; a field AWS may add later
// cannot be emulated, so a transport wrapper adds members to the emulator's real response body.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/plan"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// futureFields is a transport that adds members to every DescribeTaskDefinition response body (as AWS
// would after adding a field this build's SDK does not know) and counts the requests.
type futureFields struct {
	base     http.RoundTripper
	add      func(doc map[string]any)
	mu       sync.Mutex
	requests int
}

func (f *futureFields) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".DescribeTaskDefinition") {
		return resp, err
	}
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if f.add != nil && resp.StatusCode == http.StatusOK {
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			return nil, err
		}
		f.add(doc)
		if body, err = json.Marshal(doc); err != nil {
			return nil, err
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	resp.Header.Del("X-Amz-Crc32") // the emulator's checksum is of the body it sent
	return resp, nil
}

// addFuture adds, to a response, members of the task definition, of its first container and of its
// first tag, each holding the secret value.
func addFuture(doc map[string]any) {
	td := doc["taskDefinition"].(map[string]any)
	td["futureTaskField"] = map[string]any{"mode": secretValue}
	c := td["containerDefinitions"].([]any)[0].(map[string]any)
	c["futureContainerField"] = secretValue
	if tags, ok := doc["tags"].([]any); ok && len(tags) > 0 {
		tags[0].(map[string]any)["futureTag"] = secretValue
	}
}

// withTransport returns cfg sending its requests through f.
func withTransport(cfg aws.Config, f *futureFields) aws.Config {
	base := http.DefaultTransport
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c.Transport != nil {
		base = c.Transport
	}
	f.base = base
	cfg.HTTPClient = &http.Client{Transport: f}
	return cfg
}

// registerTestdata registers, in the emulator, every task definition of the repository's test data (with
// a secret value in the first container's environment); it returns their ARNs.
func registerTestdata(t *testing.T, api *ecs.Client) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "demo", "ecs", "task-definitions", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test data: %v", err)
	}
	var arns []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var out ecs.DescribeTaskDefinitionOutput
		if err := awsjson.Unmarshal(f, data, &out); err != nil {
			t.Fatal(err)
		}
		in := plan.RegisterInput(&detect.TaskDefinition{TaskDefinition: *out.TaskDefinition, Tags: out.Tags})
		in.ContainerDefinitions[0].Environment = append(in.ContainerDefinitions[0].Environment,
			ecstypes.KeyValuePair{Name: aws.String("DB_PASSWORD"), Value: aws.String(secretValue)})
		reg, err := api.RegisterTaskDefinition(context.Background(), in)
		if err != nil {
			t.Fatalf("register %s: %v", f, err)
		}
		arns = append(arns, aws.ToString(reg.TaskDefinition.TaskDefinitionArn))
	}
	return arns
}

func TestDescribeTaskDefinitionRawFieldsMoto(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t, mototest.MaxAttempts(2))
	arns := registerTestdata(t, ecs.NewFromConfig(cfg))
	ctx := context.Background()

	// As the emulator answers: every member known, in every revision of the test data.
	plain := &futureFields{}
	plainAPI := ecs.NewFromConfig(withTransport(cfg, plain))
	decoded := map[string]ecstypes.TaskDefinition{}
	for _, arn := range arns {
		td, err := DescribeTaskDefinition(ctx, plainAPI, arn)
		if err != nil {
			t.Fatal(err)
		}
		if len(td.UnknownFields) != 0 {
			t.Errorf("%s: unknown fields %q in the emulator's own answer", arn, td.UnknownFields)
		}
		if len(td.TaskDefinition.ContainerDefinitions) == 0 || len(td.Tags) == 0 && strings.Contains(arn, "web") {
			t.Errorf("%s: decoded %d containers, %d tags", arn, len(td.TaskDefinition.ContainerDefinitions), len(td.Tags))
		}
		decoded[arn] = td.TaskDefinition
	}
	if plain.requests != len(arns) {
		t.Errorf("%d requests for %d describes: the raw response must be read from the same call", plain.requests, len(arns))
	}

	// With members AWS may add: named by path, the SDK's decoding unchanged, no value kept.
	future := &futureFields{add: addFuture}
	futureAPI := ecs.NewFromConfig(withTransport(cfg, future))
	for _, arn := range arns {
		td, err := DescribeTaskDefinition(ctx, futureAPI, arn)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if len(td.Tags) > 0 {
			want = append(want, "tags[0].futureTag")
		}
		want = append(want, "taskDefinition.containerDefinitions[0].futureContainerField", "taskDefinition.futureTaskField")
		got := slices.Sorted(slices.Values(td.UnknownFields))
		if !slices.Equal(got, want) {
			t.Errorf("%s: unknown fields %q, want %q", arn, got, want)
		}
		if !reflect.DeepEqual(td.TaskDefinition, decoded[arn]) {
			t.Errorf("%s: the SDK's decoding differs with the added members", arn)
		}
		if s := fmt.Sprintf("%#v", td.UnknownFields); strings.Contains(s, secretValue) {
			t.Errorf("%s: a value is kept: %s", arn, s)
		}
	}
	if future.requests != len(arns) {
		t.Errorf("%d requests for %d describes", future.requests, len(arns))
	}

	// LatestActive describes through DescribeTaskDefinition: the family's latest carries them too.
	fam := decoded[arns[0]].Family
	lt, err := LatestActive(ctx, futureAPI, aws.ToString(fam), LatestOptions{})
	if err != nil || lt == nil || len(lt.UnknownFields) < 2 {
		t.Errorf("LatestActive: %v, %v", lt, err)
	}
}

// A client shared by concurrent describes, with other API options of its own: each call's capture is its
// own, and the client's options are not changed by it.
func TestDescribeTaskDefinitionCaptureConcurrentMoto(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t, mototest.MaxAttempts(2))
	arns := registerTestdata(t, ecs.NewFromConfig(cfg))
	n := 0
	future := &futureFields{add: func(doc map[string]any) {
		td := doc["taskDefinition"].(map[string]any)
		td["future_"+td["family"].(string)] = 1
	}}
	api := ecs.NewFromConfig(withTransport(cfg, future))
	before := len(api.Options().APIOptions)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for round := 0; round < 3; round++ {
		for _, arn := range arns {
			wg.Go(func() {
				td, err := DescribeTaskDefinition(context.Background(), api, arn)
				mu.Lock()
				defer mu.Unlock()
				n++
				if err != nil {
					t.Error(err)
					return
				}
				if want := []string{"taskDefinition.future_" + aws.ToString(td.Family)}; !slices.Equal(td.UnknownFields, want) {
					t.Errorf("%s: %q, want %q", arn, td.UnknownFields, want)
				}
			})
		}
	}
	wg.Wait()
	if after := len(api.Options().APIOptions); after != before || n != 3*len(arns) {
		t.Errorf("client API options %d → %d; %d describes", before, after, n)
	}
}
