package awsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecsdocument "github.com/aws/aws-sdk-go-v2/service/ecs/document"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestJSONName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ContainerDefinitions", "containerDefinitions"},
		{"FSxWindowsFileServerVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration"},
		{"FsxWindowsFileServerVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration"},
		{"URLPath", "urlPath"},
		{"ID", "id"},
		{"Arn", "arn"},
		{"IpcMode", "ipcMode"},
		{"EFSVolume", "efsVolume"},
		{"IPv6Address", "ipv6Address"},
		{"name", "name"},
	} {
		if got := JSONName(tt.in); got != tt.want {
			t.Errorf("JSONName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// populate sets every field reachable from v (pointers allocated, slices of one element, maps of one
// key, unions to their first member) to a non-zero value.
func populate(t *testing.T, v reflect.Value, path string, depth int) {
	t.Helper()
	ty := v.Type()
	switch ty.Kind() {
	case reflect.Pointer:
		if depth > 12 {
			return
		}
		p := reflect.New(ty.Elem())
		populate(t, p.Elem(), path, depth+1)
		v.Set(p)
	case reflect.Interface:
		if ty == ecsDocumentType {
			x := map[string]any{"k": "v"}
			v.Set(reflect.ValueOf(ecsdocument.Interface(&openDocument{Interface: ecsdocument.NewLazyDocument(x), value: x})))
			return
		}
		members, ok := unions[ty]
		if !ok {
			t.Fatalf("%s: unsupported interface %s", path, ty)
		}
		names := make([]string, 0, len(members))
		for n := range members {
			names = append(names, n)
		}
		sort.Strings(names)
		m := reflect.New(members[names[0]])
		populate(t, m.Elem().FieldByName("Value"), path+"."+names[0], depth+1)
		v.Set(m)
	case reflect.Struct:
		if ty == timeType {
			v.Set(reflect.ValueOf(time.Date(2024, 5, 21, 8, 29, 51, 907000000, time.UTC)))
			return
		}
		for i := 0; i < ty.NumField(); i++ {
			if ty.Field(i).IsExported() {
				populate(t, v.Field(i), path+"."+ty.Field(i).Name, depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(ty, 1, 1)
		populate(t, s.Index(0), path+"[0]", depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(ty)
		e := reflect.New(ty.Elem()).Elem()
		populate(t, e, path+"{}", depth+1)
		m.SetMapIndex(reflect.ValueOf("key").Convert(ty.Key()), e)
		v.Set(m)
	case reflect.String:
		v.SetString("s" + path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	default:
		t.Fatalf("%s: unsupported kind %s", path, ty.Kind())
	}
}

func TestRoundTrip(t *testing.T) {
	for _, target := range []any{
		new(ecstypes.TaskDefinition),
		new(ecs.RegisterTaskDefinitionInput),
		new(ecstypes.Service),
		new(ecstypes.Cluster),
	} {
		ty := reflect.TypeOf(target).Elem()
		t.Run(ty.Name(), func(t *testing.T) {
			want := reflect.New(ty)
			populate(t, want.Elem(), ty.Name(), 0)
			b, err := Marshal(want.Interface())
			if err != nil {
				t.Fatal(err)
			}
			again, err := Marshal(want.Interface())
			if err != nil || string(again) != string(b) {
				t.Fatal("Marshal is not deterministic")
			}
			if !json.Valid(b) {
				t.Fatalf("invalid JSON:\n%s", b)
			}
			got := reflect.New(ty)
			if err := Unmarshal("rt.json", b, got.Interface()); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Errorf("round trip differs:\n%s", b)
			}
		})
	}
}

func TestMarshalOmitsAndKeeps(t *testing.T) {
	f := false
	td := ecstypes.TaskDefinition{
		Family: new(string),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Privileged:  &f,
			Environment: []ecstypes.KeyValuePair{},
		}},
		NetworkMode: ecstypes.NetworkModeAwsvpc,
	}
	b, err := Marshal(&td)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "containerDefinitions": [
    {
      "environment": [],
      "privileged": false
    }
  ],
  "family": "",
  "networkMode": "awsvpc"
}`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

// TestMarshalMatchesCLI marshals the demo's task definitions (AWS CLI output) and checks that every key
// the CLI printed is printed by Marshal with the same spelling.
func TestMarshalMatchesCLI(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "demo", "ecs", "task-definitions", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no demo task definitions: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			TaskDefinition *ecstypes.TaskDefinition
			Tags           []ecstypes.Tag
		}
		if err := Unmarshal(f, data, &doc); err != nil {
			t.Fatal(err)
		}
		out, err := Marshal(&doc)
		if err != nil {
			t.Fatal(err)
		}
		var src, got any
		if err := json.Unmarshal(data, &src); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		// the wrapper's own keys are Go names; compare inside it
		srcTD := src.(map[string]any)["taskDefinition"]
		gotTD := got.(map[string]any)["taskDefinition"]
		var missing []string
		compareKeys(srcTD, gotTD, "taskDefinition", &missing)
		if len(missing) > 0 {
			t.Errorf("%s: keys printed by the CLI and not by Marshal: %s", f, strings.Join(missing, ", "))
		}
	}
}

func compareKeys(src, got any, path string, missing *[]string) {
	switch s := src.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, v := range s {
			gv, ok := g[k]
			if !ok {
				if isZeroJSON(v) {
					continue
				}
				*missing = append(*missing, path+"."+k)
				continue
			}
			compareKeys(v, gv, path+"."+k, missing)
		}
	case []any:
		g, _ := got.([]any)
		for i := range s {
			if i < len(g) {
				compareKeys(s[i], g[i], path, missing)
			}
		}
	}
}

func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case float64:
		return x == 0
	case bool:
		return !x
	case string:
		return x == ""
	}
	return false
}

func TestUnmarshalStrict(t *testing.T) {
	var td ecstypes.TaskDefinition
	err := Unmarshal("x.json", []byte(`{"containerDefinitions": [{"name": "a", "bogus": 1}]}`), &td)
	if err == nil || !strings.Contains(err.Error(), "containerDefinitions[0].bogus") || !strings.HasPrefix(err.Error(), "x.json") {
		t.Errorf("unknown field: %v", err)
	}
	err = Unmarshal("x.json", []byte(`{"family": `), &td)
	if err == nil || !strings.HasPrefix(err.Error(), "x.json:1:") {
		t.Errorf("syntax error: %v", err)
	}
}

func TestUnsupportedCoversECS(t *testing.T) {
	for _, ty := range []reflect.Type{
		reflect.TypeFor[ecstypes.TaskDefinition](),
		reflect.TypeFor[ecs.RegisterTaskDefinitionInput](),
		reflect.TypeFor[ecstypes.Service](),
	} {
		for _, bad := range Unsupported(ty) {
			t.Errorf("unsupported field type at %s", bad)
		}
	}
}

// readers gives the same input as a whole, as a stream of one byte per read (every token and every
// multi-byte character split across reads), and through the reader's buffer.
func readers(data []byte) map[string]func() io.Reader {
	return map[string]func() io.Reader{
		"bytes":    func() io.Reader { return bytes.NewReader(data) },
		"one-byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
	}
}

// TestStreamMatchesWhole: Scan and Decode over a stream give what Unmarshal gives on the whole input,
// errors (with their line and column) included, however the stream is cut.
func TestStreamMatchesWhole(t *testing.T) {
	for _, doc := range []string{
		`{"family": "web", "containerDefinitions": [{"name": "wéb ✓ 😀", "image": "nginx", "environment": [{"name": "A", "value": "\u00e9\ud83d\ude00\"\\/\b\f\n\r\t"}]}]}`,
		"\xEF\xBB\xBF" + `{"family": "a"}`,
		"{\n  \"family\": \"a\",\n  \"cpu\": 256\n}",
		`{"family": "a", "cpu": }`,
		`{"family": "a\u12"}`,
		`{"family": "a\x"}`,
		`{"family": "a`,
		`{"family": "a\`,
		"{\"family\": \"a\xff\tb\"}",
		"{\"family\": \"a\xffb\"}",
		"{\"family\": \"a\xe2\x82\"}",
		`{"family": "a"} x`,
		`{"family": "a",}`,
		`{"family" "a"}`,
		`{"containerDefinitions": [{"cpu": 1.5}]}`,
		`{"containerDefinitions": [{"cpu": -}]}`,
		`{"containerDefinitions": [{"cpu": 1e}]}`,
		`{"containerDefinitions": [{"cpu": 01}]}`,
		`{"containerDefinitions": [{"privileged": tru}]}`,
		`{"containerDefinitions": [{"privileged": true, "Privileged": false}]}`,
		`{"containerDefinitions": [{"dockerLabels": {"a": "1", "a": "2"}}]}`,
		`{"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "sharingStrategy": {"nvidiaMps": {}, "x": 1}}]}]}`,
		`{"containerDefinitions": [{"resourceRequirements": [{"type": "GPU", "sharingStrategy": {"bogus": {}}}]}]}`,
		`{"tags": null, "volumes": [], "placementConstraints": [{"type": "memberOf", "expression": "attribute:x == y"}]}`,
		strings.Repeat("[", 300),
		``,
		`   `,
	} {
		want := func() (string, string) {
			var v ecs.RegisterTaskDefinitionInput
			err := Unmarshal("doc.json", []byte(doc), &v)
			b, _ := Marshal(&v)
			return fmt.Sprint(err), string(b)
		}
		wantErr, wantOut := want()
		for name, open := range readers([]byte(doc)) {
			var v ecs.RegisterTaskDefinitionInput
			_, err := Scan("doc.json", open(), nil)
			if err == nil {
				err = Decode("doc.json", open(), &v, Options{})
			}
			got, _ := Marshal(&v)
			if fmt.Sprint(err) != wantErr || (err == nil && string(got) != wantOut) {
				t.Errorf("%q through %s:\n got %v\n%s\nwant %v\n%s", doc, name, err, got, wantErr, wantOut)
			}
		}
	}
}

// TestSyntaxErrors pins the messages and positions of malformed JSON.
func TestSyntaxErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a": [1, 2}`:            "x.json:1:12: invalid JSON: unexpected character '}', expected ',' or ']'",
		"{\n  \"a\": \"b\tc\"}":   "x.json:2:10: invalid JSON: control character 0x09 in string (escape it)",
		"{\n  \"a\": \"b\xffc\"}": "x.json:2:8: invalid JSON: invalid UTF-8 in string",
		`{"a": "b\qc"}`:           `x.json:1:9: invalid JSON: invalid escape sequence in string`,
		`{"a": "b\u00zz"}`:        `x.json:1:9: invalid JSON: invalid \u escape in string`,
		`{"a": "b`:                "x.json:1:7: invalid JSON: unterminated string",
		`{"a": 1.}`:               "x.json:1:9: invalid JSON: invalid number: expected a digit after the decimal point",
		`{"a": nul}`:              "x.json:1:7: invalid JSON: invalid literal, expected null",
		`{"a": 1 "b": 2}`:         "x.json:1:9: invalid JSON: unexpected character '\"', expected ',' or '}'",
		`{1: 2}`:                  "x.json:1:2: invalid JSON: unexpected character '1', expected a member name in double quotes",
		"{\"a\": 1}\n\x00":        "x.json:2:1: invalid JSON: unexpected byte 0x00 after the end of the document",
		strings.Repeat("[", 201):  "x.json:1:201: invalid JSON: document nested deeper than 200 levels",
	} {
		for name, open := range readers([]byte(doc)) {
			_, err := Scan("x.json", open(), nil)
			var se *SyntaxError
			if err == nil || err.Error() != want || !errors.As(err, &se) {
				t.Errorf("%q through %s: %v, want %s", doc, name, err, want)
			}
		}
	}
}

// TestScanKeys: Scan reports the top-level kind and the top-level keys, in order, and only those.
func TestScanKeys(t *testing.T) {
	var keys []string
	kind, err := Scan("x.json", strings.NewReader(`{"b": {"inner": 1}, "a": [{"deep": 2}], "B": null}`), func(k string) { keys = append(keys, k) })
	if err != nil || kind != "object" || strings.Join(keys, ",") != "b,a,B" {
		t.Errorf("kind %s, keys %v, %v", kind, keys, err)
	}
	if kind, err := Scan("x.json", strings.NewReader(` [1] `), func(string) { t.Error("key of an array") }); err != nil || kind != "array" {
		t.Errorf("array: %s, %v", kind, err)
	}
}

// failingReader fails after giving some bytes.
type failingReader struct{ data []byte }

func (f *failingReader) Read(b []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(b, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestReadFailure: a failure of the input is reported as itself, not as malformed JSON.
func TestReadFailure(t *testing.T) {
	_, err := Scan("x.json", &failingReader{data: []byte(`{"family": "a`)}, nil)
	var se *SyntaxError
	if err == nil || err.Error() != "x.json: disk on fire" || errors.As(err, &se) {
		t.Errorf("Scan: %v", err)
	}
	var v ecs.RegisterTaskDefinitionInput
	err = Decode("x.json", &failingReader{data: []byte(`{"family": "a"}`)}, &v, Options{})
	if err == nil || err.Error() != "x.json: disk on fire" {
		t.Errorf("Decode: %v", err)
	}
}

// TestEachField: the elements of a slice field named in Options.Each go to its function one at a time,
// in order, with their index, and the slice stays nil; an error from the function ends the decoding.
func TestEachField(t *testing.T) {
	doc := `{"containerDefinitions": [{"name": "a"}, {"name": "b", "image": "x"}], "family": "f"}`
	var names []string
	var v ecs.RegisterTaskDefinitionInput
	each := EachField{Type: reflect.TypeFor[ecs.RegisterTaskDefinitionInput](), Field: "ContainerDefinitions", Elem: func(i int, e any) error {
		c := e.(*ecstypes.ContainerDefinition)
		names = append(names, fmt.Sprintf("%d:%s", i, *c.Name))
		if i == 1 && c.Image == nil {
			return errors.New("element 1 not whole")
		}
		return nil
	}}
	if err := Decode("x.json", strings.NewReader(doc), &v, Options{Each: []EachField{each}}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "0:a,1:b" || v.ContainerDefinitions != nil || *v.Family != "f" {
		t.Errorf("names %v, kept %v, family %v", names, v.ContainerDefinitions, v.Family)
	}
	// Elements are still checked strictly, with their path.
	err := Decode("x.json", strings.NewReader(`{"containerDefinitions": [{"name": "a"}, {"nam": "b"}]}`), &v, Options{Each: []EachField{each}})
	if err == nil || !strings.Contains(err.Error(), "x.json: containerDefinitions[1].nam: unknown field (line 1, column 43)") {
		t.Errorf("unknown field in an element: %v", err)
	}
	stop := errors.New("stop")
	each.Elem = func(int, any) error { return stop }
	if err := Decode("x.json", strings.NewReader(doc), &v, Options{Each: []EachField{each}}); !errors.Is(err, stop) {
		t.Errorf("error from Elem: %v", err)
	}
}

// TestEachDocumentArray: an EachField with the slice type of the document and no field takes the
// document's own elements one at a time; elements are still checked strictly, with their path.
func TestEachDocumentArray(t *testing.T) {
	var names []string
	var v []ecstypes.ContainerDefinition
	each := EachField{Type: reflect.TypeFor[[]ecstypes.ContainerDefinition](), Elem: func(i int, e any) error {
		names = append(names, fmt.Sprintf("%d:%s", i, *e.(*ecstypes.ContainerDefinition).Name))
		if i == 2 {
			return errors.New("too many")
		}
		return nil
	}}
	if err := Decode("x.json", strings.NewReader(`[{"name": "a"}, {"name": "b"}]`), &v, Options{Each: []EachField{each}}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "0:a,1:b" || v != nil {
		t.Errorf("names %v, kept %v", names, v)
	}
	err := Decode("x.json", strings.NewReader(`[{"name": "a"}, {"nam": "b"}]`), &v, Options{Each: []EachField{each}})
	if err == nil || !strings.Contains(err.Error(), "x.json: [1].nam: unknown field") {
		t.Errorf("unknown field in an element: %v", err)
	}
	if err := Decode("x.json", strings.NewReader(`[{"name": "a"}, {"name": "b"}, {"name": "c"}, {`), &v, Options{Each: []EachField{each}}); err == nil || err.Error() != "too many" {
		t.Errorf("error from Elem: %v", err)
	}
}

// TestMaxBytes: values that take more memory than Options.MaxBytes are refused at the value that goes
// over, whether kept or given to an Each function.
func TestMaxBytes(t *testing.T) {
	doc := `{"containerDefinitions": [` + strings.Repeat(`{}, `, 99) + `{}]}`
	size := reflect.TypeFor[ecstypes.ContainerDefinition]().Size()
	var v ecs.RegisterTaskDefinitionInput
	if err := Decode("x.json", strings.NewReader(doc), &v, Options{MaxBytes: int64(100 * size)}); err != nil || len(v.ContainerDefinitions) != 100 {
		t.Fatalf("within the bound: %v", err)
	}
	err := Decode("x.json", strings.NewReader(doc), &v, Options{MaxBytes: int64(50 * size)})
	if err == nil || !strings.HasPrefix(err.Error(), "x.json: containerDefinitions[50]: the values decoded so far take more than") {
		t.Errorf("over the bound: %v", err)
	}
	each := EachField{Type: reflect.TypeFor[ecs.RegisterTaskDefinitionInput](), Field: "ContainerDefinitions", Elem: func(int, any) error { return nil }}
	err = Decode("x.json", strings.NewReader(doc), &v, Options{MaxBytes: int64(50 * size), Each: []EachField{each}})
	if err == nil || !strings.Contains(err.Error(), "containerDefinitions[50]: the values decoded so far") {
		t.Errorf("over the bound, elements not kept: %v", err)
	}
}

// TestEachElementIsCleared checks that an element given to an Each function holds only what its own JSON
// says, although the elements of a list are decoded into one value, and that a copy kept is not changed
// by the elements after it.
func TestEachElementIsCleared(t *testing.T) {
	var kept []ecstypes.ContainerDefinition
	each := EachField{Type: reflect.TypeFor[[]ecstypes.ContainerDefinition](), Elem: func(_ int, e any) error {
		kept = append(kept, *e.(*ecstypes.ContainerDefinition))
		return nil
	}}
	var v []ecstypes.ContainerDefinition
	doc := `[{"name": "a", "image": "i", "cpu": 5, "environment": [{"name": "K", "value": "V"}]}, {"name": "b"}]`
	if err := Decode("x.json", strings.NewReader(doc), &v, Options{Each: []EachField{each}}); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 {
		t.Fatalf("kept %d elements", len(kept))
	}
	a, b := kept[0], kept[1]
	if *a.Name != "a" || *a.Image != "i" || a.Cpu != 5 || len(a.Environment) != 1 || *a.Environment[0].Value != "V" {
		t.Errorf("first element changed by the second: %+v", a)
	}
	if *b.Name != "b" || b.Image != nil || b.Cpu != 0 || b.Environment != nil {
		t.Errorf("second element holds the first's fields: %+v", b)
	}
}
