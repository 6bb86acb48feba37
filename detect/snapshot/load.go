package snapshot

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// Load reads a snapshot: a file, or a folder searched recursively for *.json files (hidden files and
// folders skipped), within DefaultLimits. A file of a folder that cannot be read (malformed, an unknown
// field outside a task definition, a value of the wrong type, not a recognised document, over
// max_file_bytes) is a detect.ReadError in the inventory, and the other files are read; a single file
// given directly that cannot be read, a folder over max_files or max_total_bytes, a symbolic link
// leading outside it, and two files disagreeing about a resource are errors.
func Load(path string) (*detect.Inventory, error) {
	snap, err := open(path, DefaultLimits, nil, true, false) // Load gives no Origins: none are found
	if err != nil {
		return nil, err
	}
	return snap.Inventory, nil
}

// Snapshot is a loaded snapshot: its inventory, where each ECS resource was read from, and what was
// read past.
type Snapshot struct {
	Inventory *detect.Inventory
	// Origins maps the ARN of each task definition, service, cluster, task set and capacity provider
	// (for a task definition kept as a file without an ARN, its detect.FileID) to the file (and line) it
	// was first read from.
	Origins map[string]Origin
	// Warnings are the fields of task-definition files that this build does not know, in the files' order.
	Warnings []Warning
}

// ResourceTypeFile is the ResourceType of a detect.ReadError about a snapshot file that could not be
// read; its Resource is the file.
const ResourceTypeFile = "File"

// OperationReadFile is the Operation of such an error.
const OperationReadFile = "ReadFile"

// Origin is a place in a snapshot file.
type Origin struct {
	File string
	Line int // 1-based; 0 when unknown
}

// Open is Load, keeping the origin of each resource (for SARIF locations), within DefaultLimits.
func Open(path string) (*Snapshot, error) {
	return OpenWith(path, DefaultLimits)
}

// OpenWith is Open within the given limits. A folder is read through an os.Root: a symbolic link
// leading outside it is an error naming the link; a link to a file inside it is followed, a link to a
// folder is not. Sizes and counts are checked before any file is read.
func OpenWith(path string, lim Limits) (*Snapshot, error) {
	return OpenSized(path, lim, nil)
}

// OpenSized is OpenWith calling sized, when set, with the bytes of the files to read (the sum of their
// sizes) once they are found and measured, before any is read: a caller can bound the memory of the
// load by it (see the README's "Performance").
func OpenSized(path string, lim Limits, sized func(bytes int64)) (*Snapshot, error) {
	return open(path, lim, sized, true, true)
}

// OpenUnlocated is OpenSized without the Origins (nil): a caller that shows no resource's place in its
// file (every output but SARIF) spares the reading of each file again that finds them.
func OpenUnlocated(path string, lim Limits, sized func(bytes int64)) (*Snapshot, error) {
	return open(path, lim, sized, true, false)
}

// openSized is OpenSized; trim says whether the revisions nothing reads past their identity are trimmed
// (detect.Inventory.DropUnread), as every load does (the tests compare with a load that does not).
func openSized(path string, lim Limits, sized func(bytes int64), trim bool) (*Snapshot, error) {
	return open(path, lim, sized, trim, true)
}

