package snapshot

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
)

// versionedFile gives versions[i] on its i-th pass (the last one again after), as a file rewritten
// between passes does.
type versionedFile struct {
	versions [][]byte
	pass     int
	r        *bytes.Reader
}

func (v *versionedFile) at() []byte { return v.versions[min(v.pass, len(v.versions)-1)] }
func (v *versionedFile) Read(b []byte) (int, error) {
	if v.r == nil {
		v.r = bytes.NewReader(v.at())
	}
	return v.r.Read(b)
}
func (v *versionedFile) Seek(int64, int) (int64, error) {
	v.pass++
	v.r = bytes.NewReader(v.at())
	return 0, nil
}
func (v *versionedFile) Close() error { return nil }
func (v *versionedFile) Size() int64  { return int64(len(v.versions[0])) }

// TestPassHashedVouchesForEveryPass: the digest of a large file is that of the bytes its passes read,
// each pass read whole (the last one finished by digest); passes that read different bytes, a file
// rewritten between them, give no digest but errChangedWhileRead.
func TestPassHashedVouchesForEveryPass(t *testing.T) {
	a, b := []byte(`{"status": "ACTIVE"  }`), []byte(`{"status": "INACTIVE"}`)
	read := func(f *passHashed, n int) { // a pass that reads n bytes (all when n < 0), then back to the start
		if n < 0 {
			io.Copy(io.Discard, f)
		} else {
			io.ReadFull(f, make([]byte, n))
		}
	}
	for _, c := range []struct {
		name     string
		versions [][]byte
		passes   []int // bytes read by each pass before the last (-1: to the end)
		last     int   // bytes the last pass reads before digest
		want     []byte
	}{
		{"one version, passes whole", [][]byte{a}, []int{-1, -1}, -1, a},
		{"one version, a partial pass first and the last left halfway", [][]byte{a}, []int{5}, 7, a},
		{"changed between whole passes", [][]byte{a, b}, []int{-1}, -1, nil},
		{"changed after a whole pass, the last left halfway", [][]byte{a, b}, []int{-1}, 3, nil},
		{"changed only after a partial first pass: the whole passes read one version", [][]byte{a, b}, []int{4}, -1, b},
	} {
		f := &passHashed{readSeekCloser: &versionedFile{versions: c.versions}, h: sha256.New()}
		for _, n := range c.passes {
			read(f, n)
			f.Seek(0, io.SeekStart)
		}
		read(f, c.last)
		got, err := f.digest()
		switch {
		case c.want == nil && !errors.Is(err, errChangedWhileRead):
			t.Errorf("%s: digest %x, error %v; want errChangedWhileRead", c.name, got, err)
		case c.want != nil && (err != nil || got != sha256.Sum256(c.want)):
			t.Errorf("%s: digest %x, error %v; want the digest of %q", c.name, got, err, c.want)
		}
	}
}
