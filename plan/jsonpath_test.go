package plan

import (
	"encoding/json"
	"testing"
)

func TestLookupJSONPath(t *testing.T) {
	doc := map[string]any{}
	if err := json.Unmarshal([]byte(`{"containerDefinitions":[{"name":"web","dockerLabels":{"com.example.token":"t","a]b":"c","team":"x"},"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}],"family":"web"}`), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"family", "web", true},
		{"containerDefinitions[0].environment[1].value", "2", true},
		{"containerDefinitions[web].environment[A].value", "1", true},
		{"containerDefinitions[web].environment[C].value", nil, false},
		{"containerDefinitions[1].name", nil, false},
		{"containerDefinitions[-1].name", nil, false},
		{`containerDefinitions[0].dockerLabels["com.example.token"]`, "t", true},
		{`containerDefinitions[0].dockerLabels["a]b"]`, "c", true},
		{`containerDefinitions[0].dockerLabels.team`, "x", true},
		{`containerDefinitions[0].dockerLabels["missing"]`, nil, false},
		{`containerDefinitions["web"].dockerLabels.team`, "x", true},
		{`containerDefinitions[0].dockerLabels["unclosed`, nil, false},
		{`containerDefinitions[0].dockerLabels["x"`, nil, false},
		{"family.x", nil, false},
		{"family[0]", nil, false},
		{"", nil, false},
		{"containerDefinitions[0", nil, false},
		{"containerDefinitions[]", nil, false},
		{"a..b", nil, false},
		{"family.", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, set, ok := lookupJSONPath(doc, tt.path)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("lookup(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
			}
			if ok {
				set("x")
				if v, _, _ := lookupJSONPath(doc, tt.path); v != "x" {
					t.Errorf("set did not change %q", tt.path)
				}
			}
		})
	}
}