// open is openSized; locate says whether the Origins are found.
func open(path string, lim Limits, sized func(bytes int64), trim, locate bool) (*Snapshot, error) {
	src, err := openSource(path, lim)
	if err != nil {
		return nil, err
	}
	defer src.close()
	src.locate = locate
	if sized != nil {
		var total int64
		for _, n := range src.sizes {
			total += n
		}
		sized(total)
	}
	if src.root != nil && len(src.files) == 0 && len(src.skipped) == 0 {
		return nil, fmt.Errorf("snapshot %s: no *.json files found; a snapshot folder holds the JSON output of AWS CLI commands (see `go doc github.com/ecsfix/ecsfix/detect/snapshot`)", path)
	}
	var revs *revisionTracker
	if trim {
		revs = &revisionTracker{latest: map[string]int32{}}
	}
	parts, errs := parseFiles(src, revs)
	// A file given alone is the whole input: when it cannot be read, nothing can be evaluated.
	if src.root == nil && errs[0] != nil {
		return nil, errs[0]
	}
	var readErrs []detect.ReadError
	var good []*part
	skipped := 0
	for i, name := range src.files {
		for skipped < len(src.skipped) && src.skipped[skipped].name < name {
			readErrs = append(readErrs, src.fileError(src.skipped[skipped].name, src.skipped[skipped].err))
			skipped++
		}
		if errs[i] != nil {
			readErrs = append(readErrs, src.fileError(name, errs[i]))
			continue
		}
		good = append(good, parts[i])
	}
	for ; skipped < len(src.skipped); skipped++ {
		readErrs = append(readErrs, src.fileError(src.skipped[skipped].name, src.skipped[skipped].err))
	}
	var restore func(*detect.Inventory) error
	if trim {
		if err := src.restoreDuplicates(good); err != nil {
			return nil, err
		}
		restore = func(in *detect.Inventory) error {
			defer in.Reindex() // restoreRead looked revisions up: the index is built again when next read
			return src.restoreRead(in, good)
		}
	}
	in, err := merge(good, restore)
	if err != nil {
		return nil, err
	}
	in.Errors = append(readErrs, in.Errors...)
	snap := &Snapshot{Inventory: in}
	if locate {
		n := 0
		for _, p := range good {
			n += len(p.lines)
		}
		snap.Origins = make(map[string]Origin, n)
	}
	for _, p := range good {
		for id, line := range p.lines {
			if _, ok := snap.Origins[id]; !ok {
				snap.Origins[id] = Origin{File: p.file, Line: line}
			}
		}
		snap.Warnings = append(snap.Warnings, p.warnings...)
	}
	return snap, nil
}

// fileError is the read error of a file that could not be read: the message without the file's name
// in front, which the error names already.
func (s *source) fileError(name string, err error) detect.ReadError {
	file := s.display(name)
	msg := strings.TrimPrefix(err.Error(), "snapshot: ")
	if rest, ok := strings.CutPrefix(msg, file); ok && (strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, " ")) {
		msg = strings.TrimLeft(strings.TrimPrefix(rest, ":"), " ")
	}
	return detect.ReadError{ResourceType: ResourceTypeFile, Resource: file, Operation: OperationReadFile, Message: textsafe.Clip(msg, maxReadErrorMessage)}
}

// maxReadErrorMessage bounds the message of a file's read error (a JSON path may quote a member name
// of any length): a hostile file cannot flood the output that lists the other files' errors.
const maxReadErrorMessage = 8 << 10

