package snapshot

import (
	"fmt"
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
// before it is known whether a service runs it. Once every file is read, the few trimmed revisions that
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
type revisionTracker struct {
	mu     sync.Mutex
	latest map[string]int32 // the ARN up to its revision -> the newest ACTIVE revision read
}

// unread reports whether a revision just read is known to be one Evaluate does not score: INACTIVE (or
// any status but ACTIVE), or superseded by a newer ACTIVE revision already read. It records an ACTIVE one.
// A revision without an ARN or a status is scored. keep has checked the ARN (ParseTaskDefinitionARN):
// two ARNs name the same family exactly when they agree up to their last colon.
func (t *revisionTracker) unread(td *detect.TaskDefinition) bool {
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
		return false
	}
	return t.latest[family] > td.Revision
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
