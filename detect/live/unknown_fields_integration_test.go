package live

// A live scan records, for each task definition, the members of its DescribeTaskDefinition response that
// this build's SDK does not know (detect.TaskDefinition.UnknownFields), and still evaluates it. AWS adding a
// field cannot be emulated: a transport adds one to the emulator's real responses.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/mototest"
)

const futureValue = "FutureS3cretValue-77"

// futureMember adds a member to the first container of every DescribeTaskDefinition response of family
// "future".
type futureMember struct{ base http.RoundTripper }

func (f futureMember) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".DescribeTaskDefinition") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	if td := doc["taskDefinition"].(map[string]any); td["family"] == "future" {
		td["containerDefinitions"].([]any)[0].(map[string]any)["futureMember"] = futureValue
	}
	if body, err = json.Marshal(doc); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	resp.Header.Del("X-Amz-Crc32")
	return resp, nil
}

func TestScanMotoUnknownFields(t *testing.T) {
	t.Parallel()
	cfg := mototest.Config(t)
	api := ecs.NewFromConfig(cfg)
	for _, fam := range []string{"future", "plain"} {
		if _, err := api.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
			Family: aws.String(fam), ContainerDefinitions: []ecstypes.ContainerDefinition{{
				Name: aws.String("app"), Image: aws.String("app:1"), Memory: aws.Int32(256), Privileged: aws.Bool(true),
				Environment: []ecstypes.KeyValuePair{{Name: aws.String("TOKEN"), Value: aws.String(futureValue)}},
			}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	base := http.DefaultTransport
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c.Transport != nil {
		base = c.Transport
	}
	cfg.HTTPClient = &http.Client{Transport: futureMember{base}}

	inv, _, err := Scan(context.Background(), cfg, motoOptions)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, td := range inv.TaskDefinitions {
		got[aws.ToString(td.Family)] = td.UnknownFields
	}
	if want := []string{"taskDefinition.containerDefinitions[0].futureMember"}; !slices.Equal(got["future"], want) || len(got["plain"]) != 0 || len(got) != 2 {
		t.Errorf("unknown fields by family %q, want future: %q, plain: none", got, want)
	}
	// Still evaluated: the privileged container fails ECS.4 in both.
	failed := 0
	for _, r := range detect.Evaluate(inv, &detect.Settings{}) {
		if r.Control == "ECS.4" && r.Status == detect.Failed {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("ECS.4 failed on %d revisions, want 2", failed)
	}
}
