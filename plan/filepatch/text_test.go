package filepatch

import (
	"strings"
	"testing"
)

// The text editor on files laid out in every way people keep them: each case asserts the whole edited
// text, so that a byte changed outside the intended lines fails it.

func op(kind OpKind, ptr, value string) Op {
	toks, err := SplitPointer(ptr)
	if err != nil {
		panic(err)
	}
	return Op{Kind: kind, Path: toks, Value: []byte(value)}
}

func TestEditFileLayouts(t *testing.T) {
	for _, c := range []struct {
		name     string
		src, out string
		ops      []Op
	}{
		{
			name: "two spaces: a member added after the last one",
			src:  "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"app\",\n      \"image\": \"x\"\n    }\n  ]\n}\n",
			ops:  []Op{op(OpAdd, "/containerDefinitions/0/readonlyRootFilesystem", "true")},
			out:  "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"app\",\n      \"image\": \"x\",\n      \"readonlyRootFilesystem\": true\n    }\n  ]\n}\n",
		},
		{
			name: "four spaces: a value replaced, a member removed from the middle",
			src:  "{\n    \"pidMode\": \"host\",\n    \"family\": \"web\",\n    \"containerDefinitions\": [\n        {\n            \"privileged\": true,\n            \"name\": \"app\"\n        }\n    ]\n}",
			ops:  []Op{op(OpRemove, "/pidMode", ""), op(OpReplace, "/containerDefinitions/0/privileged", "false")},
			out:  "{\n    \"family\": \"web\",\n    \"containerDefinitions\": [\n        {\n            \"privileged\": false,\n            \"name\": \"app\"\n        }\n    ]\n}",
		},
		{
			name: "tabs: an object added, indented with tabs",
			src:  "{\n\t\"family\": \"web\",\n\t\"containerDefinitions\": [\n\t\t{\n\t\t\t\"name\": \"app\"\n\t\t}\n\t]\n}\n",
			ops:  []Op{op(OpAdd, "/volumes", `[{"name":"ecsfix-tmp"}]`)},
			out:  "{\n\t\"family\": \"web\",\n\t\"containerDefinitions\": [\n\t\t{\n\t\t\t\"name\": \"app\"\n\t\t}\n\t],\n\t\"volumes\": [\n\t\t{\n\t\t\t\"name\": \"ecsfix-tmp\"\n\t\t}\n\t]\n}\n",
		},
		{
			name: "compact on one line",
			src:  `{"family":"web","containerDefinitions":[{"name":"app","privileged":true}]}`,
			ops:  []Op{op(OpRemove, "/containerDefinitions/0/privileged", ""), op(OpAdd, "/containerDefinitions/0/user", `"1000"`)},
			out:  `{"family":"web","containerDefinitions":[{"name":"app","user":"1000"}]}`,
		},
		{
			name: "one line with spaces",
			src:  `{ "family": "web", "containerDefinitions": [ { "name": "app" } ] }` + "\n",
			ops:  []Op{op(OpAdd, "/containerDefinitions/0/mountPoints", `[{"sourceVolume":"v","containerPath":"/tmp"}]`)},
			out:  `{ "family": "web", "containerDefinitions": [ { "name": "app", "mountPoints": [{"sourceVolume":"v","containerPath":"/tmp"}] } ] }` + "\n",
		},
		{
			name: "CRLF line endings kept on new lines",
			src:  "{\r\n  \"family\": \"web\",\r\n  \"containerDefinitions\": [\r\n    {\r\n      \"name\": \"app\"\r\n    }\r\n  ]\r\n}\r\n",
			ops:  []Op{op(OpAdd, "/containerDefinitions/0/user", `"1000"`)},
			out:  "{\r\n  \"family\": \"web\",\r\n  \"containerDefinitions\": [\r\n    {\r\n      \"name\": \"app\",\r\n      \"user\": \"1000\"\r\n    }\r\n  ]\r\n}\r\n",
		},
		{
			name: "keys in odd order, unicode around, an element appended",
			src:  "{\n  \"containerDefinitions\": [\n    {\n      \"mountPoints\": [\n        {\"sourceVolume\": \"données\", \"containerPath\": \"/données\"}\n      ],\n      \"name\": \"app-ü\",\n      \"image\": \"x\"\n    }\n  ],\n  \"family\": \"wéb\"\n}\n",
			ops:  []Op{op(OpAdd, "/containerDefinitions/0/mountPoints/1", `{"sourceVolume":"ecsfix-tmp","containerPath":"/tmp","readOnly":false}`)},
			out:  "{\n  \"containerDefinitions\": [\n    {\n      \"mountPoints\": [\n        {\"sourceVolume\": \"données\", \"containerPath\": \"/données\"},\n        {\n          \"sourceVolume\": \"ecsfix-tmp\",\n          \"containerPath\": \"/tmp\",\n          \"readOnly\": false\n        }\n      ],\n      \"name\": \"app-ü\",\n      \"image\": \"x\"\n    }\n  ],\n  \"family\": \"wéb\"\n}\n",
		},
		{
			name: "UTF-8 byte-order mark kept",
			src:  "\uFEFF{\n  \"family\": \"web\",\n  \"pidMode\": \"host\"\n}\n",
			ops:  []Op{op(OpRemove, "/pidMode", "")},
			out:  "\uFEFF{\n  \"family\": \"web\"\n}\n",
		},
		{
			name: "the last member removed from a multi-line object",
			src:  "{\n  \"taskDefinition\": {\n    \"family\": \"web\",\n    \"pidMode\": \"host\"\n  }\n}\n",
			ops:  []Op{op(OpRemove, "/taskDefinition/pidMode", "")},
			out:  "{\n  \"taskDefinition\": {\n    \"family\": \"web\"\n  }\n}\n",
		},
		{
			name: "a member added to an empty object on lines of its own",
			src:  "{\n  \"options\": {\n  },\n  \"family\": \"web\"\n}\n",
			ops:  []Op{op(OpAdd, "/options/awslogs-group", `"/ecs/web"`)},
			out:  "{\n  \"options\": {\n    \"awslogs-group\": \"/ecs/web\"\n  },\n  \"family\": \"web\"\n}\n",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := EditFile([]byte(c.src), c.ops)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.out {
				t.Errorf("edited text:\n%s\nwant:\n%s", got, c.out)
			}
		})
	}
}

