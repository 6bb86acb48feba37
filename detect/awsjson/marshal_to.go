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
	"time"
)

// MarshalTo is Marshal writing its output at the end of b: a caller that marshals many values (the
// planner, thousands of revisions) reuses one buffer rather than growing a new one for each. Marshal is
// MarshalTo into a buffer of its own. It writes and fails as the first encoder did (kept as the reference
// in marshal_reference_test.go, TestMarshalToIsMarshal), with less work per value: a value is written
// by its type's plan (marshal_plan.go), made once per type, and otherwise by the reflective encoder
// below, whose path is only made into a string for an error.
func MarshalTo(b *bytes.Buffer, v any) error {
	return marshalTo(b, v, nil)
}

// encoder is encodeTo's state: the buffer, and the path to the value being written, as segments (a
// stack: no allocation per value), made a string only for an error; and the values to write in place
// of others (MarshalMasked), nil for none.
type encoder struct {
	b     *bytes.Buffer
	path  []encSeg
	masks *Masks
	keys  []string // scratch for a map's keys (marshal_plan.go)
}

// encSeg is a segment of a path: ".name", or "[index]".
type encSeg struct {
	name  string
	index int
	isIdx bool
}

// at is the path as encode names it: "(document).containerDefinitions[0].name".
func (e *encoder) at() string {
	var sb strings.Builder
	sb.WriteString("(document)")
	for _, s := range e.path {
		if s.isIdx {
			sb.WriteString("[" + strconv.Itoa(s.index) + "]")
		} else {
			sb.WriteString("." + s.name)
		}
	}
	return sb.String()
}

// below encodes v one segment down.
func (e *encoder) below(v reflect.Value, depth int, s encSeg) error {
	e.path = append(e.path, s)
	err := e.encode(v, depth)
	e.path = e.path[:len(e.path)-1]
	return err
}

// encode is encode (marshal.go) with the path as a stack of segments.
func (e *encoder) encode(v reflect.Value, depth int) error {
	b := e.b
	t := v.Type()
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return e.encode(v.Elem(), depth)
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		if dm, ok := v.Interface().(documentMarshaler); ok && t == ecsDocumentType {
			raw, err := dm.MarshalSmithyDocument()
			if err != nil {
				return fmt.Errorf("%s: %w", e.at(), err)
			}
			var out bytes.Buffer
			if err := json.Indent(&out, raw, strings.Repeat("  ", depth), "  "); err != nil {
				return fmt.Errorf("%s: %w", e.at(), err)
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
				return fmt.Errorf("%s: unsupported union member %s", e.at(), name)
			}
			b.WriteByte('{')
			writeIndent(b, depth+1)
			writeString(b, JSONName(member))
			b.WriteString(": ")
			if err := e.below(f, depth+1, encSeg{name: member}); err != nil {
				return err
			}
			writeIndent(b, depth)
			b.WriteByte('}')
			return nil
		}
		return fmt.Errorf("%s: unsupported type %s", e.at(), t)
	case reflect.Struct:
		if t == timeType {
			writeString(b, v.Interface().(time.Time).UTC().Format(time.RFC3339Nano))
			return nil
		}
		first := true
		b.WriteByte('{')
		for _, f := range Fields(t) {
			fv := v.Field(f.Index)
			if omit(fv) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			writeIndent(b, depth+1)
			b.WriteString(f.written)
			if err := e.below(fv, depth+1, encSeg{name: f.Name}); err != nil {
				return err
			}
		}
		if !first {
			writeIndent(b, depth)
		}
		b.WriteByte('}')
		return nil
	case reflect.String:
		if e.masks != nil && v.CanAddr() {
			if m, ok := e.masks.Strings[(*string)(v.Addr().UnsafePointer())]; ok {
				writePlainString(b, m)
				return nil
			}
		}
		writePlainString(b, v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n [20]byte
		b.Write(strconv.AppendInt(n[:0], v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var n [20]byte
		b.Write(strconv.AppendUint(n[:0], v.Uint(), 10))
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
			writeIndent(b, depth+1)
			if err := e.below(v.Index(i), depth+1, encSeg{index: i, isIdx: true}); err != nil {
				return err
			}
		}
		writeIndent(b, depth)
		b.WriteByte(']')
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("%s: unsupported map type %s", e.at(), t)
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
			writeIndent(b, depth+1)
			writePlainString(b, k)
			b.WriteString(": ")
			if e.masks != nil && len(e.masks.Entries) > 0 && t.Elem().Kind() == reflect.String {
				if m, ok := e.masks.Entries[MapEntry{Map: v.UnsafePointer(), Key: k}]; ok {
					writePlainString(b, m)
					continue
				}
			}
			if err := e.below(v.MapIndex(reflect.ValueOf(k).Convert(t.Key())), depth+1, encSeg{name: k}); err != nil {
				return err
			}
		}
		writeIndent(b, depth)
		b.WriteByte('}')
	default:
		return fmt.Errorf("%s: unsupported type %s", e.at(), t)
	}
	return nil
}

// writePlainString is writeString, a string of printable ASCII with nothing to escape written at once.
func writePlainString(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			writeString(b, s)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// indents are indent's output for the first depths.
var indents = func() []string {
	out := make([]string, 32)
	for d := range out {
		out[d] = "\n" + strings.Repeat("  ", d)
	}
	return out
}()

// writeIndent is indent, written at once.
func writeIndent(b *bytes.Buffer, depth int) {
	if depth < len(indents) {
		b.WriteString(indents[depth])
		return
	}
	indent(b, depth)
}
