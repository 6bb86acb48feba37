//go:build !unix

// The journal's lock where flock(2) is not available: an exclusive open of a second file, removed on
// unlock (a crash leaves it behind: remove it by hand once no run is under way).

package fix

import (
	"errors"
	"os"
)

func tryLock(f *os.File) error {
	g, err := os.OpenFile(f.Name()+".held", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return errWouldBlock
	}
	if err != nil {
		return err
	}
	return g.Close()
}

func unlockFile(f *os.File) error { return os.Remove(f.Name() + ".held") }
