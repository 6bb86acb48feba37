package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ecsfix/ecsfix/plan"
)

// TestAllowedSignerLine checks that the line approve suggests for an unlisted KMS key parses as an
// allowed_signers line that lets the key sign for exactly that name, and that no line is suggested for
// a name the format would read as a pattern list.
func TestAllowedSignerLine(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, name := range []string{"alice", "alice smith", "alice@example.com", "Älice\tB"} {
		line := allowedSignerLine(name, key)
		s, err := plan.ParseAllowedSigners("suggested", []byte(line+"\n"))
		if err != nil {
			t.Fatalf("%q: the suggested line %q does not parse: %v", name, line, err)
		}
		if n, why := s.Allows(key, name, now, now); n != 1 {
			t.Errorf("%q: the suggested line %q does not allow it: %s", name, line, why)
		}
		if n, _ := s.Allows(key, name+"x", now, now); n != 0 {
			t.Errorf("%q: the suggested line %q allows another name", name, line)
		}
		if !listed(s, key) {
			t.Errorf("%q: listed does not find the key in %q", name, line)
		}
	}
	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := ssh.NewPublicKey(other)
	s, err := plan.ParseAllowedSigners("suggested", []byte(allowedSignerLine("alice", otherKey)+"\n"))
	if err != nil || listed(s, key) {
		t.Errorf("listed finds a key the file does not list (%v)", err)
	}
	for _, name := range []string{"a,b", "a*", "a?", "!a", `a"b`, "#a"} {
		if line := allowedSignerLine(name, key); line != "" {
			t.Errorf("%q: suggested %q", name, line)
		}
	}
}
