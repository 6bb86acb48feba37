package main

import (
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
			ropts := plan.RenderOptions{Color: g.io.colorOut(), UnattendedRisk: g.cfg.UnattendedRisk(), RiskOverrides: g.cfg.PlanOptions().Risk}
			switch format {
			case "json":
				return plan.RenderJSON(g.io.Out, p)
			case "markdown":
				ropts.Color = false
				return plan.RenderMarkdown(g.io.Out, p, ropts)
			}
			return plan.RenderText(g.io.Out, p, ropts)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}
