package awsjson

// The encoder Marshal used before MarshalTo, kept as the reference MarshalTo is held to
// (TestMarshalToIsMarshal).

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

// referenceMarshal is Marshal as it was written first.
func referenceMarshal(v any) ([]byte, error) {
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
