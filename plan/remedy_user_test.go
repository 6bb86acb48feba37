package plan

// Pins the user remedy (ECS.20 on Linux, ECS.21 on Windows) as the planner applies it: which containers
// get the configured user, per operating-system family, the edits' wording, the note, and the skip when
// no user is configured.

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

func TestRemedyUser(t *testing.T) {
	user := func(u *string) func(*ecstypes.ContainerDefinition) {
		return func(c *ecstypes.ContainerDefinition) { c.User = u }
	}
	ctr := func(name string, u *string) tdMod {
		c := bContainer(name)
		c.User = u
		return withContainer(c)
	}
	edit := func(control, name, user, was string) string {
		return control + " containerDefinitions[" + name + "].user: set user to " + user + " (was " + was + ")"
	}
	note := func(user string) string {
		return "the containers now run as " + user + ": files the image writes to, and ports below 1024, must be usable by that user"
	}
	windows := pinFamily(ecstypes.OSFamilyWindowsServer2022Core)
	tests := []struct {
		name  string
		mods  []tdMod
		opts  func(*Options)
		edits []string
		// users are the containers' users in the registered revision ("" when absent).
		users []string
	}{
		{"no family: absent, root and 0 after a compliant container; containeradministrator too",
			[]tdMod{ctr("a", nil), ctr("r", aws.String("root")), ctr("z", aws.String("0")), ctr("w", aws.String("ContainerAdministrator"))}, nil,
			[]string{edit("ECS.20", "a", `"1000"`, "absent"), edit("ECS.20", "r", `"1000"`, `"root"`), edit("ECS.20", "z", `"1000"`, `"0"`),
				edit("ECS.20", "w", `"1000"`, `"ContainerAdministrator"`)},
			[]string{"1000", "1000", "1000", "1000", "1000"}},
		{"explicit LINUX family: root fixed, containeradministrator left",
			[]tdMod{pinFamily(ecstypes.OSFamilyLinux), ctr("w", aws.String("ContainerAdministrator")), ctr("r", aws.String("root"))}, nil,
			[]string{edit("ECS.20", "r", `"1000"`, `"root"`)},
			[]string{"1000", "ContainerAdministrator", "1000"}},
		{"explicit LINUX family: the first container absent",
			[]tdMod{pinFamily(ecstypes.OSFamilyLinux), ctrMod(0, user(nil)), ctr("b", aws.String("web"))},
			func(o *Options) { o.LinuxUser = "1000:1000" },
			[]string{edit("ECS.20", "app", `"1000:1000"`, "absent")},
			[]string{"1000:1000", "web"}},
		{"Windows: absent and ContainerAdministrator get the Windows user; root and others left",
			[]tdMod{windows, ctrMod(0, user(aws.String("containeradministrator"))), ctr("r", aws.String("root")), ctr("u", aws.String("ContainerUser")), ctr("n", nil)}, nil,
			[]string{edit("ECS.21", "app", `"ContainerUser"`, `"containeradministrator"`), edit("ECS.21", "n", `"ContainerUser"`, "absent")},
			[]string{"ContainerUser", "root", "ContainerUser", "ContainerUser"}},
		{"Windows: only the second container",
			[]tdMod{windows, ctr("n", nil)}, func(o *Options) { o.WindowsUser = "svc" },
			[]string{edit("ECS.21", "n", `"svc"`, "absent")},
			[]string{"1000", "svc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*Options)
			if tc.opts != nil {
				mods = append(mods, tc.opts)
			}
			p := pinPlan(t, []detect.TaskDefinition{bTD("web", 1, tc.mods...)}, mods...)
			a := pinOnlyRegistration(t, p)
			pinSameLines(t, "edits", pinEdits(a), tc.edits)
			in := afterInput(t, a)
			var got []string
			for _, c := range in.ContainerDefinitions {
				got = append(got, aws.ToString(c.User))
			}
			pinSameLines(t, "users after", got, tc.users)
			want := bOptions(mods...).LinuxUser
			if tc.edits[0][:6] == "ECS.21" {
				want = bOptions(mods...).WindowsUser
			}
			pinSameLines(t, "notes", a.Notes, []string{note(`"` + want + `"`)})
			if a.Risk != RiskHigh {
				t.Errorf("risk %s", a.Risk)
			}
		})
	}
}

