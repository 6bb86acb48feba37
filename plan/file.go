package plan

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ecsfix/ecsfix/internal/jsonindent"
	"github.com/ecsfix/ecsfix/internal/ordered"
)

// Errors a user acts on. Read wraps them with the file's name; test them with errors.Is.
var (
	// ErrModified: the file is not byte for byte what ecsfix wrote for its content.
	ErrModified = errors.New("modified outside ecsfix (it is not in canonical form)")
	// ErrFormatVersion: the file was written in a format version this ecsfix does not read.
	ErrFormatVersion = errors.New("unsupported plan format version")
)

// Write writes p in canonical form: encoding/json with two-space indentation, object keys in struct
// order (map keys sorted), absent lists written as [], and a trailing newline. It refuses an invalid plan.
func Write(w io.Writer, p *Plan) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	// Streamed (writeCanonical): the file's bytes are never all in memory. An error of w is returned as
	// it is, one of encoding wrapped.
	ew := &errWriter{w: w}
	if err := writeCanonical(ew, p, true); err != nil {
		if ew.err != nil {
			return ew.err
		}
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// errWriter remembers its writer's error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// ReadFile reads and checks the plan file at path; see Read.
func ReadFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return Read(path, data)
}

// Read parses a plan file named name. It refuses a file of another format version, with unknown fields,
// with anything after the plan, that is not a valid plan (Validate), or that is not byte for byte the
// canonical form of its content (ErrModified): any edit made outside ecsfix either changes the content,
// and so its ContentHash and the approvals bound to it, or breaks the canonical form.
func Read(name string, data []byte) (*Plan, error) {
	if err := checkFormatVersion(data); err != nil {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("plan %s: unexpected data after the plan", name)
	}
	if p.Actions == nil {
		return nil, fmt.Errorf("plan %s: actions is required (a plan without actions has an empty list)", name)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	// The canonical form is compared with data as it is encoded (sameWriter), never held whole.
	same := &sameWriter{want: data}
	if err := writeCanonical(same, &p, true); err != nil && err != errNotSame {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	if same.differ || same.off != len(data) {
		return nil, fmt.Errorf("plan %s was %w", name, ErrModified)
	}
	return &p, nil
}

// errNotSame stops an encoding into a sameWriter at the first byte that differs.
var errNotSame = errors.New("not the same bytes")

// sameWriter compares what is written to it with want, from its start.
type sameWriter struct {
	want   []byte
	off    int
	differ bool
}

func (s *sameWriter) Write(b []byte) (int, error) {
	if s.differ || len(b) > len(s.want)-s.off || !bytes.Equal(b, s.want[s.off:s.off+len(b)]) {
		s.differ = true
		return 0, errNotSame
	}
	s.off += len(b)
	return len(b), nil
}

// checkFormatVersion reads formatVersion alone, before the strict parse, so that a plan of another
// version is reported as such rather than as unknown fields.
func checkFormatVersion(data []byte) error {
	var head map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&head); err != nil {
		return fmt.Errorf("not a plan file: %w", err)
	}
	raw, ok := head["formatVersion"]
	if !ok {
		return fmt.Errorf("not a plan file: no formatVersion")
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("formatVersion %s is not a version number", raw)
	}
	if v == 1 {
		return fmt.Errorf("%w 1: this ecsfix reads plan format version %d only; a version 1 plan records SHA-256 digests of secret values: make the plan again with this ecsfix (and keep the old plan file as private as the values themselves, or delete it)",
			ErrFormatVersion, FormatVersion)
	}
	if v != FormatVersion {
		return fmt.Errorf("%w %d: this ecsfix reads plan format version %d only (make the plan again with this ecsfix, or apply it with the ecsfix that made it)",
			ErrFormatVersion, v, FormatVersion)
	}
	return nil
}

// ContentHash is "sha256:" and the hex SHA-256 of the canonical form of the plan without its approvals.
// It is empty when the plan cannot be encoded (a Before or After that is not JSON).
func (p *Plan) ContentHash() string {
	h, err := p.contentHash()
	if err != nil {
		return ""
	}
	return h
}

func (p *Plan) contentHash() (string, error) {
	h := sha256.New()
	if err := writeCanonical(h, p, false); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// canonicalPlan encodes p in canonical form, with or without its approvals. It does not modify p.
func canonicalPlan(p *Plan, withApprovals bool) ([]byte, error) {
	var b bytes.Buffer
	if err := writeCanonical(&b, p, withApprovals); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeCanonical writes p in canonical form, with or without its approvals: the bytes of
// json.MarshalIndent(p, "", "  ") and a newline, after absent lists are made empty (canonicalAction, and
// State's absent facts, Skipped) — written member by member and element by element, the elements of
// each list encoded in parallel (ordered.Write), never the whole document in memory. An element encoded
// with json.MarshalIndent and the prefix of its depth is the same bytes as inside the whole document:
// the indentation is lexical (json.Indent), the compact encoding of a value the same wherever it is.
// The actions, fingerprints and skipped findings are encoded by hand (canonical.go), those bytes without
// reflection. TestCanonicalPlanAgreesWithMarshalIndent compares the two. It does not modify p.
func writeCanonical(w io.Writer, p *Plan, withApprovals bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	// Plan's members in struct order; keep in step with Plan (TestCanonicalMembersArePlans).
	write := func(s string) {
		bw.WriteString(s) // an error is kept by bw and returned by Flush
	}
	value := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		write("\n  \"" + name + "\": ")
		bw.Write(b)
		return nil
	}
	write("{")
	if err := value("formatVersion", &p.FormatVersion); err != nil {
		return err
	}
	write(",")
	if err := value("tool", &p.Tool); err != nil {
		return err
	}
	write(",")
	if err := value("createdAt", &p.CreatedAt); err != nil {
		return err
	}
	write(",")
	if err := value("source", &p.Source); err != nil {
		return err
	}
	write(",\n  \"actions\": ")
	if err := writeCanonicalActions(bw, p.Actions); err != nil {
		return err
	}
	write(",\n  \"state\": ")
	err := writeCanonicalElements(bw, p.State, canonFingerprint, func(f *Fingerprint) any {
		c := *f
		if c.Facts == nil {
			c.Facts = map[string]string{}
		}
		return &c
	})
	if err != nil {
		return err
	}
	write(",\n  \"skipped\": ")
	if err := writeCanonicalElements(bw, p.Skipped, canonSkipped, func(s *Skipped) any { return s }); err != nil {
		return err
	}
	if withApprovals && len(p.Approvals) > 0 { // omitempty
		write(",\n  \"approvals\": ")
		if err := writeCanonicalList(bw, len(p.Approvals), func(i int) any { return &p.Approvals[i] }); err != nil {
			return err
		}
	}
	write("\n}\n")
	return bw.Flush()
}

// writeCanonicalList writes a list member's value at depth 1: [] when empty (canonical form has no null
// list), else each element (elem(i), encoded in parallel) on its own line at depth 2.
func writeCanonicalList(bw *bufio.Writer, n int, elem func(i int) any) error {
	if n == 0 {
		_, err := bw.WriteString("[]")
		return err
	}
	bw.WriteString("[")
	err := ordered.Write(bw, n, func(i int, b *bytes.Buffer) error {
		return jsonindent.Element(b, i, elem(i), "    ", "  ")
	})
	if err != nil {
		return err
	}
	_, err = bw.WriteString("\n  ]")
	return err
}

// writeCanonicalActions is writeCanonicalList of the actions (canonicalAction), each encoded by hand
// (canonAction, canonical.go), the same bytes as encoding/json's.
func writeCanonicalActions(bw *bufio.Writer, actions []Action) error {
	return writeCanonicalElements(bw, actions, canonAction, func(a *Action) any { return canonicalAction(*a) })
}

// writeCanonicalElements writes a list member's value at depth 1 as writeCanonicalList does, each
// element encoded by enc (the bytes of jsonindent.Element of reflective(element)); an element enc
// cannot encode as encoding/json does goes through encoding/json (reflective), for its bytes or its
// error. The elements are encoded in parallel, a few to a buffer.
func writeCanonicalElements[T any](bw *bufio.Writer, l []T, enc func(w *canonWriter, v *T), reflective func(v *T) any) error {
	if len(l) == 0 {
		_, err := bw.WriteString("[]")
		return err
	}
	bw.WriteString("[")
	const batch = 8 // elements to a buffer: fewer hand-overs between the workers and the writer
	err := ordered.Write(bw, (len(l)+batch-1)/batch, func(j int, b *bytes.Buffer) error {
		for i := j * batch; i < min(len(l), (j+1)*batch); i++ {
			v := &l[i]
			out, ok := appendCanonicalElement(b.AvailableBuffer(), i, func(w *canonWriter) { enc(w, v) })
			if !ok {
				if err := jsonindent.Element(b, i, reflective(v), "    ", "  "); err != nil {
					return err
				}
				continue
			}
			b.Write(out)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = bw.WriteString("\n  ]")
	return err
}

// canonicalAction is a, as canonical form writes it: absent lists that are members of its payload as [].
func canonicalAction(a Action) *Action {
	a.Controls = nonNil(a.Controls)
	if r := a.RegisterTaskDefinition; r != nil {
		rc := *r
		rc.Edits = nonNil(rc.Edits)
		a.RegisterTaskDefinition = &rc
	}
	if u := a.UpdateClusterSettings; u != nil {
		uc := *u
		uc.Before, uc.After = nonNil(uc.Before), nonNil(uc.After)
		a.UpdateClusterSettings = &uc
	}
	return &a
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
