package fix

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ecsfix/ecsfix/plan"
)

// The journal is a JSON Lines file, one record per line, each line written and fsync'd before the next
// step runs (principle 7). It holds no secret value: a registration is recorded as its family, source
// revision and number of edits, never as its input.
//
// Records, in the order they are written:
//
//	{"type":"header","formatVersion":1,"planHash":"…","planPath":"plan.json","tool":"ecsfix 1.2.0","account":"123456789012","time":"…"}
//	{"type":"started","action":"a1","actionType":"register-task-definition","region":"…","resource":"<source ARN>","request":"…","before":{…},"time":"…"}
//	{"type":"done","action":"a1","result":{"taskDefinitionArn":"…"},"time":"…"}
//	{"type":"failed","action":"a2","error":"…","time":"…"}
//	{"type":"step","action":"a6","request":"ecs:DeregisterTaskDefinition taskDefinition=…","result":{…},"time":"…"}
//	{"type":"wait","action":"a2","result":{…},"error":"…","time":"…"}
//	{"type":"rollback-started","action":"a2","request":"…","time":"…"}
//	{"type":"rollback-done","action":"a2","result":{…},"time":"…"}
//	{"type":"rollback-failed","action":"a2","error":"…","time":"…"}
//	{"type":"findings-updated","findings":["…"],"workflow":"RESOLVED","request":"<the note>","time":"…"}
//	{"type":"findings-reopened","findings":["…"],"workflow":"NEW","request":"<the note>","time":"…"}
//
// "before" is the state an action replaces: for a service its taskDefinition, platformVersion and
// network (its whole awsvpc configuration: subnets, security groups, assignPublicIp, read live), for a
// cluster its settings, for a registration the family's latest ACTIVE revision at the time (so that a
// registration made but not recorded, and not tagged, can still be noticed), for a role policy the owned
// policy's document (or that there was none), for a deregistration the revisions it deregisters, for a
// detach-role-policy the policies attached to the role (ARNs), for a remove-policy-statements the inline
// policy's whole document (what rollback puts back). A
// create-secret action records the secret's name and, when done, its ARN: never its value (its request
// says how many keys it holds and where they come from). An ensure-log-group action records whether it
// created the group. An update-security-group-ingress action records the group's ingress rules read live
// (before) and intended (after); a create-security-group action records the group's name and VPC, a "step"
// record with the new group's id as soon as it is created, and, when done, the group's id and rules. A
// deregistration writes one "step" record per revision deregistered. Rollback appends its own
// records (rollback-*) to the same journal, so that one file tells the whole story and a second rollback
// knows what the first did. apply --update-findings appends one "findings-updated" record per batch of
// Security Hub findings updated (their ids, the workflow status set, empty for a note alone, and the
// note), and rollback --update-findings one "findings-reopened" record per batch set back to NEW: a
// resumed apply does not update a finding twice, and rollback reopens only what the apply resolved.
//
// A line cut short by a crash is dropped when the journal is reopened; any other malformed line makes the
// journal unreadable (fail closed).
//
// Every record carries a chain value ("chain"): the hex SHA-256 of the chain value of the record before it
// and of the record's canonical JSON without its chain field (json.Marshal of the Record); the header's is
// seeded by the plan's content hash it names. Reading verifies every link, so a record edited, reordered,
// removed from the middle or copied from another journal is refused, naming its line. The chain makes
// changes by hand detectable; it is not a signature: whoever can write the journal can also rewrite the
// whole chain (the lock, the plan's approval and the checks of rollback and resume against the plan and
// AWS are what bound what a journal can make ecsfix do). Records cut off at the end (the journal
// truncated after a whole line) cannot be told from a run that stopped there.

// JournalFormatVersion is the version of the journal's records (2: chained records).
const JournalFormatVersion = 2

// Record types.
const (
	RecHeader  = "header"
	RecStarted = "started"
	RecDone    = "done"
	RecFailed  = "failed"
	RecWait    = "wait"
	// RecStep records one call of an action that makes several (a deregistration of one revision).
	RecStep            = "step"
	RecRollbackStarted = "rollback-started"
	RecRollbackDone    = "rollback-done"
	RecRollbackFailed  = "rollback-failed"
	// RecFindingsUpdated and RecFindingsReopened record Security Hub findings updated (findings_update.go).
	RecFindingsUpdated  = "findings-updated"
	RecFindingsReopened = "findings-reopened"
)

