package plan

// The parallel renderings, the streamed canonical form and the direct generic-JSON encoder against the
// code they replace (render_reference_test.go), byte for byte, on the fixtures, the demo snapshot's plan,
// the plans the remedy pins record, generated variants of them, and the plans of large generated
// snapshots (BenchmarkOffline10k's 10,000 task definitions among them).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsclient"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// largePlans are the plans of snapshottest.WriteLarge snapshots, by number of families (4 revisions each),
// built once per test binary.
var largePlans struct {
	sync.Mutex
	m map[int]*Plan
}

// largePlan is the plan of a snapshottest.WriteLarge snapshot of families × 4 revisions (2,500: the
// 10,000 task definitions of BenchmarkOffline10k), planned as the cli plans it (detect.Evaluate, Build).
func largePlan(tb testing.TB, families int) *Plan {
	tb.Helper()
	largePlans.Lock()
	defer largePlans.Unlock()
	if p, ok := largePlans.m[families]; ok {
		return p
	}
	dir := tb.TempDir()
	snapshottest.WriteLarge(tb, dir, families, 4)
	in, err := snapshot.Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := Build(in, detect.Evaluate(in, bSettings()), bOptions())
	if err != nil {
		tb.Fatal(err)
	}
	if len(p.Actions) < families {
		tb.Fatalf("the plan of %d families has %d actions", families, len(p.Actions))
	}
	if largePlans.m == nil {
		largePlans.m = map[int]*Plan{}
	}
	largePlans.m[families] = p
	return p
}

// pinPlans are the plans the remedy pins (testdata/pins) record, rebuilt from their "path=value" lines
// (remedyFlat): every change kind the planner makes, as the planner makes it. A registration's before
// is not pinned: it is its after with the edited fields dropped, so that its diff shows something.
func pinPlans(t *testing.T) []*Plan {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "pins", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var plans []*Plan
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc := map[string]any{}
		ok := true
		for _, line := range strings.Split(strings.Trim(string(raw), "\n"), "\n") {
			path, value, found := strings.Cut(line, "=")
			var v any
			if !found || json.Unmarshal([]byte(value), &v) != nil || !setFlat(doc, path, v) {
				ok = false
				break
			}
		}
		if !ok {
			continue // a path this simple reader does not parse (a key with "." or "[")
		}
		acts, _ := doc["actions"].([]any)
		for _, a := range acts {
			am, _ := a.(map[string]any)
			if r, ok := am["registerTaskDefinition"].(map[string]any); ok {
				after, _ := json.Marshal(r["after"])
				r["after"] = string(after)
				before := map[string]any{}
				_ = json.Unmarshal(after, &before)
				delete(before, "containerDefinitions")
				b, _ := json.Marshal(before)
				r["before"] = string(b)
			}
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		p := renderFixture(t)
		p.Actions, p.Skipped = nil, nil
		if err := json.Unmarshal(b, p); err != nil {
			continue
		}
		plans = append(plans, p)
	}
	if len(plans) < len(files)/2 {
		t.Fatalf("rebuilt %d plans of %d pins", len(plans), len(files))
	}
	return plans
}

var (
	flatStep  = regexp.MustCompile(`^([^.\[\]]+)((?:\[\d+\])*)`)
	flatIndex = regexp.MustCompile(`\d+`)
)

// setFlat sets the leaf a remedyFlat path names in doc (objects and arrays made as needed).
func setFlat(doc map[string]any, path string, v any) bool {
	var cur any = doc
	for path != "" {
		m := flatStep.FindStringSubmatch(path)
		if m == nil {
			return false
		}
		path = strings.TrimPrefix(path[len(m[0]):], ".")
		obj, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		key := m[1]
		steps := flatIndex.FindAllString(m[2], -1)
		if len(steps) == 0 {
			if path == "" {
				obj[key] = v
				return true
			}
			if _, ok := obj[key]; !ok {
				obj[key] = map[string]any{}
			}
			cur = obj[key]
			continue
		}
		// one level of list (remedyFlat's plans have no list of lists)
		if len(steps) != 1 {
			return false
		}
		i, _ := strconv.Atoi(steps[0])
		list, _ := obj[key].([]any)
		for len(list) <= i {
			list = append(list, nil)
		}
		obj[key] = list
		if path == "" {
			list[i] = v
			return true
		}
		if list[i] == nil {
			list[i] = map[string]any{}
		}
		cur = list[i]
	}
	return false
}

