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
