package fix

// The source revision of a registration, read at apply time, holds a field this build's SDK does not know
// (AWS added it after the plan was made): the registration would lose it, so the apply is refused before
// anything is written. AWS adding a field cannot be emulated: a transport adds members to the emulator's
// real DescribeTaskDefinition responses.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/plan"
)

// addFutureField is a transport adding a member, holding the planted secret, to the task definition of
// every DescribeTaskDefinition response.
type addFutureField struct{ base http.RoundTripper }

func (f addFutureField) RoundTrip(req *http.Request) (*http.Response, error) {
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
	doc["taskDefinition"].(map[string]any)["futureField"] = map[string]any{"value": planted}
	if body, err = json.Marshal(doc); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	resp.Header.Del("X-Amz-Crc32")
	return resp, nil
}

func TestApplyRefusesSourceWithUnknownFields(t *testing.T) {
	t.Parallel()
	e := seed(t)
	p := e.makePlan(t)
	revsBefore := len(e.webRevisions(t))

	future := e.cfg
	base := http.DefaultTransport
	if c, ok := e.cfg.HTTPClient.(*http.Client); ok && c.Transport != nil {
		base = c.Transport
	}
	future.HTTPClient = &http.Client{Transport: addFutureField{base}}

	var out bytes.Buffer
	o := opts(t, &out)
	rep, err := Apply(context.Background(), future, p, o)
	var ue *plan.UnknownFieldsError
	if !errors.As(err, &ue) || ue.Action != "a1" || !strings.Contains(err.Error(), "would lose taskDefinition.futureField; update ecsfix") {
		t.Fatalf("err = %v, want a refusal of a1 naming the field\n%s", err, out.String())
	}
	if errors.Is(err, ErrInvalidPlan) || strings.Contains(err.Error(), "plan is invalid") {
		t.Errorf("the refusal blames the plan: %v", err)
	}
	if rep != nil && len(writes(rep.Calls)) != 0 {
		t.Errorf("the refused apply wrote %v", writes(rep.Calls))
	}
	if got := len(e.webRevisions(t)); got != revsBefore {
		t.Errorf("%d revisions of web after the refusal, want %d", got, revsBefore)
	}
	if got := aws.ToString(e.service(t, "web").TaskDefinition); got != e.webRevs[0] {
		t.Errorf("service web runs %s after the refusal", got)
	}
	if containerInsights(e.clusterState(t)) == "enabled" {
		t.Error("the cluster was changed")
	}
	noSecret(t, "the refusal", err.Error(), out.String())

	// The control: the same plan, the responses as the emulator sends them, is applied.
	out.Reset()
	if _, err := Apply(context.Background(), e.cfg, p, opts(t, &out)); err != nil {
		t.Fatalf("the same plan without the field: %v\n%s", err, out.String())
	}
	if got := len(e.webRevisions(t)); got != revsBefore+1 {
		t.Errorf("%d revisions of web after the apply, want %d", got, revsBefore+1)
	}
}
