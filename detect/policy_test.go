package detect

// ParsePolicy pinned on the shapes a policy document may take: null and absent members, a Statement object
// or list, and every malformed member reported as an error naming the statement.

import (
	"strings"
	"testing"
)

func TestParsePolicyShapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		doc     string
		want    []Statement
		wantErr string
	}{
		{name: "null Statement", doc: `{"Statement":null}`, want: []Statement{}},
		{name: "empty list", doc: `{"Statement":[]}`, want: []Statement{}},
		{name: "null members", doc: `{"Statement":{"Sid":null,"Effect":null,"Action":null,"Resource":"*"}}`,
			want: []Statement{{Resource: []string{"*"}}}},
		{name: "lists and strings", doc: `{"Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:GetObject","NotResource":["x","y"]},{"Effect":"Deny","NotAction":"iam:*","Resource":["*"],"Condition":{}}]}`,
			want: []Statement{
				{Sid: "a", Effect: "Allow", Action: []string{"s3:GetObject"}, NotResource: []string{"x", "y"}},
				{Effect: "Deny", NotAction: []string{"iam:*"}, Resource: []string{"*"}, Condition: true},
			}},
		{name: "not JSON", doc: `nope`, wantErr: "malformed policy document"},
		{name: "Statement list of numbers", doc: `{"Statement":[1]}`, wantErr: "malformed Statement"},
		{name: "Statement a string", doc: `{"Statement":"x"}`, wantErr: "malformed Statement"},
		{name: "Effect a number", doc: `{"Statement":[{"Effect":"Allow"},{"Effect":1}]}`, wantErr: "statement #1: malformed Effect"},
		{name: "Sid a list", doc: `{"Statement":{"Sid":["a"]}}`, wantErr: "statement #0: malformed Sid"},
		{name: "Resource a list of numbers", doc: `{"Statement":{"Resource":[1]}}`, wantErr: "statement #0: malformed Resource"},
		{name: "NotAction an object", doc: `{"Statement":{"NotAction":{}}}`, wantErr: "statement #0: malformed NotAction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePolicy(tc.doc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || got != nil {
					t.Fatalf("ParsePolicy = %+v, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("ParsePolicy = %+v, %v; want %+v", got, err, tc.want)
			}
			for i := range tc.want {
				g, w := got[i], tc.want[i]
				if g.Sid != w.Sid || g.Effect != w.Effect || g.Condition != w.Condition ||
					strings.Join(g.Action, ",") != strings.Join(w.Action, ",") || strings.Join(g.NotAction, ",") != strings.Join(w.NotAction, ",") ||
					strings.Join(g.Resource, ",") != strings.Join(w.Resource, ",") || strings.Join(g.NotResource, ",") != strings.Join(w.NotResource, ",") {
					t.Errorf("statement %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
