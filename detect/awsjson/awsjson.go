package awsjson

import (
	"errors"
	"fmt"
	"io"
	"reflect"
)

// SyntaxError is malformed JSON at byte Offset (Line and Column are 1-based; columns count bytes).
type SyntaxError struct {
	Offset       int
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: invalid JSON: %s", e.Line, e.Column, e.Msg)
}

// named gives an error of the reader the input's name: "name:line:col: invalid JSON: …" for malformed
// JSON, "name: …" for a failure to read; a decoding error names its input already.
func named(name string, err error) error {
	var se *syntaxError
	var re *readError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s:%w", name, &SyntaxError{Offset: int(se.at.off), Line: se.at.line, Column: se.at.col, Msg: se.msg})
	case errors.As(err, &re):
		return fmt.Errorf("%s: %w", name, re.err)
	}
	return err
}

// Scan reads exactly one JSON value from src (surrounded by optional white space and an optional UTF-8
// byte-order mark) and checks it as Decode would check its syntax, keeping nothing of it: it returns the
// value's kind ("object", "array", "string", "number", "boolean" or "null") and, when it is an object,
// calls key with each of its member names in order. Malformed JSON gives an error wrapping a
// *SyntaxError, "name:line:column: invalid JSON: …"; a failure of src wraps src's error.
func Scan(name string, src io.Reader, key func(string)) (kind string, err error) {
	r := newReader(src)
	defer r.release()
	return scan(name, r, key)
}

func scan(name string, r *reader, key func(string)) (string, error) {
	var k nodeKind
	err := r.document(func() error {
		var err error
		if k, err = r.kind(); err != nil {
			return err
		}
		if k != kindObject || key == nil {
			return r.skip()
		}
		return r.object(true, func(m string, _ position) error {
			key(m)
			return r.skip()
		})
	})
	if err != nil {
		return "", named(name, err)
	}
	return k.String(), nil
}

// Shape receives the outline of a document from ScanShape: the kind and line of its top-level value, the
// members of a top-level object and the elements of a top-level array, without the document being kept.
// Every callback is optional; lines are 1-based and count the input's newlines.
type Shape struct {
	// Top is called with the kind of the top-level value and the line on which it opens.
	Top func(kind string, line int)
	// Member is called, for a top-level object, with each member's name, the kind of its value and the
	// line on which the value opens.
	Member func(key, kind string, line int)
	// Elem is called, for a top-level array, with each element's index, kind and line.
	Elem func(i int, kind string, line int)
	// ElemKey is called, for a top-level array, with each member name of each element that is an object.
	ElemKey func(i int, key string)
}

// ScanShape is Scan reporting the document's outline to sh (see Shape). It checks the whole document's
// syntax as Scan does and keeps nothing of it.
func ScanShape(name string, src io.Reader, sh Shape) error {
	r := newReader(src)
	defer r.release()
	if err := r.document(func() error { return scanShape(r, sh) }); err != nil {
		return named(name, err)
	}
	return nil
}

func scanShape(r *reader, sh Shape) error {
	k, err := r.kind()
	if err != nil {
		return err
	}
	if sh.Top != nil {
		sh.Top(k.String(), r.at.line)
	}
	switch {
	case k == kindObject && sh.Member != nil:
		return r.object(true, func(m string, _ position) error {
			vk, err := r.kind()
			if err != nil {
				return err
			}
			sh.Member(m, vk.String(), r.at.line)
			return r.skip()
		})
	case k == kindArray && (sh.Elem != nil || sh.ElemKey != nil):
		return r.array(func(i int) error {
			ek, err := r.kind()
			if err != nil {
				return err
			}
			if sh.Elem != nil {
				sh.Elem(i, ek.String(), r.at.line)
			}
			if ek != kindObject || sh.ElemKey == nil {
				return r.skip()
			}
			return r.object(true, func(m string, _ position) error {
				sh.ElemKey(i, m)
				return r.skip()
			})
		})
	}
	return r.skip()
}

// PolicyField names a string field that holds an IAM policy document: the CLI prints it as a JSON
// object, the model keeps its text. The IAM SDK types' own policy fields are known already.
type PolicyField struct {
	Type  reflect.Type // the struct type
	Field string       // the Go field name
}

// EachField names a slice field whose elements are not kept in the slice but given one at a time, as
// each is decoded, to Elem (with the element's index and a pointer to the element's value); the field
// stays nil. The value pointed to is valid during the call only: the next element of the list is
// decoded into the same value (cleared first), so Elem copies what it keeps (the value itself, *v,
// keeps what its pointers and slices lead to, which are the element's own). An error from Elem ends
// the decoding and is returned as it is.
type EachField struct {
	Type  reflect.Type // the struct type; or the slice type of the document itself, with Field ""
	Field string       // the Go field name ("" for the document itself, an array decoded into a slice)
	Elem  func(i int, v any) error
}