// Record is one line of the journal.
type Record struct {
	Type string    `json:"type"`
	Time time.Time `json:"time"`

	// Header.
	FormatVersion int    `json:"formatVersion,omitempty"`
	PlanHash      string `json:"planHash,omitempty"`
	PlanPath      string `json:"planPath,omitempty"`
	Tool          string `json:"tool,omitempty"`
	Account       string `json:"account,omitempty"`

	// Action records.
	Action     string          `json:"action,omitempty"`
	ActionType plan.ActionType `json:"actionType,omitempty"`
	Region     string          `json:"region,omitempty"`
	Resource   string          `json:"resource,omitempty"`
	// Request describes the call, secrets masked (a registration: family, source, edits count).
	Request string       `json:"request,omitempty"`
	Before  *StateRecord `json:"before,omitempty"`
	// After is the state a "started" record intends (the target revision, the settings).
	After  *StateRecord `json:"after,omitempty"`
	Result *StateRecord `json:"result,omitempty"`
	Error  string       `json:"error,omitempty"`

	// Findings records: the Security Hub finding ids updated and the workflow status set ("" for a note
	// alone); Request holds the note.
	Findings []string `json:"findings,omitempty"`
	Workflow string   `json:"workflow,omitempty"`

	// Chain binds the record to the one before it and, through the header, to the plan (see above).
	Chain string `json:"chain,omitempty"`
}

