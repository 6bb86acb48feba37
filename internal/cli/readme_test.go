package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/live"
	"github.com/ecsfix/ecsfix/detect/mototest"
	"github.com/ecsfix/ecsfix/detect/snapshot"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadmeListsEveryControl(t *testing.T) {
	doc := readme(t)
	for _, c := range detect.All() {
		if !strings.Contains(doc, "| "+c.ID+" | "+c.Title+" | "+string(c.Severity)+" |") {
			t.Errorf("README's control table lacks %s (%s, %s)", c.ID, c.Title, c.Severity)
		}
	}
}

// TestReadmeScanPolicyCoversLiveScan runs a live scan on the emulator and checks that the README's
// read-only IAM policy allows every operation the scan made.
func TestReadmeScanPolicyCoversLiveScan(t *testing.T) {
	policy := regexp.MustCompile(`(?s)"Sid": "EcsfixScan".*?\]`).FindString(readme(t))
	if policy == "" {
		t.Fatal("README has no EcsfixScan policy statement")
	}
	cfg := mototest.Config(t, mototest.MaxAttempts(1))
	ctx := context.Background()
	buildSmallEstate(t, ctx, cfg)
	_, stats, err := live.Scan(ctx, cfg, live.Options{Regions: []string{cfg.Region}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.PerOperation) < 8 {
		t.Fatalf("the scan made too few kinds of calls to check: %v", stats.PerOperation)
	}
	for op := range stats.PerOperation {
		action := strings.Replace(op, "elbv2:", "elasticloadbalancing:", 1)
		if !strings.Contains(policy, `"`+action+`"`) {
			t.Errorf("the scan called %s, which the README's policy does not allow", action)
		}
	}
}

// TestReadmePoliciesAreComplete parses every JSON block of the README's IAM section, and every JSON block
// elsewhere that holds an "Effect", as a complete, pasteable IAM policy document: valid JSON, Version
// 2012-10-17, a non-empty Statement list whose statements each have a unique Sid, an Effect, an Action
// and a Resource; no Action or Resource of the bot's own write powers is "*" where the README promises
// a scope (the scan policy reads every role's policies, so iam:GetRolePolicy is on * there).
func TestReadmePoliciesAreComplete(t *testing.T) {
	doc := readme(t)
	start := strings.Index(doc, "## IAM permissions")
	end := strings.Index(doc, "## For each kind of user")
	if start < 0 || end < start {
		t.Fatal("README has no IAM permissions section")
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatchIndex(doc, -1)
	n := 0
	resources := map[string][]string{} // action → resources granted
	for _, m := range blocks {
		body := doc[m[2]:m[3]]
		inIAM := m[0] > start && m[0] < end
		if !inIAM && !strings.Contains(body, `"Effect"`) {
			continue
		}
		n++
		line := strings.Count(doc[:m[0]], "\n") + 1
		var policy struct {
			Version   string
			Statement []map[string]json.RawMessage
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&policy); err != nil {
			t.Errorf("README line %d: not a complete policy document: %v", line, err)
			continue
		}
		if policy.Version != "2012-10-17" || len(policy.Statement) == 0 {
			t.Errorf("README line %d: Version %q, %d statements", line, policy.Version, len(policy.Statement))
		}
		sids := map[string]bool{}
		for i, st := range policy.Statement {
			var sid, effect string
			_ = json.Unmarshal(st["Sid"], &sid)
			_ = json.Unmarshal(st["Effect"], &effect)
			if sid == "" || sids[sid] {
				t.Errorf("README line %d: statement %d has no Sid or a repeated one (%q)", line, i, sid)
			}
			sids[sid] = true
			if effect != "Allow" && effect != "Deny" {
				t.Errorf("README line %d: %s: Effect %q", line, sid, effect)
			}
			actions, errA := stringOrList(st["Action"])
			res, errR := stringOrList(st["Resource"])
			// A role's trust policy names a Principal instead of a Resource, and allows only sts:AssumeRole.
			trust := st["Principal"] != nil
			switch {
			case trust && (st["Resource"] != nil || errA != nil || len(actions) != 1 || actions[0] != "sts:AssumeRole"):
				t.Errorf("README line %d: %s: a trust statement must allow sts:AssumeRole to a Principal, without Resource", line, sid)
			case !trust && (errA != nil || errR != nil || len(actions) == 0 || len(res) == 0):
				t.Errorf("README line %d: %s: Action %s, Resource %s", line, sid, st["Action"], st["Resource"])
			}
			if trust {
				actions = nil // not the bot's powers
			}
			for k := range st {
				switch k {
				case "Sid", "Effect", "Action", "Resource", "Condition", "Principal":
				default:
					t.Errorf("README line %d: %s: unexpected field %s", line, sid, k)
				}
			}
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("README line %d: %s: wildcard action %s", line, sid, a)
				}
				resources[a] = append(resources[a], res...)
			}
		}
	}
	if n < 6 {
		t.Errorf("found %d policy blocks, want the scan, apply, secrets and logs, key, deregister, admin and security-group ones", n)
	}
	// The powers that could raise the bot's own privileges are scoped to what ecsfix manages.
	for _, a := range []string{
		"secretsmanager:CreateSecret", "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:TagResource",
		"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:AttachRolePolicy",
		"iam:PassRole", "logs:CreateLogGroup", "kms:Decrypt",
	} {
		if len(resources[a]) == 0 {
			t.Errorf("no README policy grants %s", a)
		}
		for _, r := range resources[a] {
			if r == "*" {
				t.Errorf("a README policy grants %s on *", a)
			}
		}
	}
	if !strings.Contains(doc, `"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"`) {
		t.Error("the admin detach statement lacks its iam:PolicyARN condition")
	}
}

