package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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
	b, err := canonicalPlan(p, true)
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	_, err = w.Write(b)
	return err
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
	canon, err := canonicalPlan(&p, true)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", name, err)
	}
	if !bytes.Equal(canon, data) {
		return nil, fmt.Errorf("plan %s was %w", name, ErrModified)
	}
	return &p, nil
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
	b, err := canonicalPlan(p, false)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// canonicalPlan encodes p in canonical form, with or without its approvals. It does not modify p.
func canonicalPlan(p *Plan, withApprovals bool) ([]byte, error) {
	c := *p
	if !withApprovals {
		c.Approvals = nil
	}
	c.Actions = make([]Action, len(p.Actions))
	for i, a := range p.Actions {
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
		c.Actions[i] = a
	}
	c.State = make([]Fingerprint, len(p.State))
	for i, f := range p.State {
		if f.Facts == nil {
			f.Facts = map[string]string{}
		}
		c.State[i] = f
	}
	c.Skipped = nonNil(c.Skipped)
	b, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