// chainOf is the chain value of r following prev (the chain value of the record before it; for the
// header, the plan's content hash).
func chainOf(prev string, r Record) (string, error) {
	r.Chain = ""
	data, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// StateRecord is the state of a resource before or after an action.
type StateRecord struct {
	// Services.
	Cluster         string `json:"cluster,omitempty"`
	Service         string `json:"service,omitempty"`
	TaskDefinition  string `json:"taskDefinition,omitempty"`
	PlatformVersion string `json:"platformVersion,omitempty"`
	// Network is the service's whole awsvpc configuration (nil when it has none): before, as read live
	// when the action started; after, the one the plan sets (only when it sets one); as a result, as
	// the service reports it.
	Network *plan.AwsVpcSettings `json:"network,omitempty"`
	// Clusters.
	Settings []plan.ClusterSetting `json:"settings,omitempty"`
	// Registrations.
	TaskDefinitionArn    string `json:"taskDefinitionArn,omitempty"`
	Family               string `json:"family,omitempty"`
	LatestActiveRevision int    `json:"latestActiveRevision,omitempty"`
	// Tagged is true when the registration carries the provenance tags.
	Tagged bool `json:"tagged,omitempty"`
	// Reused is true when an existing revision registered by this plan was found and reused.
	Reused bool `json:"reused,omitempty"`
	// DeploymentID is the service's primary deployment after the update.
	DeploymentID string `json:"deploymentId,omitempty"`

	// Secrets (create-secret): the secret's name and ARN, never its value. Reused is true when an
	// existing secret was found and reused: created by this plan in an earlier run, or by an earlier
	// plan for the same family and container, holding the same value.
	SecretName string `json:"secretName,omitempty"`
	SecretArn  string `json:"secretArn,omitempty"`

	// Role policies (put-role-policy): the inline policy ecsfix owns. Before, PolicyExists says whether
	// the role had the policy and PolicyDocument is its document then (for the record: rollback keeps
	// the grants, which the registered revisions need); After and Result hold the document put. Policy
	// documents name ARNs and actions, never a secret.
	RoleArn        string `json:"roleArn,omitempty"`
	PolicyName     string `json:"policyName,omitempty"`
	PolicyExists   *bool  `json:"policyExists,omitempty"`
	PolicyDocument string `json:"policyDocument,omitempty"`

	// Admin task-role fix. detach-role-policy: PolicyArn is the managed policy detached; Before,
	// AttachedPolicies are the ARNs of every policy attached to the role then (read live; rollback
	// re-attaches PolicyArn only when it is among them); Result, those attached after the detach.
	// remove-policy-statements uses RoleArn, PolicyName, PolicyExists and PolicyDocument: before, the
	// inline policy's document read live (what rollback puts back); after, the document put (PolicyExists
	// false when the policy is deleted).
	PolicyArn        string   `json:"policyArn,omitempty"`
	AttachedPolicies []string `json:"attachedPolicies,omitempty"`

	// Log groups (ensure-log-group): Created is false when the group existed and was left as it was.
	LogGroup      string `json:"logGroup,omitempty"`
	RetentionDays int32  `json:"retentionDays,omitempty"`
	Created       *bool  `json:"created,omitempty"`

	// Deregistrations: the revisions to deregister (before) or deregistered (result).
	TaskDefinitions []string `json:"taskDefinitions,omitempty"`

	// Security groups. update-security-group-ingress: GroupID and Ingress, the group's ingress rules
	// read live (before: what rollback restores), intended (after), and as described once done (result).
	// create-security-group: GroupName and VpcID (before), the rules intended (after), and as a result the
	// new group's id (the target of the update-service moving to it), its rules, and Created (false when
	// a group this plan created earlier was found by its tags and reused).
	GroupID   string             `json:"groupId,omitempty"`
	GroupName string             `json:"groupName,omitempty"`
	VpcID     string             `json:"vpcId,omitempty"`
	Ingress   []plan.IngressRule `json:"ingress,omitempty"`
	Egress    []plan.IngressRule `json:"egress,omitempty"`

	// ECS.19. update-auto-scaling-group: AutoScalingGroup (the group's ARN) and ScaleInProtected, its
	// NewInstancesProtectedFromScaleIn read live (before: what rollback restores), set (after), read back
	// (result). update-capacity-provider: CapacityProvider (its ARN) and TerminationProtection, its
	// managedTerminationProtection the same way.
	AutoScalingGroup      string `json:"autoScalingGroup,omitempty"`
	ScaleInProtected      *bool  `json:"scaleInProtected,omitempty"`
	CapacityProvider      string `json:"capacityProvider,omitempty"`
	TerminationProtection string `json:"terminationProtection,omitempty"`
}

// journalState is what a journal says about a plan.
type journalState struct {
	header  *Record
	started map[string]*Record // first "started" of each action (its before is the original state)
	done    map[string]*Record
	failed  map[string]*Record
	rbDone  map[string]*Record
	rbStart map[string]*Record
	all     []Record
	// findings is the last workflow status recorded for each finding id ("" for a note alone), in the
	// order first recorded (findingOrder).
	findings     map[string]string
	findingOrder []string
	// last is the chain value of the last record.
	last string
}

func newJournalState() *journalState {
	return &journalState{started: map[string]*Record{}, done: map[string]*Record{}, failed: map[string]*Record{},
		rbDone: map[string]*Record{}, rbStart: map[string]*Record{}, findings: map[string]string{}}
}

// begun tells whether the journal records action id started or done.
func (s *journalState) begun(id string) bool {
	return s.started[id] != nil || s.done[id] != nil
}

func (s *journalState) apply(r Record) {
	s.all = append(s.all, r)
	s.last = r.Chain
	rc := r
	switch r.Type {
	case RecHeader:
		if s.header == nil {
			s.header = &rc
		}
	case RecStarted:
		if _, ok := s.started[r.Action]; !ok {
			s.started[r.Action] = &rc
		}
	case RecDone:
		s.done[r.Action] = &rc
		delete(s.failed, r.Action)
	case RecFailed:
		s.failed[r.Action] = &rc
	case RecRollbackStarted:
		if _, ok := s.rbStart[r.Action]; !ok {
			s.rbStart[r.Action] = &rc
		}
	case RecRollbackDone:
		s.rbDone[r.Action] = &rc
	case RecFindingsUpdated, RecFindingsReopened:
		for _, id := range r.Findings {
			if _, ok := s.findings[id]; !ok {
				s.findingOrder = append(s.findingOrder, id)
			}
			s.findings[id] = r.Workflow
		}
	}
}

// readJournal reads the journal at path. It returns (nil, 0, nil) when there is none, and the length of
// the valid content (a trailing line cut short by a crash is not counted).
func readJournal(path string) (*journalState, int64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read journal %s: %w", path, err)
	}
	all := data
	st := newJournalState()
	var valid int64
	line := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			// A last line without its newline was being written when the run stopped: it never counted.
			break
		}
		line++
		text := data[:i]
		data = data[i+1:]
		if len(bytes.TrimSpace(text)) > 0 {
			var r Record
			dec := json.NewDecoder(bytes.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				if line == 1 {
					return nil, 0, notJournal(path, all, fmt.Sprintf("its first line is not a journal record (%v)", err))
				}
				return nil, 0, &journalError{fmt.Sprintf("journal %s line %d is not a journal record (%v): the file was edited, or is not an ecsfix journal; "+
					"nothing was changed (give the journal an apply wrote, untouched)", path, line, err)}
			}
			if line == 1 && r.Type != RecHeader {
				return nil, 0, notJournal(path, all, fmt.Sprintf("its first record is %q, not a journal header", r.Type))
			}
			if line == 1 && r.FormatVersion != JournalFormatVersion {
				return nil, 0, &journalError{fmt.Sprintf("journal %s has format version %d; this ecsfix reads version %d: "+
					"use the ecsfix version that wrote it (its header names it)", path, r.FormatVersion, JournalFormatVersion)}
			}
			if line > 1 && r.Type == RecHeader {
				return nil, 0, fmt.Errorf("journal %s line %d: %w: a second header (journals pieced together); nothing was changed: "+
					"use the journal the apply wrote, unedited", path, line, ErrJournalTampered)
			}
			prev := st.last
			if line == 1 {
				prev = r.PlanHash
			}
			want, err := chainOf(prev, r)
			if err != nil || r.Chain != want {
				return nil, 0, fmt.Errorf("journal %s line %d: %w: the record does not follow the one before it "+
					"(edited, reordered, moved from another journal, or a record before it removed); nothing was changed: "+
					"use the journal the apply wrote, unedited, and find out who changed this one", path, line, ErrJournalTampered)
			}
			st.apply(r)
		}
		valid += int64(i + 1)
	}
	if st.header == nil {
		if valid == 0 {
			return nil, 0, nil // created, header never completed: as if absent
		}
		return nil, 0, notJournal(path, all, "it has no journal header")
	}
	return st, valid, nil
}

