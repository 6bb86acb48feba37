package snapshot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ecsfix/ecsfix/detect"
)

// Load reads a snapshot: a file, or a folder searched recursively for *.json files (hidden files and
// folders skipped), within DefaultLimits. It fails on the first file that is malformed, holds an unknown field or a value of
// the wrong type, or is not a recognised AWS CLI document, and when two files disagree about a resource.
func Load(path string) (*detect.Inventory, error) {
	snap, err := Open(path)
	if err != nil {
		return nil, err
	}
	return snap.Inventory, nil
}

// Snapshot is a loaded snapshot: its inventory, and where each ECS resource was read from.
type Snapshot struct {
	Inventory *detect.Inventory
	// Origins maps the ARN of each task definition, service, cluster, task set and capacity provider to
	// the file (and line) it was first read from.
	Origins map[string]Origin
}

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
	src, err := openSource(path, lim)
	if err != nil {
		return nil, err
	}
	defer src.close()
	if src.root != nil && len(src.files) == 0 {
		return nil, fmt.Errorf("snapshot %s: no *.json files found; a snapshot folder holds the JSON output of AWS CLI commands (see `go doc github.com/ecsfix/ecsfix/detect/snapshot`)", path)
	}
	parts, err := parseFiles(src)
	if err != nil {
		return nil, err
	}
	in, err := merge(parts)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Inventory: in, Origins: map[string]Origin{}}
	for _, p := range parts {
		for id, line := range p.lines {
			if _, ok := snap.Origins[id]; !ok {
				snap.Origins[id] = Origin{File: p.file, Line: line}
			}
		}
	}
	return snap, nil
}

// Parse reads a single document (the output of one AWS CLI command); name is used in error messages.
func Parse(name string, data []byte) (*detect.Inventory, error) {
	p, err := parseDocument(name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	return merge([]*part{p})
}

// parseFiles reads and parses files in parallel; the parts come back in the files' order, and the error
// reported is that of the first failing file in that order (the files after a failing one are not read).
func parseFiles(src *source) ([]*part, error) {
	files := src.files
	parts := make([]*part, len(files))
	errs := make([]error, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	next := make(chan int)
	mem := newBudget(parseBudget)
	// firstFailed is the index of the first file found failing: the files after it are not read.
	var firstFailed atomic.Int64
	firstFailed.Store(int64(len(files)))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				parts[i], errs[i] = src.parse(files[i])
				for errs[i] != nil {
					f := firstFailed.Load()
					if int64(i) >= f || firstFailed.CompareAndSwap(f, int64(i)) {
						break
					}
				}
				mem.release(weight(src.sizes[files[i]]))
			}
		}()
	}
	for i := range files {
		mem.acquire(weight(src.sizes[files[i]]))
		if int64(i) > firstFailed.Load() {
			mem.release(weight(src.sizes[files[i]]))
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// parse reads one file of the source into its part, and locates its resources in it.
func (s *source) parse(name string) (*part, error) {
	f, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := parseDocument(s.display(name), f, f.Size())
	if err == nil {
		err = p.locate(f)
	}
	if err != nil {
		return nil, s.readErr(name, err)
	}
	return p, nil
}

// lineReaders are locate's buffered readers, reused: a snapshot reads thousands of small files.
var lineReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

// locate records the line of the first quoted occurrence of each ECS resource's ARN in the file's text
// (the CLI prints a resource's own ARN before any reference to other resources of the same document),
// reading the file once more, a buffer at a time. Every double quote starts a candidate that the next
// one ends; an ARN holding a double quote is not located.
func (p *part) locate(src io.ReadSeeker) error {
	want := map[string]bool{}
	longest := 0
	add := func(id string) {
		if !strings.Contains(id, `"`) {
			want[id] = true
			longest = max(longest, len(id))
		}
	}
	for _, it := range p.taskDefinitions {
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
	for len(p.lines) < len(want) {
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
			if open && !tooLong && want[string(cand)] {
				if _, done := p.lines[string(cand)]; !done {
					p.lines[string(cand)] = candLine
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
	seen map[string]seen // resource type + "\x00" + id
}

// add appends the items not already present; a resource found twice must be identical.
func add[T any](m *merger, typ, file string, items []item[T], dst *[]T) error {
	for _, it := range items {
		key := typ + "\x00" + it.id
		if s, ok := m.seen[key]; ok {
			if reflect.DeepEqual((*dst)[s.index], it.v) {
				continue
			}
			return conflict(typ, it.id, s.file, s.where, file, it.where)
		}
		m.seen[key] = seen{file: file, where: it.where, index: len(*dst)}
		*dst = append(*dst, it.v)
	}
	return nil
}

func conflict(typ, id, file1, where1, file2, where2 string) error {
	if file1 == file2 {
		return fmt.Errorf("%s: %s %s appears twice with different content (%s and %s)", file1, typ, id, where1, where2)
	}
	return fmt.Errorf("%s %s differs between %s (%s) and %s (%s); a snapshot must hold one version of each resource",
		typ, id, file1, where1, file2, where2)
}

func merge(parts []*part) (*detect.Inventory, error) {
	in := &detect.Inventory{}
	m := &merger{seen: map[string]seen{}}
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
	return in, nil
}
