// This file holds the throttle and latency model: a moto server whose launcher puts AWS's token buckets,
// a fixed latency and persistent server errors in front of moto (ECSFIX_MOTO_MODEL, see the launcher).

package mototest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ModelEnv is the launcher's environment variable holding the model (JSON).
const ModelEnv = "ECSFIX_MOTO_MODEL"

// Bucket is one token bucket of the model: the requests of Service's Actions (all its other operations
// when Actions is empty) share Burst tokens, refilled at Rate a second, in each account and region (in
// each account when Global). Services and operations are named as awsclient's call counter names them
// ("ecs", "DescribeServices"; "elbv2"; "cloudwatchlogs").
type Bucket struct {
	Service string
	Group   string
	Actions []string
	Burst   float64
	Rate    float64
	Global  bool
	// PerAction gives each operation of the group a bucket of its own with these numbers (EC2).
	PerAction bool
}

// BucketsOf converts a table of quotas ([]awsclient.Quota: awsclient.DefaultQuotas) into the model's
// buckets, field by field by name. mototest cannot import awsclient, whose tests import mototest.
func BucketsOf(quotas any) []Bucket {
	raw, err := json.Marshal(quotas)
	if err != nil {
		panic(fmt.Sprintf("mototest: BucketsOf: %v", err))
	}
	var out []Bucket
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("mototest: BucketsOf(%T): %v", quotas, err))
	}
	return out
}

// Model is what the launcher puts in front of moto. The zero Model serves moto as is (but counts).
type Model struct {
	// Quotas are the token buckets enforced: a request whose bucket is empty is answered with the
	// service's throttling error (ThrottlingException for JSON protocols, RequestLimitExceeded for EC2,
	// Throttling for IAM, STS, Elastic Load Balancing and Auto Scaling) and never reaches moto.
	Quotas []Bucket
	// Latency delays every answer (the server serves requests concurrently).
	Latency time.Duration
	// Fail lists operations ("ecs:DescribeServices") answered with a 500 error always.
	Fail []string
}

func (m Model) json() string {
	// A Bucket's fields are the launcher's names for them.
	spec := struct {
		LatencyMS float64  `json:"latency_ms"`
		Fail      []string `json:"fail"`
		Quotas    []Bucket `json:"quotas"`
	}{LatencyMS: float64(m.Latency) / float64(time.Millisecond), Fail: slices.Clone(m.Fail), Quotas: m.Quotas}
	raw, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// The modelled servers, one per distinct model, started on first use and stopped by Main.
var (
	modelMu      sync.Mutex
	modelServers = map[string]*modelServer{}
)

type modelServer struct {
	srv *Server
	err error
}

// Modelled returns an SDK config, in a fresh account (unless Account is given), pointed at a moto server
// that serves requests through model (see Model). Servers are shared by the tests that use the same
// model; each is started on first use and stopped by Main. It skips or fails t like Config when moto is
// unavailable. Seed an estate through Bypass(cfg), so that seeding is neither delayed, throttled nor
// counted; ResetModel refills the account's buckets and zeroes its counts.
func Modelled(t testing.TB, model Model, opts ...Option) aws.Config {
	t.Helper()
	server(t) // skip or fail as Config does when moto is unavailable
	spec := model.json()
	modelMu.Lock()
	ms := modelServers[spec]
	if ms == nil {
		ms = &modelServer{}
		ms.srv, ms.err = Start(ModelEnv + "=" + spec)
		modelServers[spec] = ms
	}
	modelMu.Unlock()
	if ms.err != nil {
		t.Fatalf("mototest: start a modelled moto server: %v", ms.err)
	}
	o := options{}
	for _, f := range opts {
		f(&o)
	}
	if o.account == "" {
		o.account = NewAccountID()
	}
	return configFor(ms.srv.URL, o)
}

// stopModelled stops the modelled servers (Main).
func stopModelled() {
	modelMu.Lock()
	defer modelMu.Unlock()
	for spec, ms := range modelServers {
		if ms.srv != nil {
			ms.srv.Stop()
		}
		delete(modelServers, spec)
	}
}

// Bypass returns a copy of cfg whose requests the model lets through untouched and uncounted (to seed an
// estate on a modelled server).
func Bypass(cfg aws.Config) aws.Config {
	out := cfg.Copy()
	out.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...),
		smithyhttp.AddHeaderValue("x-ecsfix-model-bypass", "1"))
	return out
}

// Traffic is what a modelled server saw of one account's requests (every attempt, the bypassed ones
// excepted).
type Traffic struct {
	Requests  int `json:"requests"`
	Throttled int `json:"throttled"`
	// Failed counts the requests answered 500 by Model.Fail.
	Failed int `json:"failed"`
	// MaxInFlight is the most requests the server was answering at once (its latency included).
	MaxInFlight int `json:"max_in_flight"`
	// PerOperation and ThrottledPerOperation count by "service:Operation", as awsclient's counter.
	PerOperation          map[string]int `json:"per_operation"`
	ThrottledPerOperation map[string]int `json:"throttled_per_operation"`
}

// ThrottledShare is the share of the requests answered with a throttling error.
func (tr Traffic) ThrottledShare() float64 {
	if tr.Requests == 0 {
		return 0
	}
	return float64(tr.Throttled) / float64(tr.Requests)
}

// ModelStats returns what the modelled server cfg points at saw of cfg's account.
func ModelStats(t testing.TB, cfg aws.Config) Traffic {
	t.Helper()
	var tr Traffic
	if err := modelCall(cfg, http.MethodGet, "stats", &tr); err != nil {
		t.Fatalf("mototest: model stats: %v", err)
	}
	return tr
}

// ResetModel zeroes the counts of cfg's account on the modelled server cfg points at and refills its
// buckets.
func ResetModel(t testing.TB, cfg aws.Config) {
	t.Helper()
	if err := modelCall(cfg, http.MethodPost, "reset", nil); err != nil {
		t.Fatalf("mototest: model reset: %v", err)
	}
}

func modelCall(cfg aws.Config, method, what string, out any) error {
	account := AccountID(cfg)
	if account == "" || cfg.BaseEndpoint == nil {
		return fmt.Errorf("the config is not one of mototest's")
	}
	u := aws.ToString(cfg.BaseEndpoint) + "/ecsfix-model/" + what + "?account=" + url.QueryEscape(account)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s (is the server modelled?)", method, u, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
