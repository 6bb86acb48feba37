package plan

import (
	"fmt"
	"strconv"

	"github.com/ecsfix/ecsfix/detect"
)

// Task definitions kept as files: a plan made from them names each by its detect.FileID (it has no ARN,
// no account, no region). Its fixes are written back into the files (package plan/filepatch); the applier,
// which registers revisions in AWS, has nothing to register them from.

// FileTaskDefinitions lists the actions of the plan that change a task definition kept as a file (one
// without an ARN), as "action id (resource)". apply refuses such a plan: it has no revision in AWS to
// register a fix from.
func (p *Plan) FileTaskDefinitions() []string {
	var out []string
	for _, a := range p.Actions {
		if detect.IsFileID(a.Resource) {
			out = append(out, a.ID+" ("+a.Resource+")")
		}
	}
	return out
}

// PathTokens converts a plan JSON path that uses indexes and quoted map keys (Masked.Path, SourcePath,
// SecretRef.Path) into RFC 6901 reference tokens. A selector by name is refused: only the file holds
// the index it stands for.
func PathTokens(path string) ([]string, error) {
	steps, err := parseJSONPath(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(steps))
	for _, s := range steps {
		switch {
		case !s.selector:
			out = append(out, s.key)
		case s.quoted:
			out = append(out, s.sel)
		default:
			if _, err := strconv.Atoi(s.sel); err != nil {
				return nil, fmt.Errorf("path %q: selector [%s] is not an index", path, s.sel)
			}
			out = append(out, s.sel)
		}
	}
	return out, nil
}
