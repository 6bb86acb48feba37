package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/jsonindent"
	"github.com/ecsfix/ecsfix/internal/ordered"
)

const infoURI = "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html"

// SARIF writes FAILED results as SARIF 2.1.0 for code-scanning pipelines. A result is located in the
// snapshot file its resource was read from when known, and always by its ARN as a logical location.
// Suppressed failures carry an external suppression, so that viewers show them as dismissed.
//
// The bytes are those of the go-sarif log built whole and written by PrettyWrite (json.MarshalIndent):
// the log is marshalled without its results, and the results are made and encoded in parallel chunks
// (ordered.Write), each indented at its depth, in their place; never the whole log in memory
// (TestSARIFAgreesWithReference).
func SARIF(w io.Writer, r *Report) error {
	doc, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	run := sarif.NewRunWithInformationURI("ecsfix", infoURI)
	run.Tool.Driver.WithVersion(r.ToolVersion)
	for _, c := range detect.All() {
		rule := run.AddRule(c.ID).
			WithName(c.ID).
			WithShortDescription(sarif.NewMultiformatMessageString(c.Title))
		if len(c.Aliases) > 0 {
			rule.WithFullDescription(sarif.NewMultiformatMessageString(c.Title + " (also: " + strings.Join(c.Aliases, "; ") + ")"))
		}
		rule.
			WithHelpURI(infoURI).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level(c.Severity))).
			WithProperties(sarif.Properties{"resourceType": c.ResourceType, "severity": string(c.Severity)})
	}
	var failed []int
	for i := range r.Results {
		if r.Results[i].Status == detect.Failed {
			failed = append(failed, i)
		}
	}
	doc.AddRun(run)
	head, err := json.MarshalIndent(doc, "", "  ") // the results empty: "results": []
	if err != nil {
		return err
	}
	before, after, found := bytes.Cut(head, sarifResultsMarker)
	if len(failed) == 0 || !found || bytes.Contains(after, sarifResultsMarker) {
		// no result, or a log whose place of the results is not certain: built whole
		for _, i := range failed {
			sarifResult(run, r, &r.Results[i])
		}
		return doc.PrettyWrite(w)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before) // bw keeps an error for Flush
	bw.WriteString("\n      \"results\": [")
	chunks := (len(failed) + jsonChunk - 1) / jsonChunk
	err = ordered.Write(bw, chunks, func(c int, b *bytes.Buffer) error {
		// a run of its own for the chunk's results: CreateResultForRule appends to it, and reads the
		// rules (their index) shared with the log's run
		part := &sarif.Run{Tool: run.Tool}
		lo := c * jsonChunk
		for _, i := range failed[lo:min(len(failed), lo+jsonChunk)] {
			sarifResult(part, r, &r.Results[i])
		}
		for k, res := range part.Results {
			if err := jsonindent.Element(b, lo+k, res, "        ", "  "); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n      ]")
	bw.Write(after)
	return bw.Flush()
}

// sarifResultsMarker is the run's empty results list as MarshalIndent writes it in the log (the run is
// at depth 2 of the log, its members at depth 3).
var sarifResultsMarker = []byte("\n      \"results\": []")

// sarifResult adds a FAILED result to run.
func sarifResult(run *sarif.Run, r *Report, res *detect.Result) {
	loc := sarif.NewLocation().WithLogicalLocations([]*sarif.LogicalLocation{
		sarif.NewLogicalLocation().WithFullyQualifiedName(res.ResourceArn).WithKind("resource"),
	})
	ff, isFile := r.FileFindings[FileFindingKey(res.Control, res.ResourceArn)]
	if isFile && ff.File != "" {
		pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(ff.File))
		if ff.Line > 0 {
			pl.WithRegion(sarif.NewRegion().WithStartLine(ff.Line))
		}
		loc.WithPhysicalLocation(pl)
	} else if o, ok := r.Origins[res.ResourceArn]; ok && o.File != "" {
		pl := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(o.File))
		if o.Line > 0 {
			pl.WithRegion(sarif.NewRegion().WithStartLine(o.Line))
		}
		loc.WithPhysicalLocation(pl)
	}
	sum := sha256.Sum256([]byte(res.Control + "\x00" + res.ResourceArn))
	out := run.CreateResultForRule(res.Control).
		WithLevel(level(res.Severity)).
		WithMessage(sarif.NewTextMessage(res.ResourceArn + ": " + res.Reason)).
		WithLocations([]*sarif.Location{loc}).
		WithPartialFingerPrints(map[string]interface{}{"ecsfix/v1": hex.EncodeToString(sum[:16])})
	if isFile && ff.Fix != nil && res.Suppressed == nil {
		change := sarif.NewArtifactChange(sarif.NewSimpleArtifactLocation(ff.File))
		for _, rp := range ff.Fix.Replacements {
			region := sarif.NewRegion().WithStartLine(rp.StartLine).WithStartColumn(1).WithEndLine(rp.EndLine).WithEndColumn(1)
			change.WithReplacement(sarif.NewReplacement(region).WithInsertedContent(sarif.NewArtifactContent().WithText(rp.Inserted)))
		}
		out.AddFix(sarif.NewFix().WithDescriptionText(ff.Fix.Description).WithArtifactChanges([]*sarif.ArtifactChange{change}))
	}
	if s := res.Suppressed; s != nil {
		just := s.By
		if s.Reason != "" {
			just += ": " + s.Reason
		}
		out.WithSuppression([]*sarif.Suppression{sarif.NewSuppression("external").WithJustifcation(just)})
	}
}

func level(s detect.Severity) string {
	switch s {
	case detect.SeverityCritical, detect.SeverityHigh:
		return "error"
	case detect.SeverityMedium:
		return "warning"
	}
	return "note"
}
