package awsclient

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every group of the table is well formed, says where its numbers come from, and the numbers
// are the table's.
func TestDefaultQuotas(t *testing.T) {
	table := DefaultQuotaTable()
	for _, q := range table.Quotas() {
		name := q.Service + "/" + q.Group
		if q.Source == "" {
			t.Errorf("%s: no source", name)
		}
		if q.Burst < 1 || q.Rate <= 0 {
			t.Errorf("%s: burst %v rate %v", name, q.Burst, q.Rate)
		}
		if strings.Contains(q.Source, notDocumented) == strings.HasPrefix(q.Source, "https://") {
			t.Errorf("%s: a source is a page, or an estimate that says so: %q", name, q.Source)
		}
	}
	for _, c := range []struct {
		op           string
		burst, rate  float64
		group        string
		global, each bool
	}{
		{"ecs:DescribeTaskDefinition", 50, 20, "task-definition-read", false, false},
		{"ecs:ListTaskDefinitionFamilies", 50, 20, "task-definition-read", false, false},
		{"ecs:DescribeClusters", 50, 20, "cluster-read", false, false},
		{"ecs:DescribeServices", 100, 20, "service-read", false, false},
		{"ecs:DescribeCapacityProviders", 50, 20, "capacity-provider-read", false, false},
		{"ecs:RegisterTaskDefinition", 20, 1, "task-definition-modify", false, false},
		{"ecs:UpdateService", 50, 5, "service-modify", false, false},
		{"ecs:UpdateCluster", 20, 1, "cluster-modify", false, false},
		{"ecs:PutClusterCapacityProviders", 20, 1, "cluster-modify", false, false},
		{"ecs:UpdateCapacityProvider", 10, 1, "capacity-provider-modify", false, false},
		{"ecs:TagResource", 20, 10, "tag-modify", false, false},
		{"ec2:AuthorizeSecurityGroupIngress", 50, 5, "security-group-rule-modify", false, true},
		{"ec2:RevokeSecurityGroupEgress", 50, 5, "security-group-rule-modify", false, true},
		{"ec2:CreateSecurityGroup", 50, 5, "modify", false, true},
		{"ec2:DescribeSubnets", 100, 20, "describe", false, true},
		{"iam:GetRole", 20, 10, "read", true, false},
		{"iam:PutRolePolicy", 10, 2, "modify", true, false},
		{"securityhub:GetFindings", 6, 3, "get-findings", false, false},
		{"securityhub:BatchUpdateFindings", 30, 10, "batch-update-findings", false, false},
		{"ecr:BatchGetImage", 2000, 2000, "batch-get-image", false, false},
	} {
		service, op, _ := strings.Cut(c.op, ":")
		q, ok := table.Lookup(service, op)
		if !ok || q.Burst != c.burst || q.Rate != c.rate || q.Group != c.group || q.Global != c.global || q.PerAction != c.each {
			t.Errorf("%s: %+v %v, want %s %v/%v global %v per action %v", c.op, q, ok, c.group, c.burst, c.rate, c.global, c.each)
		}
	}
	if _, ok := table.Lookup("s3", "GetObject"); ok {
		t.Error("an operation of a service the table does not know is paced")
	}
}

