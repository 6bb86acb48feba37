// The journal's lock: one apply or rollback at a time on one journal.

package fix

import (
	"errors"
	"fmt"
	"os"
)

// lockSuffix names the lock file beside a journal: JOURNAL.lock.
const lockSuffix = ".lock"

// journalLock is an exclusive lock on a journal, held for a whole apply or rollback. It is an advisory
// lock (flock) on the file JOURNAL.lock beside the journal, taken without waiting: a second run on the
// same journal is refused at once (ErrJournalLocked). The kernel releases it when the process ends,
// however it ends, so a crash never leaves a journal locked; the lock file itself stays (removing it
// would race with a run taking it).
type journalLock struct {
	f    *os.File
	path string
}

// lockJournal takes the lock of the journal at path, or fails with ErrJournalLocked when another run
// holds it.
func lockJournal(path string) (*journalLock, error) {
	lp := path + lockSuffix
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock journal %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: journal %s is in use by another apply or rollback (lock %s); wait for it to finish, or use another journal",
				ErrJournalLocked, path, lp)
		}
		return nil, fmt.Errorf("lock journal %s: %w", path, err)
	}
	return &journalLock{f: f, path: lp}, nil
}

// unlock releases the lock (closing the file releases it).
func (l *journalLock) unlock() {
	if l != nil && l.f != nil {
		_ = unlockFile(l.f)
		l.f.Close()
		l.f = nil
	}
}

var errWouldBlock = errors.New("the lock is held")