// stringOrList decodes a policy element that is a string or a list of strings.
func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	err := json.Unmarshal(raw, &list)
	return list, err
}

// exportEnv is the environment of the AWS CLI pointed at a moto server: the test's own, without any AWS_
// variable, plus the server, fake credentials and the given extras (a region, for instance).
func exportEnv(endpoint string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_ENDPOINT_URL="+endpoint, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_MAX_ATTEMPTS=1",
	)
	return append(env, extra...)
}

// TestReadmeExportScript runs testdata/export-snapshot.sh as the README shows it (the region in AWS_REGION
// only, which the AWS CLI v1 does not read by itself) against the emulator with the installed aws CLI, and
// then `ecsfix plan --snapshot` on what it wrote: the snapshot is complete (no document the plan asks
// for is missing), private (folders 0700, files 0600), and the script says it holds secrets. A failing
// call stops the script with its exit code and leaves no file for it.
func TestReadmeExportScript(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: the aws CLI runs about a hundred times")
	}
	for _, tool := range []string{"aws", "jq", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: the export script needs it", tool)
		}
	}
	srv, err := mototest.Start("MOTO_IAM_LOAD_MANAGED_POLICIES=false")
	if err != nil {
		if os.Getenv(mototest.RequireEnv) == "1" {
			t.Fatalf("moto emulator required (%s=1) but unavailable: %v", mototest.RequireEnv, err)
		}
		t.Skipf("moto emulator unavailable: %v", err)
	}
	t.Cleanup(srv.Stop)
	estate := exec.Command("bash", filepath.Join("..", "..", "detect", "snapshot", "testdata", "moto-estate.sh"))
	estate.Env = exportEnv(srv.URL, "AWS_DEFAULT_REGION=eu-west-1")
	if b, err := estate.CombinedOutput(); err != nil {
		t.Fatalf("moto-estate.sh: %v\n%s", err, b)
	}
	script := filepath.Join("..", "..", "testdata", "export-snapshot.sh")

	t.Run("complete, private, and planned from", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "snapshot")
		cmd := exec.Command("bash", script, out)
		cmd.Env = exportEnv(srv.URL, "AWS_REGION=eu-west-1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("export-snapshot.sh: %v\n%s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "holds secrets") {
			t.Errorf("the script does not say that a snapshot holds secrets:\n%s", stderr.String())
		}
		files := 0
		err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			} else {
				files++
				if !strings.HasSuffix(path, ".json") {
					t.Errorf("%s: a file that is not a command's output was left behind", path)
				}
			}
			if info.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
			}
			return nil
		})
		if err != nil || files < 10 {
			t.Fatalf("walked the snapshot: %v, %d files", err, files)
		}
		for _, name := range []string{"ec2/vpc-endpoints.json", "ec2/network-interfaces.json", "iam/authorization-details.json"} {
			if _, err := os.Stat(filepath.Join(out, name)); err != nil {
				t.Errorf("the snapshot lacks %s: %v", name, err)
			}
		}
		stdout, errOut, code := runCLI(t, "plan", "--snapshot", out)
		if code != exitOK {
			t.Fatalf("plan --snapshot: exit %d\n%s\n%s", code, stdout, errOut)
		}
		if strings.Contains(stdout+errOut, "export `aws") {
			t.Errorf("the plan asks for a document the script should have exported:\n%s", stdout)
		}
		if !strings.Contains(stdout, "register-task-definition") {
			t.Errorf("the plan of the exported estate proposes no registration:\n%s", stdout)
		}
	})

	t.Run("no region", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "snapshot")
		cmd := exec.Command("bash", script, out)
		cmd.Env = exportEnv(srv.URL)
		b, err := cmd.CombinedOutput()
		if code := processExit(err); code != 2 || !strings.Contains(string(b), "no region") {
			t.Errorf("without a region: exit %d, want 2 with a message\n%s", code, b)
		}
	})

	// A call that fails (here describe-subnets, through an aws wrapper) stops the script: its exit code,
	// no subnets file and none of the later files, no temporary file left. It works in the region --region
	// names (no variable names one), which has no clusters, so the script makes few calls.
	t.Run("a failed call stops it", func(t *testing.T) {
		real, _ := exec.LookPath("aws")
		bin := t.TempDir()
		wrapper := "#!/bin/sh\ncase \" $* \" in *\" describe-subnets \"*) echo 'An error occurred (UnauthorizedOperation): injected' >&2; exit 254 ;; esac\nexec \"$ECSFIX_REAL_AWS\" \"$@\"\n"
		if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "snapshot")
		cmd := exec.Command("bash", script, "--region", "eu-north-1", out)
		cmd.Env = exportEnv(srv.URL, "ECSFIX_REAL_AWS="+real,
			"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		b, err := cmd.CombinedOutput()
		if code := processExit(err); code != 254 || !strings.Contains(string(b), "injected") {
			t.Errorf("a failed call: exit %d, want the call's 254 and its message\n%s", code, b)
		}
		for _, name := range []string{"ec2/subnets.json", "ec2/route-tables.json", "iam/authorization-details.json"} {
			if _, err := os.Stat(filepath.Join(out, name)); err == nil {
				t.Errorf("%s was written after the failed call", name)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "ec2", "security-groups.json")); err != nil {
			t.Errorf("the calls before the failure left no file: %v", err)
		}
		if m, _ := filepath.Glob(filepath.Join(out, "ecs", "cluster-*.json")); len(m) != 0 {
			t.Errorf("--region eu-north-1 exported the clusters of another region: %v", m)
		}
		entries, _ := filepath.Glob(filepath.Join(out, ".*"))
		if len(entries) != 0 {
			t.Errorf("temporary files left behind: %v", entries)
		}
	})

	// A failing list call (inside what the shell would otherwise run as a command substitution) stops it too.
	t.Run("a failed list call stops it", func(t *testing.T) {
		real, _ := exec.LookPath("aws")
		bin := t.TempDir()
		wrapper := "#!/bin/sh\ncase \" $* \" in *\" list-services \"*) echo 'An error occurred (AccessDeniedException): injected' >&2; exit 254 ;; esac\nexec \"$ECSFIX_REAL_AWS\" \"$@\"\n"
		if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(wrapper), 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "snapshot")
		cmd := exec.Command("bash", script, out)
		cmd.Env = exportEnv(srv.URL, "AWS_REGION=eu-west-1", "ECSFIX_REAL_AWS="+real,
			"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		b, err := cmd.CombinedOutput()
		if code := processExit(err); code == 0 {
			t.Errorf("a failed list-services: exit 0\n%s", b)
		}
		if m, _ := filepath.Glob(filepath.Join(out, "ecs", "taskdef-*.json")); len(m) != 0 {
			t.Errorf("the script went on after a failed list-services: %v", m)
		}
		// Nothing empty is left behind: no scratch file (the running revisions' list), no empty folder.
		_ = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
			if err != nil || path == out {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") {
				t.Errorf("scratch file left behind: %s", path)
			}
			if d.IsDir() {
				if e, _ := os.ReadDir(path); len(e) == 0 {
					t.Errorf("empty folder left behind: %s", path)
				}
			} else if fi, _ := d.Info(); fi != nil && fi.Size() == 0 {
				t.Errorf("empty file left behind: %s", path)
			}
			return nil
		})
	})
}

