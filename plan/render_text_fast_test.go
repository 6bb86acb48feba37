package plan

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// textAction (fields written piece by piece, the action not copied, a registration's diff from its
// buffer) prints what the reference prints, for actions filled field by field with odd strings (control
// characters, bidi overrides, bytes that are not UTF-8, U+2028), of every kind, with and without colour.
func TestTextActionAgreesWithReferenceOnOddActions(t *testing.T) {
	f := &filler{t: t, rng: rand.New(rand.NewSource(41))}
	rng := f.rng
	risks := []Risk{RiskLow, RiskMedium, RiskHigh, "", "odd\x1b[2J"}
	failed := 0
	for i := range 1500 {
		f.full = i%4 == 0
		var a Action
		f.fill(reflect.ValueOf(&a).Elem(), "Action")
		a.Type = changeKinds[rng.Intn(len(changeKinds))].typ
		if i%7 == 0 {
			a.Resource = []string{"arn:aws:ecs:eu-west-1:1:task-definition/web:3", "arn:a:b", "arn:::::", "arn:a:b:c:d:e:f:g", "arn:\xff:b:c:d:é"}[i/7%5]
		}
		risk := risks[rng.Intn(len(risks))]
		var why []string
		for range rng.Intn(3) {
			why = append(why, f.str())
		}
		needs := rng.Intn(2) == 0
		for _, color := range []bool{false, true} {
			shown := a
			shown.Risk = risk
			var want, got bytes.Buffer
			wantErr := refTextAction(&renderPrinter{w: &want, color: color}, &shown, why, needs)
			gotErr := textAction(&renderPrinter{w: &got, color: color}, &a, risk, why, needs)
			if wantErr != nil {
				failed++
			}
			checkSame(t, fmt.Sprintf("action %d (colour %v)", i, color), want.Bytes(), got.Bytes(), wantErr, gotErr)
		}
	}
	if failed == 0 {
		t.Error("no action's diff failed: the comparison does not cover errors")
	}
}

func TestActionLabelAgreesWithSplitN(t *testing.T) {
	for _, s := range []string{"", "arn:", "arn:a", "arn:a:b:c:d", "arn:a:b:c:d:", "arn:a:b:c:d:e", "arn:a:b:c:d:e:f", "arn:::::",
		"arn::::::", "x:a:b:c:d:e", "arn:aws:ecs:eu-west-1:123456789012:service/prod/web", "arn:\xff:é:\u2028:d:e"} {
		want := s
		if strings.HasPrefix(s, "arn:") {
			if parts := strings.SplitN(s, ":", 6); len(parts) == 6 {
				want = parts[5]
			}
		}
		if got := actionLabel(&Action{Resource: s}); got != want {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}