// ExtraField names a member that a struct type does not have as a field but that a document may hold
// beside its fields (as `tags` inside a task definition kept as a file): its value is decoded into
// Target, a non-nil pointer, instead of being an unknown field. A second occurrence in one object is a
// duplicate field.
type ExtraField struct {
	Type   reflect.Type // the struct type
	Key    string       // the member name, matched regardless of case
	Target any
}

// UnknownField is a member that matches no field of its struct type (Options.Unknown).
type UnknownField struct {
	// Path is the member's JSON path in the document ("taskDefinition.containerDefinitions[0].foo");
	// Inner is the same path below the document's top-level member ("containerDefinitions[0].foo"), ""
	// for a top-level member.
	Path, Inner  string
	Line, Column int // where the member's name starts
}

// Options adjust Decode.
type Options struct {
	Policy []PolicyField
	Each   []EachField
	Extra  []ExtraField
	// Unknown, when set, is called with each member that matches no field of a struct (outside unions):
	// when it returns nil the member's value is skipped (its syntax checked, nothing kept) and decoding
	// goes on; an error it returns ends the decoding. Unset, an unknown member is an error.
	Unknown func(UnknownField) error
	// MaxBytes, when positive, bounds an estimate of the memory the values decoded take (the elements
	// given to Each functions included): past it, Decode fails naming the value it reached. A few bytes
	// of JSON can make a large value (an empty object is a whole struct), so the input's size alone does
	// not bound what it decodes to.
	MaxBytes int64
	// Strings, when set, interns the short strings decoded (see Strings): documents that repeat the same
	// names and values (thousands of task definitions with the same roles, images and options) keep one
	// copy of each.
	Strings *Strings
}

// Decode reads one JSON document from src and stores it strictly into v, a non-nil pointer, one value
// at a time: it holds the values decoded and the one being read, never the document's tree. name
// identifies the input in errors ("file.json: services[0].createdAt: …", "file.json:3:4: invalid JSON:
// …"). Decoding stops at the first problem in the document's order; call Scan first to report malformed
// JSON before any other problem.
func Decode(name string, src io.Reader, v any, opt Options) error {
	r := newReader(src)
	defer r.release()
	return decodeFrom(name, r, v, opt)
}

func decodeFrom(name string, r *reader, v any, opt Options) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%s: awsjson: decode needs a non-nil pointer, got %T", name, v)
	}
	r.intern = opt.Strings
	// the options are read where they apply, from the caller's slices: a snapshot decodes thousands of
	// small files, each with the same few options
	dec := &decoder{file: name, r: r, max: opt.MaxBytes, unknown: opt.Unknown, policy: opt.Policy, each: opt.Each, extra: opt.Extra}
	dec.scratch = scratches.Get().(*scratch)
	defer scratches.Put(dec.scratch)
	top := rv.Elem()
	if each := dec.eachFor(top.Type(), ""); each != nil && top.Kind() == reflect.Slice {
		// the document is the array itself: its elements go one at a time to the function
		if err := r.document(func() error { return dec.decodeEach(top.Type(), each, nil) }); err != nil {
			return named(name, err)
		}
		return nil
	}
	if err := r.document(func() error { return dec.decode(top, nil) }); err != nil {
		return named(name, err)
	}
	return nil
}

// Unmarshal decodes data strictly into v (a non-nil pointer); name identifies the input in errors.
// Malformed JSON is reported before any other problem.
func Unmarshal(name string, data []byte, v any) error {
	if _, err := scan(name, newBytesReader(data, startOfInput), nil); err != nil {
		return err
	}
	return decodeFrom(name, newBytesReader(data, startOfInput), v, Options{})
}

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

// Head is what ReadHead learns from the start of a document.
type Head struct {
	Kind string // the top-level value's kind, as Scan names it
	Line int    // the line on which it opens
	// Key is the first member's name when the top level is an object with members ("" otherwise), and
	// KeyLine the line on which that member's value opens.
	Key     string
	KeyLine int
}

// errHeadDone ends ReadHead's reading once the first member's value is reached.
var errHeadDone = errors.New("awsjson: head read")

// ReadHead reads the start of a document from src, up to where its top-level object's first member's
// value opens, and tells its kind and that first member. It checks the syntax only of what it reads:
// it is a guess of what the document is, to be confirmed by decoding it (Decode checks all of it).
func ReadHead(src io.Reader) (Head, error) {
	r := newReader(src)
	defer r.release()
	var h Head
	if r.fill(3) && r.buf[r.i] == 0xEF && r.buf[r.i+1] == 0xBB && r.buf[r.i+2] == 0xBF {
		r.advance(3)
	}
	k, err := r.kind()
	if err != nil {
		return h, err
	}
	h.Kind, h.Line = k.String(), r.at.line
	if k != kindObject {
		return h, nil
	}
	err = r.object(true, func(key string, _ position) error {
		if _, err := r.kind(); err != nil {
			return err
		}
		h.Key, h.KeyLine = key, r.at.line
		return errHeadDone
	})
	if err != nil && !errors.Is(err, errHeadDone) {
		return h, err
	}
	return h, nil
}
