package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/lmittmann/tint"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/ecsfix/ecsfix/config"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// globalOptions are what every command shares: streams, configuration and the logger.
type globalOptions struct {
	io         *streams
	viper      *viper.Viper
	configFile string
	cfg        *config.Config
	log        *slog.Logger
	// started is set once flags and arguments were accepted, so that later errors are not usage errors.
	started bool
	// findings are the findings --findings read, and what a live read narrowed to them read (findings.go).
	findings *findingsRead
	// pace is the run's pacer, shared by every AWS client the command builds (pace.go).
	pace pacerOnce
	// memory is the memory bound of a snapshot's load, then the collector's pace for the rest of the
	// command (memlimit.go); released when the command ends.
	memory *memoryBound
}

// run builds the command tree, executes it with args and returns the process exit code.
func run(ctx context.Context, args []string, io *streams) int {
	g := &globalOptions{io: io, viper: config.New()}
	defer func() { g.memory.release() }() // the memory bound and the collector's pace, even on a panic
	root := newCmdRoot(g)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if !g.started && !errors.As(err, &ec) {
		err = &exitCodeError{code: exitUsage, err: err}
	}
	if ec := (*exitCodeError)(nil); !errors.As(err, &ec) || ec.err != nil {
		fmt.Fprintf(io.ErrOut, "ecsfix: %s\n", textsafe.Text(err.Error())) // errors quote file content and AWS messages
	}
	if errors.Is(err, context.Canceled) {
		return exitError
	}
	return exitCode(err)
}

func newCmdRoot(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "ecsfix",
		Short: "Find and safely fix the Amazon ECS misconfigurations AWS Security Hub reports",
		Long: `ecsfix evaluates an ECS estate against Security Hub's ECS controls and exposure traits,
from the live AWS API or from a snapshot of AWS CLI output, and plans and applies safe fixes.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			given := map[string]string{} // configuration keys set by a flag on this command line
			for key, flag := range flagKeys {
				if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
					given[key] = "--" + flag
				}
			}
			if given["regions"] != "" && given["all_regions"] != "" {
				return usageErrorf("--region and --all-regions do not go together: give the regions to scan, or --all-regions for every enabled region")
			}
			cfg, loaded, err := config.LoadFrom(g.viper, g.configFile, given)
			if err != nil {
				if ce := (*config.Error)(nil); errors.As(err, &ce) && ce.FromFlags() {
					return &exitCodeError{code: exitUsage, err: err}
				}
				g.started = true // a bad configuration file or variable: an error, not a usage error
				return err
			}
			g.started = true
			g.cfg = cfg
			cmd.SetContext(withRegions(cmd.Context(), cfg.Regions))
			g.log = newLogger(g.io, cfg)
			logConfiguration(g.log, loaded)
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErrorf("%w", err) })
	pf := root.PersistentFlags()
	pf.StringVar(&g.configFile, "config", "", "configuration file (default: $ECSFIX_CONFIG, ./ecsfix.yaml, ~/.config/ecsfix/config.yaml)")
	pf.StringArray("region", nil, "AWS region to scan (repeatable; default: the SDK's configured region)")
	pf.Bool("all-regions", false, "scan every region enabled for the account")
	pf.String("log-level", "info", "log level: debug, info, warn, error")
	pf.String("log-format", "text", "log format on stderr: text or json")
	for key, flag := range flagKeys {
		if err := g.viper.BindPFlag(key, pf.Lookup(flag)); err != nil {
			panic(err) // a programming error: the flag above does not exist
		}
	}
	root.AddCommand(newCmdScan(g), newCmdPlan(g), newCmdShow(g), newCmdApprove(g), newCmdApply(g), newCmdRollback(g), newCmdVersion(g))
	// Every command's help ends with its exit codes, from the one table (exit.go).
	for _, c := range root.Commands() {
		if !slices.Contains(verbs, c.Name()) {
			continue
		}
		long := c.Long
		if long == "" {
			long = c.Short + "."
		}
		c.Long = long + "\n\n" + exitHelp(c.Name())
	}
	return root
}

// flagKeys are the configuration keys the global flags set, and their flags.
var flagKeys = map[string]string{
	"regions": "region", "all_regions": "all-regions", "log.level": "log-level", "log.format": "log-format",
}

// logConfiguration says, on every command, which configuration file was read (or none), which files were
// found and not read, and where the approval policy comes from when the working directory's file was
// read; then the warnings of that file's ignored values.
func logConfiguration(log *slog.Logger, l *config.Loaded) {
	attrs := []any{"file", "none"}
	if l.File != "" {
		attrs = []any{"file", l.File, "from", l.From}
	}
	if l.From == "working directory" {
		policy := "defaults and ECSFIX_* variables"
		if l.PolicyFile != "" {
			policy = l.PolicyFile
		}
		attrs = append(attrs, "approvalPolicyFrom", policy)
	}
	if len(l.Ignored) > 0 {
		attrs = append(attrs, "notRead", l.Ignored)
	}
	log.Info("configuration", attrs...)
	for _, w := range l.Warnings {
		log.Warn(w)
	}
}

// newLogger logs to stderr: coloured text through tint on a terminal, plain text elsewhere, or JSON.
func newLogger(io *streams, cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level)) // validated by config
	if cfg.Log.Format == "json" {                  // the JSON encoder escapes control characters; values round-trip
		return slog.New(slog.NewJSONHandler(io.ErrOut, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(tint.NewHandler(io.ErrOut, &tint.Options{
		Level: level, TimeFormat: time.TimeOnly, NoColor: !io.colorErr(), ReplaceAttr: escapeAttr,
	}))
}

// escapeAttr escapes the control characters and bidi overrides of a text log line's values (resource
// names, file paths, AWS error messages), as every other text output does.
func escapeAttr(_ []string, a slog.Attr) slog.Attr {
	switch v := a.Value.Any().(type) {
	case string:
		if s := textsafe.Line(v); s != v {
			return slog.String(a.Key, s)
		}
	case error:
		return slog.String(a.Key, textsafe.Line(v.Error()))
	case fmt.Stringer:
		if s := v.String(); textsafe.Line(s) != s {
			return slog.String(a.Key, textsafe.Line(s))
		}
	}
	return a
}
