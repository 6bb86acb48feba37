package filepatch

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/tailscale/hujson"
)

// Resolving a path of the plan (members spelled as ECS spells them, camelCase) against a file's text,
// where members are spelled as the file spells them: the snapshot reader matches a member name to a
// field of the AWS SDK's types case-insensitively (CloudFormation and some tools write PascalCase), so
// a path's token that names such a field matches the member of any case; a token that is a map key
// (dockerLabels, log options) matches only exactly, as the reader keeps map keys as they are.

// Folder reports whether token i of path names a field matched case-insensitively.
type Folder func(path []string, i int) bool

// taskDefinitionType and containersType are the types the reader decodes a whole task definition and a
// containerDefinitions array into.
var (
	taskDefinitionType = reflect.TypeOf(ecstypes.TaskDefinition{})
	containersType     = reflect.TypeOf([]ecstypes.ContainerDefinition{})
)

// fieldFolder is the Folder of a document holding a value of type typ at the path base (whose tokens
// are spelled as in the file): a token below base folds when it names a struct field of the type at
// its place, or when its place is not known (a field of no type; the reader warns of it).
func fieldFolder(base []string, typ reflect.Type) Folder {
	return func(path []string, i int) bool {
		if i < len(base) {
			return false
		}
		t := typ
		for j := len(base); j < i && t != nil; j++ {
			t = step(t, path[j])
		}
		if t == nil {
			return true
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		return t.Kind() == reflect.Struct
	}
}

// step is the type at token tok of a value of type t; nil when unknown.
func step(t reflect.Type, tok string) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		fields, ok := structFields.Load(t)
		if !ok {
			m := map[string]reflect.Type{}
			for i := 0; i < t.NumField(); i++ {
				if f := t.Field(i); f.IsExported() {
					m[lower(f.Name)] = f.Type
				}
			}
			fields, _ = structFields.LoadOrStore(t, m)
		}
		return fields.(map[string]reflect.Type)[lower(tok)]
	case reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem()
	}
	return nil
}

// structFields are the exported fields of a struct type by their lower-case names.
var structFields sync.Map // reflect.Type → map[string]reflect.Type

func lower(s string) string { return strings.ToLower(s) }

// memberIndex is the index of o's member named name: the one spelled exactly so, else, when fold, the
// one whose name matches case-insensitively; -1 when none. More than one case-insensitive match is an
// error (the reader refuses such a file).
func memberIndex(o *hujson.Object, name string, fold bool) (int, error) {
	for i := range o.Members {
		if memberName(&o.Members[i]) == name {
			return i, nil
		}
	}
	if !fold {
		return -1, nil
	}
	idx := -1
	for i := range o.Members {
		if lower(memberName(&o.Members[i])) == lower(name) {
			if idx >= 0 {
				return -1, fmt.Errorf("the file has more than one member %q (spelled in different cases)", name)
			}
			idx = i
		}
	}
	return idx, nil
}

// resolve finds the value at path in v, matching members as fold says. It returns nil when the file
// holds nothing there, and the path with its member names spelled as in the file.
func resolve(v *hujson.Value, path []string, fold Folder) (*hujson.Value, []string, error) {
	spelled := append([]string(nil), path...)
	for i, tok := range path {
		switch c := v.Value.(type) {
		case *hujson.Object:
			f := fold != nil && fold(path, i)
			idx, err := memberIndex(c, tok, f)
			if err != nil || idx < 0 {
				return nil, spelled, err
			}
			spelled[i] = memberName(&c.Members[idx])
			v = &c.Members[idx].Value
		case *hujson.Array:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(c.Elements) || strconv.Itoa(n) != tok {
				return nil, spelled, nil
			}
			v = &c.Elements[n]
		default:
			return nil, spelled, nil
		}
	}
	return v, spelled, nil
}
