package jsonindent

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

// checkCompact compares appendIndentedValue with Indent of json.Marshal's output for src as a
// json.RawMessage: the same bytes where appendIndentedValue takes src, and it takes src where
// json.Marshal does (the nesting is not deep in these cases). It reports whether json.Marshal takes src.
func checkCompact(t *testing.T, src []byte) bool {
	t.Helper()
	var want bytes.Buffer
	want.WriteString("keep:")
	compact, err := json.Marshal(json.RawMessage(src))
	if err == nil {
		if err := Indent(&want, compact, ">", "\t"); err != nil {
			t.Fatal(err)
		}
	}
	got, ok := appendIndentedValue([]byte("keep:"), src, ">", "\t", 0)
	if ok != (err == nil) || ok && string(got) != want.String() {
		t.Errorf("appendIndentedValue(%q) = %q, %v; json.Marshal and Indent: %q, %v", src, got, ok, want.String(), err)
	}
	return err == nil
}

func TestIndentedValueAgreesWithMarshal(t *testing.T) {
	cases := []string{`{}`, `[]`, `{"a":{}}`, `[[],{},[{}]]`, `{"a":1,"b":[true,false,null,"x"],"c":{"d":-1.5e+3}}`, `"s"`, `12`,
		`null`, `true`, `false`, `0`, `-0`, `0.5`, `1E9`, `1e-9`, `-12.25e+2`, `{"k:":"v,{[","e":"\"\\\"}"}`, `["\\"]`, `{"":""}`,
		`"\u00e9\ud83d\ude00\/\b\f\n\r\t"`, "\"\xff\xfe\"", `"é☃𝄞"`, "\"\u2027\u202a\"", `[1,[2,[3,{"a":[4]}]]]`,
		// changed by json.Marshal
		` ` + "\t\n\r" + `{ "a" : [ 1 , { } , [ ] ] , "b":"<>&"}` + "\n", "\"\u2028\u2029\"", `"a<b"`, " 1 ",
		// refused by json.Marshal
		``, ` `, `{ }`, `[1, 2]`, "[1,\n2]", ` 1`, `1 `, `"<"`, `">"`, `"&"`, "\"\u2028\"", "\"\u2029\"", `{"a":`, `["x]`, `]`, `[1]]`,
		`{"a":1}}`, `"\`, `x`, `01`, `1.`, `.5`, `1e`, `+1`, `-`, `--1`, `tru`, `nul`, `truex`, `[1,]`, `{"a":1,}`, `{,}`, `[,1]`,
		`{"a"}`, `{"a":1"b":2}`, `{1:2}`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x01\"", "\"a\tb\"", `{"a":1}{}`, `[][]`, `"a""b"`,
		`{"a":[}`, `[{]}`, `{]`, `[}`}
	for _, c := range cases {
		checkCompact(t, []byte(c))
	}
	rng := rand.New(rand.NewSource(11))
	taken := 0
	for range 20000 {
		b, err := json.Marshal(random(rng, 5))
		if err != nil {
			t.Fatal(err)
		}
		var unescaped bytes.Buffer // json.Marshal's output with HTML characters as they are
		enc := json.NewEncoder(&unescaped)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(json.RawMessage(b)); err != nil {
			t.Fatal(err)
		}
		src := bytes.TrimSuffix(unescaped.Bytes(), []byte("\n"))
		if checkCompact(t, src) {
			taken++
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, src, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		checkCompact(t, indented.Bytes())
		// one byte changed, dropped or inserted
		for range 3 {
			m := append([]byte(nil), src...)
			j := rng.Intn(len(m) + 1)
			c := "{}[],:\"\\ 0-.e\n<\xe2tfn"[rng.Intn(17)]
			switch rng.Intn(3) {
			case 0:
				if j < len(m) {
					m[j] = c
				}
			case 1:
				if j < len(m) {
					m = append(m[:j], m[j+1:]...)
				}
			default:
				m = append(m[:j], append([]byte{c}, m[j:]...)...)
			}
			checkCompact(t, m)
		}
	}
	if taken < 20000 {
		t.Errorf("only %d of the generated documents are taken", taken)
	}
	// the innermost [] opens no level IsCompact follows
	deep := strings.Repeat("[", maxCompactDepth+1) + strings.Repeat("]", maxCompactDepth+1)
	checkCompact(t, []byte(deep))
	if deeper := "[" + deep + "]"; !json.Valid([]byte(deeper)) {
		t.Error("encoding/json refuses the deeper nesting")
	} else if _, ok := appendIndentedValue(nil, []byte(deeper), "", "  ", 0); ok {
		t.Errorf("beyond %d levels: appendIndentedValue does not refuse", maxCompactDepth)
	}
}

func FuzzIndentedValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,{}]}`, `"\\\""`, `[[]]`, `1e5`, `"\u2028"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var want bytes.Buffer
		compact, err := json.Marshal(json.RawMessage(src))
		if err == nil {
			err = Indent(&want, compact, "", "  ")
		}
		if got, ok := appendIndentedValue(nil, src, "", "  ", 0); ok && (err != nil || string(got) != want.String()) {
			t.Errorf("appendIndentedValue(%q) = %q; json.Marshal and Indent: %q, %v", src, got, want.String(), err)
		}
	})
}

// IndentSpliced writes what Indent writes of json.Marshal's output with the json.RawMessages in place,
// and nothing where json.Marshal refuses one.
func TestIndentSplicedAgreesWithMarshal(t *testing.T) {
	type doc struct {
		X any             `json:"x"`
		R json.RawMessage `json:"r"`
		Y any             `json:"y"`
		S json.RawMessage `json:"s"`
	}
	rng := rand.New(rand.NewSource(5))
	layout := func(v any) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(rng.Intn(2) == 0)
		if rng.Intn(2) == 0 {
			enc.SetIndent(strings.Repeat(" ", rng.Intn(3)), []string{"  ", "\t", ""}[rng.Intn(3)])
		}
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		out := b.Bytes()
		if rng.Intn(4) == 0 { // one byte changed: mostly not JSON any more
			out[rng.Intn(len(out))] = "{}[],:\" x"[rng.Intn(9)]
		}
		return out
	}
	taken, refused := 0, 0
	for range 5000 {
		d := doc{X: random(rng, 3), R: layout(random(rng, 4)), Y: random(rng, 3), S: layout(random(rng, 4))}
		prefix, indent := []string{"", "    "}[rng.Intn(2)], []string{"  ", "\t"}[rng.Intn(2)]
		var want bytes.Buffer
		full, err := json.Marshal(d)
		if err == nil {
			if err := Indent(&want, full, prefix, indent); err != nil {
				t.Fatal(err)
			}
		}
		mx, _ := json.Marshal(d.X)
		my, _ := json.Marshal(d.Y)
		withNulls, _ := json.Marshal(doc{X: d.X, Y: d.Y})
		r := len(`{"x":`) + len(mx) + len(`,"r":`)
		s := r + len(`null,"y":`) + len(my) + len(`,"s":`)
		if string(withNulls[r:r+4]) != "null" || string(withNulls[s:s+4]) != "null" {
			t.Fatalf("spans of %s", withNulls)
		}
		var got bytes.Buffer
		got.WriteString("keep:")
		ok := IndentSpliced(&got, withNulls, []Span{{r, r + 4, d.R}, {s, s + 4, d.S}}, prefix, indent)
		switch {
		case ok != (err == nil):
			t.Errorf("%q, %q: IndentSpliced %v, json.Marshal: %v", d.R, d.S, ok, err)
		case ok && got.String() != "keep:"+want.String():
			t.Errorf("%q, %q:\n got %q\nwant %q", d.R, d.S, got.String(), "keep:"+want.String())
		case !ok && got.String() != "keep:":
			t.Errorf("%q, %q: refused, but wrote %q", d.R, d.S, got.String())
		}
		if ok {
			taken++
		} else {
			refused++
		}
	}
	if taken < 1000 || refused < 100 {
		t.Errorf("%d taken, %d refused: the comparison does not cover both", taken, refused)
	}
}
