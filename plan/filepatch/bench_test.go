package filepatch_test

// Benchmarks of building a patch for one task-definition file with many environment entries (each a
// value the plan masks): the time should grow about linearly with the file's size.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsfix/ecsfix/plan"
	"github.com/ecsfix/ecsfix/plan/filepatch"
)

// manyEnvFile is a task definition of containers containers, each with env environment entries as its
// last member (so that every member added goes next to masked values), privileged and writable.
func manyEnvFile(containers, env int) string {
	var b strings.Builder
	b.WriteString("{\n  \"family\": \"big\",\n  \"networkMode\": \"awsvpc\",\n  \"containerDefinitions\": [\n")
	for c := 0; c < containers; c++ {
		if c > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "    {\n      \"name\": \"c%d\",\n      \"image\": \"example/c:1\",\n      \"privileged\": true,\n", c)
		b.WriteString("      \"logConfiguration\": {\"logDriver\": \"awslogs\", \"options\": {\"awslogs-group\": \"/ecs/big\"}},\n")
		b.WriteString("      \"environment\": [\n")
		for i := 0; i < env; i++ {
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, "        {\"name\": \"VAR_%d\", \"value\": \"value-%d\"}", i, i)
		}
		b.WriteString("\n      ]\n    }")
	}
	b.WriteString("\n  ]\n}\n")
	return b.String()
}

func BenchmarkBuildManyMaskedValues(b *testing.B) {
	for _, n := range []int{25, 250, 500, 1000, 2000} {
		files := map[string]string{"big.json": manyEnvFile(10, n)}
		in := readInventory(b, files)
		p, err := plan.Build(in, evaluate(in), options())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("env=%dx10/bytes=%d", n, len(files["big.json"])), func(b *testing.B) {
			for b.Loop() {
				pt, err := filepatch.Build(p, in, func(string) ([]byte, error) { return []byte(files["big.json"]), nil })
				if err != nil || len(pt.Files) != 1 {
					b.Fatalf("%v %+v", err, pt)
				}
				if d := pt.Unified(func(s string) string { return s }); !strings.Contains(d, "big.json") {
					b.Fatal("no patch:\n" + d)
				}
				pt.Files[0].Replacements()
			}
		})
	}
}

// BenchmarkBuildManyContainers: every container is edited, so the operations grow with the file; the
// text is parsed once per operation, so the time grows with containers × size (ECS allows 10
// containers a task definition).
func BenchmarkBuildManyContainers(b *testing.B) {
	for _, n := range []int{10, 50, 100, 200} {
		files := map[string]string{"big.json": manyEnvFile(n, 2)}
		in := readInventory(b, files)
		p, err := plan.Build(in, evaluate(in), options())
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("containers=%d/bytes=%d", n, len(files["big.json"])), func(b *testing.B) {
			for b.Loop() {
				if _, err := filepatch.Build(p, in, func(string) ([]byte, error) { return []byte(files["big.json"]), nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
