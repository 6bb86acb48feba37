package fix

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestJournalPartialLineAndMismatch(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := openJournal(path, nil, 0, Record{Type: RecHeader, FormatVersion: JournalFormatVersion, PlanHash: "sha256:ab", Account: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.write(Record{Type: RecStarted, Action: "a1"}); err != nil {
		t.Fatal(err)
	}
	j.close()
	full, _ := os.ReadFile(path)
	// A crash in the middle of a line: the partial line is dropped, and cut off when reopened.
	if err := os.WriteFile(path, append(full, []byte(`{"type":"done","act`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	st, valid, err := readJournal(path)
	if err != nil || st == nil || valid != int64(len(full)) || st.done["a1"] != nil || st.started["a1"] == nil {
		t.Fatalf("read = %+v, %d, %v", st, valid, err)
	}
	j, err = openJournal(path, st, valid, Record{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.write(Record{Type: RecDone, Action: "a1"}); err != nil {
		t.Fatal(err)
	}
	j.close()
	recs, err := ReadJournal(path)
	if err != nil || len(recs) != 3 || recs[2].Type != RecDone {
		t.Fatalf("records = %+v, %v", recs, err)
	}
	// A malformed line in the middle, or a file that is not a journal: refused.
	if err := os.WriteFile(path, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readJournal(path); !errors.Is(err, ErrJournalMismatch) {
		t.Errorf("err = %v, want ErrJournalMismatch", err)
	}
}
