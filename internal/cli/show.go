package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/plan"
)

func newCmdShow(g *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Render a saved plan as text, JSON or markdown (for a ticket)",
		Example: `  ecsfix show plan.json
  ecsfix show plan.json --format markdown > ticket.md`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "json", "markdown":
			default:
				return usageErrorf("--format: %q is not one of text, json, markdown", format)
			}
			p, err := plan.ReadFile(args[0])
			if err != nil {
				return err
			}
			ropts := g.renderOptions(g.io.colorOut())
			switch format {
			case "json":
				return plan.RenderJSON(g.io.Out, p, ropts)
			case "markdown":
				ropts.Color = false
				if err := plan.RenderMarkdown(g.io.Out, p, ropts); err != nil {
					return err
				}
				return showApprovalChecks(g, p, "\n## Approval checks\n\n", "- ")
			}
			if err := plan.RenderText(g.io.Out, p, ropts); err != nil {
				return err
			}
			return showApprovalChecks(g, p, "\nApproval checks:\n", "  ")
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}

// showApprovalChecks prints, for each approval of p, whether it counts under the configured approval
// policy, whether its signature verified and who signed it (control characters escaped).
func showApprovalChecks(g *globalOptions, p *plan.Plan, heading, bullet string) error {
	if len(p.Approvals) == 0 {
		return nil
	}
	pol, err := g.cfg.ApprovalPolicy()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(heading)
	if pol.Signers == nil {
		b.WriteString(bullet + "approvals.allowed_signers is not set: unsigned approvals count, and no signature is checked against a list of signers\n")
	} else {
		fmt.Fprintf(&b, "%ssigners allowed by %s\n", bullet, pol.Signers.Path)
	}
	for _, c := range p.CheckApprovals(pol, time.Now()) {
		d := c.Describe()
		if c.Counts {
			d += "; counts"
		}
		b.WriteString(bullet + d + "\n")
	}
	_, err = io.WriteString(g.io.Out, b.String())
	return err
}
