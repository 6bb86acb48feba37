package snapshot

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// A snapshot's load keeps of the revisions nothing reads past their identity (detect.Inventory.DropUnread)
// only that identity. Most of a large snapshot's revisions are such, and their bodies are most of its
// memory: so that they are never all held at once, a revision is trimmed as soon as it is read when it is
// known not to be scored (INACTIVE, or ACTIVE with a newer ACTIVE revision of its family already read),
// before it is known whether a service runs it, and a revision kept whole when read is trimmed as soon as
// a newer ACTIVE revision of its family is read (revisionTracker), unless the services read so far run
// it or an older one. Once every file is read, the few trimmed revisions that
// are read after all (run by a service, a deployment or a task set; an ACTIVE revision newer than one run;
// one that two files hold, to compare them) are read again from their file, whole; and DropUnread trims
// the rest. What the load gives is the same whatever the order the files were read in.

// shared is what the files read by one worker share: the strings it interns, and the revisions read so
// far (nil: none).
type shared struct {
	strings   *awsjson.Strings
	revisions *revisionTracker
}

func (s *shared) strs() *awsjson.Strings {
	if s == nil {
		return nil
	}
	return s.strings
}

func (s *shared) tracker() *revisionTracker {
	if s == nil {
		return nil
	}
	return s.revisions
}

// revisionTracker is the newest ACTIVE revision of each family read so far, shared by the workers.
//
// It also trims, as soon as a newer ACTIVE revision of its family is read, the revision that was the
// newest until then (kept whole when it was read): without it, a snapshot whose files are read oldest
// revision first (as their names sort) would hold every revision whole until all are read. A revision
// that the services and task sets read so far run, or that is newer than one they run, is kept whole
// (restoreRead would read it again); one that turns out to be run is read again, as a revision trimmed
// when read is. A part is changed by its own worker only until it is sealed (its file parsed): a trim
// of a revision in a part not yet sealed waits for the seal.
type revisionTracker struct {
	mu     sync.Mutex
	latest map[string]int32 // the ARN up to its revision -> the newest ACTIVE revision read
	// whole is, by family, the newest ACTIVE revision read, while it is kept whole.
	whole map[string]keptRevision
	// run are the revisions that the services and task sets of the sealed parts run; runFrom, by
	// family, the oldest of them (its newer ACTIVE revisions are read too).
	run     map[string]bool
	runFrom map[string]int32
}

// keptRevision is a revision kept whole: the part and index of its item, its ARN and revision.
type keptRevision struct {
	p   *part
	i   int
	arn string
	rev int32
}

// unread reports whether a revision just read is known to be one Evaluate does not score: INACTIVE (or
// any status but ACTIVE), or superseded by a newer ACTIVE revision already read. It records an ACTIVE one,
// which p will hold at index i, and trims the revision of its family that was the newest until then.
// A revision without an ARN or a status is scored. keep has checked the ARN (ParseTaskDefinitionARN):
// two ARNs name the same family exactly when they agree up to their last colon.
func (t *revisionTracker) unread(td *detect.TaskDefinition, p *part, i int) bool {
	if td.TaskDefinitionArn == nil || td.Status == "" {
		return false
	}
	if td.Status != ecstypes.TaskDefinitionStatusActive {
		return true
	}
	arn := *td.TaskDefinitionArn
	family := arn[:strings.LastIndexByte(arn, ':')]
	t.mu.Lock()
	defer t.mu.Unlock()
	if latest, ok := t.latest[family]; !ok || td.Revision > latest {
		t.latest[family] = td.Revision
		if t.whole == nil {
			t.whole = map[string]keptRevision{}
		}
		if prev, ok := t.whole[family]; ok {
			t.trimLocked(prev)
		}
		t.whole[family] = keptRevision{p: p, i: i, arn: arn, rev: td.Revision}
		p.tracked = true
		return false
	}
	return t.latest[family] > td.Revision
}

// trimLocked trims a revision superseded since it was kept whole, unless the runs read so far keep it
// read (UnreadRevisions); in a part not yet sealed, when the part is sealed.
func (t *revisionTracker) trimLocked(k keptRevision) {
	if t.run[k.arn] {
		return
	}
	if from, ok := t.runFrom[k.arn[:strings.LastIndexByte(k.arn, ':')]]; ok && k.rev > from {
		return
	}
	if !k.p.sealed {
		k.p.pending = append(k.p.pending, k)
		return
	}
	k.p.taskDefinitions[k.i].v.Trim()
}