func TestRemedyUserSkipped(t *testing.T) {
	tests := []struct {
		name    string
		mods    []tdMod
		opts    func(*Options)
		control string
		reason  string
	}{
		// Each reason names the setting that fixes the revision: the one its operating system family reads.
		{"no family (Linux) without fix.linux_user", []tdMod{ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = aws.String("root") })},
			func(o *Options) { o.LinuxUser = "" }, "ECS.20",
			"no non-root Linux user is configured: set fix.linux_user (e.g. 1000:1000) to the user the containers should run as; the task definition names no operatingSystemFamily, so it runs Linux and fix.linux_user fixes ECS.20 and ECS.21 alike (fix.windows_user is for Windows task definitions only) (the image of container(s) app declares no non-root user, or is unknown: only images in the account's ECR are read)"},
		{"no family: ECS.21 names fix.linux_user, with fix.windows_user set", []tdMod{ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = nil })},
			func(o *Options) { o.LinuxUser, o.WindowsUser = "", "ContainerUser" }, "ECS.21",
			"no non-root Linux user is configured: set fix.linux_user (e.g. 1000:1000) to the user the containers should run as; the task definition names no operatingSystemFamily, so it runs Linux and fix.linux_user fixes ECS.20 and ECS.21 alike (fix.windows_user is for Windows task definitions only) (the image of container(s) app declares no non-root user, or is unknown: only images in the account's ECR are read)"},
		{"LINUX without fix.linux_user", []tdMod{pinFamily(ecstypes.OSFamilyLinux), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = aws.String("0") })},
			func(o *Options) { o.LinuxUser = "" }, "ECS.20",
			"no non-root Linux user is configured: set fix.linux_user (e.g. 1000:1000) to the user the containers should run as (the image of container(s) app declares no non-root user, or is unknown: only images in the account's ECR are read)"},
		{"Windows without fix.windows_user", []tdMod{pinFamily(ecstypes.OSFamilyWindowsServer2019Full), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = nil })},
			func(o *Options) { o.WindowsUser = "" }, "ECS.21",
			"no non-administrator Windows user is configured: set fix.windows_user (e.g. ContainerUser) to the user the containers should run as (the task definition's operatingSystemFamily is WINDOWS_SERVER_2019_FULL) (the image of container(s) app declares no non-administrator user, or is unknown: only images in the account's ECR are read)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pinPlan(t, []detect.TaskDefinition{bTD("web", 1, tc.mods...)}, tc.opts)
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
			found := false
			for _, s := range p.Skipped {
				found = found || (s.Control == tc.control && s.Resource == bTDArn("web", 1) && s.Reason == tc.reason)
			}
			if !found {
				t.Errorf("skipped %+v", p.Skipped)
			}
		})
	}
}

// TestRemedyUserForged asks the planner to fix ECS.20 on revisions the detector passes: an operating
// system family that is neither Linux nor Windows, or containers that all run as a user, get no change.
func TestRemedyUserForged(t *testing.T) {
	tests := []struct {
		name string
		td   detect.TaskDefinition
	}{
		{"another family, root user", bTD("web", 1, pinFamily("FREEBSD"), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = aws.String("root") }))},
		{"no family, a non-root user", bTD("web", 1)},
		{"Windows, root is not the administrator", bTD("web", 1, pinFamily(ecstypes.OSFamilyWindowsServer2022Full), ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = aws.String("root") }))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bInventory([]detect.TaskDefinition{tc.td}, nil)
			p, err := Build(in, pinResults(in, "ECS.20", bTDArn("web", 1)), bOptions())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Actions) != 0 {
				t.Errorf("actions %+v", p.Actions)
			}
		})
	}
}

