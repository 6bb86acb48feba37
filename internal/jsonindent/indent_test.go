package jsonindent

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

// check compares Indent with json.Indent on compact valid JSON (what json.Marshal writes, Indent's input);
// other input only must not panic.
func check(t *testing.T, src []byte, prefix, indent string) {
	t.Helper()
	var compact bytes.Buffer
	if !json.Valid(src) || json.Compact(&compact, src) != nil || !bytes.Equal(compact.Bytes(), src) {
		var b bytes.Buffer
		_ = Indent(&b, src, prefix, indent)
		return
	}
	var want, got bytes.Buffer
	want.WriteString("keep:")
	got.WriteString("keep:")
	wantErr := json.Indent(&want, src, prefix, indent)
	gotErr := Indent(&got, src, prefix, indent)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Errorf("%q: error %v, json.Indent's %v", src, gotErr, wantErr)
	}
	if !bytes.Equal(want.Bytes(), got.Bytes()) {
		t.Errorf("%q (%q, %q):\n got %q\nwant %q", src, prefix, indent, got.Bytes(), want.Bytes())
	}
}

func TestIndentAgreesWithEncodingJSON(t *testing.T) {
	cases := []string{`{}`, `[]`, `{"a":{}}`, `[[],{},[{}]]`, `{"a":1,"b":[true,false,null,"x"],"c":{"d":-1.5e+3}}`, `"s"`, `12`, `null`,
		`{"k:":"v,{[","e":"\"\\\"}","u":"\u2028<>&"}`, `["\\"]`, `{"":""}`,
		// not compact, or not JSON: no panic
		`{ "a": 1 }`, "[1,\n2]", `{"a":`, `["x]`, `]`, `[1]]`, `{"a":1}}`, `"\`, ``, `x`}
	for _, c := range cases {
		for _, pi := range [][2]string{{"", "  "}, {"    ", "  "}, {">", "\t"}} {
			check(t, []byte(c), pi[0], pi[1])
		}
	}
	rng := rand.New(rand.NewSource(3))
	for range 2000 {
		b, err := json.Marshal(random(rng, 5))
		if err != nil {
			t.Fatal(err)
		}
		check(t, b, "        ", "  ")
	}
}

func random(rng *rand.Rand, depth int) any {
	pieces := []string{"a", " ", "\"", "\\", "{", "}", "[", "]", ",", ":", "\n", "é", "\u2028", "<", "\x01"}
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
		return rng.Float64()*1e6 - 5e5
	case 2:
		return str()
	case 3:
		return rng.Intn(2) == 0
	case 4, 5:
		m := map[string]any{}
		for range rng.Intn(4) {
			m[str()] = random(rng, depth-1)
		}
		return m
	}
	l := make([]any, rng.Intn(4))
	for i := range l {
		l[i] = random(rng, depth-1)
	}
	return l
}

func FuzzIndent(f *testing.F) {
	for _, s := range []string{`{"a":[1,{}]}`, `"\\\""`, `[[]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) { check(t, src, "  ", "  ") })
}

// Elements written one by one, each into a buffer of its own, then joined, are the array as
// json.MarshalIndent lays it out inside an object (the depth of a plan's or a report's lists).
func TestElementsJoinedAreMarshalIndent(t *testing.T) {
	type item struct {
		Name  string         `json:"name"`
		Tags  []string       `json:"tags"`
		Attrs map[string]int `json:"attrs,omitempty"`
	}
	items := []item{{Name: "a"}, {Name: "b<&>", Tags: []string{"x", ""}, Attrs: map[string]int{"k": 1}}, {Tags: []string{}}}
	want, err := json.MarshalIndent(struct {
		Items []item `json:"items"`
	}{items}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.WriteString("{\n  \"items\": [")
	for i, it := range items {
		var b bytes.Buffer
		if err := Element(&b, i, it, "    ", "  "); err != nil {
			t.Fatal(err)
		}
		got.Write(b.Bytes())
	}
	got.WriteString("\n  ]\n}")
	if got.String() != string(want) {
		t.Errorf("joined elements\n%s\nwant\n%s", got.String(), want)
	}
	if err := Element(&got, 1, func() {}, "    ", "  "); err == nil {
		t.Error("a value json.Marshal refuses gave no error")
	}
}
