package awsjson

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Marshal writes an SDK value as the AWS CLI prints it for the JSON protocols ECS uses: lowerCamel keys
// derived from the Go field names (ContainerDefinitions → containerDefinitions,
// FSxWindowsFileServerVolumeConfiguration → fsxWindowsFileServerVolumeConfiguration), nil pointers, nil
// slices and maps and zero-valued non-pointer scalars omitted (a pointer to a zero value, such as
// privileged: false, is kept), enums as their strings, timestamps as RFC 3339 in UTC, unions as an object
// with one member, keys in the Go declaration order (map keys sorted), indented two spaces. The output
// decodes back to an equal value with Unmarshal.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := MarshalTo(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// JSONName is the key Marshal writes for a Go field name: the leading upper-case run lower-cased, except
// that the last capital of a run followed by a lower-case word starts that word (URLPath → urlPath);
// a single lower-case letter after the run belongs to it (FSxWindows → fsxWindows).
func JSONName(goName string) string {
	if j, ok := jsonNames.Load(goName); ok {
		return j.(string)
	}
	j := jsonName(goName)
	jsonNames.Store(goName, j)
	return j
}

// jsonNames caches JSONName: the names are those of the SDK's fields, a few thousand at most, and a
// plan marshals and walks thousands of values.
var jsonNames sync.Map // Go field name -> JSON name

func jsonName(goName string) string {
	r := []rune(goName)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return goName
	case n == 1 || n == len(r):
		for i := 0; i < n; i++ {
			r[i] = unicode.ToLower(r[i])
		}
		return string(r)
	}
	// the run is followed by a non-upper rune at r[n]
	lower := 0
	for n+lower < len(r) && unicode.IsLower(r[n+lower]) {
		lower++
	}
	keep := n - 1 // the last capital starts the next word
	if lower == 1 || lower == 0 {
		keep = n // "FSx": the single letter closes the acronym; "ABC1": digits
	}
	for i := 0; i < keep; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

type documentMarshaler interface {
	MarshalSmithyDocument() ([]byte, error)
}

func indent(b *bytes.Buffer, depth int) {
	b.WriteByte('\n')
	for i := 0; i < depth; i++ {
		b.WriteString("  ")
	}
}

// omit reports whether a struct field's value is left out.
func omit(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).IsZero()
		}
		return false
	default:
		return v.IsZero()
	}
}

// writeString writes a JSON string without HTML escaping (the CLI does not escape <, > and &).
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				fmt.Fprintf(b, `\u%04x`, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
