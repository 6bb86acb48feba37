package plan

import (
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/ecsfix/ecsfix/internal/typeplan"
)

// findSecrets' walk by plans: secretFinder.walk looks at every value through reflection (its kind, each
// field, whether it is empty); a type's plan knows, once, which of its fields may hold a string and where
// they are, and reads them in memory. Maps and interfaces are walked by secretFinder.walk, from where
// the plans reach them. It finds what walk finds, in the same order (assertSecretsAgree compares
// findSecrets with findSecretsReference).

// secretWalk walks the value of its type at p, as secretFinder.walk walks it.
type secretWalk func(f *secretFinder, p unsafe.Pointer, field, name string, always bool)

var secretWalks typeplan.Cache[secretWalk] // nil: no string below its values

// secretWalkOf is the plan of a type, nil when no string can be found below its values, made on first
// use (typeplan.Cache.Of).
func secretWalkOf(t reflect.Type) secretWalk {
	return secretWalks.Of(t, newSecretWalk, func(made func() secretWalk) secretWalk {
		return func(f *secretFinder, p unsafe.Pointer, field, name string, always bool) {
			if m := made(); m != nil {
				m(f, p, field, name, always)
			}
		}
	})
}

// kvNameOffset and kvValueOffset are where KeyValuePair's Name and Value are.
var kvNameOffset, kvValueOffset = keyValuePairType.Field(kvName).Offset, keyValuePairType.Field(kvValue).Offset

func newSecretWalk(t reflect.Type) secretWalk {
	switch t.Kind() {
	case reflect.Pointer:
		elem := secretWalkOf(t.Elem())
		if elem == nil {
			return nil
		}
		return func(f *secretFinder, p unsafe.Pointer, field, name string, always bool) {
			if q := *(*unsafe.Pointer)(p); q != nil {
				elem(f, q, field, name, always)
			}
		}
	case reflect.Struct:
		if t == keyValuePairType {
			return walkKeyValuePair
		}
		return structSecretWalk(t)
	case reflect.Slice:
		elem := t.Elem()
		if elem.Kind() == reflect.Uint8 {
			return nil
		}
		w := secretWalkOf(elem)
		if w == nil {
			return nil
		}
		ofStrings, size := elem.Kind() == reflect.String, elem.Size()
		return func(f *secretFinder, p unsafe.Pointer, field, _ string, _ bool) {
			h := (*sliceHeader)(p)
			all := ofStrings && alwaysMaskedList(f.path)
			l := len(f.path)
			for i := 0; i < h.len; i++ {
				f.path = append(f.path, '[')
				f.path = strconv.AppendInt(f.path, int64(i), 10)
				f.path = append(f.path, ']')
				w(f, unsafe.Add(h.data, uintptr(i)*size), field, "", all)
				f.path = f.path[:l]
			}
		}
	case reflect.String:
		return func(f *secretFinder, p unsafe.Pointer, _, name string, always bool) {
			s := *(*string)(p)
			if s == MaskedValue {
				return
			}
			if always || f.flagged(name, s) {
				f.found(s, reflect.NewAt(t, p).Elem(), reflect.Value{})
			}
		}
	case reflect.Map, reflect.Interface:
		if t == stringMapType {
			return walkStringMap
		}
		return func(f *secretFinder, p unsafe.Pointer, field, name string, always bool) {
			f.walk(reflect.NewAt(t, p).Elem(), field, name, always)
		}
	}
	return nil // numbers, booleans: nothing to find
}

func walkKeyValuePair(f *secretFinder, p unsafe.Pointer, field, _ string, _ bool) {
	val := *(**string)(unsafe.Add(p, kvValueOffset))
	if val == nil {
		return
	}
	n := ""
	if np := *(**string)(unsafe.Add(p, kvNameOffset)); np != nil {
		n = *np
	}
	if field == "environment" || f.flagged(n, *val) {
		l := len(f.path)
		f.path = append(f.path, ".value"...)
		f.found(*val, reflect.ValueOf(val).Elem(), reflect.Value{})
		f.path = f.path[:l]
	}
}