// userInventory is one revision web:1 whose containers (app, side) run as root, with the image
// configurations given.
func userInventory(images map[string]detect.ImageConfig, mods ...tdMod) *detect.Inventory {
	root := func(c *ecstypes.ContainerDefinition) { c.User = aws.String("root") }
	side := bContainer("side")
	side.User = nil
	mods = append([]tdMod{ctrMod(0, root), withContainer(side)}, mods...)
	in := bInventory([]detect.TaskDefinition{bTD("web", 1, mods...)}, nil)
	in.Images = images
	return in
}

// TestRemedyUserFromImage pins the three cases of the user remedy: the image's declared non-root user
// (low risk, nothing changes at runtime), else the configured user (high, says why), else not fixed.
func TestRemedyUserFromImage(t *testing.T) {
	app := detect.ImageConfig{Image: "example/app:1", User: "nginx", OS: "linux", Architecture: "amd64"}
	sideImg := detect.ImageConfig{Image: "example/side:1", User: "10001:10001", OS: "linux", Architecture: "amd64"}
	rootImg := func(u string) detect.ImageConfig {
		return detect.ImageConfig{Image: "example/side:1", User: u, OS: "linux", Architecture: "amd64"}
	}
	t.Run("both images declare a non-root user: set it, low risk", func(t *testing.T) {
		in := userInventory(map[string]detect.ImageConfig{"example/app:1": app, "example/side:1": sideImg})
		a := pinOnlyRegistration(t, buildPlan(t, in, bOptions(func(o *Options) { o.LinuxUser = "" })))
		pinSameLines(t, "edits", pinEdits(a), []string{
			`ECS.20 containerDefinitions[app].user: set user to "nginx" (was "root"), the user its image declares: nothing changes at runtime`,
			`ECS.20 containerDefinitions[side].user: set user to "10001:10001" (was absent), the user its image declares: nothing changes at runtime`})
		if a.Risk != RiskLow {
			t.Errorf("risk %s, want low", a.Risk)
		}
		for _, e := range a.RegisterTaskDefinition.Edits {
			if e.Risk != "" || e.Why != "" {
				t.Errorf("edit %s carries risk %q (%s)", e.Path, e.Risk, e.Why)
			}
		}
		if len(a.Notes) != 0 {
			t.Errorf("notes %q", a.Notes)
		}
	})
	for _, u := range []string{"", "root", "0", "0:0", "root:staff", "00", "+0", "-0", "000:0", ":1000", " 0 "} {
		t.Run("image user "+u+" is root: the configured user, high risk with why", func(t *testing.T) {
			in := userInventory(map[string]detect.ImageConfig{"example/app:1": app, "example/side:1": rootImg(u)})
			a := pinOnlyRegistration(t, buildPlan(t, in, bOptions()))
			edits := a.RegisterTaskDefinition.Edits
			if len(edits) != 2 || edits[0].Risk != "" || edits[1].Risk != RiskHigh || !strings.HasPrefix(edits[1].Why, "user from configuration (fix.linux_user)") {
				t.Fatalf("edits %+v", edits)
			}
			if got := afterInput(t, a).ContainerDefinitions; aws.ToString(got[0].User) != "nginx" || aws.ToString(got[1].User) != "1000" {
				t.Errorf("users %q %q", aws.ToString(got[0].User), aws.ToString(got[1].User))
			}
			if a.Risk != RiskHigh {
				t.Errorf("risk %s, want high", a.Risk)
			}
		})
	}
	t.Run("an image of another platform is not the task definition's", func(t *testing.T) {
		arm := app
		arm.Architecture = "arm64"
		in := userInventory(map[string]detect.ImageConfig{"example/app:1": arm, "example/side:1": sideImg})
		a := pinOnlyRegistration(t, buildPlan(t, in, bOptions()))
		if e := a.RegisterTaskDefinition.Edits[0]; e.Risk != RiskHigh || !strings.Contains(e.Change, `"1000"`) {
			t.Errorf("edit %+v, want the configured user", e)
		}
	})
	t.Run("unknown image and no configured user: not fixed, naming the container", func(t *testing.T) {
		in := userInventory(map[string]detect.ImageConfig{"example/app:1": app})
		p := buildPlan(t, in, bOptions(func(o *Options) { o.LinuxUser = "" }))
		if len(p.Actions) != 0 {
			t.Fatalf("actions %+v", p.Actions)
		}
		found := false
		for _, s := range p.Skipped {
			found = found || (s.Control == "ECS.20" && strings.Contains(s.Reason, "the image of container(s) side declares no non-root user, or is unknown"))
		}
		if !found {
			t.Errorf("skipped %+v", p.Skipped)
		}
	})
}

