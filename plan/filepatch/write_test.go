package filepatch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --write: every file is checked before any is written; nothing leaves the root.

func writeSetup(t *testing.T) (string, *os.Root, *Patch) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"a.json": `{"a":1}`, "sub/b.json": `{"b":1}`} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	p := &Patch{Files: []*File{
		{Name: "a.json", Old: []byte(`{"a":1}`), New: []byte(`{"a":2}`)},
		{Name: "sub/b.json", Old: []byte(`{"b":1}`), New: []byte(`{"b":2}`)},
	}}
	return dir, root, p
}

func TestWriteWritesEveryFileKeepingItsMode(t *testing.T) {
	dir, root, p := writeSetup(t)
	got, err := p.Write(root, func(n string) (string, error) { return filepath.FromSlash(n), nil })
	if err != nil || len(got) != 2 {
		t.Fatalf("Write = %v, %v", got, err)
	}
	for name, want := range map[string]string{"a.json": `{"a":2}`, "sub/b.json": `{"b":2}`} {
		b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if string(b) != want {
			t.Errorf("%s = %s, want %s", name, b, want)
		}
		st, _ := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		if st.Mode().Perm() != 0o640 {
			t.Errorf("%s mode %v, want 0640", name, st.Mode().Perm())
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*", ".ecsfix-*"))
	if more, _ := filepath.Glob(filepath.Join(dir, ".ecsfix-*")); len(left)+len(more) > 0 {
		t.Errorf("temporary files left: %v %v", left, more)
	}
}

func TestWriteRefusesAFileChangedSinceItWasRead(t *testing.T) {
	dir, root, p := writeSetup(t)
	os.WriteFile(filepath.Join(dir, "sub", "b.json"), []byte(`{"b":3}`), 0o640)
	_, err := p.Write(root, func(n string) (string, error) { return filepath.FromSlash(n), nil })
	if err == nil || !strings.Contains(err.Error(), "sub/b.json changed since it was read") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.json")); string(b) != `{"a":1}` {
		t.Errorf("a.json was written (%s) although b.json had changed", b)
	}
}

func TestWriteStaysInsideTheRoot(t *testing.T) {
	dir, root, p := writeSetup(t)
	outside := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-outside.json")
	os.WriteFile(outside, []byte(`{"a":1}`), 0o644)
	t.Cleanup(func() { os.Remove(outside) })
	if err := os.Symlink(outside, filepath.Join(dir, "link.json")); err != nil {
		t.Skip("no symbolic links here")
	}
	p.Files = []*File{{Name: "link.json", Old: []byte(`{"a":1}`), New: []byte(`{"a":2}`)}}
	if _, err := p.Write(root, func(n string) (string, error) { return n, nil }); err == nil {
		t.Fatal("a file reached through a link out of the folder was written")
	}
	p.Files[0].Name = "../" + filepath.Base(outside)
	if _, err := p.Write(root, func(n string) (string, error) { return n, nil }); err == nil {
		t.Fatal("a file named with .. was written")
	}
	if b, _ := os.ReadFile(outside); string(b) != `{"a":1}` {
		t.Fatalf("the file outside the folder was changed: %s", b)
	}
}

// A file of the patch that is a symbolic link (to another file inside the root) is never replaced:
// nothing is written, and the link stays a link.
func TestWriteRefusesASymbolicLink(t *testing.T) {
	dir, root, p := writeSetup(t)
	if err := os.Symlink("a.json", filepath.Join(dir, "link.json")); err != nil {
		t.Skip(err)
	}
	p.Files = append(p.Files, &File{Name: "link.json", Old: []byte(`{"a":1}`), New: []byte(`{"a":3}`)})
	got, err := p.Write(root, func(n string) (string, error) { return filepath.FromSlash(n), nil })
	if err == nil || !strings.Contains(err.Error(), "link.json is a symbolic link: patch its target") || len(got) != 0 {
		t.Fatalf("Write = %v, %v; want a refusal naming link.json", got, err)
	}
	if st, err := os.Lstat(filepath.Join(dir, "link.json")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link.json is no longer a symbolic link (%v)", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.json")); string(b) != `{"a":1}` {
		t.Errorf("a.json = %s, want it unchanged", b)
	}
}
