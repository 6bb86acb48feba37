package plan

// The "Done when" corpus of issue 12: realistic task definitions (plan/testdata/workloads/, as
// describe-task-definition prints them, with describe-services beside a daemon), each read through the
// snapshot loader and planned as the CLI plans a snapshot (detect.Evaluate, then Build). For each, no
// planned change may stop the workload from starting or serving (no read-only root without the image's
// writable paths, no scratch volume shared between containers, no network move without reachable
// ports, no privileged or pidMode host taken from a host agent or privileged workload), and every
// finding left alone says why. The expectations of each file are spelled out in the table.

import (
	"encoding/json"
	"errors"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/snapshot"
)

// workloadCase is one file of the corpus and what its plan must hold.
type workloadCase struct {
	file string
	// images are the image configurations read from ECR (Inventory.Images) for the case.
	images map[string]detect.ImageConfig
	// notFixed maps a control to a part of the reason it is listed under "Not fixed" on the task
	// definition.
	notFixed map[string]string
	// keepPrivileged and dropPrivileged are containers privileged before; network is the networkMode
	// after ("" when no registration is planned or it stays as it is).
	keepPrivileged, dropPrivileged []string
	network                        string
	// writable maps a container made read-only to paths that must stay writable in it (mounted
	// read-write), each the reason's expected words ("/var/cache/nginx=nginx image").
	writable map[string][]string
	// unknown are the containers whose read-only-root edit must be high risk, saying their paths are
	// unknown.
	unknown []string
	// noRegistration: nothing is registered for the task definition.
	noRegistration bool
}

