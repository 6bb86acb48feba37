package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// refMaskedNormalized is what RegisterTaskDefinitionChange.diff did to each document before the tree:
// decodeObject, MaskedValue at each path, normalizeTaskDefinitionDoc, encoding/json's indented encoding.
func refMaskedNormalized(raw []byte, paths []string) ([]byte, error) {
	doc, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if _, set, ok := lookupJSONPath(doc, p); ok {
			set(MaskedValue)
		}
	}
	normalizeTaskDefinitionDoc(doc)
	return refEncodeGenericJSON(doc)
}

// normalizeTestDocs are task definitions to normalise: the snapshots' and the workloads' files (a
// describe output's taskDefinition, or a registration input), and the registrations' documents of the
// compared plans, each with the masked paths its registration names.
func normalizeTestDocs(t *testing.T) (docs [][]byte, masked map[int][]string) {
	t.Helper()
	masked = map[int][]string{}
	var files []string
	for _, g := range []string{"../testdata/demo/ecs/task-definitions/*.json", "testdata/workloads/*.json", "testdata/workloads/*/taskdef.json",
		"../detect/snapshot/testdata/repofiles/*.json", "../detect/snapshot/testdata/repofiles/*/*.json", "../detect/snapshot/testdata/repofiles/*/*/*.json"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var wrapped struct {
			TaskDefinition json.RawMessage `json:"taskDefinition"`
		}
		if json.Unmarshal(raw, &wrapped) == nil && len(wrapped.TaskDefinition) > 0 {
			raw = wrapped.TaskDefinition
		}
		docs = append(docs, raw)
	}
	if len(files) < 20 {
		t.Fatalf("%d task-definition files", len(files))
	}
	for _, p := range comparedPlans(t) {
		for _, a := range p.Actions {
			if r := a.RegisterTaskDefinition; r != nil {
				var src, dst []string
				for _, m := range r.Masked {
					src, dst = append(src, m.SourcePath), append(dst, m.Path)
				}
				masked[len(docs)] = src
				docs = append(docs, r.Before)
				masked[len(docs)] = dst
				docs = append(docs, r.After)
			}
		}
	}
	return docs, masked
}

