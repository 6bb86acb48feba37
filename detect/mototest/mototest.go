// Package mototest runs the moto AWS emulator for integration tests: one server per test package, and a
// fresh emulated AWS account per test, so that tests run in parallel without resets.
//
// The server is started through launcher/ecsfix_moto.py (embedded here), which patches moto's bugs that
// the tests would otherwise meet (see the script) and then runs moto's own server, exactly as moto_server
// does. The launcher runs with the first interpreter that can import moto (see pythonCandidates).
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { mototest.Main(m) }
//
// then, in a test, cfg := mototest.Config(t). When moto is not installed, Config skips the test with a
// message, unless ECSFIX_REQUIRE_MOTO=1 is set (CI), in which case it fails the test.
//
// It must never reach a real AWS endpoint: every config it builds has static fake credentials, no shared
// config files and an explicit endpoint.
package mototest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Region is the region every config points at.
const Region = "us-east-1"

// RequireEnv is the environment variable that turns a missing moto emulator into a test failure.
const RequireEnv = "ECSFIX_REQUIRE_MOTO"

// PythonEnv names the Python interpreter to run the launcher with, before the ones looked up (optional).
const PythonEnv = "MOTOTEST_PYTHON"

// launcher is the script that mends moto and runs its server; Start writes it to a temporary directory,
// so that it is found whatever the test's working directory.
//
//go:embed launcher/ecsfix_moto.py
var launcher []byte

// Server is a running moto emulator.
type Server struct {
	URL    string
	cmd    *exec.Cmd
	exited chan error
	dir    string // holds the launcher script; removed by Stop
}

var (
	mu       sync.Mutex
	current  *Server
	startErr error
)

// Main starts one moto server, runs the package's tests and benchmarks, stops the server and exits with
// the tests' code. When the server cannot be started, the tests still run: integration tests skip (or
// fail under ECSFIX_REQUIRE_MOTO=1) when they ask for a Config.
func Main(m *testing.M) {
	srv, err := Start()
	mu.Lock()
	current, startErr = srv, err
	mu.Unlock()
	code := m.Run()
	if srv != nil {
		srv.Stop()
	}
	iamMu.Lock()
	if iamSrv != nil {
		iamSrv.Stop()
	}
	iamMu.Unlock()
	stopModelled()
	os.Exit(code)
}

// Start starts the moto emulator through the repository's launcher (launcher/ecsfix_moto.py, which mends
// moto bugs before running moto's own server) on a free local port and waits until it answers. The server
// dies with the test binary (Pdeathsig) if Stop is never called. AWS managed IAM policies are loaded;
// env (KEY=VALUE) is added to the server's environment and overrides that, e.g.
// MOTO_IAM_LOAD_MANAGED_POLICIES=false.
func Start(env ...string) (*Server, error) {
	pythons := pythonCandidates()
	if len(pythons) == 0 {
		return nil, errors.New("moto not found: neither moto_server nor python3 is in PATH (install moto[server] 5.x)")
	}
	dir, err := os.MkdirTemp("", "mototest-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "ecsfix_moto.py")
	if err := os.WriteFile(script, launcher, 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var errs []error
	for _, py := range pythons {
		s, err := startWith(py, script, env)
		if err == nil {
			s.dir = dir
			return s, nil
		}
		errs = append(errs, err)
		if !errors.Is(err, errNoMoto) {
			break
		}
	}
	os.RemoveAll(dir)
	if errors.Is(errs[len(errs)-1], errNoMoto) {
		return nil, fmt.Errorf("moto not found: %w (install moto[server] 5.x)", errors.Join(errs...))
	}
	return nil, errors.Join(errs...)
}

// launcherNoMoto is the launcher's exit code when its interpreter cannot import moto.
const launcherNoMoto = 3

var errNoMoto = errors.New("cannot import moto")

// pythonCandidates lists the interpreters that may have moto, most likely first: $MOTOTEST_PYTHON, the
// interpreter moto_server's script names, the python3 next to moto_server (a virtualenv's or pyenv's), the
// python3 in PATH.
func pythonCandidates() []string {
	var out []string
	add := func(p string) {
		if p == "" || slices.Contains(out, p) {
			return
		}
		if _, err := exec.LookPath(p); err == nil {
			out = append(out, p)
		}
	}
	add(os.Getenv(PythonEnv))
	if bin, err := exec.LookPath("moto_server"); err == nil {
		add(shebangPython(bin))
		add(filepath.Join(filepath.Dir(bin), "python3"))
	}
	if p, err := exec.LookPath("python3"); err == nil {
		add(p)
	}
	return out
}

// shebangPython returns the Python interpreter a script's #! line names, or "" if it names none (a pyenv
// shim is a shell script).
func shebangPython(script string) string {
	f, err := os.Open(script)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 1024)).ReadString('\n')
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) == 0 {
		return ""
	}
	interp := fields[0]
	if filepath.Base(interp) == "env" && len(fields) > 1 {
		interp = fields[1]
	}
	if !strings.HasPrefix(filepath.Base(interp), "python") {
		return ""
	}
	return interp
}

