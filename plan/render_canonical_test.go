package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// A registration's documents are put into the canonical form as they are only where json.Marshal would
// leave them so: documents that it compacts, escapes or refuses, and names that need escaping, give the
// reference's bytes and errors.
func TestCanonicalRegistrationAgreesWithMarshalIndent(t *testing.T) {
	docs := []string{`{"family":"web","containerDefinitions":[{"name":"app","image":"nginx"}]}`, `{}`, `null`, `[]`, `"x"`, `12`,
		`{"a":"<script>&</script>"}`, "{\"a\":\"line\u2028sep\"}", `{ "a": 1 }`, "{\"a\":\n1}", `{"a":"\u003c"}`, `{"a":1.50}`,
		`{"a":`, `{"a":1}}`, `not json`, ``, "{\"a\":\"\xff\"}", `{"a":"é☃"}`, `{"sourceArn":"x","before":null,"after":null}`,
		strings.Repeat("[", 1200) + strings.Repeat("]", 1200)}
	names := []string{"arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3", `we"b\`, "<b>&", "", "é\u2028"}
	base := renderFixture(t)
	reg := -1
	for i, a := range base.Actions {
		if a.RegisterTaskDefinition != nil {
			reg = i
			break
		}
	}
	if reg < 0 {
		t.Fatal("the fixture has no registration")
	}
	cases, refused := 0, 0
	for bi, before := range docs {
		for ai, after := range docs {
			if (bi+ai)%3 != 0 && bi != 0 && ai != 0 {
				continue
			}
			for ni, name := range names {
				p := *base
				p.Actions = append([]Action(nil), base.Actions...)
				a := p.Actions[reg]
				r := *a.RegisterTaskDefinition
				r.Before, r.After = json.RawMessage(before), json.RawMessage(after)
				if before == "" {
					r.Before = nil
				}
				r.SourceArn, r.Family = name, names[(ni+1)%len(names)]
				a.RegisterTaskDefinition = &r
				a.Summary = name
				p.Actions[reg] = a
				p.Actions = append(p.Actions, a) // twice: not the first element only
				want, wantErr := refCanonicalPlan(&p, true)
				got, gotErr := canonicalPlan(&p, true)
				checkSame(t, fmt.Sprintf("before %q after %q name %q", before, after, name), want, got, wantErr, gotErr)
				if h, want := p.ContentHash(), refContentHash(&p); h != want {
					t.Errorf("before %q after %q name %q: content hash %q, the reference's %q", before, after, name, h, want)
				}
				cases++
				if wantErr != nil {
					refused++
				}
			}
		}
	}
	if refused == 0 || refused == cases {
		t.Errorf("%d of %d cases refused: the comparison does not cover both", refused, cases)
	}
}
