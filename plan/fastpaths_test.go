package plan

import (
	"slices"
	"strings"
	"testing"
)

// repoMatchesBySegments is repoMatches as first written (splitting both into segments): the reference
// the allocation-free version must agree with.
func repoMatchesBySegments(repo, pattern string) bool {
	if repo == "" || strings.TrimSpace(pattern) == "" {
		return false
	}
	p := strings.Split(strings.ToLower(strings.Trim(strings.TrimSpace(pattern), "/")), "/")
	if (len(p) > 1 && strings.ContainsAny(p[0], ".:")) || strings.ContainsAny(p[len(p)-1], ":@") {
		p = strings.Split(imageRepository(pattern), "/")
	}
	r := strings.Split(repo, "/")
	if len(p) > len(r) {
		return false
	}
	return slices.Equal(r[len(r)-len(p):], p)
}

func TestRepoMatchesAgreesWithSegments(t *testing.T) {
	repos := []string{"datadog/agent", "mirror/datadog/agent", "library/nginx", "nginx", "mycompany/datadog-dashboard-api",
		"agent", "a/b/c", "x/", "/agent", "public.ecr.aws/datadog/agent", "datadog//agent"}
	patterns := []string{"datadog/agent", "agent", "Datadog/Agent", "/datadog/agent/", "nginx", "library/nginx",
		"public.ecr.aws/datadog/agent:7", "datadog/agent@sha256:abc", "docker.io/datadog/agent", "localhost:5000/agent",
		"b/c", "a/b/c", "z/a/b/c", "/", " ", "dashboard-api", "datadog", "datadog//agent", "agent:latest"}
	matched := 0
	for _, r := range repos {
		for _, p := range patterns {
			want := repoMatchesBySegments(r, p)
			if got := repoMatches(r, p); got != want {
				t.Errorf("repoMatches(%q, %q) = %v, by segments %v", r, p, got, want)
			}
			if want {
				matched++
			}
		}
	}
	if matched == 0 {
		t.Error("no pair matches: the test compares only refusals")
	}
}

// logGroupName fills a template as strings.Replacer does: in one pass, what it puts in not read again.
func TestLogGroupNameAgreesWithReplacer(t *testing.T) {
	templates := []string{"", "/ecs/{family}", "/ecs/{family}/{container}", "{container}{family}{{family}}", "plain", "{famil}{family", "{}{container}}"}
	values := []string{"web", "{container}", "{family}", "", "a{b"}
	for _, tp := range templates {
		for _, f := range values {
			for _, c := range values {
				want := tp
				if want == "" {
					want = DefaultLogGroupTemplate
				}
				want = strings.NewReplacer("{family}", f, "{container}", c).Replace(want)
				if got := logGroupName(tp, f, c); got != want {
					t.Errorf("logGroupName(%q, %q, %q) = %q, want %q", tp, f, c, got, want)
				}
			}
		}
	}
}

// The remembered table lookups answer what the tables answer, the first time and again.
func TestRememberedLookupsAgree(t *testing.T) {
	images := []string{"public.ecr.aws/xray/aws-xray-daemon:3", "datadog/agent:7", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hub/datadog/agent:7",
		"nginx", "postgres:16", "redis", "mysql:8", "evil/datadog/agent", "", " ", "amazon/aws-for-fluent-bit", "grafana/grafana"}
	names := []string{"", "datadog-agent", "xray", "web", "log_router"}
	agents, paths := 0, 0
	for _, im := range images {
		for round := 0; round < 2; round++ {
			if got, want := knownImagePaths(im), findImagePaths(im); got != want {
				t.Errorf("knownImagePaths(%q) = %v, the table %v", im, got, want)
			} else if want != nil && round == 0 {
				paths++
			}
			for _, n := range names {
				ge, gb := wellKnownAgent(im, n)
				we, wb := findWellKnownAgent(im, n)
				if ge != we || gb != wb {
					t.Errorf("wellKnownAgent(%q, %q) = %v %q, the table %v %q", im, n, ge, gb, we, wb)
				} else if we != nil && round == 0 {
					agents++
				}
			}
		}
	}
	if agents == 0 || paths == 0 {
		t.Errorf("the images match %d agents and %d known paths: the test compares only misses", agents, paths)
	}
}
