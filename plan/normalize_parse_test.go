package plan

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkParse: whatever parseGenericJSON accepts, the json.Decoder accepts too, as the same value; and
// decodeGenericJSON always answers as the json.Decoder does.
func checkParse(t *testing.T, raw []byte) (parsed bool) {
	t.Helper()
	want, wantErr := decodeGenericJSONStd(raw)
	got, ok := parseGenericJSON(raw)
	if ok && (wantErr != nil || !reflect.DeepEqual(got, want)) {
		t.Errorf("%q: parsed %#v; the decoder: %#v, %v", raw, got, want, wantErr)
	}
	v, err := decodeGenericJSON(raw)
	if fmt := (err == nil) != (wantErr == nil); fmt || (err != nil && err.Error() != wantErr.Error()) || !reflect.DeepEqual(v, want) {
		t.Errorf("%q: decodeGenericJSON %#v, %v; the decoder: %#v, %v", raw, v, err, want, wantErr)
	}
	return ok
}

func TestParseGenericJSONAgreesWithDecoder(t *testing.T) {
	cases := []string{
		`{}`, `[]`, ` {"a": 1} `, "\n\t{\"a\":[1,2,{\"b\":null}]}\r\n", `"x"`, `true`, `false`, `null`, `0`, `-0`, `1.5e+10`, `-12.25E-3`,
		`{"a":1,"a":2}`, `{"":""}`, `"\u00e9\ud834\udd1e\ud834\u0041\udd1e\ud834"`, `"\ud834\\"`, `"\/\b\f\n\r\t\"\\"`, "\"\xff\xfe bad\"",
		"\"\xed\xa0\x80\"", `"é☃𝄞"`, "\"\u2028\"",
		// not JSON, or more than one value: the decoder's answer
		``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `1x`, `truex`, `nul`, `"\x"`, `"\'"`,
		"\"a\nb\"", "\"\x00\"", `"\u12"`, `"\u12g4"`, `{} {}`, `{} x`, `{} ]`, `[] []`, "\xef\xbb\xbf{}", `"unterminated`, `[1 2]`,
		strings.Repeat("[", 600) + strings.Repeat("]", 600), strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	}
	for _, c := range cases {
		checkParse(t, []byte(c))
	}
	// real documents: the demo snapshot's files and the large plan's task definitions parse directly
	files, err := filepath.Glob(filepath.Join("..", "testdata", "demo", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("demo files: %v %d", err, len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !checkParse(t, raw) {
			t.Errorf("%s: not parsed directly", f)
		}
	}
	for i, a := range largePlan(t, 50).Actions {
		if r := a.RegisterTaskDefinition; r != nil {
			for _, doc := range [][]byte{r.Before, r.After} {
				if !checkParse(t, doc) {
					t.Errorf("action %d: a task definition not parsed directly", i)
				}
			}
		}
	}
	// generated: random values encoded, then cut, spliced and bytes changed
	rng := rand.New(rand.NewSource(11))
	parsed := 0
	for range 3000 {
		raw, err := json.Marshal(randomGeneric(rng, 4))
		if err != nil {
			t.Fatal(err)
		}
		if rng.Intn(2) == 0 {
			var b bytes.Buffer
			_ = json.Indent(&b, raw, "", "\t")
			raw = b.Bytes()
		}
		raw = bytes.ReplaceAll(raw, []byte(`\ufffd`), []byte(`\ud800`))
		if checkParse(t, raw) {
			parsed++
		}
		for range 3 {
			m := bytes.Clone(raw)
			switch k := rng.Intn(4); {
			case k == 0 && len(m) > 0:
				m = m[:rng.Intn(len(m))]
			case k == 1 && len(m) > 0:
				set := "\"\\u{}[],:-+.e0x \x00\xff"
				m[rng.Intn(len(m))] = set[rng.Intn(len(set))]
			case k == 2:
				m = append(m, []byte([]string{" ", "x", "{}", "\n", ","}[rng.Intn(5)])...)
			default:
				i := rng.Intn(len(m) + 1)
				m = append(m[:i], append([]byte([]string{`\`, `\u`, `\ud834`, `"`, "\xc3", "\x01"}[rng.Intn(6)]), m[i:]...)...)
			}
			checkParse(t, m)
		}
	}
	if parsed < 2900 {
		t.Errorf("only %d of 3000 valid documents parsed directly", parsed)
	}
}

func FuzzParseGenericJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",{"b":null}]}`, `"\ud834\udd1e"`, "\"\xff\"", `{"a":1,"a":2}`, `[1e5,-0.5]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkParse(t, raw) })
}
