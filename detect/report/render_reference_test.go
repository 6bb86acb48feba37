package report

// The text and JSON reports as first written: the references the faster versions must agree with byte
// for byte (render_test.go).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/ecsfix/ecsfix/detect"
)

// refText is Text as first written: it writes FAILED results (or, with All, every verdict) grouped by resource, then what could not be
// evaluated or read, then a summary line.
func refText(w io.Writer, r *Report, o TextOptions) error {
	p := &printer{w: w, color: o.Color}
	keep := func(res detect.Result) bool {
		if res.Status == detect.NotEvaluated {
			return false
		}
		return o.All || res.Status == detect.Failed
	}
	groups := refByResource(r.Results, keep)
	ctlWidth := 0
	for _, g := range groups {
		for _, res := range g.results {
			ctlWidth = max(ctlWidth, len(res.Control))
		}
	}
	for _, g := range groups {
		p.printf("%s  %s\n", p.paint(ansiBold, g.arn), p.paint(ansiDim, g.resourceType))
		for _, res := range g.results {
			status, colour := statusLabel(res)
			p.printf("  %s  %-*s  %-8s  %s\n", p.paint(colour, fmt.Sprintf("%-10s", status)), ctlWidth, res.Control,
				res.Severity, res.Reason)
			if s := res.Suppressed; s != nil {
				note := s.By
				if s.Reason != "" {
					note += ": " + s.Reason
				}
				if s.Expires != nil {
					note += ", " + detect.ExpiryText(*s.Expires)
				}
				p.printf("  %s  %s\n", strings.Repeat(" ", 10), p.paint(ansiDim, "suppressed by "+note))
			}
		}
		p.printf("\n")
	}
	if len(groups) == 0 && !o.All {
		p.printf("No failing controls.\n\n")
	}

	var unknown []detect.Result
	for _, res := range r.Results {
		if res.Status == detect.NotEvaluated {
			unknown = append(unknown, res)
		}
	}
	if len(unknown) > 0 {
		p.printf("%s\n", p.paint(ansiYellow, "Not evaluated (the inventory lacks what these controls need):"))
		for _, res := range unknown {
			p.printf("  %s  %s  %s\n", res.Control, res.ResourceArn, res.Reason)
		}
		p.printf("\n")
	}
	if len(r.Errors) > 0 {
		p.printf("%s\n", p.paint(ansiRed, "Could not read (the scan is incomplete; nothing below was evaluated):"))
		for _, e := range r.Errors {
			p.printf("  %s\n", e.Error())
		}
		p.printf("\n")
	}
	s := r.Summary()
	p.printf("%d resources, %d verdicts: %s, %d suppressed, %d passed, %d not applicable; %d not evaluated, %d read errors\n",
		s.Resources, s.Evaluated, p.paint(failColour(s.Failed), fmt.Sprintf("%d failed", s.Failed)), s.Suppressed,
		s.Passed, s.NotApplicable, s.NotEvaluated, s.Errors)
	return p.err
}

// refJSON is JSON as first written (the whole document through one json.Encoder): it writes the scan document: every evaluated (control, resource) pair in "results" with status
// PASSED, FAILED or NOT_APPLICABLE; pairs that lacked data in "notEvaluated"; read errors in "errors".
func refJSON(w io.Writer, r *Report) error {
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

// refGroup and refByResource are group and byResource as first written (results copied).
type refGroup struct {
	arn, resourceType string
	results           []detect.Result
}

func refByResource(results []detect.Result, keep func(detect.Result) bool) []refGroup {
	idx := map[string]int{}
	var groups []refGroup
	for _, r := range results {
		if !keep(r) {
			continue
		}
		i, ok := idx[r.ResourceArn]
		if !ok {
			i = len(groups)
			idx[r.ResourceArn] = i
			groups = append(groups, refGroup{arn: r.ResourceArn, resourceType: r.ResourceType})
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

// refSARIF is SARIF as first written (the whole log built, then marshalled): it writes FAILED results as SARIF 2.1.0 for code-scanning pipelines. A result is located in the
// snapshot file its resource was read from when known, and always by its ARN as a logical location.
// Suppressed failures carry an external suppression, so that viewers show them as dismissed.
func refSARIF(w io.Writer, r *Report) error {
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
	for _, res := range r.Results {
		if res.Status != detect.Failed {
			continue
		}
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
	doc.AddRun(run)
	return doc.PrettyWrite(w)
}
