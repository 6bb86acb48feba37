package plan

// Pins the ECS.4 remedy (privileged containers) as the planner applies it: which containers lose
// privileged, the edits' wording, the note, and the registered revision.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
)

func TestRemedyECS4Privileged(t *testing.T) {
	priv := func(v *bool) func(*ecstypes.ContainerDefinition) {
		return func(c *ecstypes.ContainerDefinition) { c.Privileged = v }
	}
	const note = "a container that needs a specific privilege (a capability, a device) must get it through linuxParameters instead of privileged"
	change := func(name string) string {
		return "ECS.4 containerDefinitions[" + name + "].privileged: remove privileged true (the container no longer gets every host capability and device)"
	}
	tests := []struct {
		name  string
		mods  []tdMod
		edits []string
		// after is each container's privileged in the registered revision ("absent", "true", "false").
		after []string
	}{
		{"only the first container", []tdMod{ctrMod(0, priv(aws.Bool(true))), withContainer(bContainer("b"))},
			[]string{change("app")}, []string{"absent", "absent"}},
		{"only the second container, the first unset", []tdMod{withContainer(bContainer("b")), ctrMod(1, priv(aws.Bool(true)))},
			[]string{change("b")}, []string{"absent", "absent"}},
		{"the second container, the first explicitly false", []tdMod{ctrMod(0, priv(aws.Bool(false))), withContainer(bContainer("b")), ctrMod(1, priv(aws.Bool(true)))},
			[]string{change("b")}, []string{"false", "absent"}},
		{"first and third of three", []tdMod{ctrMod(0, priv(aws.Bool(true))), withContainer(bContainer("b")), withContainer(bContainer("c")), ctrMod(2, priv(aws.Bool(true)))},
			[]string{change("app"), change("c")}, []string{"absent", "absent", "absent"}},
		{"an unnamed container is labelled by its index", []tdMod{withContainer(bContainer("b")), ctrMod(1, func(c *ecstypes.ContainerDefinition) { c.Name = nil; c.Privileged = aws.Bool(true) })},
			[]string{change("#1")}, []string{"absent", "absent"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pinPlan(t, []detect.TaskDefinition{bTD("web", 1, tc.mods...)})
			a := pinOnlyRegistration(t, p)
			pinSameLines(t, "edits", pinEdits(a), tc.edits)
			if joinNotes(a) != note {
				t.Errorf("notes %q", a.Notes)
			}
			if a.Risk != RiskHigh {
				t.Errorf("risk %s", a.Risk)
			}
			var got []string
			for _, c := range pinAfterContainers(t, a) {
				switch v, ok := c["privileged"]; {
				case !ok:
					got = append(got, "absent")
				case v == true:
					got = append(got, "true")
				default:
					got = append(got, "false")
				}
			}
			pinSameLines(t, "privileged after", got, tc.after)
		})
	}
}
