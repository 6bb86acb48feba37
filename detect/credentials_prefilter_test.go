package detect

import (
	"math/rand"
	"strings"
	"testing"
)

// prefilterCorpus is a mix of values each detector matches (and near misses), and random concatenations of
// the fragments the regexes look for, to check that the cheap prefilters never rule out a value a regex
// would match.
func prefilterCorpus() []string {
	known := []string{
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE", "-----BEGIN PRIVATE KEY-----", "x -----BEGIN EC PRIVATE KEY----- y",
		"AKIAIOSFODNN7EXAMPLE", "id=ASIAIOSFODNN7EXAMPLE;", "ABIA0123456789ABCDEF", "ACCAZZZZZZZZZZZZZZZZ",
		"ghp_" + strings.Repeat("a", 30), "token ghs_" + strings.Repeat("Z9", 16), "github_pat_" + strings.Repeat("x_", 10),
		"xoxb-1234567890-abc", "xoxp-" + strings.Repeat("1", 10), "sk_live_" + strings.Repeat("a", 16), "rk_live_" + strings.Repeat("B", 20),
		"AIza" + strings.Repeat("x", 35), "key=AIza" + strings.Repeat("-", 35),
		"eyJhbGciOi.eyJzdWIiOi.sig", "Bearer eyJabcde.eyJfghij.",
		"postgres://user:pass@db:5432/x", "a://b:c@", "https://u:p@host",
		"arn:aws:secretsmanager:us-east-1:1:secret:x", "arn:aws-cn:ssm:x", "ssm:/p", "secretsmanager:x", "{{resolve:ssm:x}}",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "true", "Off", "YES", "no",
		"", "plain", "gh", "xo", "://@", "k_live", "eyJ", "AKIA", "-----BEGIN",
	}
	frags := []string{
		"-----BEGIN", " PRIVATE KEY-----", "RSA", "AKIA", "ASIA", "ABIA", "ACCA", "0123456789ABCDEF", "gh", "p_", "s_",
		"github_pat_", "xox", "b-", "sk_", "rk_", "live_", "k_live_", "AIza", "eyJ", "abcde", ".", "://", "user", ":",
		"pw", "@", "/", " ", "-", "_", "Z", "9", "arn:aws:", "ssm:", "secretsmanager:", "{{resolve:", "a", "s", "{",
		strings.Repeat("A", 16), strings.Repeat("x", 30), strings.Repeat("q", 35),
	}
	rng := rand.New(rand.NewSource(13))
	out := append([]string{}, known...)
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.Intn(7) + 1; n > 0; n-- {
			b.WriteString(frags[rng.Intn(len(frags))])
		}
		out = append(out, b.String())
	}
	return out
}

func TestValueDetectorPrefiltersNeverRuleOutAMatch(t *testing.T) {
	matched := make([]int, len(valueDetectors))
	for _, v := range prefilterCorpus() {
		for i, d := range valueDetectors {
			if d.re.MatchString(v) {
				matched[i]++
				if !d.may(v) {
					t.Errorf("%s: the prefilter rules out %q, which the regex matches", d.kind, v)
				}
			}
		}
		if referencePrefix.MatchString(v) && !maybeReference(v) {
			t.Errorf("reference prefilter rules out %q", v)
		}
	}
	for i, d := range valueDetectors {
		if matched[i] == 0 {
			t.Errorf("%s: the corpus has no match: the test checks nothing for it", d.kind)
		}
	}
}

func TestIsBooleanWordKeepsItsWords(t *testing.T) {
	for _, w := range []string{"true", "FALSE", "Yes", "no", "ON", "off"} {
		if !isBooleanWord(w) {
			t.Errorf("%q is a boolean word", w)
		}
	}
	for _, w := range []string{"", "t", "truee", "falsey", "o"} {
		if isBooleanWord(w) {
			t.Errorf("%q is not a boolean word", w)
		}
	}
}

// Every placeholder form holds one of placeholderChars: a value without any is ruled out before the regexes.
func TestPlaceholderFormsHoldAPrefilterChar(t *testing.T) {
	samples := []string{"${{ secrets.X }}", "{{ must_env \"X\" }}", "${X}", "#{X}#", "%{ if x }", "$$X$$", "$(X)", "__X__",
		"<account-id>", "$ACCOUNT_ID", "arn:aws:iam::$ACCOUNT_ID:role/x", "/$DIR/x"}
	for _, s := range samples {
		found := false
		for _, f := range placeholderForms {
			if loc := f.re.FindStringIndex(s); loc != nil {
				found = true
				if !strings.ContainsAny(s[loc[0]:loc[1]], placeholderChars) {
					t.Errorf("form %s matches %q, which holds none of %q", f.syntax, s[loc[0]:loc[1]], placeholderChars)
				}
			}
		}
		if !found {
			t.Errorf("%q: no form matches", s)
		}
		if _, ok := FindPlaceholder(s); !ok {
			t.Errorf("FindPlaceholder(%q) finds nothing", s)
		}
	}
	for _, f := range placeholderForms {
		hits := 0
		for _, s := range samples {
			if f.re.MatchString(s) {
				hits++
			}
		}
		if hits == 0 {
			t.Errorf("form %s: no sample matches it", f.syntax)
		}
	}
}
