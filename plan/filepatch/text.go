package filepatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"
)

// Applying operations to a file's text in place. The text is parsed (hujson keeps the byte offsets of every
// value and member name) and each operation splices only the bytes it changes: a replaced value's bytes,
// a removed member with its separator, a new member after the last one (or before the first, when the
// last one's line must not change). A new member copies its neighbours' layout: their indentation, the
// separator between name and value, one member per line or all on one line, the file's line ending.

// Text is a JSON document's text being edited.
type Text struct {
	b  []byte
	nl string
	// Keep reports whether the line holding a byte offset of the text must not change (it shows a value
	// that must not be printed): a new member then goes before the first member instead of after the
	// last one.
	Keep func(off int) bool
	// Fold says which tokens of an operation's path match a member of any case (nil: none).
	Fold Folder
	// root is b parsed, nil until needed after a change; ver counts the changes.
	root *hujson.Value
	ver  int
}

// parsed is the text parsed (once per version of the text).
func (t *Text) parsed() (*hujson.Value, error) {
	if t.root == nil {
		v, err := hujson.Parse(t.b)
		if err != nil {
			return nil, fmt.Errorf("the file is not JSON: %w", err)
		}
		t.root = &v
	}
	return t.root, nil
}

// set replaces the whole text.
func (t *Text) set(b []byte) { t.b, t.root = b, nil; t.ver++ }

// NewText starts editing src (without a byte-order mark).
func NewText(src []byte) *Text {
	t := &Text{b: append([]byte(nil), src...), nl: "\n"}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		t.nl = "\r\n"
	}
	return t
}

// Bytes is the text as edited so far.
func (t *Text) Bytes() []byte { return t.b }

func (t *Text) splice(start, end int, s string) {
	t.set(append(t.b[:start:start], append([]byte(s), t.b[end:]...)...))
}

// lineStart is the offset of the start of the line holding off.
func (t *Text) lineStart(off int) int { return bytes.LastIndexByte(t.b[:off], '\n') + 1 }

// indent is the leading white space of the line holding off.
func (t *Text) indent(off int) string {
	s := t.lineStart(off)
	e := s
	for e < len(t.b) && (t.b[e] == ' ' || t.b[e] == '\t') {
		e++
	}
	return string(t.b[s:e])
}

// oneLine reports whether the whole text is on one line (a final line ending aside).
func (t *Text) oneLine() bool {
	return !bytes.Contains(bytes.TrimRight(t.b, "\r\n"), []byte{'\n'})
}

func (t *Text) sameLine(a, b int) bool {
	if a > b {
		a, b = b, a
	}
	return !bytes.Contains(t.b[a:b], []byte{'\n'})
}

// unit is the file's indentation step: the first indented line's indentation beyond its parent's, two
// spaces when nothing is indented.
func (t *Text) unit() string {
	lines := strings.Split(string(t.b), "\n")
	prev := ""
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if len(ind) > len(prev) && strings.HasPrefix(ind, prev) {
			return ind[len(prev):]
		}
		if strings.TrimSpace(l) != "" {
			prev = ind
		}
	}
	return "  "
}

