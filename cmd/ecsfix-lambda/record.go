// The run's record in the function's log: Lambda's /tmp does not outlive the sandbox, so the plan and the
// journal a run wrote (which ecsfix rollback needs) are written to standard output, as JSON lines that
// give the files back byte for byte. Neither holds a secret value: ecsfix never puts one in a plan or a
// journal.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// Record is one line of a run's record: part Part of Parts of the file File (kind "plan" or "journal") of
// run Run. The file is the concatenation of the Text of its parts in order.
type Record struct {
	Kind  string `json:"ecsfixRecord"`
	Run   string `json:"run"`
	File  string `json:"file"`
	Part  int    `json:"part"`
	Parts int    `json:"parts"`
	Text  string `json:"text"`
}

// recordPartBytes is the most file bytes a record line holds: JSON escaping at most doubles the bytes of
// a plan or journal (quotes, backslashes, newlines), which keeps a line under CloudWatch Logs' 256 KiB
// per event.
const recordPartBytes = 64 << 10

// writeRecord writes the file at path as record lines of run; a file the run did not write (no journal:
// nothing was applied) is no error.
func writeRecord(w io.Writer, run, kind, path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !utf8.Valid(data) {
		return errors.New("not UTF-8 text")
	}
	var parts [][]byte
	for len(data) > recordPartBytes {
		cut := recordPartBytes
		for !utf8.RuneStart(data[cut]) {
			cut--
		}
		parts, data = append(parts, data[:cut]), data[cut:]
	}
	parts = append(parts, data)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i, p := range parts {
		if err := enc.Encode(Record{Kind: kind, Run: run, File: filepath.Base(path), Part: i + 1, Parts: len(parts), Text: string(p)}); err != nil {
			return err
		}
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
