package awsjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
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
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return []byte("null"), nil
		}
		rv = rv.Elem()
	}
	if err := encode(&b, rv, 0, "(document)"); err != nil {
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

func encode(b *bytes.Buffer, v reflect.Value, depth int, path string) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return encode(b, v.Elem(), depth, path)
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		if dm, ok := v.Interface().(documentMarshaler); ok && t == ecsDocumentType {
			raw, err := dm.MarshalSmithyDocument()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			var out bytes.Buffer
			if err := json.Indent(&out, raw, strings.Repeat("  ", depth), "  "); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			b.Write(out.Bytes())
			return nil
		}
		if _, ok := unions[t]; ok {
			m := v.Elem()
			if m.Kind() == reflect.Pointer {
				m = m.Elem()
			}
			name := m.Type().Name()
			_, member, _ := strings.Cut(name, "Member")
			f := m.FieldByName("Value")
			if !f.IsValid() {
				return fmt.Errorf("%s: unsupported union member %s", path, name)
			}
			b.WriteByte('{')
			indent(b, depth+1)
			writeString(b, JSONName(member))
			b.WriteString(": ")
			if err := encode(b, f, depth+1, path+"."+member); err != nil {
				return err
			}
			indent(b, depth)
			b.WriteByte('}')
			return nil
		}
		return fmt.Errorf("%s: unsupported type %s", path, t)
	case reflect.Struct:
		if t == timeType {
			writeString(b, v.Interface().(time.Time).UTC().Format(time.RFC3339Nano))
			return nil
		}
		first := true
		b.WriteByte('{')
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if omit(fv) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			indent(b, depth+1)
			name := JSONName(f.Name)
			writeString(b, name)
			b.WriteString(": ")
			if err := encode(b, fv, depth+1, path+"."+name); err != nil {
				return err
			}
		}
		if !first {
			indent(b, depth)
		}
		b.WriteByte('}')
		return nil
	case reflect.String:
		writeString(b, v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, t.Bits()))
	case reflect.Slice:
		if t == byteSliceType {
			writeString(b, base64.StdEncoding.EncodeToString(v.Bytes()))
			return nil
		}
		if v.Len() == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(b, depth+1)
			if err := encode(b, v.Index(i), depth+1, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		indent(b, depth)
		b.WriteByte(']')
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("%s: unsupported map type %s", path, t)
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(b, depth+1)
			writeString(b, k)
			b.WriteString(": ")
			if err := encode(b, v.MapIndex(reflect.ValueOf(k).Convert(t.Key())), depth+1, path+"."+k); err != nil {
				return err
			}
		}
		indent(b, depth)
		b.WriteByte('}')
	default:
		return fmt.Errorf("%s: unsupported type %s", path, t)
	}
	return nil
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
