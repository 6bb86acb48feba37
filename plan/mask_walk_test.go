package plan

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// TestMaskedPathMatchers: the matchers findSecrets uses say what the regular expressions say, on paths
// made of the pieces that matter, in every order.
func TestMaskedPathMatchers(t *testing.T) {
	pick := func(rnd *rand.Rand, s ...string) string { return s[rnd.Intn(len(s))] }
	rnd := rand.New(rand.NewSource(5))
	paths := []string{"containerDefinitions[0].command", "containerDefinitions[].command", "containerDefinitions[1a].command",
		"containerDefinitions[10].healthCheck.command", "containerDefinitions[0].commandx", "xcontainerDefinitions[0].command",
		"containerDefinitions[0]", "containerDefinitions[0].", "containerDefinitions[0]]command", "containerDefinitions[0].logConfiguration.options",
		"containerDefinitions[3].firelensConfiguration.options", "containerDefinitions[3].dockerLabels", "containerDefinitions[3].dockerLabels.a", ""}
	for i := 0; i < 20000; i++ {
		paths = append(paths, pick(rnd, "containerDefinitions[", "containerDefinitions", "xcontainerDefinitions[", "", "volumes[")+
			pick(rnd, "0", "12", "", "٣", "1a", "007")+pick(rnd, "]", ")", "]]", "")+pick(rnd, ".", "", "..")+
			pick(rnd, "command", "entryPoint", "healthCheck.command", "dockerLabels", "logConfiguration.options", "firelensConfiguration.options",
				"commandx", "options", "healthCheck", "logConfiguration.options.x", "", "dockerLabels[\"a\"]", "Command"))
	}
	matched := 0
	for _, p := range paths {
		if got, want := alwaysMaskedList([]byte(p)), alwaysMaskedLists.MatchString(p); got != want {
			t.Errorf("alwaysMaskedList(%q) = %v, the expression says %v", p, got, want)
		}
		if got, want := alwaysMaskedMap([]byte(p)), alwaysMaskedMaps.MatchString(p); got != want {
			t.Errorf("alwaysMaskedMap(%q) = %v, the expression says %v", p, got, want)
		}
		if got, want := logOptions([]byte(p)), logOptionsPath.MatchString(p); got != want {
			t.Errorf("logOptions(%q) = %v, the expression says %v", p, got, want)
		}
		if alwaysMaskedLists.MatchString(p) || alwaysMaskedMaps.MatchString(p) {
			matched++
		}
	}
	if matched < 50 {
		t.Errorf("only %d paths match: the test does not try both answers", matched)
	}
}

// TestFindSecretsByPlans: findSecrets (walking by its types' plans) finds what findSecretsReference finds,
// on inputs with every field set to secret-looking values and parts left out, emptied or repeated, and on
// the demo and a generated snapshot's revisions.
func TestFindSecretsByPlans(t *testing.T) {
	rnd := rand.New(rand.NewSource(7))
	secretish := []string{"password=hunter2", "AKIAIOSFODNN7EXAMPLE", MaskedValue, "", "plain", "postgres://u:p4ss@db/x", "true"}
	var setStrings func(v reflect.Value)
	setStrings = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				setStrings(v.Elem())
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() && v.Field(i).CanSet() {
					setStrings(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				setStrings(v.Index(i))
			}
		case reflect.Map:
			if !v.IsNil() && v.Type().Elem().Kind() == reflect.String {
				for _, k := range []string{"SECRET_TOKEN", "awslogs-group", "a.b", "team"} {
					v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), reflect.ValueOf(secretish[rnd.Intn(len(secretish))]).Convert(v.Type().Elem()))
				}
			}
		case reflect.String:
			if v.CanSet() {
				v.SetString(secretish[rnd.Intn(len(secretish))])
			}
		}
	}
	found := 0
	for i := 0; i < 300; i++ {
		var in ecs.RegisterTaskDefinitionInput
		fill(t, reflect.ValueOf(&in).Elem(), "RegisterTaskDefinitionInput", 0)
		in.ContainerDefinitions = append(in.ContainerDefinitions, in.ContainerDefinitions[0])
		in.ContainerDefinitions[1].Environment = []ecstypes.KeyValuePair{{Name: aws.String("DB_PASSWORD"), Value: aws.String("x")}, {Value: aws.String("y")}, {Name: aws.String("N")}}
		thinOut(rnd, reflect.ValueOf(&in).Elem())
		setStrings(reflect.ValueOf(&in).Elem())
		in = deepCopyReference(in) // nothing shared between the parts (thinOut repeats elements)
		assertSecretsAgree(t, fmt.Sprintf("input #%d", i), &in)
		found += len(findSecrets(&in, classifyFlagged))
	}
	if found < 1000 {
		t.Errorf("%d values found in all: the inputs hold too few secrets to compare", found)
	}
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 40, 2)
	for _, d := range []string{filepath.Join("..", "testdata", "demo"), dir} {
		inv, err := snapshot.Load(d)
		if err != nil {
			t.Fatal(err)
		}
		for i := range inv.TaskDefinitions {
			assertSecretsAgree(t, inv.TaskDefinitions[i].ARN(), RegisterInput(&inv.TaskDefinitions[i]))
		}
	}
}

// TestFlagReplay: a replayed verdict is always flagged's own for the name and value asked, whether the
// second walk asks for the recorded strings, for others, or for them out of order; and recorded strings
// asked again in order are not judged again.
func TestFlagReplay(t *testing.T) {
	calls := 0
	flagged := func(name, value string) bool {
		calls++
		return len(name)+len(value)%3 == 1 || strings.HasPrefix(value, "s")
	}
	rnd := rand.New(rand.NewSource(3))
	words := []string{"", "s", "secret", "a", "ab", "sss", "x"}
	for round := 0; round < 200; round++ {
		var names, values []string
		for i := rnd.Intn(30); i >= 0; i-- {
			names = append(names, words[rnd.Intn(len(words))]+words[rnd.Intn(len(words))])
			values = append(values, words[rnd.Intn(len(words))]+words[rnd.Intn(len(words))])
		}
		r := flagReplay{flagged: flagged}
		for i := range names {
			if r.record(names[i], values[i]) != flagged(names[i], values[i]) {
				t.Fatal("record changed the verdict")
			}
		}
		calls = 0
		same := rnd.Intn(2) == 0
		for i := range names {
			n, v := names[i], values[i]
			switch {
			case same:
			case rnd.Intn(4) == 0:
				v = strings.Clone(v + "s") // an edited value
			case rnd.Intn(4) == 0:
				i = rnd.Intn(len(names)) // out of order
				n, v = names[i], values[i]
			}
			want := flagged(n, v)
			calls--
			if got := r.replay(n, v); got != want {
				t.Fatalf("replay(%q, %q) = %v, flagged says %v", n, v, got, want)
			}
		}
		if same && calls != 0 {
			t.Fatalf("the recorded strings, asked again in order, were judged %d more times", calls)
		}
	}
}
