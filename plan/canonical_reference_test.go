package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/internal/jsonindent"
)

// The reference of canonical.go's hand-written encoder is encoding/json: each element as
// jsonindent.Element lays out json.Marshal's bytes (what writeCanonical did before, by reflection), and
// the whole plan as refCanonicalPlan (json.MarshalIndent) writes it.

// refCanonicalElement is element i of a list as the canonical form encoded it by reflection.
func refCanonicalElement(i int, v any) ([]byte, error) {
	var b bytes.Buffer
	err := jsonindent.Element(&b, i, v, canonPrefix, canonIndent)
	return b.Bytes(), err
}

// checkCanonicalAction compares the hand-written encoding of a with encoding/json's, as element 0 and
// as a later one; it reports whether the hand-written encoder took a (a document encoding/json refuses
// is not taken: writeCanonicalElements gives it to encoding/json).
func checkCanonicalAction(t *testing.T, what string, a *Action) bool {
	t.Helper()
	taken := true
	for _, i := range []int{0, 3} {
		want, wantErr := refCanonicalElement(i, canonicalAction(*a))
		got, ok := appendCanonicalElement([]byte("prefix"), i, func(w *canonWriter) { canonAction(w, a) })
		if !ok {
			taken = false
			if !bytes.Equal(got, []byte("prefix")) {
				t.Errorf("%s: an element not taken leaves %q", what, got)
			}
			continue
		}
		if wantErr != nil {
			t.Errorf("%s: encoded, encoding/json refuses it: %v", what, wantErr)
			continue
		}
		checkSame(t, fmt.Sprintf("%s (element %d)", what, i), append([]byte("prefix"), want...), got, nil, nil)
	}
	return taken
}

func TestCanonicalActionsAgreeWithEncodingJSON(t *testing.T) {
	plans := comparedPlans(t)
	actions, states, skips := 0, 0, 0
	for name, p := range plans {
		for i := range p.Actions {
			a := &p.Actions[i]
			if !checkCanonicalAction(t, fmt.Sprintf("%s action %d (%s)", name, i, a.Type), a) {
				t.Errorf("%s action %d (%s): not taken by the hand-written encoder", name, i, a.Type)
			}
			actions++
		}
		for i := range p.State {
			f := p.State[i]
			if f.Facts == nil {
				f.Facts = map[string]string{}
			}
			want, err := refCanonicalElement(i, &f)
			got, ok := appendCanonicalElement(nil, i, func(w *canonWriter) { canonFingerprint(w, &p.State[i]) })
			if err != nil || !ok {
				t.Fatalf("%s state %d: %v %v", name, i, err, ok)
			}
			checkSame(t, fmt.Sprintf("%s state %d", name, i), want, got, nil, nil)
			states++
		}
		for i := range p.Skipped {
			want, err := refCanonicalElement(i, &p.Skipped[i])
			got, ok := appendCanonicalElement(nil, i, func(w *canonWriter) { canonSkipped(w, &p.Skipped[i]) })
			if err != nil || !ok {
				t.Fatalf("%s skipped %d: %v %v", name, i, err, ok)
			}
			checkSame(t, fmt.Sprintf("%s skipped %d", name, i), want, got, nil, nil)
			skips++
		}
	}
	if actions == 0 || states == 0 || skips == 0 {
		t.Fatalf("compared %d actions, %d fingerprints, %d skipped findings", actions, states, skips)
	}
}

// oddPieces are the pieces of the strings filled in: what encoding/json escapes (HTML characters, quotes,
// control characters, U+2028 and U+2029, bytes that are not UTF-8) and what it does not.
var oddPieces = []string{"", "a", "Z", " ", "web:3", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3", "<", ">", "&",
	"\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f", "é", "☃", "𝄞", "\u2028", "\u2029",
	"\u202e", "\u0085", "\xff", "\xe2\x80", "\xe2", "\xed\xa0\x80", "\ufffd", "{}", "null"}

// oddDocuments are registration documents: JSON in many layouts, and what encoding/json refuses.
var oddDocuments = []string{`{"family":"web","containerDefinitions":[{"name":"app","image":"nginx"}]}`, "{}", "[]", "null",
	"12", "-1.5e+10", `"x"`, "true", `{ "a" : [ 1 , {"b":null} ] , "c":"<&>" }`, "{\n  \"a\": \"line\u2028sep\"\n}",
	`{"a":"\u003c\ud834\udd1e\"\\\/"}`, "\t[\r\n]", `{"a":"é☃"}`, `{"a":{},"b":[],"c":[{}]}`,
	`{"a":`, `{"a":1}}`, `not json`, "", "{\"a\":\"\xff\"}", `{"a":01}`, `{"a":"\x"}`, "[1,]", `{"a" 1}`,
	strings.Repeat("[", 1100) + strings.Repeat("]", 1100)}