// startWith runs the launcher script with the given interpreter and waits until the server answers.
func startWith(python, script string, env []string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, script, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 16 << 10}
	if os.Getenv("MOTOTEST_VERBOSE") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto launcher with %s: %w", python, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: exited}
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == launcherNoMoto {
				return nil, fmt.Errorf("%s %w", python, errNoMoto)
			}
			return nil, fmt.Errorf("moto launcher (%s) exited before it was ready: %v\n%s", python, err, stderr.String())
		default:
		}
		resp, err := client.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("moto launcher (%s) did not become ready within 30s", python)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop terminates the server (SIGTERM, then SIGKILL after 5 s) and waits for it.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// limitedWriter keeps the first n bytes written to it and drops the rest (moto logs every request).
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// server returns the package's server, or skips/fails t when there is none.
func server(t testing.TB) *Server {
	t.Helper()
	mu.Lock()
	srv, err := current, startErr
	mu.Unlock()
	if srv != nil {
		return srv
	}
	if err == nil {
		err = errors.New("mototest.Main was not called from TestMain")
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("moto emulator required (%s=1) but unavailable: %v", RequireEnv, err)
	}
	t.Skipf("skipping integration test: moto emulator unavailable: %v (set %s=1 to fail instead)", err, RequireEnv)
	return nil
}

// Endpoint returns the URL of the package's moto server (for AWS_ENDPOINT_URL).
func Endpoint(t testing.TB) string {
	t.Helper()
	return server(t).URL
}

// Option changes a Config.
type Option func(*options)

type options struct {
	maxAttempts int
	account     string
}

// MaxAttempts limits the SDK's attempts per call (1: no retries; use it in tests that expect errors).
func MaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// Account uses the given 12-digit account instead of a fresh one (to share an account between configs).
func Account(id string) Option { return func(o *options) { o.account = id } }

// NewAccountID returns a random 12-digit account id.
func NewAccountID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e11))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%012d", n.Int64()+1e11)
}

// Config returns an SDK config pointed at the package's moto server, in region us-east-1, with static
// credentials and a fresh random account (sent as the x-moto-account-id header), so that every test sees
// an empty estate of its own (with a default VPC).
func Config(t testing.TB, opts ...Option) aws.Config {
	t.Helper()
	srv := server(t)
	o := options{}
	for _, f := range opts {
		f(&o)
	}
	if o.account == "" {
		o.account = NewAccountID()
	}
	return configFor(srv.URL, o)
}

func configFor(url string, o options) aws.Config {
	cfg := aws.Config{
		Region: Region,
		Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{
			AccessKeyID: "AKIAMOTOTESTEXAMPLE", SecretAccessKey: "motosecret", Source: "mototest",
			AccountID: o.account,
		}},
		BaseEndpoint: aws.String(url),
		HTTPClient:   &http.Client{Timeout: 60 * time.Second},
		APIOptions: []func(*middleware.Stack) error{
			smithyhttp.AddHeaderValue("x-moto-account-id", o.account),
		},
	}
	if o.maxAttempts > 0 {
		cfg.RetryMaxAttempts = o.maxAttempts
	}
	return cfg
}

// AccountID returns the emulated account a Config built by this package works in.
func AccountID(cfg aws.Config) string {
	if cfg.Credentials == nil {
		return ""
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		return ""
	}
	return c.AccountID
}

// Env returns environment variables (KEY=VALUE) that point a process using the SDK's default chain (the
// CLI under test) at the moto server and at cfg's account: moto maps an access key to the account that
// created it, so Env creates an IAM user and access key in that account.
func Env(t testing.TB, cfg aws.Config) []string {
	t.Helper()
	srv := server(t)
	id, secret := accessKey(t, cfg)
	return cliEnv(srv.URL, id, secret)
}

// cliEnv is the environment of a process (the CLI under test, the aws CLI) that reaches the emulator at
// endpoint with the given access key and nothing from the machine's own AWS configuration.
func cliEnv(endpoint, id, secret string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + id,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

// accessKey creates an IAM user and an access key in cfg's account.
func accessKey(t testing.TB, cfg aws.Config) (id, secret string) {
	t.Helper()
	ctx := context.Background()
	client := iam.NewFromConfig(cfg)
	user := "mototest-" + NewAccountID()
	// The name is random: one that exists was made by this call's own earlier attempt, which the SDK
	// retried when the busy server answered too late.
	var exists *iamtypes.EntityAlreadyExistsException
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil && !errors.As(err, &exists) {
		t.Fatalf("mototest: create user: %v", err)
	}
	key, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("mototest: create access key: %v", err)
	}
	return aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
}

