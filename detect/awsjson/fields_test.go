package awsjson

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// Fields lists the exported fields in declaration order with the names Marshal writes, once per type.
func TestFields(t *testing.T) {
	type sample struct {
		URLPath    *string
		hidden     string
		FSxWindows bool
		Name       string
		Ports      []int32
	}
	got := Fields(reflect.TypeFor[sample]())
	want := []Field{{Index: 0, Name: "urlPath"}, {Index: 2, Name: "fsxWindows"}, {Index: 3, Name: "name"}, {Index: 4, Name: "ports"}}
	if len(got) != len(want) {
		t.Fatalf("Fields = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Index != want[i].Index || got[i].Name != want[i].Name || got[i].written != `"`+want[i].Name+`": ` {
			t.Errorf("field %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if again := Fields(reflect.TypeFor[sample]()); &again[0] != &got[0] {
		t.Error("Fields is computed again for a type it listed")
	}
	if fs := Fields(reflect.TypeFor[struct{ x int }]()); len(fs) != 0 {
		t.Errorf("a type without exported fields: %+v", fs)
	}

	// Marshal writes the members in Fields' order, under Fields' names.
	s := "a"
	v := sample{URLPath: &s, FSxWindows: true, Name: "n", Ports: []int32{80}}
	var b bytes.Buffer
	if err := MarshalTo(&b, v); err != nil {
		t.Fatal(err)
	}
	at := -1
	for _, f := range got {
		i := strings.Index(b.String(), `"`+f.Name+`":`)
		if i <= at {
			t.Errorf("member %s at %d, after the one before it at %d:\n%s", f.Name, i, at, b.String())
		}
		at = i
	}
}
