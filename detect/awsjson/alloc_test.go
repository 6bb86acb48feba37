package awsjson

import (
	"strings"
	"testing"
	"unsafe"
)

// TestStringsIntern: with a table, a string repeated across documents is one copy (the same bytes in
// memory), an escaped string and one longer than maxInterned are decoded as without it, and the table
// stops growing at its size, the strings past it still decoded.
func TestStringsIntern(t *testing.T) {
	type doc struct {
		Family, Image, Note, Long *string
	}
	long := strings.Repeat("x", maxInterned+1)
	strs := NewStrings(4)
	decode := func(text string) doc {
		t.Helper()
		var d doc
		if err := Decode("doc.json", strings.NewReader(text), &d, Options{Strings: strs}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := decode(`{"family": "web", "image": "nginx:1", "note": "tab\there", "long": "` + long + `"}`)
	b := decode(`{"Family": "web", "Image": "nginx:1", "note": "tab\there", "long": "` + long + `"}`)
	same := func(x, y *string) bool { return unsafe.StringData(*x) == unsafe.StringData(*y) }
	if *a.Family != "web" || *a.Image != "nginx:1" || *a.Note != "tab\there" || *a.Long != long {
		t.Fatalf("decoded %q %q %q %d bytes", *a.Family, *a.Image, *a.Note, len(*a.Long))
	}
	if !same(a.Family, b.Family) || !same(a.Image, b.Image) {
		t.Error("a value repeated in two documents is two copies")
	}
	if same(a.Long, b.Long) || same(a.Note, b.Note) {
		t.Error("a long or escaped string was interned")
	}
	// the first four strings read went in ("family", "web", "image", "nginx:1", names included); then the table is full
	if strs.Len() != 4 {
		t.Errorf("table holds %d strings, want 4 (its size)", strs.Len())
	}
	c := decode(`{"family": "api", "image": "nginx:1"}`)
	d := decode(`{"family": "api", "image": "nginx:1"}`)
	if *c.Family != "api" || same(c.Family, d.Family) || strs.Len() != 4 {
		t.Errorf("past its size: %q, shared %v, %d strings", *c.Family, same(c.Family, d.Family), strs.Len())
	}
	// without a table, nothing is shared
	var e, f doc
	for _, x := range []*doc{&e, &f} {
		if err := Decode("doc.json", strings.NewReader(`{"family": "web"}`), x, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if same(e.Family, f.Family) {
		t.Error("without a table, two documents share a string")
	}
}

// TestPathsAfterSiblings: the decoder reuses one path node per depth; a path named after siblings at
// every depth were read (an error, an unknown field) is still the value's own.
func TestPathsAfterSiblings(t *testing.T) {
	type inner struct{ N *int32 }
	type outer struct {
		List  []inner
		Other *string
		Map   map[string][]inner
	}
	var unknown []string
	opt := Options{Unknown: func(f UnknownField) error { unknown = append(unknown, f.Path+"|"+f.Inner); return nil }}
	var v outer
	err := Decode("d.json", strings.NewReader(`{"other": "x", "list": [{"n": 1}, {"n": 2, "extra": 1}], "map": {"a": [{"n": 1}], "b": [{"n": 2}, {"zz": 0}]}}`), &v, opt)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"list[1].extra|[1].extra", "map.b[1].zz|b[1].zz"}; strings.Join(unknown, ",") != strings.Join(want, ",") {
		t.Errorf("unknown fields %q, want %q", unknown, want)
	}
	err = Decode("d.json", strings.NewReader(`{"list": [{"n": 1}, {"n": 2}], "map": {"a": [{"n": 1}], "b": [{"n": 2}, {"n": "three"}]}}`), &v, Options{})
	if err == nil || !strings.Contains(err.Error(), "d.json: map.b[1].n: expected integer") {
		t.Errorf("error = %v", err)
	}
}

// TestDuplicateFields: a field given twice (in any spelling) is an error naming it, whichever its index
// in the struct, and members of one struct do not count against another's.
func TestDuplicateFields(t *testing.T) {
	type item struct{ A, B *string }
	type doc struct {
		Items []item
		Z     *int32
	}
	var v doc
	if err := Decode("d.json", strings.NewReader(`{"items": [{"a": "1", "b": "2"}, {"a": "1", "b": "2"}], "z": 1}`), &v, Options{}); err != nil {
		t.Fatalf("no duplicate: %v", err)
	}
	for text, where := range map[string]string{
		`{"z": 1, "items": [], "Z": 2}`:                         "d.json: Z: duplicate field",
		`{"items": [{"a": "1"}, {"b": "2", "B": "3"}], "z": 1}`: "d.json: items[1].B: duplicate field",
	} {
		if err := Decode("d.json", strings.NewReader(text), &v, Options{}); err == nil || !strings.Contains(err.Error(), where) {
			t.Errorf("%s: error = %v, want %q", text, err, where)
		}
	}
}
