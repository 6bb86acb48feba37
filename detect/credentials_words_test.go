package detect

import (
	"math/rand"
	"strings"
	"testing"
)

// classifyName splits short ASCII names on the stack: it answers what the by-name rule answers on the
// words as splitWords makes them (strings.ToUpper, the separators replaced, strings.Split), for names
// of every shape: empty, separators only, lower and mixed case, non-ASCII, longer than its buffer, with
// more words than it holds.
func TestClassifyNameAgreesWithSplitWords(t *testing.T) {
	names := []string{"", "_", "-.-", "DB_PASSWORD", "db-password", "db.password", "api_key", "API__KEY", "__SECRET_", "pwd", "PWD",
		"MY_PWD_FILE", "AWS_SECRET_ACCESS_KEY", "x-auth-key", "private.key.path", "tokenizer", "ÄPI_KEY", "clé_secret", "SECRET_ﬀ",
		strings.Repeat("A_", 40) + "TOKEN", strings.Repeat("x", 130) + "_password", strings.Repeat("db_", 20) + "key"}
	rnd := rand.New(rand.NewSource(13))
	alphabet := []string{"a", "Z", "_", "-", ".", "key", "KEY", "api", "secret", "Token", "pass", "word", "PWD", "url", "id", "é", "1", "ı", "ß"}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for n := rnd.Intn(12); n >= 0; n-- {
			b.WriteString(alphabet[rnd.Intn(len(alphabet))])
		}
		names = append(names, b.String())
	}
	flagged := 0
	for _, n := range names {
		wk, wok := classifyWords(splitWords(n))
		if k, ok := classifyName(n); k != wk || ok != wok {
			switch n {
			case "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA", "PWD", "OLDPWD":
				continue // named before the words are split
			}
			t.Errorf("classifyName(%q) = %q %v, by splitWords %q %v", n, k, ok, wk, wok)
		}
		if wok {
			flagged++
		}
	}
	if flagged < 100 {
		t.Errorf("only %d names flagged: the test compares mostly refusals", flagged)
	}
}
