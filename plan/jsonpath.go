package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// A JSON path in a plan (Masked.Path, Masked.SourcePath, Edit.Path) is a dotted list of object keys, each
// optionally followed by selectors in brackets: an index ("containerDefinitions[0].environment[2].value"),
// a quoted map key (`dockerLabels["com.example.token"]`, Go quoting), or, for a list of objects, the value
// of the element's "name" field ("containerDefinitions[web].user"). These helpers work on generic JSON
// (map[string]any, []any) so that they do not depend on SDK types.

// pathStep is one key or one bracketed selector of a path.
type pathStep struct {
	key      string // object key, when !selector
	selector bool
	sel      string // index, name or (quoted) map key, when selector
	quoted   bool
}

// parseJSONPath splits a path into steps.
func parseJSONPath(path string) ([]pathStep, error) {
	if path == "" {
		return nil, fmt.Errorf("empty path")
	}
	var steps []pathStep
	i := 0
	for i < len(path) {
		switch path[i] {
		case '[':
			if i+1 < len(path) && path[i+1] == '"' {
				q, err := strconv.QuotedPrefix(path[i+1:])
				if err != nil {
					return nil, fmt.Errorf("path %q: bad quoted key", path)
				}
				key, _ := strconv.Unquote(q)
				i += 1 + len(q)
				if i >= len(path) || path[i] != ']' {
					return nil, fmt.Errorf("path %q: unclosed [", path)
				}
				steps = append(steps, pathStep{selector: true, sel: key, quoted: true})
				i++
				if i < len(path) && path[i] == '.' {
					i++
					if i == len(path) {
						return nil, fmt.Errorf("path %q: ends with .", path)
					}
				}
				continue
			}
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", path)
			}
			sel := path[i+1 : i+end]
			if sel == "" {
				return nil, fmt.Errorf("path %q: empty []", path)
			}
			steps = append(steps, pathStep{selector: true, sel: sel})
			i += end + 1
			if i < len(path) && path[i] == '.' {
				i++
				if i == len(path) {
					return nil, fmt.Errorf("path %q: ends with .", path)
				}
			}
		default:
			end := strings.IndexAny(path[i:], ".[")
			if end < 0 {
				end = len(path) - i
			}
			if end == 0 {
				return nil, fmt.Errorf("path %q: empty key", path)
			}
			steps = append(steps, pathStep{key: path[i : i+end]})
			i += end
			if i < len(path) && path[i] == '.' {
				i++
				if i == len(path) {
					return nil, fmt.Errorf("path %q: ends with .", path)
				}
			}
		}
	}
	return steps, nil
}

// lookupJSONPath finds the value at path in doc. It returns a setter for that place, the value, and
// whether the path locates a value.
func lookupJSONPath(doc any, path string) (value any, set func(any), ok bool) {
	steps, err := parseJSONPath(path)
	if err != nil {
		return nil, nil, false
	}
	cur := doc
	set = nil
	for _, s := range steps {
		switch {
		case !s.selector:
			m, isMap := cur.(map[string]any)
			if !isMap {
				return nil, nil, false
			}
			v, has := m[s.key]
			if !has {
				return nil, nil, false
			}
			key := s.key
			set = func(nv any) { m[key] = nv }
			cur = v
		default:
			if m, isMap := cur.(map[string]any); isMap {
				v, has := m[s.sel]
				if !has {
					return nil, nil, false
				}
				key := s.sel
				set = func(nv any) { m[key] = nv }
				cur = v
				continue
			}
			list, isList := cur.([]any)
			if !isList {
				return nil, nil, false
			}
			idx := -1
			if n, err := strconv.Atoi(s.sel); err == nil && !s.quoted {
				if n < 0 || n >= len(list) {
					return nil, nil, false
				}
				idx = n
			} else {
				for j, e := range list {
					if m, isMap := e.(map[string]any); isMap && m["name"] == s.sel {
						idx = j
						break
					}
				}
				if idx < 0 {
					return nil, nil, false
				}
			}
			j := idx
			set = func(nv any) { list[j] = nv }
			cur = list[idx]
		}
	}
	return cur, set, true
}