// processExit is the exit code of a finished command's error (0 for nil, -1 when it did not run).
func processExit(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// TestReadmeStandsAlone checks that the README works in a clone: every relative link ([text](path)) and
// every repository path it names in code spans (`detect/doc.go`) is a file or folder of the repository,
// and nothing points outside it (no ../, no absolute path to a file of the machine it was written on).
func TestReadmeStandsAlone(t *testing.T) {
	doc := readme(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	check := func(kind, target string) {
		t.Helper()
		target, _, _ = strings.Cut(target, "#")
		if target == "" {
			return
		}
		if strings.HasPrefix(target, "/") || strings.HasPrefix(target, "..") || strings.Contains(target, "/../") {
			t.Errorf("README %s %q points outside the repository", kind, target)
			return
		}
		abs := filepath.Join(root, filepath.FromSlash(target))
		if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("README %s %q points outside the repository", kind, target)
			return
		}
		if _, err := os.Stat(abs); err != nil {
			t.Errorf("README %s %q: no such file in the repository", kind, target)
		}
	}
	links := 0
	for _, m := range regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(doc, -1) {
		if strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "mailto:") {
			continue
		}
		links++
		check("link", m[1])
	}
	// Repository paths in code spans: a relative path with a folder and a source or document extension,
	// or anything starting with ../ (which only a file outside the repository can be).
	spans := 0
	for _, m := range regexp.MustCompile("`([^`\\s]+)`").FindAllStringSubmatch(doc, -1) {
		p := m[1]
		switch {
		case strings.HasPrefix(p, "../"):
			check("path", p)
		case regexp.MustCompile(`^[a-z][A-Za-z0-9_./-]*/[A-Za-z0-9_.-]+\.(go|md|sh|py|yaml|json)$`).MatchString(p) &&
			!strings.Contains(p, "$") && !strings.HasPrefix(p, "ecs/") && !strings.HasPrefix(p, "ec2/") &&
			!strings.HasPrefix(p, "elbv2/") && !strings.HasPrefix(p, "iam/") && !strings.HasPrefix(p, "snapshot/"):
			spans++
			check("path", p)
		}
	}
	if links < 2 || spans < 5 {
		t.Errorf("found %d links and %d repository paths: the patterns no longer match the README", links, spans)
	}
	// The documentation the README sends users to holds what it promises.
	for file, wants := range map[string][]string{
		"doc.go":        {"# Principles", "Fail closed", "Secrets stay secret", "Fix what runs", "Never widen"},
		"detect/doc.go": {"# Control semantics", "ECS.1 ", "ECS.21", "EXPOSURE.open-security-group", "NOT_EVALUATED"},
	} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s, which the README points to, lacks %q", file, w)
			}
		}
	}
}

