package filepatch

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// Writing a patch into the files in place (plan --format patch --write): inside one folder (an os.Root:
// no name leads out of it, through ".." or a symbolic link; a file that is a symbolic link is not
// written, its target is), each file only if it still holds the text
// the patch was made from, each replaced whole by a rename so that a reader sees the old file or the new
// one, never a part.

// Write writes every file of the patch under root; name maps a File's Name to its name under root. It
// first checks that every file still holds the text the patch was made from, and writes nothing when one
// does not (it names the file). It returns the names written.
func (p *Patch) Write(root *os.Root, name func(string) (string, error)) ([]string, error) {
	names := make([]string, len(p.Files))
	for i, f := range p.Files {
		n, err := name(f.Name)
		if err != nil {
			return nil, err
		}
		names[i] = n
		if st, err := root.Lstat(n); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is %s; nothing was written", f.Name, symlinkReason)
		}
		cur, err := root.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if !bytes.Equal(cur, f.Old) {
			return nil, fmt.Errorf("%s changed since it was read: nothing was written; plan again", f.Name)
		}
	}
	var written []string
	for i, f := range p.Files {
		if err := writeAtomic(root, names[i], f.New); err != nil {
			return written, fmt.Errorf("%s: %w (the files listed before it were written)", f.Name, err)
		}
		written = append(written, f.Name)
	}
	return written, nil
}

// writeAtomic replaces name under root with data: a new file beside it, synced, then renamed over it,
// with the old file's permissions.
func writeAtomic(root *os.Root, name string, data []byte) error {
	st, err := root.Lstat(name) // a symbolic link is never replaced
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := path.Join(path.Dir(name), ".ecsfix-"+hex.EncodeToString(rnd[:])+".tmp")
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, st.Mode().Perm())
	if err != nil {
		return err
	}
	defer root.Remove(tmp) // after the rename there is nothing to remove
	if err := root.Chmod(tmp, st.Mode().Perm()); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return root.Rename(tmp, name)
}
