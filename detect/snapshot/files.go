// This file holds how a snapshot's files are found and read: inside the snapshot folder only (through
// os.Root), and within limits on file size, file count and total bytes checked before anything is read.

package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Limits bound what a snapshot may hold, so that a huge file or a folder of a million files is refused
// promptly, with an error naming the limit, instead of exhausting memory. A zero field takes its default.
type Limits struct {
	// MaxFileBytes bounds the size of one file (configuration key snapshot.max_file_bytes).
	MaxFileBytes int64
	// MaxFiles bounds the entries (files and folders, hidden ones included) walked in a snapshot folder
	// (snapshot.max_files).
	MaxFiles int
	// MaxTotalBytes bounds the sum of the sizes of the files read (snapshot.max_total_bytes).
	MaxTotalBytes int64
}

// Default limits. A file is read as a stream, one element of its lists at a time (see parseDocument):
// loading costs about what the inventory keeps (about 1.2 to 2 times the bytes of the resources kept,
// nothing for what is only checked, such as the users of get-account-authorization-details), plus one
// element and small buffers per file being read; with Go's collector the peak heap is about twice that.
// 128 MiB per file is several times the largest AWS CLI output of a real account
// (get-account-authorization-details of a large one is tens of MiB); 100,000 entries is about ten times
// the files of an estate of 10,000 task-definition families; 2 GiB in all bounds the inventory kept.
const (
	DefaultMaxFileBytes  int64 = 128 << 20
	DefaultMaxFiles            = 100_000
	DefaultMaxTotalBytes int64 = 2 << 30
)

// DefaultLimits are the limits Open and Load apply.
var DefaultLimits = Limits{MaxFileBytes: DefaultMaxFileBytes, MaxFiles: DefaultMaxFiles, MaxTotalBytes: DefaultMaxTotalBytes}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = DefaultMaxTotalBytes
	}
	return l
}

// source is where a snapshot's files are read from: a folder opened as an os.Root, or one file.
type source struct {
	root  *os.Root // nil for a single file
	dir   string   // the folder as given, to name files in messages
	files []string // slash-separated names inside root, sorted; or the single file's path
	sizes map[string]int64
	lim   Limits
	// skipped are the files of a folder not read, and why (over max_file_bytes), sorted by name.
	skipped []skippedFile
	// locate says whether each file's resources are located in it (part.locate, for Snapshot.Origins).
	locate bool
}

type skippedFile struct {
	name string
	err  error
}

// rel is a file's name in task definitions' Source: its slash-separated path inside the folder, or the
// path of a single file as given.
func (s *source) rel(name string) string { return name }

// display is the name of a file in messages and origins: the folder as given joined with the name.
func (s *source) display(name string) string {
	if s.root == nil {
		return name
	}
	return filepath.Join(s.dir, filepath.FromSlash(name))
}

func (s *source) close() {
	if s.root != nil {
		s.root.Close()
	}
}

// openSource finds the files of a snapshot, checking every limit before any file is read.
func openSource(p string, lim Limits) (*source, error) {
	lim = lim.withDefaults()
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if !info.IsDir() {
		if info.Mode().IsRegular() && info.Size() > lim.MaxFileBytes {
			return nil, fileTooLarge(p, info.Size(), lim)
		}
		return &source{files: []string{p}, sizes: map[string]int64{p: info.Size()}, lim: lim}, nil
	}
	root, err := os.OpenRoot(p)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	s := &source{root: root, dir: p, sizes: map[string]int64{}, lim: lim}
	w := &walker{s: s}
	if err := w.walk("."); err != nil {
		root.Close()
		return nil, err
	}
	sort.Strings(s.files)
	sort.Slice(s.skipped, func(i, j int) bool { return s.skipped[i].name < s.skipped[j].name })
	return s, nil
}

// walker finds the *.json files of a folder (hidden files and folders skipped), counting every entry it
// reads against MaxFiles and adding up sizes against MaxTotalBytes as it goes, so that it stops at the
// first entry over a limit without listing the rest.
type walker struct {
	s       *source
	entries int
	total   int64
}