func workloadCases() []workloadCase {
	ecrApp := "123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout-api:4.2.0"
	return []workloadCase{
		{file: "newrelic-infra.json", noRegistration: false,
			notFixed: map[string]string{
				"ECS.4":  `container "newrelic-infra" keeps privileged: it is a host agent: image newrelic/nri-ecs:1.12.2 is the New Relic infrastructure agent`,
				"ECS.3":  `container "newrelic-infra" is a host agent (image newrelic/nri-ecs:1.12.2 is the New Relic infrastructure agent`,
				"ECS.17": `is a host agent (image newrelic/nri-ecs:1.12.2`,
			},
			keepPrivileged: []string{"newrelic-infra"},
			writable:       map[string][]string{"newrelic-infra": {"/var/db/newrelic-infra=the New Relic infrastructure agent image", "/tmp=the New Relic infrastructure agent image"}},
		},
		{file: "datadog-agent",
			notFixed: map[string]string{"EXPOSURE.host-path-volume": "already mounted read-only"},
			writable: map[string][]string{"datadog-agent": {"/var/log/datadog=the Datadog Agent image", "/opt/datadog-agent/run=the Datadog Agent image"}},
			unknown:  []string{"datadog-agent"}, // /etc/datadog-agent cannot be kept writable
		},
		{file: "consul-server",
			notFixed: map[string]string{
				"ECS.17":                    "no container declares a port mapping",
				"EXPOSURE.host-path-volume": `container "consul-server" keeps its mount of host path /opt/consul/data (volume consul-data) at /consul/data writable: the Consul image writes /consul/data`,
			},
			writable: map[string][]string{"consul-server": {"/consul/data=", "/consul/config=Consul image", "/tmp=Consul image"}},
		},
		{file: "training-job.json",
			notFixed: map[string]string{"ECS.17": "no container declares a port mapping: in host mode it may serve on any of the instance's ports (a Consul server's, a distributed training job's peers)"},
			unknown:  []string{"trainer"},
			writable: map[string][]string{"trainer": {"/tmp=default"}},
		},
		{file: "nginx.json",
			writable: map[string][]string{"nginx": {"/var/cache/nginx=nginx image", "/var/run=nginx image", "/tmp=nginx image"}}},
		{file: "postgres.json",
			writable: map[string][]string{"postgres": {"/var/run/postgresql=postgres image", "/var/lib/postgresql=postgres image", "/var/lib/postgresql/data=", "/tmp=postgres image"}}},
		{file: "mysql.json",
			writable: map[string][]string{"mysql": {"/var/lib/mysql=mysql image", "/var/run/mysqld=mysql image"}}},
		{file: "redis.json",
			writable: map[string][]string{"redis": {"/data=redis image", "/tmp=redis image"}}},
		{file: "multi-container.json",
			images: map[string]detect.ImageConfig{ecrApp: {Image: ecrApp, Digest: "sha256:" + strings.Repeat("a", 64), User: "1000", WorkingDir: "/srv/app", Volumes: []string{"/srv/app/uploads"}}},
			writable: map[string][]string{
				"app":            {"/srv/app/uploads=declared VOLUME of the image", "/tmp=default"},
				"envoy":          {"/tmp=Envoy image"},
				"log_router":     {"/tmp=Fluent Bit image"},
				"xray-daemon":    {"/tmp=the X-Ray daemon image"},
				"cwagent":        {"/opt/aws/amazon-cloudwatch-agent/logs=the CloudWatch agent image", "/opt/aws/amazon-cloudwatch-agent/var=the CloudWatch agent image"},
				"otel-collector": {"/tmp=the OpenTelemetry collector image"},
				"nginx-proxy":    {"/var/cache/nginx=nginx image", "/var/run=nginx image"},
				"datadog-agent":  {"/var/log/datadog=the Datadog Agent image"},
			},
			unknown: []string{"cwagent", "datadog-agent"}, // what they write where the image keeps files
		},
		{file: "code-sandbox.json",
			notFixed: map[string]string{
				"ECS.4": `container "runner" keeps privileged: it is a privileged workload: task-definition family code-sandbox is a privileged workload (fix.workloads.privileged_families)`,
			},
			keepPrivileged: []string{"runner"},
			unknown:        []string{"runner"},
			writable:       map[string][]string{"runner": {"/tmp=default"}},
		},
		{file: "windows.json", noRegistration: true,
			notFixed: map[string]string{"ECS.21": ""}},
		{file: "unknown-app.json",
			unknown:  []string{"billing-api"},
			writable: map[string][]string{"billing-api": {"/tmp=default"}}},
		{file: "agent-with-app.json",
			notFixed: map[string]string{
				"ECS.4": `container "sysdig-agent" keeps privileged: it is a host agent: image quay.io/sysdig/agent-slim:13.2.0 is the Sysdig agent`,
			},
			keepPrivileged: []string{"sysdig-agent"},
			dropPrivileged: []string{"debug-shell"},
			unknown:        []string{"sysdig-agent", "debug-shell"},
			writable:       map[string][]string{"sysdig-agent": {"/tmp=default"}, "debug-shell": {"/tmp=default"}},
		},
	}
}

// workloadOptions are the options the corpus is planned with: the configuration's defaults (no user for
// ECS.20/21, host paths made read-only) and the code-execution sandbox declared a privileged workload.
func workloadOptions() Options {
	return bOptions(func(o *Options) {
		o.LinuxUser, o.WindowsUser = "", ""
		o.Workloads.PrivilegedFamilies = []string{"code-sandbox"}
	})
}

func loadWorkload(t *testing.T, wc workloadCase) *detect.Inventory {
	t.Helper()
	in, err := snapshot.Load(filepath.Join("testdata", "workloads", wc.file))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Errors) > 0 {
		t.Fatalf("read errors: %+v", in.Errors)
	}
	if len(in.TaskDefinitions) != 1 {
		t.Fatalf("%d task definitions, want 1", len(in.TaskDefinitions))
	}
	in.Images = wc.images
	return in
}