// TestRederiveUserFromImage: the user an edit takes from an image is re-derived from the image
// configuration read at apply time, and a configured user from the applier's configuration; an edited
// plan setting another user, a configured user passing as the image's (its risk lowered), an image whose
// USER changed since, or an applier without the configuration, is refused.
func TestRederiveUserFromImage(t *testing.T) {
	app := detect.ImageConfig{Image: "example/app:1", User: "nginx", OS: "linux", Architecture: "amd64"}
	images := map[string]detect.ImageConfig{"example/app:1": app}
	in := userInventory(images)
	p := buildPlan(t, in, bOptions())
	a := pinOnlyRegistration(t, p)
	src, _ := in.TaskDefinition(a.RegisterTaskDefinition.SourceArn)
	state := func(imgs map[string]detect.ImageConfig, cfg *ConfiguredValues) *ReadState {
		return &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{src.ARN(): src}, Images: imgs, Config: cfg}
	}
	opts := bOptions()
	good := opts.ConfiguredValues()
	if err := p.Rederive(&a, state(images, good)); err != nil {
		t.Fatalf("the plan as made: %v", err)
	}
	refused := func(name string, a Action, st *ReadState, path string) {
		t.Helper()
		err := p.Rederive(&a, st)
		var re *RederiveError
		if !errors.As(err, &re) || (path != "" && re.Path != path) {
			t.Errorf("%s: %v, want a RederiveError at %q", name, err, path)
		}
	}
	// A plan made without the image (a snapshot: the configured user, high) applies where the image is
	// read now and declares a user: the configured user is the applier's own.
	offline := userInventory(nil)
	po := buildPlan(t, offline, bOptions())
	ao := pinOnlyRegistration(t, po)
	if err := po.Rederive(&ao, state(images, good)); err != nil {
		t.Errorf("a plan made without the image, the image read now: %v", err)
	}
	// The image's USER changed since the plan was made.
	changed := app
	changed.User = "www-data"
	refused("image user changed", a, state(map[string]detect.ImageConfig{"example/app:1": changed}, good), "containerDefinitions[0].user")
	// The image could not be read at apply time: its user is not re-derived.
	refused("image unknown", a, state(nil, good), "")
	// Another configured user on the applier's side.
	other := *good
	other.LinuxUser = "2000"
	refused("configured user differs", a, state(images, &other), "containerDefinitions[1].user")
	// No configuration given to the applier.
	refused("no configuration", a, state(images, nil), "")
	// The plan edited to set another user.
	edited := editAfter(t, a, func(in *ecs.RegisterTaskDefinitionInput) { in.ContainerDefinitions[0].User = aws.String("0:0") })
	refused("edited user", edited, state(images, good), "containerDefinitions[0].user")
	// The configured user's edit relabelled low.
	lowered := a
	reg := *a.RegisterTaskDefinition
	reg.Edits = append([]Edit(nil), reg.Edits...)
	reg.Edits[1].Risk, reg.Edits[1].Why = "", ""
	lowered.RegisterTaskDefinition = &reg
	refused("risk lowered", lowered, state(images, good), "containerDefinitions[side].user")
}