// render formats a value for insertion on a line indented by ind: scalars and everything on a one-line
// layout compact, composite values on a multi-line layout indented like the file.
func (t *Text) render(v json.RawMessage, ind string, multi bool) (string, error) {
	var b bytes.Buffer
	if !multi || (len(v) > 0 && v[0] != '{' && v[0] != '[') {
		if err := json.Compact(&b, v); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	if err := json.Indent(&b, v, ind, t.unit()); err != nil {
		return "", err
	}
	return strings.ReplaceAll(b.String(), "\n", t.nl), nil
}

func quoteName(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Apply applies one operation whose path is a pointer into the whole document, members matched as Fold
// says: a member spelled in another case is replaced or removed as spelled, and one is added only when
// the object has none of any case. It returns the operation with its path spelled as in the file.
func (t *Text) Apply(op Op) (Op, error) {
	root, err := t.parsed()
	if err != nil {
		return op, err
	}
	if len(op.Path) == 0 {
		return op, fmt.Errorf("an operation on the whole document is not supported")
	}
	parent, spelled, err := resolve(root, op.Path[:len(op.Path)-1], t.Fold)
	if err != nil {
		return op, err
	}
	parentPtr, last := Pointer(op.Path[:len(op.Path)-1]), op.Path[len(op.Path)-1]
	if parent == nil {
		return op, fmt.Errorf("the file has no value at %s", parentPtr)
	}
	op = Op{Kind: op.Kind, Path: append(spelled, last), Value: op.Value}
	switch p := parent.Value.(type) {
	case *hujson.Object:
		idx, err := memberIndex(p, last, t.Fold != nil && t.Fold(op.Path, len(op.Path)-1))
		if err != nil {
			return op, err
		}
		if idx >= 0 {
			op.Path[len(op.Path)-1] = memberName(&p.Members[idx])
		}
		switch {
		case op.Kind == OpRemove && idx < 0:
			return op, nil // already absent
		case op.Kind == OpRemove:
			t.removeMember(parent, p, idx)
			return op, nil
		case idx >= 0:
			return op, t.replace(&p.Members[idx].Value, op.Value)
		default:
			return op, t.addMember(parent, p, last, op.Value)
		}
	case *hujson.Array:
		n := len(p.Elements)
		i, err := strconv.Atoi(last)
		if last == "-" {
			i, err = n, nil
		}
		if err != nil || i < 0 || i > n || (i == n && op.Kind != OpAdd) {
			return op, fmt.Errorf("the file has no element %s at %s (it has %d)", last, parentPtr, n)
		}
		switch op.Kind {
		case OpRemove:
			t.removeElement(parent, p, i)
			return op, nil
		case OpReplace:
			return op, t.replace(&p.Elements[i], op.Value)
		default:
			return op, t.addElement(parent, p, i, op.Value)
		}
	}
	return op, fmt.Errorf("the value at %s is neither an object nor an array", parentPtr)
}

func (t *Text) replace(v *hujson.Value, val json.RawMessage) error {
	multi := !t.sameLine(t.lineStart(v.StartOffset), len(t.b)) // a file of more than one line
	s, err := t.render(val, t.indent(v.StartOffset), multi)
	if err != nil {
		return err
	}
	t.splice(v.StartOffset, v.EndOffset, s)
	return nil
}

// removeMember removes member i and one separator: the comma after it (and the space up to the next
// name), or for the last member, the comma before it.
func (t *Text) removeMember(v *hujson.Value, o *hujson.Object, i int) {
	m := o.Members
	switch {
	case len(m) == 1:
		t.splice(v.StartOffset+1, v.EndOffset-1, "")
	case i < len(m)-1:
		t.splice(m[i].Name.StartOffset, m[i+1].Name.StartOffset, "")
	default:
		t.splice(m[i-1].Value.EndOffset, m[i].Value.EndOffset, "")
	}
}

func (t *Text) removeElement(v *hujson.Value, a *hujson.Array, i int) {
	e := a.Elements
	switch {
	case len(e) == 1:
		t.splice(v.StartOffset+1, v.EndOffset-1, "")
	case i < len(e)-1:
		t.splice(e[i].StartOffset, e[i+1].StartOffset, "")
	default:
		t.splice(e[i-1].EndOffset, e[i].EndOffset, "")
	}
}

// addMember adds a member: after the last member, in its layout; before the first one when the last
// member's line must not change (Keep); into an empty object, on lines of their own when the object's
// braces are on different lines.
func (t *Text) addMember(v *hujson.Value, o *hujson.Object, name string, val json.RawMessage) error {
	m := o.Members
	if len(m) == 0 {
		return t.fillEmpty(v, quoteName(name)+": ", val)
	}
	last := &m[len(m)-1]
	kv := string(t.b[last.Name.EndOffset:last.Value.StartOffset]) // ": " or ":"
	multi := !t.sameLine(m[0].Name.StartOffset, v.StartOffset) || (len(m) > 1 && !t.sameLine(m[0].Name.StartOffset, last.Name.StartOffset))
	if !multi {
		s, err := t.render(val, "", false)
		if err != nil {
			return err
		}
		t.splice(last.Value.EndOffset, last.Value.EndOffset, t.sep(m, kv)+quoteName(name)+kv+s)
		return nil
	}
	if t.Keep != nil && t.Keep(last.Value.EndOffset) {
		first := &m[0]
		ind := t.indent(first.Name.StartOffset)
		s, err := t.render(val, ind, true)
		if err != nil {
			return err
		}
		t.splice(first.Name.StartOffset, first.Name.StartOffset, quoteName(name)+kv+s+","+t.nl+ind)
		return nil
	}
	ind := t.indent(last.Name.StartOffset)
	s, err := t.render(val, ind, true)
	if err != nil {
		return err
	}
	t.splice(last.Value.EndOffset, last.Value.EndOffset, ","+t.nl+ind+quoteName(name)+kv+s)
	return nil
}

// sep is the separator between two members on one line: the one the last two use, else ", " (or ","
// when names and values are written without a space).
func (t *Text) sep(m []hujson.ObjectMember, kv string) string {
	if n := len(m); n >= 2 {
		return string(t.b[m[n-2].Value.EndOffset:m[n-1].Name.StartOffset])
	}
	if strings.Contains(kv, " ") {
		return ", "
	}
	return ","
}

func (t *Text) addElement(v *hujson.Value, a *hujson.Array, i int, val json.RawMessage) error {
	e := a.Elements
	if len(e) == 0 {
		return t.fillEmpty(v, "", val)
	}
	multi := !t.sameLine(e[0].StartOffset, v.StartOffset) || (len(e) > 1 && !t.sameLine(e[0].StartOffset, e[len(e)-1].StartOffset))
	sep := ", "
	if len(e) > 1 {
		sep = string(t.b[e[0].EndOffset:e[1].StartOffset])
	}
	if i < len(e) {
		ind := t.indent(e[i].StartOffset)
		s, err := t.render(val, ind, multi)
		if err != nil {
			return err
		}
		if multi {
			sep = "," + t.nl + ind
		}
		t.splice(e[i].StartOffset, e[i].StartOffset, s+sep)
		return nil
	}
	lastEl := &e[len(e)-1]
	ind := t.indent(lastEl.StartOffset)
	s, err := t.render(val, ind, multi)
	if err != nil {
		return err
	}
	if multi {
		sep = "," + t.nl + ind
	}
	t.splice(lastEl.EndOffset, lastEl.EndOffset, sep+s)
	return nil
}

// fillEmpty writes the first member or element (prefix is its name and separator) into an empty object
// or array: between the brackets when they are on one line and the value is a scalar (or the file is one
// line), else on lines of its own, indented one step beyond the brackets' line.
func (t *Text) fillEmpty(v *hujson.Value, prefix string, val json.RawMessage) error {
	if t.sameLine(v.StartOffset, v.EndOffset) && (t.oneLine() || (len(val) > 0 && val[0] != '{' && val[0] != '[')) {
		s, err := t.render(val, "", false)
		if err != nil {
			return err
		}
		t.splice(v.StartOffset+1, v.EndOffset-1, prefix+s)
		return nil
	}
	ind := t.indent(v.StartOffset)
	s, err := t.render(val, ind+t.unit(), true)
	if err != nil {
		return err
	}
	t.splice(v.StartOffset+1, v.EndOffset-1, t.nl+ind+t.unit()+prefix+s+t.nl+ind)
	return nil
}
