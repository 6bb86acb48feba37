package plan

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// deepCopyReference is deepCopy as it was: copyValue's reflective copy of the whole value.
func deepCopyReference[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

// assertSameCopy checks that deepCopy's copy of v is deepCopyReference's (equal values, the same nil
// and empty slices and maps), and that it shares nothing with v but documents.
func assertSameCopy[T any](t *testing.T, name string, v T) {
	t.Helper()
	got, want := deepCopy(v), deepCopyReference(v)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: deepCopy differs from the reference:\n%+v\n%+v", name, got, want)
	}
	if d := sameShape(reflect.ValueOf(&got).Elem(), reflect.ValueOf(&want).Elem(), name); d != "" {
		t.Fatalf("%s: %s", name, d)
	}
	if s := shared(reflect.ValueOf(&got).Elem(), reflect.ValueOf(&v).Elem(), name); s != "" {
		t.Fatalf("%s: the copy shares %s with the original", name, s)
	}
}

// sameShape compares what reflect.DeepEqual does not: a nil slice or map against an empty one, and the
// capacity of slices (the reference makes each slice exactly as long as its source).
func sameShape(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() != b.IsNil() {
			return path + ": nil on one side"
		}
		if !a.IsNil() {
			return sameShape(a.Elem(), b.Elem(), path)
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				if d := sameShape(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
					return d
				}
			}
		}
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Cap() != b.Cap() {
			return fmt.Sprintf("%s: nil %v/%v, cap %d/%d", path, a.IsNil(), b.IsNil(), a.Cap(), b.Cap())
		}
		for i := 0; i < a.Len(); i++ {
			if d := sameShape(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.IsNil() != b.IsNil() {
			return path + ": nil on one side"
		}
		for _, k := range a.MapKeys() {
			if d := sameShape(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	}
	return ""
}

// shared is the path of a pointer, slice or map of the copy a that is the original's b (documents, which
// are immutable, excepted), "" when none is.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.UnsafePointer() == b.UnsafePointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Interface:
		if a.IsNil() {
			return ""
		}
		e := a.Elem()
		if e.Kind() == reflect.Pointer && e.Elem().Kind() == reflect.Struct && !isDocument(e.Type()) {
			return shared(e, b.Elem(), path)
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				if s := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); s != "" {
					return s
				}
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.UnsafePointer() == b.UnsafePointer() {
			return path
		}
		for i := 0; i < a.Len(); i++ {
			if s := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); s != "" {
				return s
			}
		}
	case reflect.Map:
		if !a.IsNil() && a.UnsafePointer() == b.UnsafePointer() {
			return path
		}
		for _, k := range a.MapKeys() {
			if s := shared(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); s != "" {
				return s
			}
		}
	}
	return ""
}

func isDocument(t reflect.Type) bool {
	_, ok := reflect.New(t).Elem().Interface().(interface{ MarshalSmithyDocument() ([]byte, error) })
	return ok
}

// thinOut leaves out, at random, pointers, slices and maps below v (nil or empty).
func thinOut(rnd *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if rnd.Intn(4) == 0 {
			v.SetZero()
			return
		}
		thinOut(rnd, v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				thinOut(rnd, v.Field(i))
			}
		}
	case reflect.Slice:
		switch rnd.Intn(5) {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, rnd.Intn(3)))
		case 2:
			v.Set(reflect.AppendSlice(v, v)) // two elements, sharing what is below them
		default:
			for i := 0; i < v.Len(); i++ {
				thinOut(rnd, v.Index(i))
			}
		}
	case reflect.Map:
		switch rnd.Intn(4) {
		case 0:
			v.SetZero()
		case 1:
			v.Set(reflect.MakeMap(v.Type()))
		}
	}
}

// TestDeepCopyIsTheReference: deepCopy (by its types' plans) makes the copy copyValue makes, sharing
// nothing with the original: on every field of the SDK's task definition and registration input set, on
// values with random parts left out, emptied or repeated, on the demo snapshot's revisions and on a
// generated snapshot's.
func TestDeepCopyIsTheReference(t *testing.T) {
	var td detect.TaskDefinition
	fill(t, reflect.ValueOf(&td.TaskDefinition).Elem(), "TaskDefinition", 0)
	td.Tags = []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	assertSameCopy(t, "filled revision", td)
	assertSameCopy(t, "filled input", *registerView(&td))
	assertSameCopy(t, "tag", td.Tags[0])
	rnd := rand.New(rand.NewSource(13))
	for i := 0; i < 300; i++ {
		var in ecs.RegisterTaskDefinitionInput
		fill(t, reflect.ValueOf(&in).Elem(), "RegisterTaskDefinitionInput", 0)
		thinOut(rnd, reflect.ValueOf(&in).Elem())
		assertSameCopy(t, fmt.Sprintf("thinned input #%d", i), in)
		assertSameCopy(t, fmt.Sprintf("thinned input #%d by pointer", i), &in)
	}
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 40, 2)
	for _, d := range []string{filepath.Join("..", "testdata", "demo"), dir} {
		inv, err := snapshot.Load(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.TaskDefinitions) == 0 {
			t.Fatalf("%s: no task definition", d)
		}
		for i := range inv.TaskDefinitions {
			r := &inv.TaskDefinitions[i]
			assertSameCopy(t, r.ARN(), *registerView(r))
			assertSameCopy(t, r.ARN()+" (revision)", r.TaskDefinition)
		}
	}
}
