// Package report renders scan results: a human table (text), the JSON document other tools parse, and
// SARIF for code-scanning pipelines. Renderers only format a Report; they never evaluate or call AWS.
package report

import (
	"sort"

	"github.com/ecsfix/ecsfix/detect"
)

// FormatVersion is the version of the JSON scan document. It changes only when a field changes meaning
// or disappears; new fields may appear within a version.
const FormatVersion = 1

// Report is one scan's outcome.
type Report struct {
	ToolVersion string
	Source      Source
	Results     []detect.Result
	Errors      []detect.ReadError
	// Resources is the number of resources read.
	Resources int
	// Origins locates resources (by ARN) in the snapshot files they were read from, for SARIF.
	Origins map[string]Origin
	// FileFindings locate the results of task definitions read from files at the container or field
	// that failed, with the fix of the file when there is one, by FileFindingKey (for SARIF).
	FileFindings map[string]FileFinding
}

// FileFinding is where in its file a result's task definition failed, and the edits that fix it.
type FileFinding struct {
	File string
	Line int
	Fix  *FileFix
}

// FileFix is a fix of a file as line replacements of its text.
type FileFix struct {
	Description  string
	Replacements []Replacement
}

// Replacement replaces the lines [StartLine, EndLine) (1-based; StartLine == EndLine inserts before
// StartLine) with Inserted.
type Replacement struct {
	StartLine, EndLine int
	Inserted           string
}

// FileFindingKey is the key of a result in Report.FileFindings.
func FileFindingKey(control, resource string) string { return control + "\x00" + resource }

// Source says where the inventory came from.
type Source struct {
	Kind    string   `json:"kind"` // "live" or "snapshot"
	Path    string   `json:"path,omitempty"`
	Regions []string `json:"regions,omitempty"`
}

// Origin is a place in a snapshot file.
type Origin struct {
	File string
	Line int
}

// Summary counts results by status.
type Summary struct {
	Resources     int `json:"resources"`
	Evaluated     int `json:"evaluated"`
	Passed        int `json:"passed"`
	Failed        int `json:"failed"`
	Suppressed    int `json:"suppressed"`
	NotApplicable int `json:"notApplicable"`
	NotEvaluated  int `json:"notEvaluated"`
	Errors        int `json:"errors"`
}

// Summary counts the report's results. Failed excludes suppressed failures, which Suppressed counts.
func (r *Report) Summary() Summary {
	s := Summary{Resources: r.Resources, Errors: len(r.Errors)}
	for _, res := range r.Results {
		switch res.Status {
		case detect.Passed:
			s.Passed++
		case detect.Failed:
			if res.Suppressed != nil {
				s.Suppressed++
			} else {
				s.Failed++
			}
		case detect.NotApplicable:
			s.NotApplicable++
		case detect.NotEvaluated:
			s.NotEvaluated++
		}
	}
	s.Evaluated = s.Passed + s.Failed + s.Suppressed + s.NotApplicable
	return s
}

// Incomplete reports whether something could not be read.
func (r *Report) Incomplete() bool { return len(r.Errors) > 0 }

// group is the results of one resource (pointers into the report's results).
type group struct {
	arn, resourceType string
	results           []*detect.Result
}

// byResource groups the results that keep() accepts by resource, ordered by resource type, then ARN;
// within a resource results keep registry order.
func byResource(results []detect.Result, keep func(*detect.Result) bool) []group {
	idx := map[string]int{}
	var groups []group
	for k := range results {
		r := &results[k]
		if !keep(r) {
			continue
		}
		i, ok := idx[r.ResourceArn]
		if !ok {
			i = len(groups)
			idx[r.ResourceArn] = i
			groups = append(groups, group{arn: r.ResourceArn, resourceType: r.ResourceType})
		}
		groups[i].results = append(groups[i].results, r)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].resourceType != groups[j].resourceType {
			return typeOrder(groups[i].resourceType) < typeOrder(groups[j].resourceType)
		}
		return groups[i].arn < groups[j].arn
	})
	return groups
}

func typeOrder(t string) int {
	switch t {
	case detect.TypeCluster:
		return 0
	case detect.TypeService:
		return 1
	case detect.TypeTaskDefinition:
		return 2
	case detect.TypeTaskSet:
		return 3
	case detect.TypeCapacityProvider:
		return 4
	}
	return 5
}
