// Package filepatch writes the fixes the planner made for task definitions kept as files back into those
// files: the edits of a registration (its Before and After) become JSON Patch style operations, applied to
// the file's text in place so that indentation, key order, line endings and every byte not changed stay as
// they were, and the result is shown as a unified diff that git apply accepts.
package filepatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"
)

// This file holds the operations: the structural difference of two JSON documents (a registration's
// Before and After) as add, remove and replace operations on JSON pointers, in the order they apply.

// OpKind is what an operation does (as in RFC 6902).
type OpKind string

const (
	OpAdd     OpKind = "add"
	OpRemove  OpKind = "remove"
	OpReplace OpKind = "replace"
)

// Op is one operation. Path holds the reference tokens of an RFC 6901 pointer (unescaped); the last token
// of an add to an array is the index the new element gets. Value is the JSON text of the value (add,
// replace), in the key order of the document it came from.
type Op struct {
	Kind  OpKind
	Path  []string
	Value json.RawMessage
}

// Pointer is the op's path as an RFC 6901 pointer.
func (o Op) Pointer() string { return Pointer(o.Path) }

// Pointer joins reference tokens into an RFC 6901 pointer.
func Pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// SplitPointer splits an RFC 6901 pointer into its reference tokens ("" is the whole document).
func SplitPointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("JSON pointer %q does not start with /", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	return parts, nil
}

// Diff returns the operations that turn before into after (two JSON documents). Objects are compared
// member by member and arrays element by element, so that an operation touches the smallest value that
// changed: a member added or removed, a scalar replaced, array elements removed, inserted or changed (see
// diffArrays); a value that changes type is replaced whole. A member new in after is
// added after the existing ones. Removals from an array come last-first, so every index is the one the
// array has when the operation applies.
func Diff(before, after []byte) ([]Op, error) {
	b, err := hujson.Parse(before)
	if err != nil {
		return nil, fmt.Errorf("before: %w", err)
	}
	a, err := hujson.Parse(after)
	if err != nil {
		return nil, fmt.Errorf("after: %w", err)
	}
	d := differ{before: before, after: after}
	d.diff(nil, &b, &a)
	return d.ops, nil
}

type differ struct {
	before, after []byte
	ops           []Op
}

func raw(src []byte, v *hujson.Value) []byte { return src[v.StartOffset:v.EndOffset] }

// compact is the value's JSON without insignificant whitespace (for comparing).
func compact(src []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, src) != nil {
		return string(src)
	}
	return b.String()
}

func with(path []string, tok string) []string {
	return append(append([]string(nil), path...), tok)
}

func (d *differ) diff(path []string, b, a *hujson.Value) {
	if compact(raw(d.before, b)) == compact(raw(d.after, a)) {
		return
	}
	switch bv := b.Value.(type) {
	case *hujson.Object:
		if av, ok := a.Value.(*hujson.Object); ok {
			d.diffObjects(path, bv, av)
			return
		}
	case *hujson.Array:
		if av, ok := a.Value.(*hujson.Array); ok && d.diffArrays(path, bv, av) {
			return
		}
	}
	d.ops = append(d.ops, Op{Kind: OpReplace, Path: path, Value: cloneRaw(raw(d.after, a))})
}

func cloneRaw(b []byte) json.RawMessage { return append(json.RawMessage(nil), b...) }

func memberName(m *hujson.ObjectMember) string {
	if l, ok := m.Name.Value.(hujson.Literal); ok {
		if len(l) >= 2 && l[0] == '"' && bytes.IndexByte(l, '\\') < 0 {
			return string(l[1 : len(l)-1]) // no escapes: the name is its text
		}
		return l.String()
	}
	return ""
}

func (d *differ) diffObjects(path []string, b, a *hujson.Object) {
	inAfter := map[string]*hujson.ObjectMember{}
	for i := range a.Members {
		inAfter[memberName(&a.Members[i])] = &a.Members[i]
	}
	inBefore := map[string]bool{}
	for i := range b.Members {
		m := &b.Members[i]
		name := memberName(m)
		inBefore[name] = true
		if am, ok := inAfter[name]; ok {
			d.diff(with(path, name), &m.Value, &am.Value)
		} else {
			d.ops = append(d.ops, Op{Kind: OpRemove, Path: with(path, name)})
		}
	}
	for i := range a.Members {
		m := &a.Members[i]
		if name := memberName(m); !inBefore[name] {
			d.ops = append(d.ops, Op{Kind: OpAdd, Path: with(path, name), Value: cloneRaw(raw(d.after, &m.Value))})
		}
	}
}

// diffArrays diffs two arrays: of one length, element by element; when the shorter is the longer with
// elements removed or inserted (each element unchanged), by those removals or insertions; otherwise
// element by element over the shorter's length, then the longer's tail added or removed. Every way gives
// exactly after; the first two keep unchanged elements untouched.
func (d *differ) diffArrays(path []string, b, a *hujson.Array) bool {
	be, ae := b.Elements, a.Elements
	key := func(src []byte, v *hujson.Value) string { return compact(raw(src, v)) }
	n := min(len(be), len(ae))
	switch {
	case len(be) > len(ae):
		if kept, ok := subsequence(len(ae), len(be), func(i, j int) bool { return key(d.after, &ae[i]) == key(d.before, &be[j]) }); ok {
			for j := len(be) - 1; j >= 0; j-- {
				if !kept[j] {
					d.ops = append(d.ops, Op{Kind: OpRemove, Path: with(path, strconv.Itoa(j))})
				}
			}
			return true
		}
	case len(be) < len(ae):
		if kept, ok := subsequence(len(be), len(ae), func(i, j int) bool { return key(d.before, &be[i]) == key(d.after, &ae[j]) }); ok {
			for j := range ae {
				if !kept[j] {
					d.ops = append(d.ops, Op{Kind: OpAdd, Path: with(path, strconv.Itoa(j)), Value: cloneRaw(raw(d.after, &ae[j]))})
				}
			}
			return true
		}
	}
	for i := 0; i < n; i++ {
		d.diff(with(path, strconv.Itoa(i)), &be[i], &ae[i])
	}
	for j := len(be) - 1; j >= n; j-- {
		d.ops = append(d.ops, Op{Kind: OpRemove, Path: with(path, strconv.Itoa(j))})
	}
	for j := n; j < len(ae); j++ {
		d.ops = append(d.ops, Op{Kind: OpAdd, Path: with(path, strconv.Itoa(j)), Value: cloneRaw(raw(d.after, &ae[j]))})
	}
	return true
}

// subsequence matches the n elements of the shorter array, in order, to elements of the longer one (m
// elements) greedily, and reports which of the longer's elements were matched.
func subsequence(n, m int, eq func(i, j int) bool) ([]bool, bool) {
	kept := make([]bool, m)
	i := 0
	for j := 0; j < m && i < n; j++ {
		if eq(i, j) {
			kept[j] = true
			i++
		}
	}
	return kept, i == n
}