// TestReadmeDetectDocCoversEveryControl checks that the control semantics the README points to
// (detect/doc.go) describe every control and trait ecsfix evaluates.
func TestReadmeDetectDocCoversEveryControl(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "detect", "doc.go"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, c := range detect.All() {
		id := c.ID
		if regexp.MustCompile(`^ECS\.1[345]$`).MatchString(id) {
			id = "ECS.13, ECS.14, ECS.15"
		}
		if !regexp.MustCompile(`(?m)^//\t` + regexp.QuoteMeta(id) + `\s`).MatchString(text) {
			t.Errorf("detect/doc.go does not describe %s", c.ID)
		}
	}
}

// TestReadmeSnapshotDocuments checks the README's snapshot section against the snapshot reader and the
// export script: the table has a row for every command whose output a snapshot may hold; the script runs
// every one of them but the alternatives the README names (describe-task-sets, whose task sets the
// services embed, and get-role / get-role-policy, for when get-account-authorization-details is not
// allowed); and the "in essence" listing names every command the script runs.
func TestReadmeSnapshotDocuments(t *testing.T) {
	doc := readme(t)
	start, end := strings.Index(doc, "### From a snapshot"), strings.Index(doc, "### Output")
	if start < 0 || end < start {
		t.Fatal("README has no snapshot section")
	}
	section := doc[start:end]
	script, err := os.ReadFile(filepath.Join("..", "..", "testdata", "export-snapshot.sh"))
	if err != nil {
		t.Fatal(err)
	}
	essence := regexp.MustCompile("(?s)It runs, in essence:\n\n```sh\n(.*?)```").FindStringSubmatch(section)
	if essence == nil {
		t.Fatal("the snapshot section has no \"in essence\" listing")
	}
	alternatives := map[string]bool{"aws ecs describe-task-sets": true, "aws iam get-role": true, "aws iam get-role-policy": true}
	for _, cmd := range snapshot.Recognised() {
		if !regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(cmd) + "[ `]").MatchString(section) {
			t.Errorf("the README's snapshot table has no row for %s", cmd)
		}
		fields := strings.Fields(cmd) // aws SERVICE OPERATION
		runs := regexp.MustCompile(`(?m)^[^#\n]*\b` + fields[1] + ` ` + fields[2] + `\b`).MatchString(string(script))
		if alternatives[cmd] {
			continue
		}
		if !runs {
			t.Errorf("testdata/export-snapshot.sh does not run %s", cmd)
		}
		if !strings.Contains(essence[1], fields[1]+" "+fields[2]) && !strings.Contains(essence[1], fields[2]+",") {
			t.Errorf("the README's \"in essence\" listing does not name %s", cmd)
		}
	}
}
