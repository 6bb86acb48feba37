// Tests of what a new operator meets first: bad flag values exit 2 naming the flag, configuration errors
// name the file, key and variable, every command says which configuration file it read, an unreachable
// endpoint fails in seconds, rollback explains a wrong journal file, an exemption shows the date written,
// and version reports the build's version.

package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// absDemo is the demo estate's absolute path, for tests that change the working directory.
func absDemo(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(demo)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func writeText(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadFlagValuesExit2NamingTheFlag(t *testing.T) {
	demo := absDemo(t)
	t.Chdir(t.TempDir())
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"--log-format", "xml", "scan", "--snapshot", demo}, "--log-format"},
		{[]string{"--log-level", "trace", "version"}, "--log-level"},
		{[]string{"--region", "not a region", "scan"}, "--region"},
		{[]string{"--region", "eu-west", "plan"}, "--region"},
		{[]string{"--region", "eu-west-1", "--all-regions", "scan"}, "--all-regions"},
		{[]string{"--all-regions=maybe", "scan"}, "--all-regions"},
		{[]string{"scan", "--snapshot", demo, "--control", "ECS.0"}, "--control"},
		{[]string{"plan", "--snapshot", demo, "--control", "nope"}, "--control"},
		{[]string{"scan", "--snapshot", demo, "--format", "yaml"}, "--format"},
		{[]string{"show", "--format", "pdf", "plan.json"}, "--format"},
		{[]string{"scan", "--snapshot", demo, "--exit-code", "300"}, "--exit-code"},
	} {
		out, errOut, code := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.flag) || out != "" {
			t.Errorf("ecsfix %s: exit %d, stderr %q; want exit 2 naming %s and no output", strings.Join(tt.args, " "), code, errOut, tt.flag)
		}
	}
}

func TestConfigurationErrorsNameTheirSource(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	file := writeText(t, filepath.Join(dir, "bad.yaml"), "foo: 1\nfix:\n  bar: 2\nexemptions:\n  - arn: x\n    baz: 1\n")
	_, errOut, code := runCLI(t, "--config", file, "version")
	if code != exitError {
		t.Errorf("bad file: exit %d, want 1", code)
	}
	for _, want := range []string{"config file " + file + ": foo: unknown key", "config file " + file + ": fix.bar: unknown key",
		"config file " + file + ": exemptions[0].baz: unknown key"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "''") {
		t.Errorf("stderr shows an empty key name:\n%s", errOut)
	}
	values := writeText(t, filepath.Join(dir, "values.yaml"), "log:\n  level: loud\nscan:\n  concurrency: 0\n")
	_, errOut, code = runCLI(t, "--config", values, "version")
	if code != exitError || !strings.Contains(errOut, "config file "+values+": log.level: \"loud\"") ||
		!strings.Contains(errOut, "config file "+values+": scan.concurrency: 0 is outside") {
		t.Errorf("bad values in a file: exit %d, stderr:\n%s", code, errOut)
	}

	t.Setenv("ECSFIX_SCAN_CONCURRENCY", "many")
	_, errOut, code = runCLI(t, "version")
	if code != exitError || !strings.Contains(errOut, "environment variable ECSFIX_SCAN_CONCURRENCY: scan.concurrency: \"many\" is not a whole number") {
		t.Errorf("a variable that does not decode: exit %d, stderr:\n%s", code, errOut)
	}
	t.Setenv("ECSFIX_SCAN_CONCURRENCY", "")
	t.Setenv("ECSFIX_LOG_FORMAT", "xml")
	_, errOut, code = runCLI(t, "version")
	if code != exitError || !strings.Contains(errOut, "environment variable ECSFIX_LOG_FORMAT: log.format: \"xml\"") {
		t.Errorf("a bad variable: exit %d, stderr:\n%s", code, errOut)
	}
	// A flag wins over the variable, and its bad value is a usage error naming the flag.
	_, errOut, code = runCLI(t, "--log-format", "yaml", "version")
	if code != exitUsage || !strings.Contains(errOut, "--log-format: \"yaml\"") || strings.Contains(errOut, "ECSFIX_LOG_FORMAT") {
		t.Errorf("bad flag over a variable: exit %d, stderr:\n%s", code, errOut)
	}
	t.Setenv("ECSFIX_LOG_FORMAT", "")
	_, errOut, code = runCLI(t, "--config", filepath.Join(dir, "missing.yaml"), "version")
	if code != exitError || !strings.Contains(errOut, "missing.yaml (--config)") {
		t.Errorf("missing --config file: exit %d, stderr:\n%s", code, errOut)
	}
}

// configLine is the log line that says which configuration file a command read.
var configLine = regexp.MustCompile(`(?m)^.*INF configuration .*$`)

