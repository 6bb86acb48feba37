package awsjson

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
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
