package awsjson

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// marshalToOf is MarshalTo into a buffer that already holds something: it must append, and only append.
func marshalToOf(v any) ([]byte, error) {
	b := bytes.NewBufferString("prefix")
	err := MarshalTo(b, v)
	if !strings.HasPrefix(b.String(), "prefix") {
		return nil, fmt.Errorf("MarshalTo changed what the buffer held")
	}
	return b.Bytes()[len("prefix"):], err
}

// MarshalTo writes what Marshal returns, and fails with Marshal's error: on fully populated values of
// the SDK types ecsfix writes, on values with random parts left out or emptied, on the snapshot fixtures'
// documents, and on values Marshal refuses.
func TestMarshalToIsMarshal(t *testing.T) {
	check := func(t *testing.T, name string, v any) error {
		t.Helper()
		want, werr := referenceMarshal(v)
		got, gerr := marshalToOf(v)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("%s: MarshalTo error %v, Marshal error %v", name, gerr, werr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%s: MarshalTo wrote\n%s\nMarshal\n%s", name, got, want)
		}
		return werr
	}
	targets := []any{new(ecstypes.TaskDefinition), new(ecs.RegisterTaskDefinitionInput), new(ecstypes.Service), new(ecstypes.Cluster)}
	rnd := rand.New(rand.NewSource(13))
	for _, target := range targets {
		ty := reflect.TypeOf(target).Elem()
		full := reflect.New(ty)
		populate(t, full.Elem(), ty.Name(), 0)
		check(t, ty.Name(), full.Interface())
		for i := 0; i < 200; i++ {
			v := reflect.New(ty)
			populate(t, v.Elem(), ty.Name(), 0)
			thin(rnd, v.Elem(), 0)
			check(t, fmt.Sprintf("%s #%d", ty.Name(), i), v.Interface())
		}
	}
	// the snapshot fixtures' task definitions, as read
	files, _ := filepath.Glob("../../testdata/demo/ecs/task-definitions/*.json")
	read := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var out ecs.DescribeTaskDefinitionOutput
		if Unmarshal(f, data, &out) != nil || out.TaskDefinition == nil {
			continue
		}
		check(t, f, out.TaskDefinition)
		read++
	}
	if read == 0 {
		t.Error("no task definition read from testdata/demo/ecs")
	}
	// nil, and values Marshal refuses (their errors name the path)
	var nilTD *ecstypes.TaskDefinition
	check(t, "nil", nilTD)
	type bad struct {
		Name  string
		Items []struct{ M map[int]string }
		Fn    func()
	}
	for name, v := range map[string]any{
		"map with int keys": &bad{Name: "x", Items: []struct{ M map[int]string }{{}, {M: map[int]string{1: "a"}}}},
		"func":              &bad{Name: "x", Fn: func() {}},
		"channel in a map":  map[string]any{"a": map[string]chan int{"b": make(chan int)}},
	} {
		if err := check(t, name, v); err == nil || !strings.Contains(err.Error(), "(document).") {
			t.Errorf("%s: Marshal's error %v names no path", name, err)
		}
	}
}

// thin leaves out, at random, pointers, slices and maps below v (nil or empty), so that values are
// written with and without their parts.
func thin(rnd *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if rnd.Intn(4) == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		thin(rnd, v.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				thin(rnd, v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		switch rnd.Intn(5) {
		case 0:
			v.Set(reflect.Zero(v.Type()))
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			for i := 0; i < v.Len(); i++ {
				thin(rnd, v.Index(i), depth+1)
			}
		}
	case reflect.Map:
		switch rnd.Intn(4) {
		case 0:
			v.Set(reflect.Zero(v.Type()))
		case 1:
			v.Set(reflect.MakeMap(v.Type()))
		case 2:
			if v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String {
				v.SetMapIndex(reflect.ValueOf("k\"ey\u2028\x7f").Convert(v.Type().Key()), reflect.ValueOf("v\\al\n").Convert(v.Type().Elem()))
			}
		}
	case reflect.String:
		if rnd.Intn(5) == 0 {
			v.SetString("")
		} else if rnd.Intn(5) == 0 {
			v.SetString("q\"<&>\u2028\x01é\xff")
		}
	}
}
