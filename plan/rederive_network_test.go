package plan

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

// forgeNetworkMove is registration a edited to move its revision to networkMode mode, with the edit
// and controls the host-network fix would give it.
func forgeNetworkMove(t *testing.T, a Action, mode string) Action {
	t.Helper()
	var after map[string]any
	if err := json.Unmarshal(a.RegisterTaskDefinition.After, &after); err != nil {
		t.Fatal(err)
	}
	if after["networkMode"] != "host" {
		t.Fatalf("networkMode %v before forging, want host (the planner moved it)", after["networkMode"])
	}
	after["networkMode"] = mode
	b, err := json.Marshal(after)
	if err != nil {
		t.Fatal(err)
	}
	rc := *a.RegisterTaskDefinition
	rc.After = b
	rc.Edits = append(slices.Clone(rc.Edits), Edit{Control: detect.ECS17ID, Path: "networkMode", Change: `"host" → "` + mode + `"`})
	a.RegisterTaskDefinition = &rc
	a.Controls = append(slices.Clone(a.Controls), detect.ECS17ID)
	return a
}

func networkState(in *detect.Inventory, cfg *ConfiguredValues) *ReadState {
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{}, Images: in.Images, Config: cfg}
	for i := range in.TaskDefinitions {
		st.TaskDefinitions[in.TaskDefinitions[i].ARN()] = &in.TaskDefinitions[i]
	}
	return st
}

func onlyRegistration(t *testing.T, p *Plan) Action {
	t.Helper()
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("%d registrations, want 1: %+v", len(regs), p.Actions)
	}
	return regs[0]
}

// TestRederiveNetworkRefusesWhatThePlannerRefuses: a plan edited to move a revision off the host network
// that the host-network fix leaves in host mode (no port mappings, a host agent by the table or by the
// applier's fix.workloads, several containers or Fargate or Windows to bridge, a port range) is refused
// at apply time; the same plan unedited, and a move the fix makes, are not.
func TestRederiveNetworkRefusesWhatThePlannerRefuses(t *testing.T) {
	privileged := func(c *ecstypes.ContainerDefinition) { c.Privileged = aws.Bool(true) }
	withPorts := ctrMod(0, ports(pm(8080, aws.Int32(8080))))
	refused := func(t *testing.T, p *Plan, a Action, st *ReadState, want string) {
		t.Helper()
		err := p.Rederive(&a, st)
		var re *RederiveError
		if !errors.As(err, &re) || re.Path != "networkMode" || !strings.Contains(re.Reason, want) {
			t.Errorf("forged move: %v, want refused at networkMode with %q", err, want)
		}
	}
	passes := func(t *testing.T, p *Plan, a Action, st *ReadState) {
		t.Helper()
		if err := p.Rederive(&a, st); err != nil {
			t.Errorf("the plan as made: %v", err)
		}
	}

	t.Run("corpus", func(t *testing.T) {
		for _, c := range []struct{ file, want string }{
			{"newrelic-infra.json", "host agent"},
			{"training-job.json", "no container declares a port mapping"},
			{"consul-server", "no container declares a port mapping"},
		} {
			t.Run(c.file, func(t *testing.T) {
				in := loadWorkload(t, workloadCase{file: c.file})
				o := workloadOptions()
				p := buildPlan(t, in, o)
				a := onlyRegistration(t, p)
				st := networkState(in, o.ConfiguredValues())
				passes(t, p, a, st)
				for _, mode := range []string{"bridge", "awsvpc"} {
					refused(t, p, forgeNetworkMove(t, a, mode), st, c.want)
				}
			})
		}
	})

	builder := []struct {
		name string
		td   detect.TaskDefinition
		opts func(*Options)
		mode string
		want string
	}{
		{"several containers to bridge", bTD("web", 1, hostTD, withPorts, ctrMod(0, privileged), withContainer(bContainer("sidecar"))), nil, "bridge", "containers share the host's network"},
		{"Fargate to bridge", bTD("web", 1, hostTD, withPorts, ctrMod(0, privileged), func(td *detect.TaskDefinition) {
			td.RequiresCompatibilities = []ecstypes.Compatibility{ecstypes.CompatibilityFargate}
		}), nil, "bridge", "FARGATE"},
		{"Windows to bridge", bTD("web", 1, hostTD, withPorts, ctrMod(0, privileged), func(td *detect.TaskDefinition) {
			td.RuntimePlatform = &ecstypes.RuntimePlatform{OperatingSystemFamily: ecstypes.OSFamilyWindowsServer2022Core}
		}), nil, "bridge", "Windows"},
		{"a port range to bridge", bTD("web", 1, hostTD, ctrMod(0, privileged), ctrMod(0, ports(ecstypes.PortMapping{ContainerPortRange: aws.String("9000-9010"), Protocol: ecstypes.TransportProtocolTcp}))), nil, "bridge", "port range"},
		{"a well-known agent's image", bTD("web", 1, hostTD, withPorts, ctrMod(0, func(c *ecstypes.ContainerDefinition) {
			// a host agent keeps root (ECS.20 not fixed for it): its read-only root gives the registration
			c.Image, c.User, c.ReadonlyRootFilesystem = aws.String("datadog/agent:7"), aws.String("root"), nil
		})), nil, "bridge", "the Datadog Agent"},
		{"a configured agent container", bTD("web", 1, hostTD, withPorts, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User, c.ReadonlyRootFilesystem = aws.String("root"), nil })),
			func(o *Options) { o.Workloads.AgentContainers = []string{"app"} }, "bridge", "fix.workloads.agent_containers"},
		{"a configured agent container, to awsvpc", bTD("web", 1, hostTD, withPorts, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User, c.ReadonlyRootFilesystem = aws.String("root"), nil })),
			func(o *Options) { o.Workloads.AgentContainers = []string{"app"} }, "awsvpc", "fix.workloads.agent_containers"},
	}
	for _, c := range builder {
		t.Run(c.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{c.td}, nil)
			o := bOptions()
			if c.opts != nil {
				c.opts(&o)
			}
			p := buildPlan(t, in, o)
			a := onlyRegistration(t, p)
			st := networkState(in, o.ConfiguredValues())
			passes(t, p, a, st)
			refused(t, p, forgeNetworkMove(t, a, c.mode), st, c.want)
		})
	}

	t.Run("a host agent moved under fix.host_network.allow_daemons needs the applier's allow_daemons too", func(t *testing.T) {
		td := bTD("web", 1, hostTD, withPorts, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.Image = aws.String("datadog/agent:7") }))
		in := bInventory([]detect.TaskDefinition{td}, nil)
		o := bOptions(func(o *Options) { o.HostNetwork.AllowDaemons = true })
		p := buildPlan(t, in, o)
		a := onlyRegistration(t, p)
		if afterInput(t, a).NetworkMode != ecstypes.NetworkModeBridge {
			t.Fatalf("the planner did not move it: %+v", a.RegisterTaskDefinition.Edits)
		}
		passes(t, p, a, networkState(in, o.ConfiguredValues()))
		plain := bOptions()
		refused(t, p, a, networkState(in, plain.ConfiguredValues()), "the Datadog Agent")
		refused(t, p, a, networkState(in, nil), "the Datadog Agent")
	})
}