// Parse reads a single document (the output of one AWS CLI command); name is used in error messages.
func Parse(name string, data []byte) (*detect.Inventory, error) {
	r, err := textOf(nopCloser{bytes.NewReader(data)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p, err := parseDocument(name, name, r, int64(len(data)), nil)
	if err != nil {
		return nil, err
	}
	return merge([]*part{p}, nil)
}

// parseFiles reads and parses every file in parallel; the parts and errors come back in the files'
// order (a nil part where the file failed).
func parseFiles(src *source, revs *revisionTracker) ([]*part, []error) {
	files := src.files
	parts := make([]*part, len(files))
	errs := make([]error, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	next := make(chan int)
	mem := newBudget(parseBudget)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			strs := &shared{strings: awsjson.NewStrings(internedStrings), revisions: revs} // each worker its own strings: no lock
			for i := range next {
				parts[i], errs[i] = src.parse(files[i], strs)
				mem.release(weight(src.sizes[files[i]]))
			}
		}()
	}
	for i := range files {
		mem.acquire(weight(src.sizes[files[i]]))
		next <- i
	}
	close(next)
	wg.Wait()
	return parts, errs
}

// internedStrings bounds the strings each worker of a snapshot's load interns (awsjson.Strings): the
// names and values its documents repeat, a few megabytes at most, dropped once the files are parsed.
const internedStrings = 1 << 14

// parse reads one file of the source into its part, and locates its resources in it.
func (s *source) parse(name string, strs *shared) (*part, error) {
	f, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var digest [sha256.Size]byte
	hashed := false
	var whole []byte // a small file's bytes, hashed once it is known whether they need be
	if f.Size() <= wholeFile {
		// A small file is read once, into a buffer that its passes read again, rather than from the file
		// three times; the buffer goes back to the pool once the file is parsed.
		buf := wholeFiles.Get().(*bytes.Buffer)
		defer wholeFiles.Put(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(f); err != nil {
			return nil, s.readErr(name, err)
		}
		whole = buf.Bytes()
		f = nopCloser{bytes.NewReader(whole)}
	}
	var large *passHashed
	if whole == nil {
		// A large file is read from the file at each pass: each pass is hashed as it is read, and the
		// digest is that of the bytes parsed (passHashed).
		large = &passHashed{readSeekCloser: f, h: sha256.New()}
		f = large
	}
	text, err := textOf(f)
	if err != nil {
		return nil, s.readErr(name, fmt.Errorf("%s: %w", s.display(name), err))
	}
	p, err := parseDocument(s.display(name), s.rel(name), text, f.Size(), strs)
	if err == nil && s.locate && strs != nil { // a file read again (strs nil: reread) is located already
		err = p.locate(text)
	}
	if err != nil {
		return nil, s.readErr(name, err)
	}
	if large != nil {
		if digest, err = large.digest(); err != nil {
			return nil, s.readErr(name, fmt.Errorf("%s: %w", s.display(name), err))
		}
		hashed = true
	}
	if !hashed && (strs == nil || p.tracked || p.trimmed()) {
		// Only a file read again (trim.go) needs its digest: one that holds a trimmed revision, or one
		// that the tracker may trim later, when it is first read, and the file read again (strs nil), to
		// compare. Hashing every file would cost a twentieth of a snapshot's load.
		digest, hashed = sha256.Sum256(whole), true
	}
	p.name, p.digest, p.hashed = name, digest, hashed
	strs.tracker().seal(p)
	return p, nil
}

// trimmed reports whether the part holds a trimmed revision: the only one its file is read again for.
func (p *part) trimmed() bool {
	for i := range p.taskDefinitions {
		if p.taskDefinitions[i].v.Trimmed {
			return true
		}
	}
	return false
}

// wholeFile is the size up to which a file is read whole before it is parsed: describe-task-definition
// and describe-services outputs are a few kilobytes, and a snapshot holds thousands of them.
const wholeFile = 256 << 10

// wholeFiles are the buffers small files are read into, reused.
var wholeFiles = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// lineReaders are locate's buffered readers, reused: a snapshot reads thousands of small files.
var lineReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

// locate records the line of the first quoted occurrence of each ECS resource's ARN in the file's text
// (the CLI prints a resource's own ARN before any reference to other resources of the same document),
// reading the file once more, a buffer at a time. Every double quote starts a candidate that the next
// one ends; an ARN holding a double quote is not located.
func (p *part) locate(src io.ReadSeeker) error {
	want := map[string]string{} // each ARN to itself: the lines are keyed by the resources' own strings
	longest := 0
	add := func(id string) {
		if !strings.Contains(id, `"`) {
			want[id] = id
			longest = max(longest, len(id))
		}
	}
	for _, it := range p.taskDefinitions {
		if it.v.TaskDefinitionArn == nil {
			continue // without an ARN, it is where its object opens (below)
		}
		add(it.id)
	}
	for _, it := range p.services {
		add(it.id)
	}
	for _, it := range p.clusters {
		add(it.id)
	}
	for _, it := range p.taskSets {
		add(it.id)
	}
	for _, it := range p.capacityProviders {
		add(it.id)
	}
	p.lines = make(map[string]int, len(want))
	for _, it := range p.taskDefinitions {
		if it.v.TaskDefinitionArn == nil && it.v.Source != nil {
			p.lines[it.id] = it.v.Source.Line
		}
	}
	if len(want) == 0 {
		return nil
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := lineReaders.Get().(*bufio.Reader)
	defer lineReaders.Put(br)
	br.Reset(src)
	defer br.Reset(nil)
	line := 1
	open := false    // a quote was seen: what follows, up to the next quote, is a candidate
	var cand []byte  // the candidate so far, while it is no longer than the longest ARN
	tooLong := false // the candidate is longer than that
	candLine := 0
	found := 0
	for found < len(want) {
		chunk, err := br.ReadSlice('"')
		quote := err == nil
		body := chunk
		if quote {
			body = chunk[:len(chunk)-1]
		}
		if open && !tooLong {
			if len(cand)+len(body) > longest {
				tooLong = true
			} else {
				cand = append(cand, body...)
			}
		}
		line += bytes.Count(body, []byte{'\n'})
		if quote {
			if open && !tooLong {
				if id, ok := want[string(cand)]; ok {
					if _, done := p.lines[id]; !done {
						p.lines[id] = candLine
						found++
					}
				}
			}
			open, cand, tooLong, candLine = true, cand[:0], false, line
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
	return nil
}

// typeVpcEndpoint is the resource type of a VPC endpoint, as AWS Config spells it.
const typeVpcEndpoint = "AWS::EC2::VPCEndpoint"

// typeNetworkInterface is the resource type of a network interface, as AWS Config spells it.
const typeNetworkInterface = "AWS::EC2::NetworkInterface"

// seen remembers where a resource was first found.
type seen struct {
	file, where string
	index       int
}

type merger struct {
	seen map[seenKey]seen
}

// seenKey is a resource's type and id.
type seenKey struct{ typ, id string }

// add appends the items not already present; a resource found twice must be identical.
func add[T any](m *merger, typ, file string, items []item[T], dst *[]T) error {
	for _, it := range items {
		key := seenKey{typ, it.id}
		if s, ok := m.seen[key]; ok {
			if same((*dst)[s.index], it.v) {
				continue
			}
			return conflict(typ, it.id, s.file, s.where, file, it.where)
		}
		m.seen[key] = seen{file: file, where: it.where, index: len(*dst)}
		*dst = append(*dst, it.v)
	}
	return nil
}

// same reports whether two copies of a resource are identical; two copies of a task-definition revision
// read from different files differ in their Source, which is where they were read, not what they are.
func same[T any](a, b T) bool {
	if x, ok := any(a).(detect.TaskDefinition); ok {
		y := any(b).(detect.TaskDefinition)
		x.Source, y.Source = nil, nil
		return reflect.DeepEqual(x, y)
	}
	return reflect.DeepEqual(a, b)
}

func conflict(typ, id, file1, where1, file2, where2 string) error {
	if file1 == file2 {
		return fmt.Errorf("%s: %s %s appears twice with different content (%s and %s)", file1, typ, id, where1, where2)
	}
	return fmt.Errorf("%s %s differs between %s (%s) and %s (%s); a snapshot must hold one version of each resource",
		typ, id, file1, where1, file2, where2)
}

// merge joins the parts into one inventory; restore, when set, is called once the ECS resources are in
// it, before anything reads a task definition's body (restoreRead).
func merge(parts []*part, restore func(*detect.Inventory) error) (*detect.Inventory, error) {
	in := &detect.Inventory{}
	// the lists that take many resources get their room once (a snapshot of 10,000 task definitions
	// would otherwise copy its list a dozen times as it grows)
	nTD, nSvc, nSeen := 0, 0, 0
	for _, p := range parts {
		nTD += len(p.taskDefinitions)
		nSvc += len(p.services)
		nSeen += len(p.taskDefinitions) + len(p.services) + len(p.clusters) + len(p.taskSets) + len(p.capacityProviders) +
			len(p.securityGroups) + len(p.subnets) + len(p.routeTables) + len(p.vpcEndpoints) + len(p.networkInterfaces) +
			len(p.loadBalancers) + len(p.targetGroups) + len(p.autoScalingGroups)
	}
	if nTD > 0 { // none stays nil, as without the room
		in.TaskDefinitions = make([]detect.TaskDefinition, 0, nTD)
	}
	if nSvc > 0 {
		in.Services = make([]ecstypes.Service, 0, nSvc)
	}
	m := &merger{seen: make(map[seenKey]seen, nSeen)}
	type roleState struct {
		seen
		complete bool
	}
	roles := map[string]*roleState{}
	var roleList []*detect.Role
	policies := map[string]item[managedPolicy]{}
	policyFile := map[string]string{}
	endpointDocs, endpointsComplete := false, true
	interfaceDocs, interfacesComplete := false, true
	for _, p := range parts {
		if p.endpointsDoc {
			endpointDocs = true
			endpointsComplete = endpointsComplete && p.endpointsComplete
		}
		if p.interfacesDoc {
			interfaceDocs = true
			interfacesComplete = interfacesComplete && p.interfacesComplete
		}
		for _, step := range []error{
			add(m, detect.TypeTaskDefinition, p.file, p.taskDefinitions, &in.TaskDefinitions),
			add(m, detect.TypeService, p.file, p.services, &in.Services),
			add(m, detect.TypeCluster, p.file, p.clusters, &in.Clusters),
			add(m, detect.TypeTaskSet, p.file, p.taskSets, &in.TaskSets),
			add(m, detect.TypeCapacityProvider, p.file, p.capacityProviders, &in.CapacityProviders),
			add(m, detect.TypeSecurityGroup, p.file, p.securityGroups, &in.SecurityGroups),
			add(m, detect.TypeSubnet, p.file, p.subnets, &in.Subnets),
			add(m, detect.TypeRouteTable, p.file, p.routeTables, &in.RouteTables),
			add(m, typeVpcEndpoint, p.file, p.vpcEndpoints, &in.VpcEndpoints),
			add(m, typeNetworkInterface, p.file, p.networkInterfaces, &in.NetworkInterfaces),
			add(m, detect.TypeLoadBalancer, p.file, p.loadBalancers, &in.LoadBalancers),
			add(m, detect.TypeTargetGroup, p.file, p.targetGroups, &in.TargetGroups),
			add(m, detect.TypeAutoScalingGroup, p.file, p.autoScalingGroups, &in.AutoScalingGroups),
		} {
			if step != nil {
				return nil, step
			}
		}
		in.Errors = append(in.Errors, p.errors...)

		for _, it := range p.roles {
			st, ok := roles[it.id]
			if !ok {
				roles[it.id] = &roleState{seen: seen{file: p.file, where: it.where, index: len(in.Roles)}, complete: it.v.complete}
				in.Roles = append(in.Roles, it.v.role)
				continue
			}
			cur := &in.Roles[st.index]
			nw := it.v.role
			sameIdentity := cur.Name == nw.Name && cur.AssumeRolePolicy == nw.AssumeRolePolicy && reflect.DeepEqual(cur.Tags, nw.Tags)
			switch {
			case !sameIdentity:
				return nil, conflict(detect.TypeRole, it.id, st.file, st.where, p.file, it.where)
			case st.complete && it.v.complete:
				if !reflect.DeepEqual(*cur, nw) {
					return nil, conflict(detect.TypeRole, it.id, st.file, st.where, p.file, it.where)
				}
			case it.v.complete: // the complete view replaces the get-role one
				*cur = nw
				st.seen = seen{file: p.file, where: it.where, index: st.index}
				st.complete = true
			}
		}
		for _, it := range p.policies {
			if prev, ok := policies[it.id]; ok {
				if prev.v != it.v {
					return nil, conflict("AWS::IAM::ManagedPolicy", it.id, policyFile[it.id], prev.where, p.file, it.where)
				}
				continue
			}
			policies[it.id] = it
			policyFile[it.id] = p.file
		}
	}
	// Without describe-vpc-endpoints (or with only a page of it), "no endpoint" cannot be told from
	// "not exported".
	in.VpcEndpointsKnown = endpointDocs && endpointsComplete
	// Likewise, "no other interface carries the group" needs describe-network-interfaces, complete.
	in.NetworkInterfacesKnown = interfaceDocs && interfacesComplete
	for i := range in.Roles {
		roleList = append(roleList, &in.Roles[i])
	}

	// Inline policies exported one by one (aws iam get-role-policy) join their role by name.
	for _, p := range parts {
		for _, it := range p.inline {
			var matches []*detect.Role
			for _, r := range roleList {
				if r.Name == it.v.roleName {
					matches = append(matches, r)
				}
			}
			switch len(matches) {
			case 0:
				return nil, fmt.Errorf("%s: inline policy %s of role %s: the snapshot has no role named %s (add the output of `aws iam get-role --role-name %s`)",
					p.file, it.v.policy.Name, it.v.roleName, it.v.roleName, it.v.roleName)
			case 1:
			default:
				return nil, fmt.Errorf("%s: inline policy %s of role %s: several roles in the snapshot have that name (in different accounts); export the role with `aws iam get-account-authorization-details` instead",
					p.file, it.v.policy.Name, it.v.roleName)
			}
			r := matches[0]
			found := false
			for _, have := range r.Inline {
				if have.Name == it.v.policy.Name {
					if have.Document != it.v.policy.Document {
						return nil, fmt.Errorf("%s: inline policy %s of role %s differs from the one already in the snapshot; a snapshot must hold one version of each resource",
							p.file, it.v.policy.Name, r.Name)
					}
					found = true
				}
			}
			if found {
				continue
			}
			if r.PoliciesKnown {
				st := roles[r.Arn]
				return nil, fmt.Errorf("%s: inline policy %s of role %s is not among the role's policies in %s; a snapshot must hold one version of each resource",
					p.file, it.v.policy.Name, r.Name, st.file)
			}
			r.Inline = append(r.Inline, it.v.policy)
		}
	}

	// Attached managed policies get their default version's document when the snapshot lists it.
	for _, r := range roleList {
		for j := range r.Attached {
			if mp, ok := policies[r.Attached[j].Arn]; ok {
				r.Attached[j].Document = mp.v.document
			}
		}
	}

	if restore != nil {
		if err := restore(in); err != nil {
			return nil, err
		}
	}

	// Inspector findings (aws inspector2 list-findings) give the vulnerabilities of the images services run.
	inspectorDocs := false
	var findings []inspectorFinding
	findingFiles, added := map[string]item[inspectorFinding]{}, map[string]bool{}
	for _, p := range parts {
		if !p.inspectorDoc {
			continue
		}
		inspectorDocs = true
		if err := checkFindingArns(findingFiles, p.file, p.inspectorFindings); err != nil {
			return nil, err
		}
		for _, it := range p.inspectorFindings {
			if !added[it.id] { // a finding listed twice in one file (overlapping pages) counts once
				added[it.id] = true
				findings = append(findings, it.v)
			}
		}
	}
	if inspectorDocs {
		in.Vulnerabilities = vulnerabilities(in, findings)
	}
	return in, nil
}

// passHashed hashes every pass over a large file as it is read. Each pass that reaches the file's end
// must give the same digest; the pass read last is read to its end once the file is parsed. The digest
// is then that of the bytes parsed (a first reading's, which a reading again must match), never of a
// pass over other bytes: a file rewritten while it is read is refused rather than hashed as one version
// and parsed as another.
type passHashed struct {
	readSeekCloser
	h      hash.Hash
	ended  bool // the current pass has reached the end
	passes int  // passes that reached the end
	sum    [sha256.Size]byte
	differ bool
}

func (f *passHashed) Read(b []byte) (int, error) {
	n, err := f.readSeekCloser.Read(b)
	f.h.Write(b[:n])
	if errors.Is(err, io.EOF) && !f.ended {
		f.ended = true
		var sum [sha256.Size]byte
		f.h.Sum(sum[:0])
		if f.passes > 0 && sum != f.sum {
			f.differ = true
		}
		f.sum = sum
		f.passes++
	}
	return n, err
}

func (f *passHashed) Seek(offset int64, whence int) (int64, error) {
	n, err := f.readSeekCloser.Seek(offset, whence)
	if err == nil {
		f.h.Reset()
		f.ended = false
	}
	return n, err
}

// digest finishes the current pass (read to the end) and returns the digest every complete pass gave.
func (f *passHashed) digest() ([sha256.Size]byte, error) {
	if !f.ended {
		if _, err := io.Copy(io.Discard, f); err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	if f.differ || f.passes == 0 {
		return [sha256.Size]byte{}, errChangedWhileRead
	}
	return f.sum, nil
}

// errChangedWhileRead is a large file whose passes read different bytes.
var errChangedWhileRead = errors.New("the file changed while it was read (its passes read different bytes)")