// seal records that p's file is parsed: p's items change no more, but for the trims the tracker makes.
// The revisions its services and task sets run are recorded, and the trims that waited for it are made.
func (t *revisionTracker) seal(p *part) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	runs := func(arn *string) {
		a := str(arn)
		i := strings.LastIndexByte(a, ':')
		if i < 0 {
			return
		}
		rev, err := strconv.ParseInt(a[i+1:], 10, 32)
		if err != nil {
			return
		}
		if t.run == nil {
			t.run, t.runFrom = map[string]bool{}, map[string]int32{}
		}
		t.run[a] = true
		if from, ok := t.runFrom[a[:i]]; !ok || int32(rev) < from {
			t.runFrom[a[:i]] = int32(rev)
		}
	}
	for j := range p.services {
		svc := &p.services[j].v
		runs(svc.TaskDefinition)
		for k := range svc.Deployments {
			runs(svc.Deployments[k].TaskDefinition)
		}
	}
	for j := range p.taskSets { // a service's task sets among them
		runs(p.taskSets[j].v.TaskDefinition)
	}
	for j := range p.taskDefinitions { // a fix may be planned from a revision of no status: read as run
		if td := &p.taskDefinitions[j].v; td.Status == "" && td.TaskDefinitionArn != nil {
			runs(td.TaskDefinitionArn)
		}
	}
	p.sealed = true
	pending := p.pending
	p.pending = nil
	for _, k := range pending {
		t.trimLocked(k)
	}
}

// superseded reports, before keep checks it, whether keep will find a revision just decoded unread
// (unread, recording nothing): INACTIVE, or superseded by an ACTIVE revision already read, by its ARN's
// revision. A revision is never less superseded later, so keep then trims it; one that keep refuses is
// not kept at all. Nil t: none is.
func (t *revisionTracker) superseded(td *ecstypes.TaskDefinition) bool {
	if t == nil || td.TaskDefinitionArn == nil || td.Status == "" {
		return false
	}
	a, err := detect.ParseTaskDefinitionARN(*td.TaskDefinitionArn)
	if err != nil || (td.Revision != 0 && int(td.Revision) != a.Revision) {
		return false
	}
	if td.Status != ecstypes.TaskDefinitionStatusActive {
		return true
	}
	arn := *td.TaskDefinitionArn
	t.mu.Lock()
	defer t.mu.Unlock()
	latest, ok := t.latest[arn[:strings.LastIndexByte(arn, ':')]]
	return ok && int(latest) > a.Revision
}

// restoreDuplicates reads again, whole, the trimmed copies of the task definitions that more than one
// file holds, so that merge compares whole copies.
func (s *source) restoreDuplicates(parts []*part) error {
	count := map[string]int{}
	for _, p := range parts {
		for _, it := range p.taskDefinitions {
			count[it.id]++
		}
	}
	for _, p := range parts {
		for j := range p.taskDefinitions {
			it := &p.taskDefinitions[j]
			if !it.v.Trimmed || count[it.id] < 2 {
				continue
			}
			whole, err := s.reread(p, &it.v)
			if err != nil {
				return err
			}
			it.v = whole
		}
	}
	return nil
}

// restoreRead reads again, whole, the trimmed task definitions of the inventory that are read after all
// (see detect.Inventory.UnreadRevisions), from the file that gave each, and trims those that are not yet
// and are not read: the inventory is then what detect.Inventory.DropUnread makes of a whole one.
func (s *source) restoreRead(in *detect.Inventory, parts []*part) error {
	var from map[string]*part // task definition -> the first file that holds it
	for i, unread := range in.UnreadRevisions() {
		td := &in.TaskDefinitions[i]
		if unread && !td.Trimmed {
			td.Trim()
		}
		if !td.Trimmed || unread {
			continue
		}
		if from == nil {
			from = map[string]*part{}
			for _, p := range parts {
				for _, it := range p.taskDefinitions {
					if _, ok := from[it.id]; !ok {
						from[it.id] = p
					}
				}
			}
		}
		whole, err := s.reread(from[td.ARN()], td)
		if err != nil {
			return err
		}
		*td = whole
	}
	return nil
}

// reread reads the file of first again and returns the whole revision of which trimmed is the trimmed
// copy; the file must still be, byte for byte, what was read first (its digest), so that a revision is
// never made of two versions of its file.
func (s *source) reread(first *part, trimmed *detect.TaskDefinition) (detect.TaskDefinition, error) {
	id, name := trimmed.ARN(), first.name
	if !first.hashed {
		// a file that held no trimmed revision when it was read was not hashed: never read it again
		return detect.TaskDefinition{}, fmt.Errorf("%s: task definition %s: its file cannot be read again (it was not hashed when first read)", s.display(name), id)
	}
	p, err := s.parse(name, nil)
	if err != nil {
		return detect.TaskDefinition{}, fmt.Errorf("%s: changed while the snapshot was read: %w", s.display(name), err)
	}
	if !p.hashed || p.digest != first.digest {
		return detect.TaskDefinition{}, fmt.Errorf("%s: changed while the snapshot was read: its bytes are not those read first", s.display(name))
	}
	// the same bytes parse to the same revisions: the one of trimmed's ARN is its whole copy
	for _, it := range p.taskDefinitions {
		if it.id == id {
			return it.v, nil
		}
	}
	return detect.TaskDefinition{}, fmt.Errorf("%s: task definition %s is not in it", s.display(name), id)
}