func TestWorkloadsCorpus(t *testing.T) {
	for _, wc := range workloadCases() {
		t.Run(wc.file, func(t *testing.T) {
			in := loadWorkload(t, wc)
			o := workloadOptions()
			p := buildPlan(t, in, o)
			td := &in.TaskDefinitions[0]
			arn := td.ARN()
			src := RegisterInput(td)

			// every finding on the task definition is fixed by an action or left alone with a specific why
			fixed := map[string]bool{}
			for _, a := range p.Actions {
				for _, c := range a.Controls {
					fixed[c] = true
				}
			}
			for _, r := range detect.Evaluate(in, bSettings()) {
				if r.Status != detect.Failed || r.Suppressed != nil || (r.ResourceArn != arn && r.ResourceType != detect.TypeService) {
					continue
				}
				var why []string
				for _, s := range p.Skipped {
					// a service's finding that the revision's fix answers is listed on the revision
					if s.Control == r.Control && (s.Resource == r.ResourceArn || s.Resource == arn) {
						why = append(why, s.Reason)
					}
				}
				if !fixed[r.Control] && len(why) == 0 {
					t.Errorf("%s on %s is neither fixed nor listed under Not fixed", r.Control, r.ResourceArn)
				}
				for _, w := range why {
					if len(w) < 40 {
						t.Errorf("%s is not fixed for a reason too short to say why: %q", r.Control, w)
					}
				}
			}
			for c, want := range wc.notFixed {
				if want == "" {
					continue
				}
				if !hasSkipped(p, c, arn, want) {
					t.Errorf("%s: no Not-fixed reason holding %q; skipped %+v", c, want, p.Skipped)
				}
			}

			regs := actionsOf(p, RegisterTaskDefinition)
			if wc.noRegistration {
				if len(regs) != 0 {
					t.Fatalf("registrations %+v", regs)
				}
				return
			}
			if len(regs) != 1 {
				t.Fatalf("want one registration, got %+v (skipped %+v)", p.Actions, p.Skipped)
			}
			a := regs[0]
			after := afterInput(t, a)
			checkKeepsServing(t, in, o, src, after, a)

			byName := map[string]*ecstypes.ContainerDefinition{}
			for i := range after.ContainerDefinitions {
				byName[aws.ToString(after.ContainerDefinitions[i].Name)] = &after.ContainerDefinitions[i]
			}
			for _, n := range wc.keepPrivileged {
				if !aws.ToBool(byName[n].Privileged) {
					t.Errorf("container %s lost privileged", n)
				}
			}
			for _, n := range wc.dropPrivileged {
				if aws.ToBool(byName[n].Privileged) {
					t.Errorf("container %s is still privileged", n)
				}
			}
			if after.NetworkMode != src.NetworkMode && string(after.NetworkMode) != wc.network {
				t.Errorf("networkMode %s → %s", src.NetworkMode, after.NetworkMode)
			}
			edits := map[string]Edit{}
			for _, e := range a.RegisterTaskDefinition.Edits {
				edits[e.Path] = e
			}
			for ctr, paths := range wc.writable {
				c := byName[ctr]
				if !aws.ToBool(c.ReadonlyRootFilesystem) {
					t.Errorf("container %s: root filesystem not made read-only", ctr)
				}
				for _, pw := range paths {
					p, why, _ := strings.Cut(pw, "=")
					if mp := mountAt(c, p); mp == nil || aws.ToBool(mp.ReadOnly) {
						t.Errorf("container %s: %s is not writable after", ctr, p)
						continue
					}
					if why == "" {
						continue // writable through the task definition's own volume
					}
					ro := edits["containerDefinitions["+ctr+"].readonlyRootFilesystem"]
					if !strings.Contains(ro.Change, p+" ("+why) {
						t.Errorf("container %s: the edit %q does not say %s stays writable because of %q", ctr, ro.Change, p, why)
					}
				}
			}
			for ctr := range byName {
				e, ok := edits["containerDefinitions["+ctr+"].readonlyRootFilesystem"]
				if !ok {
					continue
				}
				want := slices.Contains(wc.unknown, ctr)
				if got := e.Risk == RiskHigh && (strings.Contains(e.Why, "are unknown") || strings.Contains(e.Why, "would hide")); got != want {
					t.Errorf("container %s: unknown paths %v, want %v (risk %q, why %q)", ctr, got, want, e.Risk, e.Why)
				}
			}
		})
	}
}

