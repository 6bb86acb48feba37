package plan

import (
	"reflect"
	"unsafe"

	"github.com/ecsfix/ecsfix/internal/typeplan"
)

// Copy plans: deepCopy's copy of a value, decided once per type. copyValue looks at every value through
// reflection (its kind, each field, each element); a type's plan knows which of its fields hold
// something to copy below them (a pointer, a slice, a map, an interface, a struct holding one): a struct
// is copied at once, then only those fields are replaced by copies of their own. Maps and interfaces
// (unions, documents) are copied by copyValue, from where the plans reach them. The copy is the one
// copyValue makes (deepCopyReference in taskdef_copy_test.go compares them).

// valueCopier replaces what dst (a value of its type, already a shallow copy of src) shares with src by
// copies of its own.
type valueCopier func(dst, src unsafe.Pointer)

var copiers typeplan.Cache[valueCopier] // nil: nothing to copy below the value

// copierOf is the plan of a type, nil when a shallow copy of its values is a deep one (scalars, and
// structs and slices... of them: see below), made on first use (typeplan.Cache.Of).
func copierOf(t reflect.Type) valueCopier {
	return copiers.Of(t, newCopier, func(made func() valueCopier) valueCopier {
		return func(dst, src unsafe.Pointer) {
			if m := made(); m != nil {
				m(dst, src)
			}
		}
	})
}

// byReflection is copyValue's copy of a value of t, into dst.
func byReflection(t reflect.Type) valueCopier {
	return func(dst, src unsafe.Pointer) {
		d := reflect.NewAt(t, dst).Elem()
		d.SetZero()
		copyValue(d, reflect.NewAt(t, src).Elem())
	}
}

func newCopier(t reflect.Type) valueCopier {
	switch t.Kind() {
	case reflect.Pointer:
		elem := t.Elem()
		inner := copierOf(elem)
		if elem.Kind() == reflect.Struct && elem != timeType && !plainStruct(elem) {
			return byReflection(t)
		}
		if alloc := scalarAlloc(elem.Kind()); alloc != nil {
			return func(dst, src unsafe.Pointer) {
				if s := *(*unsafe.Pointer)(src); s != nil {
					*(*unsafe.Pointer)(dst) = alloc(s)
				}
			}
		}
		return func(dst, src unsafe.Pointer) {
			s := *(*unsafe.Pointer)(src)
			if s == nil {
				return
			}
			n := reflect.New(elem)
			n.Elem().Set(reflect.NewAt(elem, s).Elem())
			np := n.UnsafePointer()
			if inner != nil {
				inner(np, s)
			}
			*(*unsafe.Pointer)(dst) = np
		}
	case reflect.Struct:
		if t == timeType {
			return nil
		}
		if !plainStruct(t) {
			return byReflection(t)
		}
		type deep struct {
			offset uintptr
			plan   valueCopier
		}
		var fields []deep
		for _, i := range exportedFields(t) {
			f := t.Field(i)
			if p := copierOf(f.Type); p != nil {
				fields = append(fields, deep{f.Offset, p})
			}
		}
		if len(fields) == 0 {
			return nil
		}
		return func(dst, src unsafe.Pointer) {
			for _, f := range fields {
				f.plan(unsafe.Add(dst, f.offset), unsafe.Add(src, f.offset))
			}
		}
	case reflect.Slice:
		elem := t.Elem()
		inner := copierOf(elem)
		if elem.Kind() == reflect.Struct && elem != timeType && !plainStruct(elem) {
			return byReflection(t)
		}
		size := elem.Size()
		return func(dst, src unsafe.Pointer) {
			s := (*sliceHeader)(src)
			if s.data == nil { // nil (a slice made empty has a non-nil data pointer, as reflect.Value.IsNil reads it)
				return
			}
			sv := reflect.NewAt(t, src).Elem()
			c := reflect.MakeSlice(t, s.len, s.len)
			reflect.Copy(c, sv)
			cp := c.UnsafePointer()
			if inner != nil {
				for i := 0; i < s.len; i++ {
					inner(unsafe.Add(cp, uintptr(i)*size), unsafe.Add(s.data, uintptr(i)*size))
				}
			}
			*(*sliceHeader)(dst) = sliceHeader{data: cp, len: s.len, cap: s.len}
		}
	case reflect.Map:
		if t == reflect.TypeFor[map[string]string]() {
			return func(dst, src unsafe.Pointer) {
				m := *(*map[string]string)(src)
				if m == nil {
					return
				}
				c := make(map[string]string, len(m))
				for k, v := range m {
					c[k] = v
				}
				*(*map[string]string)(dst) = c
			}
		}
		return byReflection(t)
	case reflect.Interface:
		return byReflection(t)
	}
	return nil // scalars
}

// scalarAlloc copies the scalar at a pointer into memory of its own, for the kinds of the SDK's pointer
// fields (*string, *int32, *bool…, and their named types, which are laid out the same); nil for the
// others.
func scalarAlloc(k reflect.Kind) func(p unsafe.Pointer) unsafe.Pointer {
	switch k {
	case reflect.String:
		return func(p unsafe.Pointer) unsafe.Pointer { c := *(*string)(p); return unsafe.Pointer(&c) }
	case reflect.Bool:
		return func(p unsafe.Pointer) unsafe.Pointer { c := *(*bool)(p); return unsafe.Pointer(&c) }
	case reflect.Int32:
		return func(p unsafe.Pointer) unsafe.Pointer { c := *(*int32)(p); return unsafe.Pointer(&c) }
	case reflect.Int64:
		return func(p unsafe.Pointer) unsafe.Pointer { c := *(*int64)(p); return unsafe.Pointer(&c) }
	case reflect.Int:
		return func(p unsafe.Pointer) unsafe.Pointer { c := *(*int)(p); return unsafe.Pointer(&c) }
	case reflect.Float64:
		return func(p unsafe.Pointer) unsafe.Pointer { c := *(*float64)(p); return unsafe.Pointer(&c) }
	}
	return nil
}

// plainStruct says whether a struct type's unexported fields take no room (the SDK types' markers,
// noSmithyDocumentSerde): a shallow copy of its value then holds nothing that copyValue, which copies
// only the exported fields, leaves out.
func plainStruct(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); !f.IsExported() && f.Type.Size() > 0 {
			return false
		}
	}
	return true
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}
