package plan

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Each container's writable path gets a task volume of its own: names that collide (after sanitising or
// cutting at 200 characters) or a volume of the name that a container mounts already are never shared.
func TestECS5ScratchVolumesNeverShared(t *testing.T) {
	long := strings.Repeat("a", 190)
	tests := []struct {
		name  string
		in    *ecs.RegisterTaskDefinitionInput
		paths []string
		reuse map[string]string // container\x00path → the volume reused (no volume edit for it)
	}{
		{name: "app at /cache/tmp and app-cache at /tmp",
			in: &ecs.RegisterTaskDefinitionInput{Family: aws.String("f"), ContainerDefinitions: []ecstypes.ContainerDefinition{
				{Name: aws.String("app"), Image: aws.String("nginx:1")},
				{Name: aws.String("app-cache"), Image: aws.String("ghcr.io/x/y:1")},
			}},
			paths: []string{"/tmp", "/cache/tmp"}},
		{name: "names cut alike at 200 characters",
			in: &ecs.RegisterTaskDefinitionInput{Family: aws.String("f"), ContainerDefinitions: []ecstypes.ContainerDefinition{
				{Name: aws.String(long), Image: aws.String("ghcr.io/x/y:1")},
			}},
			paths: []string{"/tmp/" + strings.Repeat("b", 20) + "/one", "/tmp/" + strings.Repeat("b", 20) + "/two"}},
		{name: "a plain volume of the name that another container mounts (the user's)",
			in: &ecs.RegisterTaskDefinitionInput{Family: aws.String("f"),
				Volumes: []ecstypes.Volume{{Name: aws.String("ecsfix-app-tmp")}},
				ContainerDefinitions: []ecstypes.ContainerDefinition{
					{Name: aws.String("app"), Image: aws.String("ghcr.io/x/y:1")},
					{Name: aws.String("side"), Image: aws.String("ghcr.io/x/z:1"), ReadonlyRootFilesystem: aws.Bool(true),
						MountPoints: []ecstypes.MountPoint{{SourceVolume: aws.String("ecsfix-app-tmp"), ContainerPath: aws.String("/shared"), ReadOnly: aws.Bool(false)}}},
				}}},
		{name: "an unmounted plain volume of the name is reused",
			in: &ecs.RegisterTaskDefinitionInput{Family: aws.String("f"),
				Volumes: []ecstypes.Volume{{Name: aws.String("ecsfix-app-tmp")}},
				ContainerDefinitions: []ecstypes.ContainerDefinition{
					{Name: aws.String("app"), Image: aws.String("ghcr.io/x/y:1")},
				}},
			reuse: map[string]string{"app\x00/tmp": "ecsfix-app-tmp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]bool{}
			for _, v := range tc.in.Volumes {
				before[aws.ToString(v.Name)] = true
			}
			out := fixECS5(&revisionContext{opts: Options{WritablePaths: tc.paths}}, tc.in)
			if out.Skip != "" {
				t.Fatalf("skipped: %s", out.Skip)
			}
			users := map[string][]string{} // volume → who mounts it
			for _, c := range tc.in.ContainerDefinitions {
				for _, mp := range c.MountPoints {
					v := aws.ToString(mp.SourceVolume)
					users[v] = append(users[v], aws.ToString(c.Name)+" at "+aws.ToString(mp.ContainerPath))
				}
			}
			added := map[string]bool{}
			for _, e := range out.Edits {
				if strings.HasPrefix(e.Path, "volumes[") {
					added[strings.TrimSuffix(strings.TrimPrefix(e.Path, "volumes["), "]")] = true
				}
			}
			for v, who := range users {
				if len(who) > 1 {
					t.Errorf("volume %s is shared: %v", v, who)
				}
				if len(v) > 255 {
					t.Errorf("volume name of %d characters", len(v))
				}
			}
			for _, c := range tc.in.ContainerDefinitions {
				for _, mp := range c.MountPoints {
					v := aws.ToString(mp.SourceVolume)
					key := aws.ToString(c.Name) + "\x00" + aws.ToString(mp.ContainerPath)
					switch {
					case tc.reuse[key] != "":
						if v != tc.reuse[key] || added[v] {
							t.Errorf("%q mounts %s (added %v), want %s reused", key, v, added[v], tc.reuse[key])
						}
					case before[v] && !added[v] && strings.HasPrefix(v, "ecsfix-") && aws.ToString(c.Name) != "side":
						t.Errorf("%q mounts the existing volume %s", key, v)
					}
				}
			}
		})
	}
}