// secretField is a field of a struct that may hold a string: where it is, its JSON name, its walk, and
// how to tell that it is absent or empty (nothing to find: no path to build).
type secretField struct {
	offset uintptr
	name   string
	walk   secretWalk
	empty  func(p unsafe.Pointer) bool
}

func structSecretWalk(t reflect.Type) secretWalk {
	var fields []secretField
	for _, jf := range jsonFields(t) {
		if jf.inert {
			continue
		}
		sf := t.Field(jf.index)
		w := secretWalkOf(sf.Type)
		if w == nil {
			continue
		}
		fields = append(fields, secretField{offset: sf.Offset, name: jf.name, walk: w, empty: emptyOf(sf.Type)})
	}
	if len(fields) == 0 {
		return nil
	}
	return func(f *secretFinder, p unsafe.Pointer, _, _ string, _ bool) {
		for i := range fields {
			sf := &fields[i]
			fp := unsafe.Add(p, sf.offset)
			if sf.empty != nil && sf.empty(fp) {
				continue
			}
			l := len(f.path)
			if l > 0 {
				f.path = append(f.path, '.')
			}
			f.path = append(f.path, sf.name...)
			sf.walk(f, fp, sf.name, "", false)
			f.path = f.path[:l]
		}
	}
}

// emptyOf tells, for walk's struct case, that a value of t is nil (a pointer, an interface) or empty (a
// slice, a map); nil for the kinds it does not skip.
func emptyOf(t reflect.Type) func(p unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Slice:
		return func(p unsafe.Pointer) bool { return (*sliceHeader)(p).len == 0 }
	case reflect.Map:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().Len() == 0 }
	}
	return nil
}

// containerPath is the rest of a path below a container definition (containerDefinitions[N].REST), ok
// false when the path is not below one.
func containerPath(path []byte) (rest []byte, ok bool) {
	const prefix = "containerDefinitions["
	if len(path) <= len(prefix) || string(path[:len(prefix)]) != prefix {
		return nil, false
	}
	i := len(prefix)
	for i < len(path) && path[i] >= '0' && path[i] <= '9' {
		i++
	}
	if i == len(prefix) || i+1 >= len(path) || path[i] != ']' || path[i+1] != '.' {
		return nil, false
	}
	return path[i+2:], true
}

// alwaysMaskedList, alwaysMaskedMap and logOptions are alwaysMaskedLists, alwaysMaskedMaps and
// logOptionsPath matched without a regular expression (TestMaskedPathMatchers compares them).
func alwaysMaskedList(path []byte) bool {
	rest, ok := containerPath(path)
	if !ok {
		return false
	}
	switch string(rest) {
	case "command", "entryPoint", "healthCheck.command":
		return true
	}
	return false
}

func alwaysMaskedMap(path []byte) bool {
	rest, ok := containerPath(path)
	if !ok {
		return false
	}
	switch string(rest) {
	case "dockerLabels", "logConfiguration.options", "firelensConfiguration.options":
		return true
	}
	return false
}

func logOptions(path []byte) bool {
	rest, ok := containerPath(path)
	return ok && string(rest) == "logConfiguration.options"
}

var stringMapType = reflect.TypeFor[map[string]string]()

// walkStringMap is walk's map case for a map[string]string (labels, options): its keys sorted in the
// finder's scratch slice, each value looked at where it has its key.
func walkStringMap(f *secretFinder, p unsafe.Pointer, _, _ string, _ bool) {
	m := *(*map[string]string)(p)
	keys := f.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	all := alwaysMaskedMap(f.path)
	logOpts := logOptions(f.path)
	l := len(f.path)
	for _, k := range keys {
		f.path = appendMapKey(f.path, k)
		always := all && !(logOpts && visibleLogOptions[k])
		if s := m[k]; s != MaskedValue && (always || f.flagged(k, s)) {
			f.found(s, reflect.NewAt(stringMapType, p).Elem(), reflect.ValueOf(k))
		}
		f.path = f.path[:l]
	}
	clear(keys)
	f.keys = keys[:0]
}
