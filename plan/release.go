package plan

import (
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
)

// Releasing the inventory (Options.ReleaseInventory): Build empties the body of each task-definition
// revision (detect.TaskDefinition.Trim) as soon as nothing it does later reads it, so that a large
// estate's container definitions are not all held beside the plan being built. Who reads a revision's
// body, once the results are routed:
//
//   - fixRevision and settle, of the revision planned from it (its fixed copy, its registration's before
//     and after);
//   - alreadyRegistered, of the newer ACTIVE revisions of the family of each revision planned (an earlier
//     plan's registration reused), while the family's revisions are settled;
//   - publicIPs and openSecurityGroups, of the revision each service runs (its images, secrets and
//     ports);
//   - orderFamilies, of a family's latest ACTIVE revision registered again unchanged (RegisterInput);
//   - registration (assemble), of the source of each registration whose before and after settle did not
//     make (rp.form nil: the secrets' placeholders are written into it after, or the latest registered
//     again).
//
// So the bodies go in three steps: during buildRevisions, that of each revision planned, registration
// made, that no service runs, once every revision planned of its family is settled (release.settled);
// after orderFamilies, every body but those registration reads (releaseBeforeAssemble); in assemble,
// each of those once its registration is made (releaseRegistered). Every other reader reads only what
// Trim keeps (ARN, family, revision, status, tags, roles…), until the plan is made: then all but each
// revision's identity goes (releaseAll). Task definitions kept as files (no ARN) are left whole.

// release is the state of Options.ReleaseInventory's releasing during buildRevisions.
type release struct {
	// run are the revisions services run (publicIPs and openSecurityGroups read them).
	run map[string]bool
	// families are the revisions planned, by family key, still to settle.
	families map[string]*familyRelease
}

// familyRelease counts a family's revisions planned still to settle and holds those to release when
// none is left.
type familyRelease struct {
	mu      sync.Mutex
	pending int
	done    []*detect.TaskDefinition
}

// newRelease prepares the releasing of the revisions planned (arns) as they settle; nil when
// Options.ReleaseInventory is off.
func (b *builder) newRelease(arns []string) *release {
	if !b.opts.ReleaseInventory {
		return nil
	}
	r := &release{run: map[string]bool{}, families: make(map[string]*familyRelease, len(arns))}
	for i := range b.inv.Services {
		if a := aws.ToString(b.inv.Services[i].TaskDefinition); a != "" {
			r.run[a] = true
		}
	}
	for _, arn := range arns {
		k := detect.FamilyKey(arn)
		f := r.families[k]
		if f == nil {
			f = &familyRelease{}
			r.families[k] = f
		}
		f.pending++
	}
	return r
}

// settled records that the revision planned from arn is fixed and settled (or failed: ok false); when it
// is the last of its family, it releases the bodies of the family's revisions that nothing reads any
// more: planned, their registration made, run by no service. It is called concurrently, once per
// revision planned; the family's lock orders every settle of the family (each reading its newer
// revisions' bodies) before the release.
func (r *release) settled(arn string, rp *revisionPlan, ok bool) {
	if r == nil {
		return
	}
	f := r.families[detect.FamilyKey(arn)]
	f.mu.Lock()
	f.pending--
	if ok && rp.form != nil && rp.form.err == nil && !r.run[arn] && !rp.source.FileOnly() {
		f.done = append(f.done, rp.source)
	}
	var done []*detect.TaskDefinition
	if f.pending == 0 {
		done, f.done = f.done, nil
	}
	f.mu.Unlock()
	for _, td := range done {
		td.Trim()
	}
}

// releaseBeforeAssemble releases, once the revisions are ordered (orderFamilies), the body of every revision of
// the inventory but the sources of the registrations whose before and after registration makes.
func (b *builder) releaseBeforeAssemble() {
	if !b.opts.ReleaseInventory {
		return
	}
	keep := map[*detect.TaskDefinition]bool{}
	for _, rp := range b.revs {
		if rp.existing == "" && rp.form == nil {
			keep[rp.source] = true
		}
	}
	for i := range b.inv.TaskDefinitions {
		if td := &b.inv.TaskDefinitions[i]; !td.Trimmed && !keep[td] && !td.FileOnly() {
			td.Trim()
		}
	}
}

// releaseAll keeps, once the plan is made, only the identity of each revision (KeepIdentity): its
// settings, tags and unknown fields, read until then (owners, roles), go too.
func (b *builder) releaseAll() {
	if !b.opts.ReleaseInventory {
		return
	}
	for i := range b.inv.TaskDefinitions {
		if td := &b.inv.TaskDefinitions[i]; !td.FileOnly() {
			td.KeepIdentity()
		}
	}
}

// releaseRegistered releases the body of a registration's source once registration has read it (assemble
// calls it concurrently, each registration's source its own).
func (b *builder) releaseRegistered(rp *revisionPlan) {
	if b.opts.ReleaseInventory && !rp.source.Trimmed && !rp.source.FileOnly() {
		rp.source.Trim()
	}
}