// journal appends records to the file, one fsync'd line each. Safe for concurrent use.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	st   *journalState
	now  func() time.Time
}

// openJournal opens the journal for appending, cutting off a partial last line; header is written when
// the journal is new.
func openJournal(path string, st *journalState, valid int64, header Record) (*journal, error) {
	if st == nil {
		st = newJournalState()
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if err := f.Truncate(valid); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	if _, err := f.Seek(valid, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &journal{f: f, path: path, st: st, now: time.Now}
	if st.header == nil {
		if err := j.write(header); err != nil {
			f.Close()
			return nil, err
		}
		// Make the new file's name durable too.
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return j, nil
}

// view calls f with the journal's state under the journal's lock.
func (j *journal) view(f func(st *journalState)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f(j.st)
}

// write appends one record and syncs it to disk. A journal without a file (dry run) writes nothing.
func (j *journal) write(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	if r.Time.IsZero() {
		r.Time = j.now().UTC()
	}
	prev := j.st.last
	if r.Type == RecHeader {
		prev = r.PlanHash
	}
	chain, err := chainOf(prev, r)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	r.Chain = chain
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	w := bufio.NewWriter(j.f)
	w.Write(data)
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	j.st.apply(r)
	return nil
}

func (j *journal) close() error {
	if j.f == nil {
		return nil
	}
	return j.f.Close()
}

// ReadJournal returns the records of the journal at path (for tools and tests).
func ReadJournal(path string) ([]Record, error) {
	st, _, err := readJournal(path)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, absentJournal(path)
	}
	return st.all, nil
}

// journalError is a journal refused for what the file is (not a journal, another format): its message
// says what is wrong and what to do, without the generic "belongs to another plan". It matches
// ErrJournalMismatch, so that callers and exit codes treat it as a journal that is not this plan's.
type journalError struct{ msg string }

func (e *journalError) Error() string        { return e.msg }
func (e *journalError) Is(target error) bool { return target == ErrJournalMismatch }

// notJournal says that the file at path is not an ecsfix journal (why), and what to give instead; a plan
// file given where the journal belongs is named as such.
func notJournal(path string, data []byte, why string) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) == nil && top["formatVersion"] != nil && top["actions"] != nil {
		return &journalError{fmt.Sprintf("%s is a plan file, not a journal: give the journal its apply wrote "+
			"(by default the plan's path with .journal added: ecsfix rollback --plan %s %s.journal)", path, path, path)}
	}
	return &journalError{fmt.Sprintf("%s is not an ecsfix journal: %s; give the journal an apply wrote "+
		"(by default the plan's path with .journal added, e.g. plan.json.journal)", path, why)}
}

// absentJournal says why there is no journal at path to read: no such file, or a file an apply created
// without recording anything (empty, or only an unfinished first line).
func absentJournal(path string) error {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &absentError{fmt.Sprintf("journal %s does not exist: give the journal an apply wrote "+
				"(by default the plan's path with .journal added, e.g. plan.json.journal; apply --journal names another)", path)}
		}
		return fmt.Errorf("journal %s: %w", path, err)
	}
	return &absentError{fmt.Sprintf("journal %s is empty: no apply recorded anything in it, so there is nothing to roll back "+
		"(check that it is the journal of the apply you mean)", path)}
}

// absentError is a journal that is not there to read; it matches os.ErrNotExist.
type absentError struct{ msg string }

func (e *absentError) Error() string { return e.msg }
func (e *absentError) Unwrap() error { return os.ErrNotExist }
