package filepatch

import (
	"bytes"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/ecsfix/ecsfix/detect"
)

// Where in its file a finding is, and a file's edits as line replacements (for SARIF results and fixes).

// Locate returns the 1-based line, in text (a file's whole text), of the field of the container that made
// a control fail: the container's member named field, else the container itself; with no container, the
// task definition's member named field; else the task definition's first line. 0 when the text is not
// JSON or holds nothing at src.Pointer.
func Locate(text []byte, src *detect.FileSource, container, field string) int {
	text = bytes.TrimPrefix(text, bom)
	v, err := hujson.Parse(text)
	if err != nil {
		return 0
	}
	td := v.Find(src.Pointer)
	if td == nil {
		return 0
	}
	line := func(off int) int { return bytes.Count(text[:off], []byte{'\n'}) + 1 }
	if i := strings.IndexAny(field, ".["); i >= 0 {
		field = field[:i]
	}
	// members of any case, as the reader reads them
	member := func(obj *hujson.Value, name string) *hujson.Value {
		o, ok := obj.Value.(*hujson.Object)
		if !ok || name == "" {
			return nil
		}
		if i, err := memberIndex(o, name, true); err == nil && i >= 0 {
			return &o.Members[i].Name
		}
		return nil
	}
	value := func(obj *hujson.Value, name string) *hujson.Value {
		if m := member(obj, name); m != nil {
			for i, o := 0, obj.Value.(*hujson.Object); i < len(o.Members); i++ {
				if &o.Members[i].Name == m {
					return &o.Members[i].Value
				}
			}
		}
		return nil
	}
	if container != "" {
		list := td
		if !src.ContainersOnly {
			list = value(td, "containerDefinitions")
		}
		var elems []hujson.Value
		if list != nil {
			if a, ok := list.Value.(*hujson.Array); ok {
				elems = a.Elements
			}
		}
		for i := range elems {
			c := &elems[i]
			if n := value(c, "name"); n != nil {
				if l, ok := n.Value.(hujson.Literal); ok && l.String() == container {
					if m := member(c, field); m != nil {
						return line(m.StartOffset)
					}
					return line(c.StartOffset)
				}
			}
		}
	}
	if m := member(td, field); m != nil && !src.ContainersOnly {
		return line(m.StartOffset)
	}
	return line(td.StartOffset)
}

// Replacement replaces old lines [StartLine, EndLine) (1-based; equal lines: an insertion before
// StartLine) with Inserted.
type Replacement struct {
	StartLine, EndLine int
	Inserted           string
}

// Replacements are the file's edits as line replacements of its old text; *ErrHidden when one replaces
// a line that holds a value the plan masks.
func (f *File) Replacements() ([]Replacement, error) {
	var out []Replacement
	for _, e := range lineEdits(string(f.Old), string(f.New)) {
		for l := e.from; l < e.to; l++ {
			if f.hidden[l] {
				return nil, &ErrHidden{Line: l + 1}
			}
		}
		out = append(out, Replacement{StartLine: e.from + 1, EndLine: e.to + 1, Inserted: strings.Join(e.add, "")})
	}
	return out, nil
}