// checkKeepsServing asserts what no plan may do to a workload, whatever the case: a container made
// read-only keeps writable the paths its image writes (the table's, its ECR VOLUMEs) or its edit says
// they are unknown and is high risk; no scratch volume of ecsfix is mounted by two containers; a host
// agent or privileged workload keeps privileged, and pidMode host with a host agent stays; networkMode
// moves from host only with port mappings, to bridge only with hostPort = containerPort.
func checkKeepsServing(t *testing.T, in *detect.Inventory, o Options, src, after *ecs.RegisterTaskDefinitionInput, a Action) {
	t.Helper()
	if !sameContainers(src, after) {
		t.Fatalf("the containers changed")
	}
	ctx := &revisionContext{inv: in, source: &in.TaskDefinitions[0], opts: o}
	for i := range in.Services {
		ctx.services = append(ctx.services, &in.Services[i])
	}
	roEdits := map[string]Edit{}
	for _, e := range a.RegisterTaskDefinition.Edits {
		if strings.HasSuffix(e.Path, ".readonlyRootFilesystem") {
			roEdits[e.Path] = e
		}
	}
	users := map[string][]string{}
	agentInTask := false
	for i := range src.ContainerDefinitions {
		sc, ac := &src.ContainerDefinitions[i], &after.ContainerDefinitions[i]
		name := aws.ToString(sc.Name)
		w := recogniseWorkload(ctx, src, i)
		agentInTask = agentInTask || w.Agent
		if aws.ToBool(sc.Privileged) && w.Kept() && !aws.ToBool(ac.Privileged) {
			t.Errorf("container %s (%s) lost privileged", name, w.Why)
		}
		for _, mp := range ac.MountPoints {
			if v := aws.ToString(mp.SourceVolume); strings.HasPrefix(v, "ecsfix-") {
				users[v] = append(users[v], name)
			}
		}
		if aws.ToBool(sc.ReadonlyRootFilesystem) || !aws.ToBool(ac.ReadonlyRootFilesystem) {
			continue
		}
		image := aws.ToString(sc.Image)
		var need []string
		if e := knownImagePaths(image); e != nil {
			need = append(need, e.Paths...)
		}
		cfg, fromECR := in.Image(image)
		need = append(need, cfg.Volumes...)
		e := roEdits["containerDefinitions["+name+"].readonlyRootFilesystem"]
		if k := knownImagePaths(image); k != nil && k.Partial != "" && (e.Risk != RiskHigh || !strings.Contains(e.Why, k.Partial)) {
			t.Errorf("container %s: its image writes where no volume can keep it writable, and its edit does not say so: %+v", name, e)
		}
		if len(need) == 0 && !fromECR {
			if e.Risk != RiskHigh || !strings.Contains(e.Why, "unknown") {
				t.Errorf("container %s: read-only root for an image whose paths are unknown, and its edit does not say so: %+v", name, e)
			}
		}
		for _, p := range need {
			if mp := mountAt(ac, path.Clean(p)); mp == nil || aws.ToBool(mp.ReadOnly) {
				t.Errorf("container %s: read-only root, but %s (which its image writes) is not writable", name, p)
			}
		}
	}
	for v, us := range users {
		if len(us) != 1 {
			t.Errorf("scratch volume %s is shared by containers %v", v, us)
		}
	}
	if src.PidMode == ecstypes.PidModeHost && agentInTask && after.PidMode != ecstypes.PidModeHost {
		t.Errorf("pidMode host taken from a task with a host agent")
	}
	if src.NetworkMode == ecstypes.NetworkModeHost && after.NetworkMode != ecstypes.NetworkModeHost {
		ports := 0
		for _, c := range after.ContainerDefinitions {
			for _, pm := range c.PortMappings {
				ports++
				if after.NetworkMode == ecstypes.NetworkModeBridge && aws.ToInt32(pm.HostPort) != aws.ToInt32(pm.ContainerPort) {
					t.Errorf("bridge with hostPort %d for containerPort %d", aws.ToInt32(pm.HostPort), aws.ToInt32(pm.ContainerPort))
				}
			}
		}
		if ports == 0 {
			t.Errorf("moved off the host network with no port mapping")
		}
	}
}