func TestEveryCommandSaysWhichConfigurationItRead(t *testing.T) {
	demo := absDemo(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{{"version"}, {"scan", "--snapshot", demo}, {"plan", "--snapshot", demo}} {
		_, errOut, _ := runCLI(t, args...)
		if got := configLine.FindString(errOut); !strings.Contains(got, "file=none") {
			t.Errorf("ecsfix %s without a configuration file logs %q, want file=none\n%s", args[0], got, errOut)
		}
	}
	explicit := writeText(t, filepath.Join(dir, "explicit.yaml"), "log:\n  level: info\n")
	local := writeText(t, filepath.Join(dir, "ecsfix.yaml"), "required_tags:\n  service: [team]\n")
	_, errOut, _ := runCLI(t, "--config", explicit, "version")
	if got := configLine.FindString(errOut); !strings.Contains(got, "file="+explicit) || !strings.Contains(got, "from=--config") ||
		!strings.Contains(got, "notRead=[ecsfix.yaml]") {
		t.Errorf("with --config and a working-directory file, logs %q", got)
	}
	_, errOut, _ = runCLI(t, "version")
	if got := configLine.FindString(errOut); !strings.Contains(got, "file=ecsfix.yaml") || !strings.Contains(got, `from="working directory"`) ||
		!strings.Contains(got, "approvalPolicyFrom=") {
		t.Errorf("with a working-directory file, logs %q", got)
	}
	_ = local
}

// An endpoint where nothing listens fails in seconds, not after minutes of retries, with exit 1 and a
// message naming the endpoint; with the default attempts (no ECSFIX_SCAN_MAX_ATTEMPTS).
func TestUnreachableEndpointFailsFast(t *testing.T) {
	demo := absDemo(t)
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens on port 1
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, _, code := runCLI(t, "plan", "--snapshot", demo, "--out", "plan.json")
	if code != exitOK {
		t.Fatalf("plan from the demo: exit %d", code)
	}
	for _, args := range [][]string{{"scan"}, {"apply", "--auto"}, {"apply", "plan.json", "--dry-run"}} {
		start := time.Now()
		out, errOut, code := runCLI(t, args...)
		took := time.Since(start)
		if code != exitError || !strings.Contains(errOut, "cannot connect to the AWS API at http://127.0.0.1:1") || strings.Contains(out, "PASSED") {
			t.Errorf("ecsfix %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, errOut)
		}
		if took > time.Minute { // about 2 s expected; minutes before the first call was bounded
			t.Errorf("ecsfix %s took %s to give up", strings.Join(args, " "), took)
		}
	}
}

func TestRollbackExplainsAWrongJournal(t *testing.T) {
	demo := absDemo(t)
	dir := t.TempDir()
	t.Chdir(dir)
	if _, _, code := runCLI(t, "plan", "--snapshot", demo, "--out", "plan.json"); code != exitOK {
		t.Fatalf("plan: exit %d", code)
	}
	writeText(t, "empty.journal", "")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"rollback", "plan.json"}, exitJournalRefused, "plan.json is a plan file, not a journal: give the journal its apply wrote"},
		{[]string{"rollback", "--plan", "plan.json", "plan.json"}, exitJournalRefused, "plan.json is a plan file, not a journal"},
		{[]string{"rollback", "plan.json.journal"}, exitError, "journal plan.json.journal does not exist: give the journal an apply wrote"},
		{[]string{"rollback", "--plan", "plan.json", "empty.journal"}, exitError, "journal empty.journal is empty: no apply recorded anything"},
		{[]string{"rollback", "--plan", "plan.json", "--dry-run", "missing.journal"}, exitError, "missing.journal does not exist"},
	} {
		_, errOut, code := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) || strings.Contains(errOut, "belongs to another plan") || strings.Contains(errOut, "EOF") {
			t.Errorf("ecsfix %s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(tt.args, " "), code, errOut, tt.code, tt.want)
		}
	}
	if _, err := os.Stat("missing.journal.lock"); err == nil {
		t.Error("a rollback of a missing journal left a lock file")
	}
}

func TestExemptionShowsTheDateWritten(t *testing.T) {
	demo := absDemo(t)
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := writeText(t, filepath.Join(dir, "c.yaml"), `exemptions:
  - control: ECS.12
    arn: arn:aws:ecs:eu-west-1:123456789012:cluster/ops-ec2
    reason: being replaced
    expires: 2999-12-31
`)
	out, errOut, code := runCLI(t, "--config", cfg, "scan", "--snapshot", demo, "--control", "ECS.12", "--all")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "suppressed by exemption for arn:aws:ecs:eu-west-1:123456789012:cluster/ops-ec2: being replaced, through 2999-12-31 (UTC)") {
		t.Errorf("the exemption does not show the date written:\n%s", out)
	}
	if strings.Contains(out, "3000-01-01") {
		t.Errorf("the exemption shows the day after the date written:\n%s", out)
	}
}

func TestVersionFromBuildInformation(t *testing.T) {
	for _, tt := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, "v0.1.0"},
		{&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202053000-cd595fd1234a+dirty"}}, "v0.0.0-20261202053000-cd595fd1234a+dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "cd595fd1234a5678"}, {Key: "vcs.modified", Value: "true"}}}, "devel-cd595fd1234a-dirty"},
		{&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{nil, "devel"},
	} {
		if got := versionOf(tt.bi); got != tt.want {
			t.Errorf("versionOf(%+v) = %q, want %q", tt.bi, got, tt.want)
		}
	}
	// What the binary under test prints is what its own build information says.
	bi, _ := debug.ReadBuildInfo()
	out, _, code := runCLI(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "ecsfix "+versionOf(bi)+" (go") {
		t.Errorf("version: exit %d, %q; want ecsfix %s (go…)", code, out, versionOf(bi))
	}
}
