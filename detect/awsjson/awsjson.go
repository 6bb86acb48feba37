package awsjson

import (
	"errors"
	"fmt"
	"reflect"
)

// Document is a parsed JSON document, kept with its source text so that decoding errors can give a line
// and column.
type Document struct {
	root *node
	src  []byte
}

// SyntaxError is malformed JSON at byte Offset (Line and Column are 1-based; columns count bytes).
type SyntaxError struct {
	Offset       int
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: invalid JSON: %s", e.Line, e.Column, e.Msg)
}

// Parse parses exactly one JSON value (surrounded by optional white space and an optional UTF-8
// byte-order mark). A malformed document gives a *SyntaxError.
func Parse(data []byte) (*Document, error) {
	root, err := parseJSON(data)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			line, col := LineCol(data, se.off)
			return nil, &SyntaxError{Offset: se.off, Line: line, Column: col, Msg: se.msg}
		}
		return nil, err
	}
	return &Document{root: root, src: data}, nil
}

// Kind is the top-level value's kind: "object", "array", "string", "number", "boolean" or "null".
func (d *Document) Kind() string { return d.root.kind.String() }

// Keys lists the top-level object's member keys in document order (nil when it is not an object).
func (d *Document) Keys() []string {
	keys := make([]string, 0, len(d.root.keys))
	for _, m := range d.root.keys {
		keys = append(keys, m.key)
	}
	return keys
}

// PolicyField names a string field that holds an IAM policy document: the CLI prints it as a JSON
// object, the model keeps its text. The IAM SDK types' own policy fields are known already.
type PolicyField struct {
	Type  reflect.Type // the struct type
	Field string       // the Go field name
}

// Decode stores the document into v, a non-nil pointer. name identifies the input in errors
// ("file.json: services[0].createdAt: …").
func (d *Document) Decode(name string, v any, policy ...PolicyField) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%s: awsjson: decode needs a non-nil pointer, got %T", name, v)
	}
	dec := &decoder{file: name, src: d.src}
	for _, p := range policy {
		if dec.policy == nil {
			dec.policy = map[reflect.Type]map[string]bool{}
		}
		if dec.policy[p.Type] == nil {
			dec.policy[p.Type] = map[string]bool{}
		}
		dec.policy[p.Type][p.Field] = true
	}
	return dec.decode(d.root, rv.Elem(), nil)
}

// Unmarshal parses data and decodes it strictly into v (a non-nil pointer); name identifies the input in
// errors.
func Unmarshal(name string, data []byte, v any) error {
	doc, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s:%w", name, err)
	}
	return doc.Decode(name, v)
}

// LineCol turns a byte offset into a 1-based line and column (columns count bytes).
func LineCol(src []byte, off int) (line, col int) { return lineCol(src, off) }

// Unsupported walks a type as the decoder would and lists the paths of fields whose type it cannot
// fill (empty when every field is supported). Tests use it to notice an SDK upgrade that adds such a field.
func Unsupported(t reflect.Type) []string {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string) []string
	walk = func(ty reflect.Type, path string) []string {
		if seen[ty] {
			return nil
		}
		seen[ty] = true
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice:
			if ty == byteSliceType {
				return nil
			}
			return walk(ty.Elem(), path+"[]")
		case reflect.Map:
			if ty.Key().Kind() != reflect.String {
				return []string{path + ": map key " + ty.Key().String()}
			}
			return walk(ty.Elem(), path+"{}")
		case reflect.Struct:
			if ty == timeType {
				return nil
			}
			var bad []string
			for i := 0; i < ty.NumField(); i++ {
				if f := ty.Field(i); f.IsExported() {
					bad = append(bad, walk(f.Type, path+"."+f.Name)...)
				}
			}
			return bad
		case reflect.Interface:
			if ty == ecsDocumentType {
				return nil
			}
			if members, ok := unions[ty]; ok {
				var bad []string
				for _, st := range members {
					bad = append(bad, walk(st, path+"("+st.Name()+")")...)
				}
				return bad
			}
			return []string{path + ": " + ty.String()}
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			return nil
		default:
			return []string{path + ": " + ty.String()}
		}
	}
	return walk(t, t.Name())
}
