package plan

// The masking of a registration as first written, kept as the reference the faster code in mask.go and
// revisions.go must agree with (mask_reference_test.go's tests): findSecrets building every path as it
// walks, maskedJSONOf setting each value through its path, the before masked in a deep copy of the source
// (registrationReference), and walkPath finding a field by looking at every field's JSON name.

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// findSecrets lists the secret-bearing string values of a registration input, in a stable order. flagged
// is detect.ClassifyEnv's verdict (classifyFlagged; tests may count its calls).
func findSecretsReference(in *ecs.RegisterTaskDefinitionInput, flagged func(name, value string) bool) []maskedValue {
	var out []maskedValue
	var walk func(v reflect.Value, path, field, name string, always bool)
	walk = func(v reflect.Value, path, field, name string, always bool) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path, field, name, always)
			}
		case reflect.Struct:
			if v.Type() == keyValuePairType {
				n, val := derefString(v.FieldByName("Name")), v.FieldByName("Value")
				if val.IsNil() {
					return
				}
				s := val.Elem().String()
				if field == "environment" || flagged(n, s) {
					out = append(out, maskedValue{path: path + ".value", value: s})
				}
				return
			}
			for _, f := range jsonFields(v.Type()) {
				if f.inert {
					continue
				}
				fv := v.Field(f.index)
				switch fv.Kind() { // nothing to find in an absent or empty value: no path to build
				case reflect.Pointer, reflect.Interface:
					if fv.IsNil() {
						continue
					}
				case reflect.Slice, reflect.Map:
					if fv.Len() == 0 {
						continue
					}
				}
				walk(fv, joinPath(path, f.name), f.name, "", false)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			all := v.Type().Elem().Kind() == reflect.String && alwaysMaskedLists.MatchString(path)
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", field, "", all)
			}
		case reflect.Map:
			keys := make([]string, 0, v.Len())
			for _, k := range v.MapKeys() {
				keys = append(keys, k.String())
			}
			sort.Strings(keys)
			all := alwaysMaskedMaps.MatchString(path)
			logOpts := logOptionsPath.MatchString(path)
			for _, k := range keys {
				walk(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())), mapKeyPath(path, k), field, k, all && !(logOpts && visibleLogOptions[k]))
			}
		case reflect.String:
			s := v.String()
			if s == MaskedValue {
				return
			}
			if always {
				out = append(out, maskedValue{path: path, value: s})
				return
			}
			if flagged(name, s) {
				out = append(out, maskedValue{path: path, value: s})
			}
		}
	}
	walk(reflect.ValueOf(in).Elem(), "", "", "", false)
	return out
}

// maskedJSONOf marshals c with its secret-bearing values masked, and lists them. It masks c itself, and
// puts the values back once marshalled when restore is set (c is left as it was; no copy of it is made);
// flagged is detect.ClassifyEnv's verdict. source is the
// unedited input of the source revision: each masked value must be found there, at the same path unless
// moved maps its path to the one it has in the source (an environment entry shifted by the removal of
// others), which is its SourcePath. Values at the paths of plain were set by the planner itself (the
// awslogs options it adds) and are not masked.
func maskedJSONOfReference(c, source *ecs.RegisterTaskDefinitionInput, moved map[string]string, plain map[string]bool, flagged func(name, value string) bool, restore bool) ([]byte, []Masked, error) {
	secrets := findSecretsReference(c, flagged)
	masked := make([]Masked, 0, len(secrets))
	root := reflect.ValueOf(c).Elem()
	var done []maskedValue // the values masked so far, put back on return when restore is set
	if restore {
		defer func() {
			for _, s := range done {
				if err := setPathReference(root, s.path, s.value); err != nil {
					panic(fmt.Sprintf("masking: restoring %s: %v", s.path, err)) // it was just set there
				}
			}
		}()
	}
	for _, s := range secrets {
		if plain[s.path] {
			continue
		}
		srcPath := s.path
		if m, ok := moved[s.path]; ok {
			srcPath = m
		}
		if source != nil {
			sv, err := getPathReference(reflect.ValueOf(source).Elem(), srcPath)
			if err != nil || sv != s.value {
				return nil, nil, fmt.Errorf("masking %s: the value is not at %s in the source revision", s.path, srcPath)
			}
		}
		if err := setPathReference(root, s.path, MaskedValue); err != nil {
			return nil, nil, fmt.Errorf("masking %s: %w", s.path, err)
		}
		if restore {
			done = append(done, s)
		}
		masked = append(masked, Masked{Path: s.path, SourcePath: srcPath})
	}
	b, err := awsjson.Marshal(c)
	if err != nil {
		return nil, nil, err
	}
	return b, masked, nil
}

// walkPath follows a path to the string it names; it returns the string's value and a setter.
func walkPathReference(root reflect.Value, p string) (string, func(string), error) {
	segs, err := parsePath(p)
	if err != nil {
		return "", nil, err
	}
	v := root
	for n, s := range segs {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			v = v.Elem()
		}
		switch s.kind {
		case 'f':
			if v.Kind() == reflect.Map {
				s = pathSeg{key: s.field, kind: 'k'}
			}
		}
		switch s.kind {
		case 'f':
			if v.Kind() != reflect.Struct {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			found := false
			for i := 0; i < v.NumField(); i++ {
				if f := v.Type().Field(i); f.IsExported() && awsjson.JSONName(f.Name) == s.field {
					v, found = v.Field(i), true
					break
				}
			}
			if !found {
				return "", nil, fmt.Errorf("no field %s at %s", s.field, p)
			}
		case 'i':
			if v.Kind() != reflect.Slice || s.index >= v.Len() {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			v = v.Index(s.index)
		case 'k':
			if v.Kind() != reflect.Map || v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			if n != len(segs)-1 {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			m, k := v, reflect.ValueOf(s.key).Convert(v.Type().Key())
			e := m.MapIndex(k)
			if !e.IsValid() {
				return "", nil, fmt.Errorf("no value at %s", p)
			}
			return e.String(), func(x string) { m.SetMapIndex(k, reflect.ValueOf(x).Convert(m.Type().Elem())) }, nil
		}
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", nil, fmt.Errorf("no value at %s", p)
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.String || !v.CanSet() {
		return "", nil, fmt.Errorf("no string at %s", p)
	}
	return v.String(), func(x string) { v.SetString(x) }, nil
}

func getPathReference(root reflect.Value, p string) (string, error) {
	s, _, err := walkPathReference(root, p)
	return s, err
}

func setPathReference(root reflect.Value, p, value string) error {
	_, set, err := walkPathReference(root, p)
	if err != nil {
		return err
	}
	set(value)
	return nil
}
