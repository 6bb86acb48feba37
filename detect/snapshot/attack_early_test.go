package snapshot

// Attacks on the early trimming of revisions and the reading again of trimmed ones (trim.go).

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
)

// TestRereadDigestVouchesForParsedBytes: a file over wholeFile is hashed in one pass over the file and
// parsed in further passes over the file again; a file rewritten in place between them gets the digest
// of one version and the revisions of another. Reading it again then accepts the version the digest
// names although the first reading parsed the other: the revision the load ends with is made of two
// versions of its file (its identity and trimming from one, its body from the other), which reread
// exists to refuse. Timing-based: one version is written over the other, in place, while the file is
// read, until a reading mixes them (within a few attempts on a loaded machine).
func TestRereadDigestVouchesForParsedBytes(t *testing.T) {
	dir := t.TempDir()
	name := "big.json"
	pad := strings.Repeat(" ", 8<<20) // over wholeFile: hashed as a stream, then parsed from the file again
	doc := func(status string) []byte {
		return []byte(`{"taskDefinition": {"taskDefinitionArn": "` + a13p + `task-definition/fam:1", "family": "fam", "revision": 1, "status": ` + status +
			`, "containerDefinitions": [{"name": "app", "image": "app:1", "privileged": true}]}}` + pad)
	}
	active, inactive := doc(`"ACTIVE"  `), doc(`"INACTIVE"`)
	if len(active) != len(inactive) {
		t.Fatal("versions of different lengths")
	}
	off := strings.Index(string(active), `"ACTIVE"`)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, active, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := openSource(dir, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	sumA, sumI := sha256.Sum256(active), sha256.Sum256(inactive)
	deadline := time.Now().Add(5 * time.Second)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		var p *part
		rewriteWhile(t, path, active[off:off+10], inactive[off:off+10], int64(off), func() {
			p, err = src.parse(name, &shared{revisions: &revisionTracker{latest: map[string]int32{}}})
		})
		if err != nil || len(p.taskDefinitions) != 1 {
			continue
		}
		td := p.taskDefinitions[0].v
		parsed, other, otherBytes := sumA, sumI, inactive
		if td.Status != "ACTIVE" {
			parsed, other, otherBytes = sumI, sumA, active
		}
		if p.digest == parsed || p.digest != other {
			continue // the digest is that of the bytes parsed (or of neither version)
		}
		// the digest names the version not parsed: put that one back, unchanged since, and read again
		if err := os.WriteFile(path, otherBytes, 0o644); err != nil {
			t.Fatal(err)
		}
		whole, err := src.reread(p, &td)
		if err == nil {
			t.Errorf("attempt %d: the first reading parsed status %s under the digest of the other version; reading again accepts that version (status %s): a revision made of two versions of its file",
				attempt, td.Status, whole.Status)
		}
		return
	}
	t.Skip("no reading mixed the two versions within the time given")
}

// TestRereadRefusesBytesChangedWhileReadAgain: the same for the reading again itself. The first reading
// is of one version, unchanged while it is read; a revision trimmed then is read again while the file is
// rewritten in place: the second reading hashes the first version (its digest matches) and parses the
// other, and the body it gives (privileged: true, not the false first read) is accepted.
func TestRereadRefusesBytesChangedWhileReadAgain(t *testing.T) {
	dir := t.TempDir()
	name := "big.json"
	pad := strings.Repeat(" ", 8<<20)
	doc := func(privileged string) []byte {
		return []byte(`{"taskDefinition": {"taskDefinitionArn": "` + a13p + `task-definition/fam:1", "family": "fam", "revision": 1, "status": "INACTIVE", ` +
			`"containerDefinitions": [{"name": "app", "image": "app:1", "privileged": ` + privileged + `}]}}` + pad)
	}
	first, changed := doc("false"), doc("true ")
	off := strings.Index(string(first), `false`)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, first, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := openSource(dir, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	p, err := src.parse(name, &shared{revisions: &revisionTracker{latest: map[string]int32{}}})
	if err != nil {
		t.Fatal(err)
	}
	td := p.taskDefinitions[0].v
	if !td.Trimmed || p.digest != sha256.Sum256(first) {
		t.Fatalf("first reading: trimmed %v, digest of the file %v", td.Trimmed, p.digest == sha256.Sum256(first))
	}
	deadline := time.Now().Add(5 * time.Second)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if err := os.WriteFile(path, first, 0o644); err != nil {
			t.Fatal(err)
		}
		var whole detect.TaskDefinition
		rewriteWhile(t, path, first[off:off+5], changed[off:off+5], int64(off), func() { whole, err = src.reread(p, &td) })
		if err != nil {
			continue // refused: the bytes hashed were not the first reading's
		}
		if c := whole.ContainerDefinitions; len(c) == 1 && c[0].Privileged != nil && *c[0].Privileged {
			t.Errorf("attempt %d: read again while rewritten, the file gives privileged: true (the first reading's bytes say false) and it is accepted", attempt)
			return
		}
	}
	t.Skip("no reading again mixed the two versions within the time given")
}

// rewriteWhile runs read while the bytes at off in the file at path are rewritten in place, one version
// then the other (a and b, of the same length), at uneven intervals, until read returns.
func rewriteWhile(t *testing.T, path string, a, b []byte, off int64, read func()) {
	t.Helper()
	w, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := a
			if i%2 == 1 {
				v = b
			}
			w.WriteAt(v, off)
			time.Sleep(time.Duration(200+i%7*300) * time.Microsecond)
		}
	}()
	read()
	close(stop)
	<-done
}
