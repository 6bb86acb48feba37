package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/ecsfix/ecsfix/detect"
)

const infoURI = "https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html"

// SARIF writes FAILED results as SARIF 2.1.0 for code-scanning pipelines. A result is located in the
// snapshot file its resource was read from when known, and always by its ARN as a logical location.
// Suppressed failures carry an external suppression, so that viewers show them as dismissed.
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

func level(s detect.Severity) string {
	switch s {
	case detect.SeverityCritical, detect.SeverityHigh:
		return "error"
	case detect.SeverityMedium:
		return "warning"
	}
	return "note"
}