// comparedPlans are the plans the tests below render both ways.
func comparedPlans(t *testing.T) map[string]*Plan {
	t.Helper()
	plans := map[string]*Plan{"fixture": renderFixture(t), "empty": emptyFixture()}
	noApprovals := renderFixture(t)
	noApprovals.Approvals = nil
	plans["fixture without approvals"] = noApprovals
	nilLists := renderFixture(t)
	for i := range nilLists.Actions {
		a := &nilLists.Actions[i]
		a.Controls, a.Findings, a.Notes, a.Preconditions, a.DependsOn = nil, nil, nil, nil, nil
		if r := a.RegisterTaskDefinition; r != nil {
			r.Edits, r.Masked, r.SecretRefs = nil, nil, nil
		}
		if u := a.UpdateClusterSettings; u != nil {
			u.Before, u.After = nil, nil
		}
	}
	nilLists.State, nilLists.Skipped = nil, nil
	plans["fixture with absent lists"] = nilLists
	in, err := snapshot.Load(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	plans["demo"] = buildPlan(t, in, bOptions())
	capacity := emptyFixture()
	capacity.Actions = []Action{groupAction(), providerAction("a1")}
	plans["capacity provider"] = capacity
	for i, p := range pinPlans(t) {
		plans[fmt.Sprintf("pin %d", i)] = p
	}
	// generated: the fixture's actions shuffled, repeated and given text JSON and terminals treat specially
	rng := rand.New(rand.NewSource(13))
	odd := []string{"<b>&amp;</b>", "tab\there", "bidi \u202e override", "line\u2028sep", "bad \xff utf-8", "nul \x00 \x1b[2J", "quote \" back \\", "é ☃ 𝄞", "\x7f\u0085"}
	for g := range 8 {
		p := renderFixture(t)
		var acts []Action
		for range 3 + rng.Intn(20) {
			a := p.Actions[rng.Intn(len(p.Actions))]
			a.ID = fmt.Sprintf("g%d", len(acts)+1)
			a.DependsOn = nil
			a.Notes = append(append([]string(nil), a.Notes...), odd[rng.Intn(len(odd))])
			a.Summary += " " + odd[rng.Intn(len(odd))]
			if r := a.RegisterTaskDefinition; r != nil {
				rc := *r
				rc.After = withOddEnvironment(t, rc.After, odd[rng.Intn(len(odd))])
				a.RegisterTaskDefinition = &rc
			}
			acts = append(acts, a)
		}
		p.Actions = acts
		p.Skipped = append(p.Skipped, Skipped{Control: "ECS.1", Resource: odd[rng.Intn(len(odd))], Reason: odd[rng.Intn(len(odd))]})
		plans[fmt.Sprintf("generated %d", g)] = p
	}
	plans["large 50"] = largePlan(t, 50)
	if !testing.Short() {
		plans["large 2500"] = largePlan(t, 2500)
	}
	kinds := map[ActionType]bool{}
	for _, p := range plans {
		for _, a := range p.Actions {
			kinds[a.Type] = true
		}
	}
	for _, k := range changeKinds {
		if !kinds[k.typ] {
			t.Errorf("no compared plan has a %s action", k.typ)
		}
	}
	return plans
}

// withOddEnvironment adds an environment variable whose value is s to the first container of a task
// definition.
func withOddEnvironment(t *testing.T, doc json.RawMessage, s string) json.RawMessage {
	t.Helper()
	var td map[string]any
	if err := json.Unmarshal(doc, &td); err != nil {
		t.Fatal(err)
	}
	if cds, ok := td["containerDefinitions"].([]any); ok && len(cds) > 0 {
		if cd, ok := cds[0].(map[string]any); ok {
			env, _ := cd["environment"].([]any)
			cd["environment"] = append(env, map[string]any{"name": "ODD", "value": s})
		}
	}
	b, err := json.Marshal(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// renderOptionSets are the options the comparisons render with.
func renderOptionSets() map[string]RenderOptions {
	return map[string]RenderOptions{
		"default":          {},
		"unattended low":   {UnattendedRisk: RiskLow},
		"colour, medium":   {Color: true, UnattendedRisk: RiskMedium},
		"overrides, quota": {UnattendedRisk: RiskHigh, RiskOverrides: map[string]Risk{"ECS.5": RiskHigh, "ECS.9": RiskLow}, Quotas: awsclient.DefaultQuotaTable()},
	}
}

func TestRenderAgreesWithReference(t *testing.T) {
	plans := comparedPlans(t)
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		for name, p := range plans {
			for oname, o := range renderOptionSets() {
				if name == "large 2500" && (procs == 1 || oname != "colour, medium") {
					continue // the 10k plan once (a few seconds a rendering): the option sets are the others' business
				}
				var want, got bytes.Buffer
				wantErr := refRenderText(&want, p, o)
				gotErr := RenderText(&got, p, o)
				checkSame(t, fmt.Sprintf("text of %s (%s, %d procs)", name, oname, procs), want.Bytes(), got.Bytes(), wantErr, gotErr)
				want.Reset()
				got.Reset()
				wantErr = refRenderMarkdown(&want, p, o)
				gotErr = RenderMarkdown(&got, p, o)
				checkSame(t, fmt.Sprintf("markdown of %s (%s, %d procs)", name, oname, procs), want.Bytes(), got.Bytes(), wantErr, gotErr)
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

func checkSame(t *testing.T, what string, want, got []byte, wantErr, gotErr error) {
	t.Helper()
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Errorf("%s: error %v, the reference's %v", what, gotErr, wantErr)
	}
	if !bytes.Equal(want, got) {
		i := 0
		for i < min(len(want), len(got)) && want[i] == got[i] {
			i++
		}
		t.Errorf("%s: %d bytes differ from the reference's %d from byte %d:\n got %q\nwant %q", what, len(got), len(want), i,
			got[i:min(len(got), i+200)], want[i:min(len(want), i+200)])
	}
	if len(want) == 0 && wantErr == nil {
		t.Errorf("%s: nothing rendered: the comparison compares nothing", what)
	}
}

// A diff that fails (a before that is not JSON) fails the rendering after the actions before it, and
// the failing action's fields, as before.
func TestRenderStopsAtTheFirstBadDiffAsReference(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	p := largePlan(t, 50)
	q := *p
	q.Actions = append([]Action(nil), p.Actions...)
	bad := 0
	for i := range q.Actions {
		if r := q.Actions[i].RegisterTaskDefinition; r != nil && i > 10 {
			rc := *r
			rc.Before = json.RawMessage(`{"family": `)
			q.Actions[i].RegisterTaskDefinition = &rc
			if bad++; bad == 3 {
				break
			}
		}
	}
	var want, got bytes.Buffer
	wantErr := refRenderText(&want, &q, RenderOptions{})
	gotErr := RenderText(&got, &q, RenderOptions{})
	if wantErr == nil {
		t.Fatal("the reference renders a plan with a bad before")
	}
	checkSame(t, "text of a plan with bad befores", want.Bytes(), got.Bytes(), wantErr, gotErr)
	want.Reset()
	got.Reset()
	wantErr = refRenderMarkdown(&want, &q, RenderOptions{})
	gotErr = RenderMarkdown(&got, &q, RenderOptions{})
	checkSame(t, "markdown of a plan with bad befores", want.Bytes(), got.Bytes(), wantErr, gotErr)
}

func TestCanonicalPlanAgreesWithMarshalIndent(t *testing.T) {
	plans := comparedPlans(t)
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		for name, p := range plans {
			if name == "large 2500" && procs == 1 {
				continue // the 10k plan once
			}
			for _, approvals := range []bool{false, true} {
				want, wantErr := refCanonicalPlan(p, approvals)
				got, gotErr := canonicalPlan(p, approvals)
				checkSame(t, fmt.Sprintf("canonical form of %s (approvals %v, %d procs)", name, approvals, procs), want, got, wantErr, gotErr)
			}
			if h, want := p.ContentHash(), refContentHash(p); h != want || h == "" {
				t.Errorf("content hash of %s: %q, the reference's %q", name, h, want)
			}
			if p.Validate() != nil {
				continue
			}
			var w bytes.Buffer
			if err := Write(&w, p); err != nil {
				t.Fatalf("Write %s: %v", name, err)
			}
			want, _ := refCanonicalPlan(p, true)
			checkSame(t, "plan file of "+name, want, w.Bytes(), nil, nil)
			// Read accepts the file when the reference's canonical form of what it decodes is the file (not
			// so when a string held bytes that are not UTF-8: written as \ufffd, read back as U+FFFD).
			var decoded Plan
			if err := json.Unmarshal(w.Bytes(), &decoded); err != nil {
				t.Fatal(err)
			}
			again, _ := refCanonicalPlan(&decoded, true)
			back, err := Read(name, w.Bytes())
			if accept := bytes.Equal(again, w.Bytes()); accept != (err == nil) {
				t.Errorf("Read %s as written: %v; the reference accepts it: %v", name, err, accept)
			}
			if err == nil && back.ContentHash() != p.ContentHash() {
				t.Errorf("%s read back hashes differently", name)
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

// Read refuses a file that differs from the canonical form anywhere, first byte to last, or is a
// prefix of it or longer.
func TestReadComparesEveryByte(t *testing.T) {
	var w bytes.Buffer
	if err := Write(&w, renderFixture(t)); err != nil {
		t.Fatal(err)
	}
	data := w.Bytes()
	for _, edit := range []struct {
		name string
		data []byte
	}{
		{"a space at the end", append(bytes.Clone(data), ' ')},
		{"no newline at the end", data[:len(data)-1]},
		{"a space before the last brace", append(append(bytes.Clone(data[:len(data)-2]), ' '), data[len(data)-2:]...)},
		{"an indent more in the middle", bytes.Replace(data, []byte("\n      \"id\": \"a5\""), []byte("\n       \"id\": \"a5\""), 1)},
		{"a key escaped", bytes.Replace(data, []byte(`"formatVersion"`), []byte(`"formatVersio\u006e"`), 1)},
	} {
		if bytes.Equal(edit.data, data) {
			t.Fatalf("%s: the edit changes nothing", edit.name)
		}
		if _, err := Read("edited.json", edit.data); !errors.Is(err, ErrModified) {
			t.Errorf("%s: %v, want ErrModified", edit.name, err)
		}
	}
}

// Write returns its writer's error as it is.
func TestWriteReturnsTheWritersError(t *testing.T) {
	boom := errors.New("disk full")
	err := Write(failAfter{n: 100, err: boom}, largePlan(t, 50))
	if !errors.Is(err, boom) || err.Error() != boom.Error() {
		t.Errorf("Write: %v, want %v", err, boom)
	}
}

type failAfter struct {
	n   int
	err error
}

func (f failAfter) Write(b []byte) (int, error) { return 0, f.err }

func TestEncodeGenericJSONAgreesWithEncoder(t *testing.T) {
	values := []any{nil, true, false, "", "plain", json.Number("0"), json.Number("-1.5e+10"), json.Number(""),
		map[string]any{}, []any{}, map[string]any(nil), []any(nil),
		map[string]any{"b": []any{map[string]any{}, []any{}, nil, json.Number("3")}, "a": "x", "": map[string]any{"z": true}},
		[]any{"<>&", "\u2028\u2029", "\x00\x01\x08\x0c\x0a\x0d\x09\x1f\x7f", "\xff\xfe", "é☃𝄞", `"\`, "\u202e\u0085"},
		map[string]any{"\n": 1.5},                                                                      // a float64: through encoding/json
		json.Number("1e"), json.Number("01"), json.Number("-"), json.Number("1.e5"), json.Number("+1"), // not numbers
	}
	for _, s := range []string{"testdata/fuzz/FuzzRead/canonical-full", "../testdata/golden/plan-fixture.json"} {
		raw, err := os.ReadFile(filepath.FromSlash(s))
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.IndexByte(raw, '\n'); strings.HasPrefix(string(raw), "go test fuzz") {
			var str string
			str, err = strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(raw[i+1:])), "[]byte("), ")"))
			if err != nil {
				t.Fatal(err)
			}
			raw = []byte(str)
		}
		v, err := decodeGenericJSON(raw)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	rng := rand.New(rand.NewSource(7))
	for range 500 {
		values = append(values, randomGeneric(rng, 4))
	}
	for i, v := range values {
		want, wantErr := refEncodeGenericJSON(v)
		got, gotErr := encodeGenericJSON(v)
		if !bytes.Equal(want, got) || fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
			t.Errorf("value %d (%#v):\n got %q, %v\nwant %q, %v", i, v, got, gotErr, want, wantErr)
		}
	}
}

// randomGeneric is a random value of the kinds decodeGenericJSON makes.
func randomGeneric(rng *rand.Rand, depth int) any {
	pieces := []string{"a", "Z", " ", "<", "&", "\"", "\\", "\n", "\t", "\x01", "\x7f", "é", "\u2028", "\u2029", "\u202e", "\xff", "𝄞", "0", ":"}
	str := func() string {
		var b strings.Builder
		for range rng.Intn(6) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		return b.String()
	}
	k := rng.Intn(7)
	if depth == 0 {
		k = rng.Intn(4)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return rng.Intn(2) == 0
	case 2:
		return str()
	case 3:
		return json.Number([]string{"0", "-0", "12", "3.25", "-4e7", "5E-3", "6.0e+2", "123456789012345678901234567890"}[rng.Intn(8)])
	case 4, 5:
		m := map[string]any{}
		for range rng.Intn(5) {
			m[str()] = randomGeneric(rng, depth-1)
		}
		return m
	}
	l := make([]any, rng.Intn(5))
	for i := range l {
		l[i] = randomGeneric(rng, depth-1)
	}
	return l
}

// BenchmarkRenderText renders the plan of the 10,000 task definitions of BenchmarkOffline10k as `ecsfix
// plan` prints it (content hash included), to io.Discard.
func BenchmarkRenderText(b *testing.B) {
	p := largePlan(b, 2500)
	o := RenderOptions{UnattendedRisk: RiskLow}
	var n countWriter
	if err := RenderText(&n, p, o); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n))
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if err := RenderText(io.Discard, p, o); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU reports the processor time (user and system, all threads) per operation since start: on a
// shared machine, steadier than the wall time.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((snapshottest.CPUTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkRenderTextReference is BenchmarkRenderText with the code it replaces.
func BenchmarkRenderTextReference(b *testing.B) {
	p := largePlan(b, 2500)
	o := RenderOptions{UnattendedRisk: RiskLow}
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if err := refRenderText(io.Discard, p, o); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkContentHash hashes the same plan.
func BenchmarkContentHash(b *testing.B) {
	p := largePlan(b, 2500)
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if p.ContentHash() == "" {
			b.Fatal("no hash")
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkContentHashReference is BenchmarkContentHash with the code it replaces.
func BenchmarkContentHashReference(b *testing.B) {
	p := largePlan(b, 2500)
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if refContentHash(p) == "" {
			b.Fatal("no hash")
		}
	}
	reportCPU(b, cpu)
}

type countWriter int

func (c *countWriter) Write(b []byte) (int, error) { *c += countWriter(len(b)); return len(b), nil }

// BenchmarkWrite writes the plan file of the same plan (`plan --out`), to io.Discard; with -benchmem,
// the bytes allocated per write show that the file is not held whole.
func BenchmarkWrite(b *testing.B) {
	p := largePlan(b, 2500)
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if err := Write(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkWriteReference is BenchmarkWrite with the encoding it replaces (the whole file in memory).
func BenchmarkWriteReference(b *testing.B) {
	p := largePlan(b, 2500)
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
		data, err := refCanonicalPlan(p, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Discard.Write(data); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkRead reads the plan file back (`apply`, `show`, `approve`).
func BenchmarkRead(b *testing.B) {
	var file bytes.Buffer
	if err := Write(&file, largePlan(b, 2500)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		if _, err := Read("plan.json", file.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
