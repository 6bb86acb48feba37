package plan

// Pins the user remedy (ECS.20 on Linux, ECS.21 on Windows) as the planner applies it: which containers
// get the configured user, per operating-system family, the edits' wording, the note, and the skip when
// no user is configured.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
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
