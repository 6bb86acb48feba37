package plan

import (
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// Faithful revisions (DESIGN principle 1): a new revision is the source revision with every registrable
// field carried over, plus the edits. TestRegisterInputCarriesEveryField walks the SDK's TaskDefinition
// and fails when a field is neither carried nor listed in droppedTaskDefinitionFields.

// droppedTaskDefinitionFields are the read-only fields of a revision: AWS sets them, RegisterTaskDefinition
// does not take them.
var droppedTaskDefinitionFields = map[string]string{
	"TaskDefinitionArn":  "set by AWS on registration",
	"Revision":           "set by AWS on registration",
	"Status":             "set by AWS",
	"RequiresAttributes": "derived by AWS from the definition",
	"Compatibilities":    "derived by AWS from the definition",
	"RegisteredAt":       "set by AWS on registration",
	"RegisteredBy":       "set by AWS on registration",
	"DeregisteredAt":     "set by AWS on deregistration",
	"DeleteRequestedAt":  "set by AWS on deletion",
}

// TagPrefix starts the keys of the tags ecsfix itself sets: the applier tags every revision it registers
// with its provenance (ecsfix:plan, ecsfix:action; package fix). These tags are not part of a revision's
// content: RegisterInput leaves them out, so that they are not carried from a source revision to a new
// one (the applier sets its own) and so that a revision ecsfix registered compares equal to the fix the
// planner would make again (no duplicate registration after an applied or rolled-back plan).
const TagPrefix = "ecsfix:"

// RegisterInput returns the RegisterTaskDefinition input that registers a copy of the source revision:
// every registrable field carried over (tags included, except the reserved aws: tags, which only AWS may
// set, and ecsfix's own TagPrefix tags), the read-only ones dropped. The input is a deep copy: editing it never changes the inventory.
func RegisterInput(td *detect.TaskDefinition) *ecs.RegisterTaskDefinitionInput {
	v := registerViewOf(td)
	tags := v.Tags // already a copy
	v.Tags = nil
	c := deepCopy(v)
	c.Tags = tags
	return &c
}

// registerView is RegisterInput without the deep copy: its fields share their pointers, slices and maps
// with the inventory's revision (its tags are a copy), so it is only read (and written masked by awsjson.MarshalMasked, registrationJSON).
func registerView(td *detect.TaskDefinition) *ecs.RegisterTaskDefinitionInput {
	v := registerViewOf(td)
	return &v
}

// registerViewOf is registerView's value.
func registerViewOf(td *detect.TaskDefinition) ecs.RegisterTaskDefinitionInput {
	c := &td.TaskDefinition
	return ecs.RegisterTaskDefinitionInput{
		ContainerDefinitions:    c.ContainerDefinitions,
		Family:                  c.Family,
		Cpu:                     c.Cpu,
		EnableFaultInjection:    c.EnableFaultInjection,
		EphemeralStorage:        c.EphemeralStorage,
		ExecutionRoleArn:        c.ExecutionRoleArn,
		InferenceAccelerators:   c.InferenceAccelerators,
		IpcMode:                 c.IpcMode,
		Memory:                  c.Memory,
		NetworkMode:             c.NetworkMode,
		PidMode:                 c.PidMode,
		PlacementConstraints:    c.PlacementConstraints,
		ProxyConfiguration:      c.ProxyConfiguration,
		RequiresCompatibilities: c.RequiresCompatibilities,
		RuntimePlatform:         c.RuntimePlatform,
		Tags:                    registrableTags(td.Tags),
		TaskRoleArn:             c.TaskRoleArn,
		Volumes:                 c.Volumes,
	}
}

// registrableTags copies the tags a registration may carry: keys starting with "aws:" are reserved
// (CloudFormation's stack tags, for instance) and refused by RegisterTaskDefinition; keys starting with
// TagPrefix are ecsfix's provenance, which the applier sets itself.
func registrableTags(tags []ecstypes.Tag) []ecstypes.Tag {
	if tags == nil {
		return nil
	}
	out := make([]ecstypes.Tag, 0, len(tags))
	for _, t := range tags {
		k := strings.ToLower(aws.ToString(t.Key))
		if strings.HasPrefix(k, "aws:") || strings.HasPrefix(k, TagPrefix) {
			continue
		}
		out = append(out, deepCopy(t))
	}
	return out
}

// reservedTags lists the aws: tag keys of a revision (not carried to the new revision).
func reservedTags(tags []ecstypes.Tag) []string {
	var out []string
	for _, t := range tags {
		if k := aws.ToString(t.Key); strings.HasPrefix(strings.ToLower(k), "aws:") {
			out = append(out, k)
		}
	}
	return out
}

// deepCopy copies a value of SDK types so that the copy shares no pointer, slice or map with the
// original. Smithy documents (immutable) are shared. It copies by its type's plan (copierOf), as
// copyValue does (deepCopyReference, in taskdef_copy_test.go, is copyValue's copy).
func deepCopy[T any](v T) T {
	c := v
	if p := copierOf(reflect.TypeFor[T]()); p != nil {
		p(unsafe.Pointer(&c), unsafe.Pointer(&v))
	}
	return c
}

var timeType = reflect.TypeFor[time.Time]()

// exportedFieldsOf caches exportedFields: a plan copies thousands of values of a few dozen types.
var exportedFieldsOf sync.Map // reflect.Type -> []int

// exportedFields are the indexes of a struct type's exported fields.
func exportedFields(t reflect.Type) []int {
	if f, ok := exportedFieldsOf.Load(t); ok {
		return f.([]int)
	}
	var f []int
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).IsExported() {
			f = append(f, i)
		}
	}
	exportedFieldsOf.Store(t, f)
	return f
}

// scalarKind says whether values of a kind hold nothing that a copy must copy in turn (no pointer, slice,
// map, interface or struct).
func scalarKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		if scalarKind(src.Type().Elem().Kind()) {
			p.Elem().Set(src.Elem()) // *string, *int32, *bool…: the value itself
		} else {
			copyValue(p.Elem(), src.Elem())
		}
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := src.Elem()
		// union members (SharingStrategyMemberNvidiaMps, …) are copied; documents are immutable, shared
		if e.Kind() == reflect.Pointer && e.Elem().Kind() == reflect.Struct && strings.Contains(e.Elem().Type().Name(), "Member") {
			c := reflect.New(e.Elem().Type())
			copyValue(c.Elem(), e.Elem())
			dst.Set(c)
			return
		}
		dst.Set(e)
	case reflect.Struct:
		if src.Type() == timeType {
			dst.Set(src)
			return
		}
		// unexported fields of SDK types are empty markers (noSmithyDocumentSerde)
		for _, i := range exportedFields(src.Type()) {
			copyValue(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if scalarKind(src.Type().Elem().Kind()) {
			reflect.Copy(s, src) // []string, enums…: values, nothing to copy below them
		} else {
			for i := 0; i < src.Len(); i++ {
				copyValue(s.Index(i), src.Index(i))
			}
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for _, k := range src.MapKeys() {
			e := reflect.New(src.Type().Elem()).Elem()
			copyValue(e, src.MapIndex(k))
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	default:
		dst.Set(src)
	}
}
