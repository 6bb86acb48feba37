package awsjson

import (
	"reflect"
	"strings"
	"testing"
)

// TestArraysThroughScratch: arrays are decoded into reused scratch slices, then copied out: each slice
// decoded has exactly its elements (no room to spare, nothing of an array decoded before it, in the same
// document or an earlier one), an empty array is an empty slice (not nil) and null a nil one, an array of
// arrays of the same type (a scratch in use is not reused inside it) keeps each level its own, and a
// document that fails in an array leaves nothing behind for the next.
func TestArraysThroughScratch(t *testing.T) {
	type item struct {
		Name  *string
		Items []item
		Tags  []string
	}
	type doc struct {
		A, B, C []item
		Empty   []string
		Null    []string
	}
	decode := func(text string) (doc, error) {
		var d doc
		err := Decode("doc.json", strings.NewReader(text), &d, Options{Strings: NewStrings(64)})
		return d, err
	}
	names := func(items []item) []string {
		var out []string
		for _, it := range items {
			out = append(out, *it.Name)
		}
		return out
	}
	big := `{"A": [` + strings.Repeat(`{"name": "x", "tags": ["1", "2", "3"]},`, 40) + `{"name": "last"}]}`
	for range 2 {
		d, err := decode(big)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.A) != 41 || cap(d.A) != 41 || *d.A[40].Name != "last" || len(d.A[0].Tags) != 3 || cap(d.A[0].Tags) != 3 || d.A[40].Tags != nil {
			t.Fatalf("big array: %d elements (cap %d)", len(d.A), cap(d.A))
		}
	}
	if _, err := decode(`{"A": [{"name": "a", "tags": ["p", "q"]}, {"name": 7}]}`); err == nil {
		t.Fatal("a number for a string decoded")
	}
	d, err := decode(`{"A": [{"name": "a", "items": [{"name": "a1", "items": [{"name": "a11"}]}, {"name": "a2"}]}, {"name": "b"}],
		"B": [{"name": "c", "tags": ["t"]}], "C": [], "Empty": [], "Null": null}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(d.A); !reflect.DeepEqual(got, []string{"a", "b"}) || cap(d.A) != 2 {
		t.Errorf("A = %v (cap %d)", got, cap(d.A))
	}
	if got := names(d.A[0].Items); !reflect.DeepEqual(got, []string{"a1", "a2"}) || cap(d.A[0].Items) != 2 {
		t.Errorf("A[0].Items = %v", got)
	}
	if got := names(d.A[0].Items[0].Items); !reflect.DeepEqual(got, []string{"a11"}) {
		t.Errorf("A[0].Items[0].Items = %v", got)
	}
	if d.A[1].Items != nil || d.A[0].Tags != nil || d.A[0].Items[1].Items != nil {
		t.Errorf("absent arrays decoded: %v %v %v", d.A[1].Items, d.A[0].Tags, d.A[0].Items[1].Items)
	}
	if got := names(d.B); !reflect.DeepEqual(got, []string{"c"}) || !reflect.DeepEqual(d.B[0].Tags, []string{"t"}) {
		t.Errorf("B = %v %v", got, d.B[0].Tags)
	}
	if d.C == nil || len(d.C) != 0 || d.Empty == nil || len(d.Empty) != 0 || d.Null != nil {
		t.Errorf("empty arrays %#v %#v, null %#v", d.C, d.Empty, d.Null)
	}
}