// editAfter is a copy of registration a whose After is changed by f.
func editAfter(t *testing.T, a Action, f func(*ecs.RegisterTaskDefinitionInput)) Action {
	t.Helper()
	in := afterInput(t, a)
	f(in)
	b, err := awsjson.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	reg := *a.RegisterTaskDefinition
	reg.After = b
	a.RegisterTaskDefinition = &reg
	return a
}

// TestIsRootUser: a USER is root when its user part is empty, root, or a uid that reads as 0 the way
// the runtime reads it; other names and uids are not.
func TestIsRootUser(t *testing.T) {
	for _, u := range []string{"", "root", "root:1000", "0", "00", "+0", "-0", "0:0", "00:0", "+0:staff", ":0", ":1000"} {
		if !IsRootUser(u) {
			t.Errorf("IsRootUser(%q) = false, want true", u)
		}
	}
	for _, u := range []string{"1000", "nginx", "nobody:0", "10001:10001", "01000", "+1000", "rootless", "Root", "0x0", "1e0"} {
		if IsRootUser(u) {
			t.Errorf("IsRootUser(%q) = true, want false", u)
		}
	}
}

// TestRemedyUserKeepsHostAgents: a host agent keeps running as root rather than take the configured user
// (it reads the host's processes, sockets and logs): Not fixed for it, with why, while the task's other
// containers get the user; the finding is only partly fixed. A plan edited to give the agent the
// configured user is refused.
func TestRemedyUserKeepsHostAgents(t *testing.T) {
	agent := bContainer("agent")
	agent.Image, agent.User = aws.String("public.ecr.aws/datadog/agent:7"), nil
	td := bTD("mon", 1, ctrMod(0, func(c *ecstypes.ContainerDefinition) { c.User = nil }), withContainer(agent))
	in := bInventory([]detect.TaskDefinition{td}, nil)
	o := bOptions(func(o *Options) { o.LinuxUser = "1000" })
	p := buildPlan(t, in, o)
	regs := actionsOf(p, RegisterTaskDefinition)
	if len(regs) != 1 {
		t.Fatalf("registrations %+v skipped %+v", regs, p.Skipped)
	}
	a := regs[0]
	users := map[string]string{}
	for _, c := range afterInput(t, a).ContainerDefinitions {
		users[aws.ToString(c.Name)] = aws.ToString(c.User)
	}
	if users["agent"] != "" || users[aws.ToString(td.ContainerDefinitions[0].Name)] != "1000" {
		t.Errorf("users after %v: the agent keeps its user, the app gets 1000", users)
	}
	if !hasSkipped(p, detect.ECS20ID, td.ARN(), `container "agent" keeps its user: it is a host agent`) {
		t.Errorf("skipped %+v", p.Skipped)
	}
	st := &ReadState{TaskDefinitions: map[string]*detect.TaskDefinition{td.ARN(): &in.TaskDefinitions[0]}, Config: o.ConfiguredValues()}
	if err := p.Rederive(&a, st); err != nil {
		t.Fatalf("the plan as made is refused: %v", err)
	}
	forged := a
	reg := *a.RegisterTaskDefinition
	after := afterInput(t, a)
	for i := range after.ContainerDefinitions {
		after.ContainerDefinitions[i].User = aws.String("1000")
	}
	raw, err := awsjson.Marshal(after)
	if err != nil {
		t.Fatal(err)
	}
	reg.After = raw
	reg.Edits = append(append([]Edit(nil), reg.Edits...), Edit{Control: detect.ECS20ID, Path: "containerDefinitions[agent].user", Change: `set user to "1000" (was absent)`,
		Risk: RiskHigh, Why: "user from configuration (fix.linux_user)"})
	forged.RegisterTaskDefinition = &reg
	if err := p.Rederive(&forged, st); err == nil || !strings.Contains(err.Error(), "user") {
		t.Errorf("a plan giving the agent the configured user: %v", err)
	}
}