// filler fills values by reflection, field by field: every exported field of every struct it meets,
// whatever its name, so that a field added to a type the canonical form encodes is filled (and the
// comparison with encoding/json then fails until canonical.go writes it).
type filler struct {
	t   *testing.T
	rng *rand.Rand
	// full fills every field with something not empty (omitempty fields included).
	full bool
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func (f *filler) str() string {
	var b strings.Builder
	n := f.rng.Intn(5)
	if f.full {
		n++
	}
	for range n {
		b.WriteString(oddPieces[f.rng.Intn(len(oddPieces))])
	}
	if f.full && b.Len() == 0 {
		b.WriteString("x")
	}
	return b.String()
}

func (f *filler) fill(v reflect.Value, path string) {
	if v.Type() == rawMessageType {
		switch k := f.rng.Intn(12); {
		case k == 0 && !f.full:
			v.SetZero()
		case k < 4:
			v.SetBytes([]byte(oddDocuments[f.rng.Intn(len(oddDocuments))]))
		default:
			v.SetBytes([]byte(oddDocuments[f.rng.Intn(14)])) // JSON
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.full || f.rng.Intn(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := []int64{0, 1, -1, 22, 65535, -2147483648, 2147483647}[f.rng.Intn(7)]
		if f.full && n == 0 {
			n = 443
		}
		v.SetInt(n)
	case reflect.Pointer:
		if !f.full && f.rng.Intn(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		n := f.rng.Intn(4)
		if f.full {
			n++
		} else if f.rng.Intn(4) == 0 {
			v.SetZero() // nil
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), path+"[]")
		}
		v.Set(s)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			f.t.Fatalf("%s: a map of %s: teach canonical.go (and this filler) to encode it", path, v.Type())
		}
		n := f.rng.Intn(4)
		if f.full {
			n++
		} else if f.rng.Intn(4) == 0 {
			v.SetZero() // nil
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for range n {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(f.str())
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, path+"{}")
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		f.t.Fatalf("%s: a field of kind %s: teach canonical.go (and this filler) to encode it", path, v.Kind())
	}
}

// Actions filled field by field with odd values (every payload at once, absent and empty lists and maps,
// zero values, documents encoding/json refuses) are encoded as encoding/json encodes them; and so are
// fingerprints and skipped findings.
func TestCanonicalEncodesEveryField(t *testing.T) {
	f := &filler{t: t, rng: rand.New(rand.NewSource(29))}
	taken := 0
	const n = 3000
	for i := range n {
		f.full = i%5 == 0
		var a Action
		f.fill(reflect.ValueOf(&a).Elem(), "Action")
		if checkCanonicalAction(t, fmt.Sprintf("filled action %d (full %v)", i, f.full), &a) {
			taken++
		}
		var fp Fingerprint
		f.fill(reflect.ValueOf(&fp).Elem(), "Fingerprint")
		ref := fp
		if ref.Facts == nil {
			ref.Facts = map[string]string{}
		}
		want, err := refCanonicalElement(i, &ref)
		got, ok := appendCanonicalElement(nil, i, func(w *canonWriter) { canonFingerprint(w, &fp) })
		if err != nil || !ok {
			t.Fatalf("fingerprint %d: %v %v", i, err, ok)
		}
		checkSame(t, fmt.Sprintf("filled fingerprint %d", i), want, got, nil, nil)
		var s Skipped
		f.fill(reflect.ValueOf(&s).Elem(), "Skipped")
		want, err = refCanonicalElement(i, &s)
		got, ok = appendCanonicalElement(nil, i, func(w *canonWriter) { canonSkipped(w, &s) })
		if err != nil || !ok {
			t.Fatalf("skipped %d: %v %v", i, err, ok)
		}
		checkSame(t, fmt.Sprintf("filled skipped %d", i), want, got, nil, nil)
	}
	if taken < n/3 || taken == n {
		t.Errorf("%d of %d filled actions taken by the hand-written encoder: the comparison does not cover both ways", taken, n)
	}
}

// Every field of every type the canonical form encodes by hand shows in its encoding of a value whose
// fields are all set: a field added to one of them, and not to canonical.go, fails here by name.
func TestCanonicalWritesEveryFieldName(t *testing.T) {
	f := &filler{t: t, rng: rand.New(rand.NewSource(31)), full: true}
	seen := map[reflect.Type]bool{}
	var names func(typ reflect.Type) []string // the JSON names of the fields of typ and of the types it holds
	names = func(typ reflect.Type) []string {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice && typ != rawMessageType || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return nil
		}
		seen[typ] = true
		var out []string
		for i := range typ.NumField() {
			sf := typ.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			out = append(out, typ.Name()+"."+name)
			out = append(out, names(sf.Type)...)
		}
		return out
	}
	for _, c := range []struct {
		v   any
		enc func(w *canonWriter, v any)
	}{
		{&Action{}, func(w *canonWriter, v any) { canonAction(w, v.(*Action)) }},
		{&Fingerprint{}, func(w *canonWriter, v any) { canonFingerprint(w, v.(*Fingerprint)) }},
		{&Skipped{}, func(w *canonWriter, v any) { canonSkipped(w, v.(*Skipped)) }},
	} {
		v := reflect.ValueOf(c.v)
		for {
			f.fill(v.Elem(), v.Elem().Type().Name())
			if a, ok := c.v.(*Action); !ok || a.RegisterTaskDefinition == nil || json.Valid(a.RegisterTaskDefinition.Before) && json.Valid(a.RegisterTaskDefinition.After) {
				break
			}
		}
		got, ok := appendCanonicalElement(nil, 0, func(w *canonWriter) { c.enc(w, c.v) })
		if !ok {
			t.Fatalf("%T not taken", c.v)
		}
		for _, name := range names(v.Type()) {
			_, field, _ := strings.Cut(name, ".")
			if !bytes.Contains(got, []byte("\""+field+"\": ")) {
				t.Errorf("%s is not written by the canonical form's encoder (canonical.go)", name)
			}
		}
	}
}

func TestAppendJSONStringHTMLAgreesWithMarshal(t *testing.T) {
	var inputs []string
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"b")
	}
	for r := rune(0x80); r < 0x3000; r += 7 {
		inputs = append(inputs, string(r), "x"+string(r))
	}
	inputs = append(inputs, oddPieces...)
	rng := rand.New(rand.NewSource(3))
	for range 5000 {
		var b strings.Builder
		for range rng.Intn(8) {
			if rng.Intn(3) == 0 {
				b.WriteByte(byte(rng.Intn(256)))
			} else {
				b.WriteString(oddPieces[rng.Intn(len(oddPieces))])
			}
		}
		inputs = append(inputs, b.String())
	}
	for _, s := range inputs {
		want, _ := json.Marshal(s)
		if got := appendJSONStringHTML(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: %q, encoding/json %q", s, got, want)
		}
	}
}

