// This file holds the reading of an OpenSSH allowed_signers file (the file `ssh-keygen -Y verify -f`
// reads) and the question it answers: may this key sign approvals for this name, now?

package plan

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// AllowedSigners is a parsed allowed_signers file: one line a key, with the principals (names, or
// patterns with * and ?, ! to exclude) the key may sign for.
type AllowedSigners struct {
	// Path is the file's name, for messages.
	Path    string
	Signers []AllowedSigner
}

// AllowedSigner is one line of an allowed_signers file.
type AllowedSigner struct {
	Line int
	// Principals is the line's first field: a comma-separated pattern list.
	Principals string
	// Namespaces is the namespaces="…" option (a pattern list); empty: every namespace.
	Namespaces string
	// ValidAfter and ValidBefore are the valid-after and valid-before options; zero: unbounded.
	ValidAfter, ValidBefore time.Time
	Key                     ssh.PublicKey
}

// ReadAllowedSigners reads and parses the allowed_signers file at path.
func ReadAllowedSigners(path string) (*AllowedSigners, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseAllowedSigners(path, data)
}

// ParseAllowedSigners parses an allowed_signers file named name, in OpenSSH's format: on each line that
// is not blank nor a # comment, principals (comma-separated, optionally in double quotes), then options
// (namespaces="…", valid-after="…", valid-before="…"; any other option, cert-authority included, is
// refused), then the key type, the base64 key and an optional comment. A file without a key is refused.
func ParseAllowedSigners(name string, data []byte) (*AllowedSigners, error) {
	s := &AllowedSigners{Path: name}
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		e, err := parseAllowedSigner(string(line))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		e.Line = i + 1
		s.Signers = append(s.Signers, e)
	}
	if len(s.Signers) == 0 {
		return nil, fmt.Errorf("%s: no allowed signer (no line names a key)", name)
	}
	return s, nil
}

func parseAllowedSigner(line string) (AllowedSigner, error) {
	var e AllowedSigner
	var rest string
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return e, fmt.Errorf("principals: no closing quote")
		}
		e.Principals, rest = line[1:1+end], line[2+end:]
	} else {
		e.Principals, rest, _ = strings.Cut(strings.ReplaceAll(line, "\t", " "), " ")
	}
	if e.Principals == "" {
		return e, fmt.Errorf("no principals")
	}
	key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
	if err != nil {
		return e, fmt.Errorf("no public key after the principals: %v", err)
	}
	if _, ok := key.(*ssh.Certificate); ok {
		return e, fmt.Errorf("a certificate is not supported here; list the key itself")
	}
	e.Key = key
	for _, opt := range options {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		if hasValue {
			v, err := strconv.Unquote(value)
			if err != nil {
				return e, fmt.Errorf("option %s: the value must be in double quotes", name)
			}
			value = v
		}
		switch {
		case name == "namespaces" && hasValue:
			e.Namespaces = value
		case (name == "valid-after" || name == "valid-before") && hasValue:
			t, err := parseSignerTime(value)
			if err != nil {
				return e, fmt.Errorf("option %s: %w", name, err)
			}
			if name == "valid-after" {
				e.ValidAfter = t
			} else {
				e.ValidBefore = t
			}
		default:
			return e, fmt.Errorf("option %s is not supported (ecsfix knows namespaces, valid-after and valid-before)", strconv.Quote(opt))
		}
	}
	return e, nil
}

// parseSignerTime reads OpenSSH's YYYYMMDD[HHMM[SS]] time, in UTC with a trailing Z, else local time.
func parseSignerTime(s string) (time.Time, error) {
	loc := time.Local
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		s, loc = s[:len(s)-1], time.UTC
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(s)]
	if !ok {
		return time.Time{}, fmt.Errorf("%q is not a time of the form YYYYMMDD[HHMM[SS]][Z]", s)
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time of the form YYYYMMDD[HHMM[SS]][Z]", s)
	}
	return t, nil
}

// Allows says whether key may sign approvals for principal `by`, made at `at` and checked at now: it
// returns the number of the first line that allows it, or 0 and why not.
func (s *AllowedSigners) Allows(key ssh.PublicKey, by string, at, now time.Time) (int, string) {
	fp := ssh.FingerprintSHA256(key)
	var why []string
	found := false
	for _, e := range s.Signers {
		if !bytes.Equal(e.Key.Marshal(), key.Marshal()) {
			continue
		}
		found = true
		switch {
		case !matchPatternList(by, e.Principals):
			why = append(why, fmt.Sprintf("line %d lists it for %s, not for %s (by)", e.Line, quoteIfNeeded(e.Principals), quoteIfNeeded(by)))
		case e.Namespaces != "" && !matchPatternList(SignatureNamespace, e.Namespaces):
			why = append(why, fmt.Sprintf("line %d allows namespaces %s, not %s", e.Line, strconv.Quote(e.Namespaces), SignatureNamespace))
		case !e.ValidAfter.IsZero() && (at.Before(e.ValidAfter) || now.Before(e.ValidAfter)):
			why = append(why, fmt.Sprintf("line %d makes it valid after %s only", e.Line, e.ValidAfter.UTC().Format(time.RFC3339)))
		case !e.ValidBefore.IsZero() && (!at.Before(e.ValidBefore) || !now.Before(e.ValidBefore)):
			why = append(why, fmt.Sprintf("line %d made it valid before %s only (expired)", e.Line, e.ValidBefore.UTC().Format(time.RFC3339)))
		default:
			return e.Line, ""
		}
	}
	if !found {
		return 0, fmt.Sprintf("key %s is not in approvals.allowed_signers (%s)", fp, s.Path)
	}
	return 0, fmt.Sprintf("key %s may not sign for %s: %s (approvals.allowed_signers, %s)", fp, quoteIfNeeded(by), strings.Join(why, "; "), s.Path)
}

// matchPatternList matches s against a comma-separated list of patterns (* any run, ? any one
// character), as OpenSSH's match_pattern_list: a match of a pattern starting with ! refuses s.
func matchPatternList(s, list string) bool {
	found := false
	for _, pat := range strings.Split(list, ",") {
		pat = strings.TrimSpace(pat)
		neg := strings.HasPrefix(pat, "!")
		if neg {
			pat = pat[1:]
		}
		if pat == "" || !matchPattern(s, pat) {
			continue
		}
		if neg {
			return false
		}
		found = true
	}
	return found
}

// matchPattern matches s against one pattern of * and ?.
func matchPattern(s, pat string) bool {
	for len(pat) > 0 {
		switch pat[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if matchPattern(s[i:], pat[1:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			s, pat = s[1:], pat[1:]
		default:
			if s == "" || s[0] != pat[0] {
				return false
			}
			s, pat = s[1:], pat[1:]
		}
	}
	return s == ""
}
