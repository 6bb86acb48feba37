package plan

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// fill sets every field reachable from v to a non-zero value (slices and maps of one element, unions to
// their first member known here).
func fill(t *testing.T, v reflect.Value, path string, depth int) {
	t.Helper()
	ty := v.Type()
	switch ty.Kind() {
	case reflect.Pointer:
		if depth > 14 {
			return
		}
		p := reflect.New(ty.Elem())
		fill(t, p.Elem(), path, depth+1)
		v.Set(p)
	case reflect.Interface:
		switch ty {
		case reflect.TypeFor[ecstypes.SharingStrategy]():
			v.Set(reflect.ValueOf(ecstypes.SharingStrategy(&ecstypes.SharingStrategyMemberNvidiaMps{})))
		default:
			// open documents are not part of task definitions; leave other interfaces unset
		}
	case reflect.Struct:
		if ty == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
			return
		}
		for i := 0; i < ty.NumField(); i++ {
			if ty.Field(i).IsExported() {
				fill(t, v.Field(i), path+"."+ty.Field(i).Name, depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(ty, 1, 1)
		fill(t, s.Index(0), path+"[0]", depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(ty)
		e := reflect.New(ty.Elem()).Elem()
		fill(t, e, path, depth+1)
		m.SetMapIndex(reflect.ValueOf("k").Convert(ty.Key()), e)
		v.Set(m)
	case reflect.String:
		v.SetString("v" + path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(3)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5)
	default:
		t.Fatalf("%s: unsupported kind %s", path, ty.Kind())
	}
}

// TestRegisterInputCarriesEveryField is principle 1: every field of the SDK's TaskDefinition is either
// carried to RegisterTaskDefinitionInput (same name, same value) or knowingly dropped; every field of the
// input is set from the source. It fails when an SDK upgrade adds a field the copy does not handle.
func TestRegisterInputCarriesEveryField(t *testing.T) {
	var td detect.TaskDefinition
	fill(t, reflect.ValueOf(&td.TaskDefinition).Elem(), "TaskDefinition", 0)
	td.Tags = []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	in := RegisterInput(&td)

	src := reflect.ValueOf(td.TaskDefinition)
	dst := reflect.ValueOf(*in)
	srcType, dstType := src.Type(), dst.Type()
	for i := 0; i < srcType.NumField(); i++ {
		f := srcType.Field(i)
		if !f.IsExported() {
			continue
		}
		if _, dropped := droppedTaskDefinitionFields[f.Name]; dropped {
			if _, ok := dstType.FieldByName(f.Name); ok {
				t.Errorf("TaskDefinition.%s is listed as dropped but RegisterTaskDefinitionInput takes it", f.Name)
			}
			continue
		}
		df, ok := dstType.FieldByName(f.Name)
		if !ok {
			t.Errorf("TaskDefinition.%s is neither carried to RegisterTaskDefinitionInput nor listed in droppedTaskDefinitionFields", f.Name)
			continue
		}
		if df.Type != f.Type {
			t.Errorf("TaskDefinition.%s has type %s, the input's %s", f.Name, f.Type, df.Type)
			continue
		}
		if !reflect.DeepEqual(dst.FieldByIndex(df.Index).Interface(), src.Field(i).Interface()) {
			t.Errorf("TaskDefinition.%s is not carried by RegisterInput", f.Name)
		}
	}
	var unset []string
	for i := 0; i < dstType.NumField(); i++ {
		f := dstType.Field(i)
		if f.IsExported() && dst.Field(i).IsZero() {
			unset = append(unset, f.Name)
		}
	}
	sort.Strings(unset)
	if len(unset) > 0 {
		t.Errorf("RegisterTaskDefinitionInput fields not set from the source revision: %v", unset)
	}
	if !reflect.DeepEqual(in.Tags, td.Tags) {
		t.Errorf("tags %+v", in.Tags)
	}
	_ = ecs.RegisterTaskDefinitionInput{}
}

func TestRegisterInputIsADeepCopy(t *testing.T) {
	var td detect.TaskDefinition
	fill(t, reflect.ValueOf(&td.TaskDefinition).Elem(), "TaskDefinition", 0)
	td.Tags = []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	want := deepCopy(td)
	if !reflect.DeepEqual(want, td) {
		t.Fatal("deepCopy differs from its source")
	}
	in := RegisterInput(&td)
	// change every reachable value of the input
	fillOther(reflect.ValueOf(in).Elem())
	if !reflect.DeepEqual(want, td) {
		t.Error("editing the input changed the source revision")
	}
}

// fillOther rewrites every string, bool and number reachable from v in place.
func fillOther(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			fillOther(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && v.Field(i).CanSet() {
				fillOther(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			fillOther(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			fillOther(e)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString("changed")
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(false)
		}
	case reflect.Int32, reflect.Int64, reflect.Int:
		if v.CanSet() {
			v.SetInt(99)
		}
	}
}