// FuzzCanonicalAction: an action made of the fuzzer's strings and document is encoded as encoding/json
// encodes it, or left to encoding/json.
func FuzzCanonicalAction(f *testing.F) {
	f.Add("web", "<b>&amp;</b>", `{"family":"web"}`, int32(3), true)
	f.Add("\u2028\xff", "é\x00\"\\", "{\n \"a\" : [1, 2.5e3, \"\u2029\"]\n}", int32(-1), false)
	f.Add("", "", "", int32(0), false)
	f.Add("a", "b", `{"a":`, int32(1), true)
	f.Fuzz(func(t *testing.T, s1, s2, doc string, n int32, set bool) {
		a := Action{ID: s1, Type: RegisterTaskDefinition, Account: s2, Resource: s1 + s2, Summary: s2, Notes: []string{s1, s2},
			Controls: []string{s2}, Preconditions: []Precondition{{Check: s1, Result: s2}}, DependsOn: []string{s2},
			RegisterTaskDefinition: &RegisterTaskDefinitionChange{SourceArn: s1, Family: s2, Before: json.RawMessage(doc),
				After: json.RawMessage(doc), Edits: []Edit{{Control: s1, Path: s2, Change: s1, Why: s2}},
				Masked: []Masked{{Path: s1, SourcePath: s2}}, SecretRefs: []SecretRef{{Path: s2, From: s1, Key: s2}}},
			EnsureLogGroup: &EnsureLogGroupChange{Name: s1, RetentionDays: n, KmsKeyID: s2},
			CreateSecret:   &CreateSecretChange{Name: s1, JSON: set, Values: []SecretValueSource{{Key: s2}}, Tags: map[string]string{s1: s2, s2: s1}},
			UpdateService: &UpdateServiceChange{Cluster: s1, Service: s2, SecurityGroupsFrom: map[string]string{s2: s1},
				After: ServiceSettings{TaskDefinition: s1, Network: &AwsVpcSettings{Subnets: []string{s1}, AssignPublicIp: s2}}},
			UpdateSecurityGroupIngress: &UpdateSecurityGroupIngressChange{GroupID: s1, Authorize: []IngressRule{{Protocol: s2, FromPort: n, ToPort: n, Description: s1}}},
		}
		if !set {
			a.RegisterTaskDefinition.Before = nil
		}
		taken := checkCanonicalAction(t, "fuzzed action", &a)
		if _, err := json.Marshal(canonicalAction(a)); err == nil && !taken && len(doc) < 1000 {
			t.Errorf("a document encoding/json takes (%q) is left to it", doc)
		}
	})
}