// NewQuotaTable refuses a malformed table, naming the group.
func TestNewQuotaTableRefuses(t *testing.T) {
	ok := Quota{Service: "ecs", Group: "a", Actions: []string{"X"}, Burst: 1, Rate: 1}
	for name, c := range map[string]struct {
		quotas []Quota
		want   string
	}{
		"no group":           {[]Quota{{Service: "ecs", Burst: 1, Rate: 1}}, "service and group are required"},
		"twice":              {[]Quota{ok, ok}, "ecs/a: listed twice"},
		"burst below 1":      {[]Quota{{Service: "ecs", Group: "a", Burst: 0.5, Rate: 1}}, "ecs/a: burst"},
		"rate 0":             {[]Quota{{Service: "ecs", Group: "a", Burst: 1}}, "ecs/a: rate"},
		"action in two":      {[]Quota{ok, {Service: "ecs", Group: "b", Actions: []string{"X"}, Burst: 1, Rate: 1}}, "X is in group a too"},
		"two without action": {[]Quota{{Service: "ecs", Group: "a", Burst: 1, Rate: 1}, {Service: "ecs", Group: "b", Burst: 1, Rate: 1}}, "two groups without actions"},
	} {
		if _, err := NewQuotaTable(c.quotas); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

// Overrides change one group's numbers and nothing else; an unknown group or bad numbers are refused.
func TestWithOverrides(t *testing.T) {
	base := DefaultQuotaTable()
	got, err := base.WithOverrides([]Override{{Service: "ecs", Group: "task-definition-modify", Burst: 40, Rate: 2}})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := got.Lookup("ecs", "RegisterTaskDefinition")
	if q.Burst != 40 || q.Rate != 2 || !strings.Contains(q.Source, "pace.quotas") {
		t.Errorf("overridden: %+v", q)
	}
	if q, _ := base.Lookup("ecs", "RegisterTaskDefinition"); q.Burst != 20 {
		t.Errorf("the base table changed: %+v", q)
	}
	if q, _ := got.Lookup("ecs", "DescribeServices"); q.Burst != 100 || q.Rate != 20 {
		t.Errorf("another group changed: %+v", q)
	}
	if _, err := base.WithOverrides([]Override{{Service: "ecs", Group: "nope", Burst: 1, Rate: 1}}); err == nil ||
		!strings.Contains(err.Error(), "ecs/nope") || !strings.Contains(err.Error(), "ecs/task-definition-modify") {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := base.WithOverrides([]Override{{Service: "ecs", Group: "service-read", Burst: 0, Rate: 1}}); err == nil || !strings.Contains(err.Error(), "service-read") {
		t.Errorf("burst 0: %v", err)
	}
}

// Estimate: the calls beyond a bucket's burst at its rate; a group's actions share a bucket, a PerAction
// group's do not; the slowest bucket sets the time.
func TestEstimate(t *testing.T) {
	table := DefaultQuotaTable()
	for name, c := range map[string]struct {
		calls map[string]int
		want  time.Duration
	}{
		"within the burst":      {map[string]int{"ecs:DescribeTaskDefinition": 50}, 0},
		"one group, two ops":    {map[string]int{"ecs:DescribeTaskDefinition": 70, "ecs:ListTaskDefinitions": 10}, 1500 * time.Millisecond},
		"the slowest bucket":    {map[string]int{"ecs:DescribeTaskDefinition": 70, "ecs:RegisterTaskDefinition": 500}, 480 * time.Second},
		"EC2: each action":      {map[string]int{"ec2:DescribeSubnets": 100, "ec2:DescribeRouteTables": 100}, 0},
		"EC2: one action":       {map[string]int{"ec2:DescribeSubnets": 140}, 2 * time.Second},
		"a catch-all group":     {map[string]int{"ecs:CreateTaskSetX": 11}, time.Second},
		"an unpaced operation":  {map[string]int{"s3:GetObject": 1000}, 0},
		"the issue's 500 revs":  {map[string]int{"ecs:RegisterTaskDefinition": 500, "ecs:UpdateService": 50}, 480 * time.Second},
		"service writes beyond": {map[string]int{"ecs:UpdateService": 100}, 10 * time.Second},
	} {
		if got := table.Estimate(c.calls); got != c.want {
			t.Errorf("%s: Estimate = %v, want %v", name, got, c.want)
		}
	}
}

// iamService maps the prefix of an IAM action to the service name Counter gives its calls.
var iamService = map[string]string{"elasticloadbalancing": "elbv2", "logs": "cloudwatchlogs"}

// notAPICalls are IAM actions that authorize something other than a call of that name.
var notAPICalls = map[string]bool{"iam:PassRole": true}

// isRead reports whether op only reads.
func isRead(op string) bool {
	for _, p := range []string{"Describe", "List", "Get", "BatchGet"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// checkPaced asserts that service's operation op has a bucket, and that a read is named in a group unless
// the service has one group for all (the other catch-all groups hold writes, with numbers too low for reads).
func checkPaced(t *testing.T, table *QuotaTable, where, service, op string) {
	t.Helper()
	if _, ok := table.Lookup(service, op); !ok {
		t.Errorf("%s: %s:%s has no bucket in DefaultQuotas", where, service, op)
		return
	}
	if q, _ := table.Lookup(service, op); isRead(op) && q.Group != "all" && len(q.Actions) == 0 {
		t.Errorf("%s: the read %s:%s is in no group of its own (only the catch-all)", where, service, op)
	}
}

// Every API action the README's "IAM permissions" grants has a bucket.
func TestQuotasCoverTheDocumentedPermissions(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "\n## IAM permissions")
	if start < 0 {
		t.Fatal(`README.md has no "## IAM permissions" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	actions := regexp.MustCompile(`"([a-z0-9-]+):([A-Z][A-Za-z0-9]+)"`).FindAllStringSubmatch(section, -1)
	if len(actions) < 30 {
		t.Fatalf("found only %d actions in the README's IAM permissions", len(actions))
	}
	table := DefaultQuotaTable()
	seen := map[string]bool{}
	for _, a := range actions {
		prefix, op := a[1], a[2]
		if prefix == "aws" || notAPICalls[prefix+":"+op] || seen[a[0]] {
			continue
		}
		if prefix == "sts" && op != "AssumeRole" && op != "GetCallerIdentity" || prefix == "iam" && strings.HasPrefix(op, "Pass") ||
			prefix == "iam" && (op == "PermissionsBoundary" || op == "PolicyARN") {
			continue // condition keys (sts:ExternalId, iam:PassedToService, …)
		}
		seen[a[0]] = true
		service := prefix
		if s, ok := iamService[prefix]; ok {
			service = s
		}
		checkPaced(t, table, "README", service, op)
	}
}

// sdkPackages maps the SDK's service packages (by their import path's last element) to the service
// names Counter gives their calls.
var sdkPackages = map[string]string{
	"ecs": "ecs", "ec2": "ec2", "iam": "iam", "sts": "sts", "elasticloadbalancingv2": "elbv2", "ecr": "ecr",
	"inspector2": "inspector2", "autoscaling": "autoscaling", "secretsmanager": "secretsmanager",
	"cloudwatchlogs": "cloudwatchlogs", "organizations": "organizations", "securityhub": "securityhub", "kms": "kms",
}

// Every SDK operation the code calls (an XxxInput or NewXxxPaginator of a service package, outside
// tests and the emulator's helpers) has a bucket: no operation is unpaced by accident.
func TestQuotasCoverTheCodesCalls(t *testing.T) {
	table := DefaultQuotaTable()
	found := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "../.." && (d.Name() == "testdata" || d.Name() == "mototest" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		alias := map[string]string{} // local name → service
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, "github.com/aws/aws-sdk-go-v2/service/") || strings.Count(p, "/") != 4 {
				continue
			}
			service, ok := sdkPackages[filepath.Base(p)]
			if !ok {
				t.Errorf("%s imports %s, a service the table does not know", path, p)
				continue
			}
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			alias[name] = service
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, ok := sel.X.(*ast.Ident)
			if !ok || alias[pkg.Name] == "" {
				return true
			}
			op := ""
			switch name := sel.Sel.Name; {
			case strings.HasPrefix(name, "New") && strings.HasSuffix(name, "Paginator"):
				op = strings.TrimSuffix(strings.TrimPrefix(name, "New"), "Paginator")
			case strings.HasSuffix(name, "Input") && name != "Input":
				op = strings.TrimSuffix(name, "Input")
			}
			if op != "" {
				found++
				checkPaced(t, table, path, alias[pkg.Name], op)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d operation references checked", found)
	if found < 40 {
		t.Errorf("found only %d operations in the code", found)
	}
}
