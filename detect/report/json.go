package report

import (
	"encoding/json"
	"io"

	"github.com/ecsfix/ecsfix/detect"
)

// document is the JSON scan document (see the README's "JSON output" section).
type document struct {
	FormatVersion int                `json:"formatVersion"`
	Tool          tool               `json:"tool"`
	Source        Source             `json:"source"`
	Summary       Summary            `json:"summary"`
	Results       []detect.Result    `json:"results"`
	NotEvaluated  []detect.Result    `json:"notEvaluated"`
	Errors        []detect.ReadError `json:"errors"`
}

type tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSON writes the scan document: every evaluated (control, resource) pair in "results" with status
// PASSED, FAILED or NOT_APPLICABLE; pairs that lacked data in "notEvaluated"; read errors in "errors".
func JSON(w io.Writer, r *Report) error {
	doc := document{
		FormatVersion: FormatVersion,
		Tool:          tool{Name: "ecsfix", Version: r.ToolVersion},
		Source:        r.Source,
		Summary:       r.Summary(),
		Results:       []detect.Result{},
		NotEvaluated:  []detect.Result{},
		Errors:        append([]detect.ReadError{}, r.Errors...),
	}
	for _, res := range r.Results {
		if res.Status == detect.NotEvaluated {
			doc.NotEvaluated = append(doc.NotEvaluated, res)
		} else {
			doc.Results = append(doc.Results, res)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
