package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X github.com/ecsfix/ecsfix/internal/cli.version=v1.2.3"; otherwise the build information
// gives it (versionOf).
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf is the version the build information records: the module version (`go install
// …/cmd/ecsfix@v0.1.0`, or the pseudo-version Go stamps from the commit when it builds a checkout:
// v0.0.0-20261202053000-cd595fd1234a, with +dirty for uncommitted changes); else the VCS revision
// ("devel-cd595fd1234a", "-dirty" when modified); else "devel" (built without version control
// information, e.g. -buildvcs=false or from a source archive).
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "devel-" + rev
	if dirty {
		v += "-dirty"
	}
	return v
}

func newCmdVersion(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ecsfix's version",
		Long: `version prints ecsfix's version, the Go version it was built with and the platform. The version is the
module version (v0.1.0 when installed with go install github.com/ecsfix/ecsfix/cmd/ecsfix@v0.1.0; the
pseudo-version Go makes from the commit, such as v0.0.0-20261202053000-cd595fd1234a, when built in a
checkout, +dirty with uncommitted changes), else the commit (devel-cd595fd1234a), else devel.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(g.io.Out, "ecsfix %s (%s, %s/%s)\n", toolVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
