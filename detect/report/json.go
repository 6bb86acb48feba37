package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/jsonindent"
	"github.com/ecsfix/ecsfix/internal/ordered"
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
// The bytes are those of a json.Encoder with two-space indentation encoding the whole document, written
// member by member and the results in chunks encoded in parallel (ordered.Write), never the whole
// document in memory: an element encoded and indented with the prefix of its depth is the same bytes as
// inside the whole (TestJSONAgreesWithReference).
func JSON(w io.Writer, r *Report) error {
	var results, notEvaluated []int
	for i := range r.Results {
		if r.Results[i].Status == detect.NotEvaluated {
			notEvaluated = append(notEvaluated, i)
		} else {
			results = append(results, i)
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	// document's members in order; keep in step with document (TestJSONMembersAreDocuments).
	member := func(name string, v any, last bool) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("\n  \"" + name + "\": ") // bw keeps an error for Flush
		bw.Write(b)
		if !last {
			bw.WriteByte(',')
		}
		return nil
	}
	bw.WriteByte('{')
	if err := member("formatVersion", FormatVersion, false); err != nil {
		return err
	}
	if err := member("tool", tool{Name: "ecsfix", Version: r.ToolVersion}, false); err != nil {
		return err
	}
	if err := member("source", &r.Source, false); err != nil {
		return err
	}
	if err := member("summary", r.Summary(), false); err != nil {
		return err
	}
	bw.WriteString("\n  \"results\": ")
	if err := jsonList(bw, len(results), func(i int) any { return &r.Results[results[i]] }); err != nil {
		return err
	}
	bw.WriteString(",\n  \"notEvaluated\": ")
	if err := jsonList(bw, len(notEvaluated), func(i int) any { return &r.Results[notEvaluated[i]] }); err != nil {
		return err
	}
	bw.WriteString(",\n  \"errors\": ")
	if err := jsonList(bw, len(r.Errors), func(i int) any { return &r.Errors[i] }); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// jsonChunk is the number of list elements encoded together.
const jsonChunk = 256

// jsonList writes a list member's value at depth 1: [] when empty, else each element (elem(i)) on its
// own line at depth 2, encoded in chunks in parallel.
func jsonList(bw *bufio.Writer, n int, elem func(i int) any) error {
	if n == 0 {
		_, err := bw.WriteString("[]")
		return err
	}
	bw.WriteByte('[')
	chunks := (n + jsonChunk - 1) / jsonChunk
	err := ordered.Write(bw, chunks, func(c int, b *bytes.Buffer) error {
		for i := c * jsonChunk; i < min(n, (c+1)*jsonChunk); i++ {
			if err := jsonindent.Element(b, i, elem(i), "    ", "  "); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = bw.WriteString("\n  ]")
	return err
}