func TestEditFileRefusesWhatTheFileDoesNotHold(t *testing.T) {
	_, err := EditFile([]byte(`{"containerDefinitions":[]}`), []Op{op(OpReplace, "/containerDefinitions/0/user", `"1"`)})
	if err == nil || !strings.Contains(err.Error(), "/containerDefinitions/0") {
		t.Fatalf("err = %v, want one naming /containerDefinitions/0", err)
	}
}

// A new member goes before the first one when the last one's line must not change (it shows a value
// that is not printed).
func TestNewMemberAvoidsAKeptLine(t *testing.T) {
	src := "{\n  \"name\": \"app\",\n  \"command\": [\"--token\", \"s3cr3t\"]\n}\n"
	tx := NewText([]byte(src))
	tx.Keep = func(off int) bool { return strings.Contains(string(tx.b[tx.lineStart(off):off]), "command") }
	if _, err := tx.Apply(op(OpAdd, "/user", `"1000"`)); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"user\": \"1000\",\n  \"name\": \"app\",\n  \"command\": [\"--token\", \"s3cr3t\"]\n}\n"
	if string(tx.Bytes()) != want {
		t.Fatalf("got\n%s\nwant\n%s", tx.Bytes(), want)
	}
}

func TestDiffMinimalOps(t *testing.T) {
	before := `{"a":1,"c":[{"n":"x"},{"n":"y"},{"n":"z"}],"d":{"e":true},"f":[1]}`
	after := `{"a":2,"c":[{"n":"x"},{"n":"z"}],"d":{"e":true,"g":"h"},"f":[1,2],"i":null}`
	ops, err := Diff([]byte(before), []byte(after))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range ops {
		got = append(got, string(o.Kind)+" "+o.Pointer()+" "+string(o.Value))
	}
	want := []string{"replace /a 2", "remove /c/1 ", "add /d/g \"h\"", "add /f/1 2", "add /i null"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("ops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// An array whose element changes while another is appended: the element is edited in place and the new
// one added, never the array rewritten.
func TestDiffChangedAndAppendedElements(t *testing.T) {
	ops, err := Diff([]byte(`{"v":[{"name":"a","t":"DISABLED"}]}`), []byte(`{"v":[{"name":"a","t":"ENABLED"},{"name":"b"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range ops {
		got = append(got, string(o.Kind)+" "+o.Pointer()+" "+string(o.Value))
	}
	if want := `replace /v/0/t "ENABLED"|add /v/1 {"name":"b"}`; strings.Join(got, "|") != want {
		t.Fatalf("ops %s, want %s", strings.Join(got, "|"), want)
	}
}
