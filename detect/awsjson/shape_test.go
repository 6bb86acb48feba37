// This file tests ScanShape, and Decode's extra members and unknown-field hook, which the snapshot uses
// to read task definitions kept as files.

package awsjson

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestScanShape(t *testing.T) {
	var got []string
	sh := Shape{
		Top:     func(kind string, line int) { got = append(got, fmt.Sprintf("top %s %d", kind, line)) },
		Member:  func(key, kind string, line int) { got = append(got, fmt.Sprintf("member %s %s %d", key, kind, line)) },
		Elem:    func(i int, kind string, line int) { got = append(got, fmt.Sprintf("elem %d %s %d", i, kind, line)) },
		ElemKey: func(i int, key string) { got = append(got, fmt.Sprintf("key %d %s", i, key)) },
	}
	if err := ScanShape("x.json", strings.NewReader("\xef\xbb\xbf\n{\"a\":\n  [1],\n \"b\": {\"c\": 1}}"), sh); err != nil {
		t.Fatal(err)
	}
	want := []string{"top object 2", "member a array 3", "member b object 4"}
	if !slices.Equal(got, want) {
		t.Errorf("object: %q, want %q", got, want)
	}
	got = nil
	if err := ScanShape("x.json", strings.NewReader("[\n {\"name\": 1, \"image\": {\"x\": 2}},\n 3]"), sh); err != nil {
		t.Fatal(err)
	}
	want = []string{"top array 1", "elem 0 object 2", "key 0 name", "key 0 image", "elem 1 number 3"}
	if !slices.Equal(got, want) {
		t.Errorf("array: %q, want %q", got, want)
	}
	if err := ScanShape("x.json", strings.NewReader(`[{"a": }]`), sh); err == nil || !strings.HasPrefix(err.Error(), "x.json:1:8: invalid JSON") {
		t.Errorf("malformed: %v", err)
	}
}

func TestDecodeUnknownAndExtra(t *testing.T) {
	type doc struct{ TaskDefinition *ecstypes.TaskDefinition }
	var d doc
	var tags []ecstypes.Tag
	var unknown []UnknownField
	opt := Options{
		Extra:   []ExtraField{{Type: reflect.TypeFor[ecstypes.TaskDefinition](), Key: "tags", Target: &tags}},
		Unknown: func(f UnknownField) error { unknown = append(unknown, f); return nil },
	}
	src := "{\"taskDefinition\": {\"family\": \"a\", \"Tags\": [{\"key\": \"k\"}],\n \"newThing\": {\"deep\": [1, {}]},\n \"containerDefinitions\": [{\"name\": \"c\", \"odd key\": 1}]}, \"beside\": 2}"
	if err := Decode("x.json", strings.NewReader(src), &d, opt); err != nil {
		t.Fatal(err)
	}
	if d.TaskDefinition == nil || *d.TaskDefinition.Family != "a" || len(d.TaskDefinition.ContainerDefinitions) != 1 {
		t.Errorf("decoded %+v", d.TaskDefinition)
	}
	if len(tags) != 1 || *tags[0].Key != "k" {
		t.Errorf("tags %+v", tags)
	}
	want := []UnknownField{
		{Path: "taskDefinition.newThing", Inner: "newThing", Line: 2, Column: 2},
		{Path: `taskDefinition.containerDefinitions[0]["odd key"]`, Inner: `containerDefinitions[0]["odd key"]`, Line: 3, Column: 41},
		{Path: "beside", Inner: "", Line: 3, Column: 58},
	}
	if !reflect.DeepEqual(unknown, want) {
		t.Errorf("unknown fields\n%+v\nwant\n%+v", unknown, want)
	}
	// An extra member twice is a duplicate field; without the hook an unknown field is an error.
	err := Decode("x.json", strings.NewReader(`{"taskDefinition": {"tags": [], "TAGS": []}}`), &doc{}, opt)
	if err == nil || !strings.Contains(err.Error(), "x.json: taskDefinition.TAGS: duplicate field") {
		t.Errorf("duplicate extra: %v", err)
	}
	err = Decode("x.json", strings.NewReader(`{"taskDefinition": {"newThing": 1}}`), &doc{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "taskDefinition.newThing: unknown field") {
		t.Errorf("no hook: %v", err)
	}
	// An error from the hook ends the decoding.
	opt.Unknown = func(UnknownField) error { return fmt.Errorf("refused") }
	if err := Decode("x.json", strings.NewReader(`{"taskDefinition": {"newThing": 1}}`), &doc{}, opt); err == nil || err.Error() != "refused" {
		t.Errorf("hook error: %v", err)
	}
}