// mutateTaskDefinition changes a decoded task definition the ways normalisation cares about: lists
// shuffled, elements repeated (ties on the sort keys), nulls and empty values, defaults set or not,
// numbers written differently, strings that need escaping or are not ASCII.
func mutateTaskDefinition(rng *rand.Rand, v any, rate int) any {
	odd := []any{nil, map[string]any{}, []any{}, "", "<&>", "é", "tab\t", `q"b\`, json.Number("1.0"), json.Number("1e400"),
		json.Number("-0"), json.Number("8080"), json.Number("80"), true, false, "tcp", "udp", map[string]any{"name": "x"}, []any{"a"}}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = mutateTaskDefinition(rng, e, rate)
			if rng.Intn(rate) == 0 {
				t[k] = odd[rng.Intn(len(odd))]
			}
		}
		if rng.Intn(6) == 0 {
			keys := []string{"essential", "privileged", "readonlyRootFilesystem", "protocol", "readOnly", "transitEncryption", "links", "name", "hostPort"}
			t[keys[rng.Intn(len(keys))]] = odd[rng.Intn(len(odd))]
		}
		return t
	case []any:
		for i := range t {
			t[i] = mutateTaskDefinition(rng, t[i], rate)
		}
		rng.Shuffle(len(t), func(i, j int) { t[i], t[j] = t[j], t[i] })
		if len(t) > 0 && rng.Intn(5) == 0 {
			t = append(t, t[rng.Intn(len(t))]) // the same element twice
		}
		if len(t) > 0 && rng.Intn(5) == 0 {
			if m, ok := t[0].(map[string]any); ok { // another element with the first's keys
				c := map[string]any{}
				for k, e := range m {
					c[k] = e
				}
				c["extra"] = odd[rng.Intn(len(odd))]
				t = append(t, c)
			}
		}
		return t
	}
	return v
}

// The tree normalises as the generic way does, byte for byte, on every document it takes, and takes the
// usual ones (the planner's). Many test documents are odd on purpose (not JSON, not objects, escapes,
// bytes that are not UTF-8), which the generic way takes.
func TestNormalizedTextAgreesWithGeneric(t *testing.T) {
	docs, masked := normalizeTestDocs(t)
	paths := [][]string{nil, {"containerDefinitions[0].environment[0].value"}, {"containerDefinitions[0].image", "family"},
		{"containerDefinitions[app].secrets[0].valueFrom"}, {`containerDefinitions[0].dockerLabels["com.example.token"]`},
		{"volumes[0]"}, {"containerDefinitions"}, {"nothing.here", "containerDefinitions[9].name", "containerDefinitions[0].environment[x]"},
		{"containerDefinitions[0].environment[1].value", "containerDefinitions[0].environment[1].value"}, {"bad[path"}}
	rng := rand.New(rand.NewSource(17))
	taken, total := 0, 0
	check := func(what string, raw []byte, ps []string) {
		t.Helper()
		total++
		got, ok := treeNormalizedText(raw, ps)
		if !ok {
			return
		}
		taken++
		want, err := refMaskedNormalized(raw, ps)
		if err != nil || got != string(want) {
			t.Errorf("%s (masked %q):\n got %s\nwant %s (%v)", what, ps, got, want, err)
		}
	}
	for i, raw := range docs {
		check(fmt.Sprintf("document %d", i), raw, masked[i])
		for _, ps := range paths {
			check(fmt.Sprintf("document %d", i), raw, ps)
		}
		for g := range 30 {
			doc, err := decodeGenericJSON(raw)
			if err != nil {
				break // a file that is not JSON (a byte-order mark): compared as it is above
			}
			rate := 12 // an odd value every dozen members, or rarely
			if g%2 == 1 {
				rate = 400
			}
			doc = mutateTaskDefinition(rng, doc, rate)
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(g%3 != 0)
			if g%2 == 0 {
				enc.SetIndent("", "  ")
			}
			if err := enc.Encode(doc); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("document %d variant %d", i, g), b.Bytes(), paths[rng.Intn(len(paths))])
		}
	}
	for _, raw := range []string{``, ` `, `[]`, `"x"`, `{`, `{"a":1,"a":2}`, `{"a":1} x`, `{"a":01}`, `{"a":tru}`, "{\"a\":\"\xff\"}", `{}`,
		`{"containerDefinitions":[{"name":"a"},{"name":"a","image":"x"}]}`, `{"containerDefinitions":[{"name":"b"},{"name":"a"}]}`} {
		got, ok := treeNormalizedText([]byte(raw), nil)
		want, err := refMaskedNormalized([]byte(raw), nil)
		if ok && (err != nil || got != string(want)) {
			t.Errorf("%q: got %s, want %s (%v)", raw, got, want, err)
		}
		if !ok && (raw == `{}` || raw == `{"containerDefinitions":[{"name":"b"},{"name":"a"}]}`) {
			t.Errorf("%q: not taken", raw)
		}
	}
	if taken < total/4 || taken == total {
		t.Errorf("the tree takes %d of %d documents: the comparison does not cover both ways", taken, total)
	}
	// the planner's documents, all taken
	for _, a := range largePlan(t, 50).Actions {
		if r := a.RegisterTaskDefinition; r != nil {
			for _, raw := range []json.RawMessage{r.Before, r.After} {
				if _, ok := treeNormalizedText(raw, nil); !ok {
					t.Errorf("the tree does not take a document of the large plan: %.200s", raw)
				}
			}
		}
	}
	t.Logf("the tree takes %d of %d documents", taken, total)
}

// BenchmarkRegisterDiff diffs the registrations of the plan of BenchmarkOffline10k's snapshot one after
// another: what the renderers do for each, alone.
func BenchmarkRegisterDiff(b *testing.B) {
	var regs []*RegisterTaskDefinitionChange
	for _, a := range largePlan(b, 2500).Actions {
		if a.RegisterTaskDefinition != nil {
			regs = append(regs, a.RegisterTaskDefinition)
		}
	}
	b.ReportAllocs()
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		for _, r := range regs {
			if _, err := r.diff(); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkRegisterDiffReference is BenchmarkRegisterDiff with the code it replaces.
func BenchmarkRegisterDiffReference(b *testing.B) {
	var regs []*RegisterTaskDefinitionChange
	for _, a := range largePlan(b, 2500).Actions {
		if a.RegisterTaskDefinition != nil {
			regs = append(regs, a.RegisterTaskDefinition)
		}
	}
	b.ReportAllocs()
	cpu := snapshottest.CPUTime()
	for b.Loop() {
		for _, r := range regs {
			if _, err := refRegisterDiff(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, cpu)
}
