package detect

// The vulnerabilities trait: per image of the revision the service runs, the counts by severity, the
// network-exploitable ones and those with a fix; CRITICAL/HIGH or network-exploitable fails, the rest is
// reported; images outside ECR or not read are NOT_EVALUATED with why.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func withImage(ref string) ctrOpt {
	return func(c *ecstypes.ContainerDefinition) { c.Image = aws.String(ref) }
}

func TestVulnerabilitiesVerdicts(t *testing.T) {
	const (
		app   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2"
		proxy = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/proxy@sha256:" + "aa" + "00000000000000000000000000000000000000000000000000000000000000"
		hub   = "nginx:1.27"
	)
	vulns := func(ref string, fs ...VulnFinding) ImageVulnerabilities {
		v := ImageVulnerabilities{Image: ref, Source: VulnSourceInspector, Digest: "sha256:" + "bb" + "00000000000000000000000000000000000000000000000000000000000000", Counts: map[string]int{}}
		for _, f := range fs {
			v.Add(f)
		}
		return v
	}
	inv := func(tdOpts []ecstypes.ContainerDefinition, vs ...ImageVulnerabilities) *Inventory {
		in := &Inventory{TaskDefinitions: []TaskDefinition{taskDef("web", 1, containers(tdOpts...))}, Vulnerabilities: map[string]ImageVulnerabilities{}}
		for _, v := range vs {
			in.Vulnerabilities[v.Image] = v
		}
		return in
	}
	svc := service("web", runs(tdARN("web", 1)))
	crit := VulnFinding{ID: "CVE-2024-1", Severity: "CRITICAL", NetworkExploitable: true, ExploitAvailable: true, FixAvailable: true}
	low := VulnFinding{ID: "CVE-2024-2", Severity: "LOW"}
	netMed := VulnFinding{ID: "CVE-2024-3", Severity: "MEDIUM", NetworkExploitable: true}
	runServiceCases(t, ExposureVulnerabilities(), []svcCase{
		{name: "critical fails with counts and image to rebuild", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app)), ctr("side", withImage(app))}, vulns(app, crit, low, low)), want: Failed,
			reasonHas: []string{`container "app", "side": image ` + app, "1 CRITICAL, 2 LOW", "1 network-exploitable, 1 with a known exploit, 1 with a fix", "rebuild image " + app + " (CVE-2024-1)", "Amazon Inspector"}},
		{name: "network-exploitable medium fails", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app))}, vulns(app, netMed)), want: Failed, reasonHas: []string{"1 MEDIUM", "1 network-exploitable"}},
		{name: "only low passes with counts", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app))}, vulns(app, low)), want: Passed, reasonHas: []string{"no CRITICAL, HIGH or network-exploitable finding", "1 LOW"}},
		{name: "no findings passes", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(proxy))}, vulns(proxy)), want: Passed, reasonHas: []string{"no findings"}},
		{name: "image outside ECR is not evaluated", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("web", withImage(hub))}), want: NotEvaluated, reasonHas: []string{"image nginx:1.27 is not in a private ECR registry"}},
		{name: "image not read is not evaluated", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app))}), want: NotEvaluated, reasonHas: []string{"are not in the inventory"}},
		{name: "unknown findings say why", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app))}, ImageVulnerabilities{Image: app, Unknown: "AccessDenied"}), want: NotEvaluated, reasonHas: []string{"could not be read: AccessDenied"}},
		{name: "a failing image fails despite an unknown one", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app)), ctr("web", withImage(hub))}, vulns(app, crit)), want: Failed, reasonHas: []string{"not evaluated: container \"web\""}},
		{name: "basic scanning is named", svc: svc, inv: inv([]ecstypes.ContainerDefinition{ctr("app", withImage(app))}, func() ImageVulnerabilities { v := vulns(app, crit); v.Source = VulnSourceECRBasic; return v }()), want: Failed, reasonHas: []string{"ECR basic scanning; Amazon Inspector was not available"}},
	})
}

func TestParseECRImage(t *testing.T) {
	d := "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for ref, want := range map[string]ECRImage{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2":         {Registry: "123456789012", Region: "eu-west-1", Repository: "app", Tag: "1.2"},
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app":        {Registry: "123456789012", Region: "eu-west-1", Repository: "team/app", Tag: "latest"},
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app@" + d:        {Registry: "123456789012", Region: "us-east-1", Repository: "app", Digest: d},
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:v1@" + d: {Registry: "123456789012", Region: "cn-north-1", Repository: "app", Tag: "v1", Digest: d},
		"111122223333.dkr.ecr-fips.us-east-1.amazonaws.com/app:1":      {Registry: "111122223333", Region: "us-east-1", Repository: "app", Tag: "1", FIPS: true},
		"111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:v1@" + d:     {Registry: "111122223333", Region: "eu-west-1", Repository: "app", Tag: "v1", Digest: d},
	} {
		got, ok := ParseECRImage(ref)
		if !ok || got != want {
			t.Errorf("ParseECRImage(%q) = %+v, %v; want %+v", ref, got, ok, want)
		}
	}
	for _, ref := range []string{"nginx:1.27", "public.ecr.aws/nginx/nginx:1", "ghcr.io/a/b:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/", "evil.com/123456789012.dkr.ecr.eu-west-1.amazonaws.com/app",
		"111122223333.dkr.ecr.eu-west-1.amazonaws.com.evil.example/app:1", "${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:1"} {
		if _, ok := ParseECRImage(ref); ok {
			t.Errorf("ParseECRImage(%q) accepted a reference outside ECR", ref)
		}
	}
	img, _ := ParseECRImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2")
	if got := img.ByDigest(d); got != "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@"+d {
		t.Errorf("ByDigest = %s", got)
	}
	// The FIPS endpoint is kept: a reference pinned by digest names the same registry host.
	for _, host := range []string{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"} {
		img, ok := ParseECRImage(host + "/shop/app:1.0")
		if !ok || img.Host() != host || img.ByDigest(d) != host+"/shop/app@"+d {
			t.Errorf("%s: host %s, by digest %s", host, img.Host(), img.ByDigest(d))
		}
	}
}

func TestCVSSNetworkVector(t *testing.T) {
	for v, want := range map[string]bool{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": true,
		"AV:N/AC:L/Au:N/C:P/I:P/A:P":                   true,
		"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H": false,
		"": false,
	} {
		if got := CVSSNetworkVector(v); got != want {
			t.Errorf("CVSSNetworkVector(%q) = %v", v, got)
		}
	}
}
