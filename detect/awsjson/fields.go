package awsjson

import (
	"bytes"
	"reflect"
	"sync"
)

// Field is an exported field of a struct type as Marshal writes it: its index in the type and its JSON
// name (JSONName of the Go name).
type Field struct {
	Index int
	Name  string
	// written is the key as Marshal writes it: quoted, with the colon and space after it.
	written string
}

var fieldsOf sync.Map // reflect.Type -> []Field

// Fields lists a struct type's exported fields in declaration order, with their JSON names: the members
// Marshal writes, in its order. The list is computed once per type and shared: callers must not change it.
func Fields(t reflect.Type) []Field {
	if f, ok := fieldsOf.Load(t); ok {
		return f.([]Field)
	}
	var fs []Field
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			name := JSONName(f.Name)
			var w bytes.Buffer
			writeString(&w, name)
			w.WriteString(": ")
			fs = append(fs, Field{Index: i, Name: name, written: w.String()})
		}
	}
	f, _ := fieldsOf.LoadOrStore(t, fs)
	return f.([]Field)
}