func (w *walker) walk(dir string) error {
	s := w.s
	f, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	var subdirs []string
	for {
		batch, err := f.ReadDir(256)
		for _, e := range batch {
			w.entries++
			if w.entries > s.lim.MaxFiles {
				return fmt.Errorf("snapshot %s: more than %d files and folders (the limit snapshot.max_files); reached at %s; raise snapshot.max_files to read more",
					s.dir, s.lim.MaxFiles, s.display(path.Join(dir, e.Name())))
			}
			if err := w.entry(dir, e, &subdirs); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			return fmt.Errorf("snapshot: %s: %w", s.display(dir), err)
		}
	}
	f.Close()
	for _, d := range subdirs {
		if err := w.walk(d); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) entry(dir string, e fs.DirEntry, subdirs *[]string) error {
	s := w.s
	name := path.Join(dir, e.Name())
	if strings.HasPrefix(e.Name(), ".") {
		return nil
	}
	if e.IsDir() {
		*subdirs = append(*subdirs, name)
		return nil
	}
	if !strings.EqualFold(path.Ext(e.Name()), ".json") {
		return nil
	}
	var info fs.FileInfo
	var err error
	switch {
	case e.Type()&fs.ModeSymlink != 0:
		// A symbolic link is followed to a file inside the folder; one that leads outside it (an
		// absolute target, or one through ..) is refused. A link to a folder is not followed.
		info, err = s.root.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("snapshot: %s: a symbolic link to nothing: %w", s.display(name), err)
		}
		if err != nil {
			return fmt.Errorf("snapshot: %s: a symbolic link leading outside the snapshot folder %s is refused (a snapshot reads only files inside its folder): %w",
				s.display(name), s.dir, err)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
	case e.Type().IsRegular():
		if info, err = e.Info(); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	default: // devices, pipes, sockets
		return nil
	}
	if info.Size() > s.lim.MaxFileBytes {
		// one file too large to read: a read error of its own, the others are read
		s.skipped = append(s.skipped, skippedFile{name: name, err: fileTooLarge(s.display(name), info.Size(), s.lim)})
		return nil
	}
	w.total += info.Size()
	if w.total > s.lim.MaxTotalBytes {
		return fmt.Errorf("snapshot %s: its *.json files hold more than %d bytes (the limit snapshot.max_total_bytes); reached at %s; raise snapshot.max_total_bytes to read more",
			s.dir, s.lim.MaxTotalBytes, s.display(name))
	}
	s.files = append(s.files, name)
	s.sizes[name] = info.Size()
	return nil
}

func fileTooLarge(name string, size int64, lim Limits) error {
	return fmt.Errorf("snapshot: %s is %d bytes, more than %d (the limit snapshot.max_file_bytes; raise it to read the file)", name, size, lim.MaxFileBytes)
}

// open opens one file of the source for reading, never more than MaxFileBytes of it (a file may grow
// after it was measured). A file that cannot be read twice (a pipe, given directly) is read into memory,
// within the same limit.
func (s *source) open(name string) (readSeekCloser, error) {
	var f *os.File
	var err error
	if s.root != nil {
		f, err = s.root.Open(name)
	} else {
		f, err = os.Open(name)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		return &limitedFile{f: f, max: s.lim.MaxFileBytes, size: info.Size()}, nil
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, s.lim.MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("snapshot: %s: %w", s.display(name), err)
	}
	if n > s.lim.MaxFileBytes {
		return nil, s.readErr(name, errTooLarge)
	}
	return nopCloser{bytes.NewReader(buf.Bytes())}, nil
}

type readSeekCloser interface {
	io.ReadSeeker
	io.Closer
	Size() int64 // when opened
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// errTooLarge is a file that grew over MaxFileBytes after it was measured.
var errTooLarge = errors.New("file over the size limit")

// ioFailure is a failure to read a file, as opposed to a problem with its content.
type ioFailure struct{ err error }

func (e *ioFailure) Error() string { return e.err.Error() }
func (e *ioFailure) Unwrap() error { return e.err }

// limitedFile reads a regular file from its start, failing with errTooLarge past max bytes.
type limitedFile struct {
	f    *os.File
	max  int64
	size int64 // when opened
	read int64 // since the last seek to the start
}

func (l *limitedFile) Size() int64 { return l.size }

func (l *limitedFile) Read(b []byte) (int, error) {
	if l.read > l.max {
		return 0, errTooLarge
	}
	if int64(len(b)) > l.max+1-l.read {
		b = b[:l.max+1-l.read]
	}
	n, err := l.f.Read(b)
	l.read += int64(n)
	if l.read > l.max {
		return n, errTooLarge
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = &ioFailure{err}
	}
	return n, err
}

func (l *limitedFile) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekStart {
		return 0, errors.New("snapshot: files are read from their start only")
	}
	l.read = 0
	n, err := l.f.Seek(0, io.SeekStart)
	if err != nil {
		err = &ioFailure{err}
	}
	return n, err
}

func (l *limitedFile) Close() error { return l.f.Close() }

// readErr turns an error reading a file into the message that names the file and, when the file grew
// past it, the limit; an error about the file's content names the file already.
func (s *source) readErr(name string, err error) error {
	var io *ioFailure
	switch {
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("snapshot: %s holds more than %d bytes (the limit snapshot.max_file_bytes; raise it to read the file)", s.display(name), s.lim.MaxFileBytes)
	case errors.As(err, &io):
		return fmt.Errorf("snapshot: %s: %w", s.display(name), io.err)
	}
	return err
}

// parseBudget bounds the bytes of the files parsed at once: small files are parsed in parallel, a file
// of parseBudget bytes or more alone. A file is read one element at a time, so what it costs while it is
// parsed is mostly what the inventory keeps of it; the budget keeps a file with one huge element from
// being parsed beside another.
const parseBudget int64 = 64 << 20

// budget is a counting semaphore of bytes.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int64
}

func newBudget(n int64) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// weight is what a file of size bytes takes of a budget of parseBudget: at least 1, at most all of it.
func weight(size int64) int64 { return min(max(size, 1), parseBudget) }

func (b *budget) acquire(n int64) {
	b.mu.Lock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}
