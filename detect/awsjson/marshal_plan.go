package awsjson

import (
	"bytes"
	"encoding/base64"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/ecsfix/ecsfix/internal/typeplan"
)

// MarshalTo's encoding plans. The encoder of marshal_to.go looks at every value through reflection: its
// kind, then for a struct each field's value, then whether to leave it out. A plan does that once per
// type: a struct's plan is the list of its fields with their offsets, their written keys, how to tell
// that each is left out and the plan of its type; a value is then written by reading memory at those
// offsets, with no reflect.Value made and nothing allocated. Maps, interfaces (documents, unions) and
// anything unusual are written by the reflective encoder (marshal_to.go), from where the plan reaches
// them; so is any value whose writing fails: the plans keep no path, the reflective encoder names the
// path in its error (MarshalTo then writes it again that way).

// encPlan writes the value of its type at p.
type encPlan func(e *encoder, p unsafe.Pointer, depth int) error

// planField is a struct field as its type's plan writes it.
type planField struct {
	offset  uintptr
	written string // the key, quoted, with ": "
	omit    func(p unsafe.Pointer) bool
	plan    encPlan
}

var encPlans typeplan.Cache[encPlan]

// planOf is the plan of a type, made on first use (typeplan.Cache.Of).
func planOf(t reflect.Type) encPlan {
	return encPlans.Of(t, newPlan, func(made func() encPlan) encPlan {
		return func(e *encoder, p unsafe.Pointer, depth int) error { return made()(e, p, depth) }
	})
}

// reflective writes a value of t with the reflective encoder.
func reflective(t reflect.Type) encPlan {
	return func(e *encoder, p unsafe.Pointer, depth int) error {
		return e.encode(reflect.NewAt(t, p).Elem(), depth)
	}
}

func newPlan(t reflect.Type) encPlan {
	switch t.Kind() {
	case reflect.Pointer:
		elem := planOf(t.Elem())
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				e.b.WriteString("null")
				return nil
			}
			return elem(e, q, depth)
		}
	case reflect.Struct:
		if t == timeType {
			return func(e *encoder, p unsafe.Pointer, depth int) error {
				// what writeString writes of the text: digits, letters and punctuation, nothing escaped
				var n [64]byte
				e.b.WriteByte('"')
				e.b.Write((*time.Time)(p).UTC().AppendFormat(n[:0], time.RFC3339Nano))
				e.b.WriteByte('"')
				return nil
			}
		}
		return structPlan(t)
	case reflect.String:
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			s := (*string)(p)
			if e.masks != nil {
				if m, ok := e.masks.Strings[s]; ok {
					writePlainString(e.b, m)
					return nil
				}
			}
			writePlainString(e.b, *s)
			return nil
		}
	case reflect.Bool:
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			if *(*bool)(p) {
				e.b.WriteString("true")
			} else {
				e.b.WriteString("false")
			}
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		read := intReader(t.Kind())
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			var n [20]byte
			e.b.Write(strconv.AppendInt(n[:0], read(p), 10))
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		read := uintReader(t.Kind())
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			var n [20]byte
			e.b.Write(strconv.AppendUint(n[:0], read(p), 10))
			return nil
		}
	case reflect.Float32:
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			var n [32]byte
			e.b.Write(strconv.AppendFloat(n[:0], float64(*(*float32)(p)), 'g', -1, 32))
			return nil
		}
	case reflect.Float64:
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			var n [32]byte
			e.b.Write(strconv.AppendFloat(n[:0], *(*float64)(p), 'g', -1, 64))
			return nil
		}
	case reflect.Slice:
		if t == byteSliceType {
			return func(e *encoder, p unsafe.Pointer, depth int) error {
				writeString(e.b, base64.StdEncoding.EncodeToString(*(*[]byte)(p)))
				return nil
			}
		}
		elem, size := planOf(t.Elem()), t.Elem().Size()
		return func(e *encoder, p unsafe.Pointer, depth int) error {
			h := (*sliceHeader)(p)
			if h.len == 0 {
				e.b.WriteString("[]")
				return nil
			}
			b := e.b
			b.WriteByte('[')
			for i := 0; i < h.len; i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				writeIndent(b, depth+1)
				if err := elem(e, unsafe.Add(h.data, uintptr(i)*size), depth+1); err != nil {
					return err
				}
			}
			writeIndent(b, depth)
			b.WriteByte(']')
			return nil
		}
	case reflect.Map:
		if t == stringMapType {
			return stringMapPlan
		}
	}
	return reflective(t) // other maps, interfaces, and what Marshal refuses
}

var stringMapType = reflect.TypeFor[map[string]string]()

