package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsfix/ecsfix/internal/textsafe"
	"github.com/ecsfix/ecsfix/plan"
)

func newCmdApprove(g *globalOptions) *cobra.Command {
	var by, ticket string
	cmd := &cobra.Command{
		Use:   "approve FILE",
		Short: "Record an approval of a plan, bound to its content hash",
		Long: `approve records who approved the plan (and for which ticket) inside the plan file. The approval is
bound to the plan's content hash: changing any byte of the plan's content invalidates it.`,
		Example: `  ecsfix approve plan.json --by alice --ticket OPS-1234`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(by) == "" {
				return usageErrorf("--by NAME is required")
			}
			p, err := plan.ReadFile(args[0])
			if err != nil {
				return err
			}
			if err := p.Approve(by, ticket, time.Now().UTC()); err != nil {
				return fmt.Errorf("approve %s: %w", args[0], err)
			}
			if err := writePlanFile(args[0], p); err != nil {
				return err
			}
			_, err = fmt.Fprintf(g.io.Out, "Approved %s (%s, %d actions) by %s%s.\n", textsafe.Line(args[0]), p.ContentHash(), len(p.Actions), textsafe.Line(by), textsafe.Line(ticketSuffix(ticket)))
			return err
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who approves (required)")
	cmd.Flags().StringVar(&ticket, "ticket", "", "the ticket the approval belongs to")
	return cmd
}

func ticketSuffix(ticket string) string {
	if ticket == "" {
		return ""
	}
	return " for " + ticket
}