// TestWorkloadsEditedPlanRefused: a plan of the corpus edited by hand to take privileged from the host
// agent it keeps, or to move a scratch volume to another container, is refused at apply time.
func TestWorkloadsEditedPlanRefused(t *testing.T) {
	var wc workloadCase
	for _, c := range workloadCases() {
		if c.file == "agent-with-app.json" {
			wc = c
		}
	}
	in := loadWorkload(t, wc)
	o := workloadOptions()
	p := buildPlan(t, in, o)
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations %+v", regs)
	}
	src := &in.TaskDefinitions[0]
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): src}, Config: o.ConfiguredValues()}
	if err := p.Rederive(&regs[0], st); err != nil {
		t.Fatalf("the plan as made is refused: %v", err)
	}
	// edit re-derives the registration with its after-state edited by f, against the state read st.
	edit := func(t *testing.T, st *ReadState, f func(after *ecs.RegisterTaskDefinitionInput)) error {
		t.Helper()
		a := regs[0]
		c := *a.RegisterTaskDefinition
		var after ecs.RegisterTaskDefinitionInput
		if err := awsjson.Unmarshal("after", c.After, &after); err != nil {
			t.Fatal(err)
		}
		f(&after)
		b, err := awsjson.Marshal(&after)
		if err != nil {
			t.Fatal(err)
		}
		c.After = json.RawMessage(b)
		a.RegisterTaskDefinition = &c
		return p.Rederive(&a, st)
	}
	t.Run("privileged removed from the kept agent", func(t *testing.T) {
		err := edit(t, st, func(after *ecs.RegisterTaskDefinitionInput) { after.ContainerDefinitions[0].Privileged = nil })
		if err == nil || !strings.Contains(err.Error(), "containerDefinitions[0].privileged") || !strings.Contains(err.Error(), "Sysdig agent") {
			t.Errorf("err = %v", err)
		}
		// without the applier's configuration the table alone still recognises it
		st2 := *st
		st2.Config = nil
		if err := edit(t, &st2, func(after *ecs.RegisterTaskDefinitionInput) { after.ContainerDefinitions[0].Privileged = nil }); err == nil {
			t.Error("refused with the configuration, accepted without it")
		}
	})
	t.Run("declared not an agent in the applier's configuration: accepted", func(t *testing.T) {
		st2 := *st
		cv := *st.Config
		cv.Workloads.NotAgents = []string{"sysdig-agent"}
		st2.Config = &cv
		if err := edit(t, &st2, func(after *ecs.RegisterTaskDefinitionInput) { after.ContainerDefinitions[0].Privileged = nil }); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a scratch volume moved to another container", func(t *testing.T) {
		err := edit(t, st, func(after *ecs.RegisterTaskDefinitionInput) {
			mps := after.ContainerDefinitions[1].MountPoints
			for i := range mps {
				if aws.ToString(mps[i].SourceVolume) == "ecsfix-debug-shell-tmp" {
					mps[i].SourceVolume = aws.String("ecsfix-sysdig-agent-tmp")
				}
			}
		})
		var re *RederiveError
		if err == nil || !errors.As(err, &re) || !strings.Contains(re.Path, "mountPoints") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestDaemonKeptPrivilegedRederives: a container kept privileged because a DAEMON service runs the
// revision (which the applier does not read) is kept when the registration is re-derived, while the
// task's other changes are re-derived as planned.
func TestDaemonKeptPrivilegedRederives(t *testing.T) {
	td := bTD("node-probe", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
		c.Privileged = aws.Bool(true)
		c.ReadonlyRootFilesystem = nil
	}))
	svc := bSvc("node-probe", td.ARN(), func(s *ecstypes.Service) { s.SchedulingStrategy = ecstypes.SchedulingStrategyDaemon })
	in := bInventory([]detect.TaskDefinition{td}, []ecstypes.Service{svc})
	p := buildPlan(t, in, bOptions()) // re-derives every registration
	if !hasSkipped(p, "ECS.4", td.ARN(), `container "app" keeps privileged: it is a host agent: service node-probe runs it as a DAEMON`) {
		t.Errorf("skipped %+v", p.Skipped)
	}
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 || !aws.ToBool(afterInput(t, regs[0]).ContainerDefinitions[0].Privileged) {
		t.Fatalf("registrations %+v", regs)
	}
	if err := p.RebuildRegistration(&regs[0], &in.TaskDefinitions[0]); err != nil {
		t.Errorf("re-derive: %v", err)
	}
}