// stringMapPlan writes a map[string]string (labels, options) as the reflective encoder does: its keys
// sorted (in the encoder's scratch slice), a masked entry's value replaced.
func stringMapPlan(e *encoder, p unsafe.Pointer, depth int) error {
	m := *(*map[string]string)(p)
	if len(m) == 0 {
		e.b.WriteString("{}")
		return nil
	}
	keys := e.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := e.b
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeIndent(b, depth+1)
		writePlainString(b, k)
		b.WriteString(": ")
		v := m[k]
		if e.masks != nil && len(e.masks.Entries) > 0 {
			if mv, ok := e.masks.Entries[MapEntry{Map: *(*unsafe.Pointer)(p), Key: k}]; ok {
				v = mv
			}
		}
		writePlainString(b, v)
	}
	writeIndent(b, depth)
	b.WriteByte('}')
	clear(keys)
	e.keys = keys[:0]
	return nil
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func structPlan(t reflect.Type) encPlan {
	all := Fields(t)
	fields := make([]planField, len(all))
	for i, f := range all {
		sf := t.Field(f.Index)
		fields[i] = planField{offset: sf.Offset, written: f.written, omit: omitOf(sf.Type), plan: planOf(sf.Type)}
	}
	return func(e *encoder, p unsafe.Pointer, depth int) error {
		b := e.b
		first := true
		b.WriteByte('{')
		for i := range fields {
			f := &fields[i]
			fp := unsafe.Add(p, f.offset)
			if f.omit(fp) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			writeIndent(b, depth+1)
			b.WriteString(f.written)
			if err := f.plan(e, fp, depth+1); err != nil {
				return err
			}
		}
		if !first {
			writeIndent(b, depth)
		}
		b.WriteByte('}')
		return nil
	}
}

// omitOf is omit (marshal.go) for the values of a type, read in memory.
func omitOf(t reflect.Type) func(p unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Interface, reflect.Slice:
		// a pointer or map is one word; an interface's or slice's first word is nil when it is (as
		// reflect.Value.IsNil reads them)
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Struct:
		if t == timeType {
			return func(p unsafe.Pointer) bool { return (*time.Time)(p).IsZero() }
		}
		return func(unsafe.Pointer) bool { return false }
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Bool:
		return func(p unsafe.Pointer) bool { return !*(*bool)(p) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		read := intReader(t.Kind())
		return func(p unsafe.Pointer) bool { return read(p) == 0 }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		read := uintReader(t.Kind())
		return func(p unsafe.Pointer) bool { return read(p) == 0 }
	case reflect.Float32:
		return func(p unsafe.Pointer) bool { return math.Float32bits(*(*float32)(p)) == 0 }
	case reflect.Float64:
		return func(p unsafe.Pointer) bool { return math.Float64bits(*(*float64)(p)) == 0 }
	}
	return func(p unsafe.Pointer) bool { return omit(reflect.NewAt(t, p).Elem()) }
}

func intReader(k reflect.Kind) func(p unsafe.Pointer) int64 {
	switch k {
	case reflect.Int8:
		return func(p unsafe.Pointer) int64 { return int64(*(*int8)(p)) }
	case reflect.Int16:
		return func(p unsafe.Pointer) int64 { return int64(*(*int16)(p)) }
	case reflect.Int32:
		return func(p unsafe.Pointer) int64 { return int64(*(*int32)(p)) }
	case reflect.Int64:
		return func(p unsafe.Pointer) int64 { return *(*int64)(p) }
	}
	return func(p unsafe.Pointer) int64 { return int64(*(*int)(p)) }
}

func uintReader(k reflect.Kind) func(p unsafe.Pointer) uint64 {
	switch k {
	case reflect.Uint8:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint8)(p)) }
	case reflect.Uint16:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint16)(p)) }
	case reflect.Uint32:
		return func(p unsafe.Pointer) uint64 { return uint64(*(*uint32)(p)) }
	case reflect.Uint64:
		return func(p unsafe.Pointer) uint64 { return *(*uint64)(p) }
	}
	return func(p unsafe.Pointer) uint64 { return uint64(*(*uint)(p)) }
}

// Masks are values MarshalMasked writes in place of others: the strings at the given addresses (a field,
// a slice's element, or a pointer's target, of the value marshalled), and the entries of maps of strings
// (the map, as reflect.Value.UnsafePointer gives it, and the key).
type Masks struct {
	Strings map[*string]string
	Entries map[MapEntry]string
}

// MapEntry is an entry of a map: the map's pointer and the key.
type MapEntry struct {
	Map unsafe.Pointer
	Key string
}

// encoders are the encoders MarshalTo uses, reused.
var encoders = sync.Pool{New: func() any { return &encoder{path: make([]encSeg, 0, 16)} }}

// MarshalMasked is MarshalTo writing, in place of each value masks names, the value it maps it to: what
// MarshalTo writes of v after setting those values, without setting them.
func MarshalMasked(b *bytes.Buffer, v any, masks *Masks) error {
	return marshalTo(b, v, masks)
}

func marshalTo(b *bytes.Buffer, v any, masks *Masks) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			b.WriteString("null")
			return nil
		}
		rv = rv.Elem()
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.b, e.path, e.masks = b, e.path[:0], masks
	defer func() { e.b, e.masks = nil, nil }()
	if !rv.CanAddr() { // a value behind an interface: the reflective encoder
		return e.encode(rv, 0)
	}
	start := b.Len()
	if err := planOf(rv.Type())(e, rv.Addr().UnsafePointer(), 0); err != nil {
		// written again by the reflective encoder, which names the path in its error
		b.Truncate(start)
		e.path = e.path[:0]
		return e.encode(rv, 0)
	}
	return nil
}