// KeyConfig returns a config that works in cfg's account through an IAM user's access key, without the
// x-moto-account-id header, so that moto maps credentials to accounts itself, as for the CLI under Env:
// credentials from sts AssumeRole then act in the role's account.
func KeyConfig(t testing.TB, cfg aws.Config) aws.Config {
	t.Helper()
	id, secret := accessKey(t, cfg)
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(server(t).URL),
		HTTPClient:   &http.Client{Timeout: 60 * time.Second},
	}
}

// The IAM-enforcing server: moto checks every request's signature and evaluates the caller's IAM
// policies when it runs with INITIAL_NO_AUTH_ACTION_COUNT (the number of requests it serves before it
// starts enforcing). Enforcement is server-wide, so it is a server of its own, started on first use and
// stopped by Main.
var (
	iamMu    sync.Mutex
	iamSrv   *Server
	iamAdmin aws.Config
	iamErr   error
)

// IAMAccount is the one emulated account of the IAM-enforcing server.
const IAMAccount = "210987654321"

// iamBootstrapCalls is the number of requests the IAM-enforcing server serves without checking them: the
// three that create its administrator (CreateUser, PutUserPolicy, CreateAccessKey).
const iamBootstrapCalls = 3

// IAMEnforced returns an SDK config for the administrator of an emulated account (IAMAccount) on a moto
// server that enforces IAM: every request must be signed by an IAM user's access key and be allowed by
// that user's policies, as in AWS. The administrator (policy Allow */*) stands for the account's root:
// tests use it to build the estate and to create users with the policies under test (UserConfig). The
// server and the account are shared by the package's tests; it skips or fails t like Config when moto is
// unavailable.
//
// What moto evaluates, and what the launcher mends for it, is listed in the launcher's mends
// (mend_iam_*): moto checks the action of each request, the Resource element only where it knows the
// request's resource ARN, and conditions only on the keys the launcher supplies; calls made on the
// caller's behalf by another service (iam:PassRole by ECS, kms: by Secrets Manager) are not checked.
func IAMEnforced(t testing.TB) aws.Config {
	t.Helper()
	server(t) // skip or fail as Config does when moto is unavailable
	iamMu.Lock()
	defer iamMu.Unlock()
	if iamSrv == nil && iamErr == nil {
		iamSrv, iamAdmin, iamErr = startIAM()
	}
	if iamErr != nil {
		t.Fatalf("mototest: start the IAM-enforcing moto server: %v", iamErr)
	}
	return iamAdmin
}

// startIAM starts the IAM-enforcing server and creates its administrator in its first requests.
func startIAM() (*Server, aws.Config, error) {
	srv, err := Start(fmt.Sprintf("INITIAL_NO_AUTH_ACTION_COUNT=%d", iamBootstrapCalls))
	if err != nil {
		return nil, aws.Config{}, err
	}
	boot := configFor(srv.URL, options{account: IAMAccount, maxAttempts: 1})
	ctx := context.Background()
	client := iam.NewFromConfig(boot)
	fail := func(err error) (*Server, aws.Config, error) {
		srv.Stop()
		return nil, aws.Config{}, err
	}
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mototest-admin")}); err != nil {
		return fail(err)
	}
	if _, err := client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("mototest-admin"), PolicyName: aws.String("admin"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		return fail(err)
	}
	key, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("mototest-admin")})
	if err != nil {
		return fail(err)
	}
	admin := configFor(srv.URL, options{account: IAMAccount})
	admin.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	// The enforcement is on: an unsigned-by-a-user request must be refused, or the server does not enforce.
	if _, err := client.ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		return fail(errors.New("moto does not enforce IAM: a request signed with an unknown access key was served"))
	}
	return srv, admin, nil
}

// UserConfig creates, with admin (from IAMEnforced), an IAM user holding the given policy documents
// (each attached as a customer managed policy, as an operator would attach them) and returns a config
// signed with its access key, and the environment variables that point the CLI's default chain at it.
func UserConfig(t testing.TB, admin aws.Config, name string, policies ...string) (aws.Config, []string) {
	t.Helper()
	ctx := context.Background()
	client := iam.NewFromConfig(admin)
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("mototest: create user %s: %v", name, err)
	}
	for i, doc := range policies {
		pol, err := client.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(fmt.Sprintf("%s-%d", name, i+1)), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatalf("mototest: create policy %d of %s: %v", i+1, name, err)
		}
		if _, err := client.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: pol.Policy.Arn}); err != nil {
			t.Fatalf("mototest: attach policy %d to %s: %v", i+1, name, err)
		}
	}
	key, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("mototest: create access key of %s: %v", name, err)
	}
	id, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	cfg := admin.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
	return cfg, cliEnv(aws.ToString(admin.BaseEndpoint), id, secret)
}
