package plan

// The reference of the revision plans' settling (settle, in revisions.go): buildRevisions as it was
// before it, finding the registered revision that already is a fix in its ARN-ordered loop and leaving
// every fixed copy (rp.input) to registration. assertSettledAgrees compares the plan Build makes with the
// plan made this way, byte for byte, and their errors.

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/internal/ordered"
)

// buildReference is Build with buildRevisionsReference.
func buildReference(in *detect.Inventory, results []detect.Result, o Options) (*Plan, error) {
	b := newBuilder(in, results, o)
	if err := b.buildRevisionsReference(); err != nil {
		return nil, err
	}
	b.publicIPs()
	b.openSecurityGroups()
	b.orderFamilies()
	return b.assemble()
}

// buildRevisionsReference is buildRevisions without settle.
func (b *builder) buildRevisionsReference() error {
	var arns []string
	for _, arn := range slices.Sorted(maps.Keys(b.revs)) {
		if len(b.revs[arn].want) == 0 {
			delete(b.revs, arn)
			continue
		}
		arns = append(arns, arn)
	}
	fixed := make([]fixedRevision, len(arns))
	ordered.For(len(arns), func(i int) { fixed[i] = b.fixRevision(arns[i], b.revs[arns[i]]) })
	for i, arn := range arns {
		if fixed[i].err != nil {
			return fixed[i].err
		}
		rp := b.revs[arn]
		for _, k := range fixed[i].partly {
			if b.partly == nil {
				b.partly = map[string]bool{}
			}
			b.partly[k] = true
		}
		for _, s := range fixed[i].skips {
			b.skip(s[0], arn, s[1])
		}
		if len(rp.edits) == 0 {
			delete(b.revs, arn)
			continue
		}
		changes := func() string {
			c := make([]string, len(rp.edits))
			for i, e := range rp.edits {
				c[i] = e.Path + ": " + e.Change
			}
			return strings.Join(c, "; ")
		}
		if owner := b.owner(rp.source.Tags); owner != "" {
			for _, c := range slices.Sorted(maps.Keys(rp.controls)) {
				b.skip(c, arn, owner+": make the change in its source ("+changes()+")")
			}
			delete(b.revs, arn)
			continue
		}
		if latest, ok := b.inv.LatestActive(arn); ok && latest.ARN() != arn {
			if owner := b.owner(latest.Tags); owner != "" {
				for _, c := range slices.Sorted(maps.Keys(rp.controls)) {
					b.skip(c, arn, fmt.Sprintf("the family's latest ACTIVE revision %s is %s: a fixed copy of %s would become the family's newest revision; "+
						"make the change in the source of the service's task definition (%s)", detect.ShortARN(latest.ARN()), owner, detect.ShortARN(arn), changes()))
				}
				delete(b.revs, arn)
				continue
			}
		}
		if tags := reservedTags(rp.source.Tags); len(tags) > 0 {
			rp.notes = append(rp.notes, "reserved tags "+strings.Join(tags, ", ")+" are not carried to the new revision: only AWS may set aws: tags")
		}
		existing, err := b.alreadyRegistered(rp)
		if err != nil {
			return err
		}
		rp.existing = existing
	}
	for _, sp := range b.services {
		if rp, ok := b.revs[aws.ToString(sp.svc.TaskDefinition)]; ok {
			sp.rev = rp
		}
	}
	return nil
}

// assertSettledAgrees builds the plan of in both ways and compares them: the same plan file, byte for
// byte, the same content hash, the same findings fixed only in part; or the same error.
func assertSettledAgrees(t testing.TB, in *detect.Inventory, results []detect.Result, o Options) {
	t.Helper()
	got, err1 := Build(in, results, o)
	want, err2 := buildReference(in, results, o)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("Build: %v; the reference: %v", err1, err2)
	}
	if err1 != nil {
		return
	}
	var a, b bytes.Buffer
	if err := Write(&a, got); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("the plan differs from the reference's:\n%s\n---\n%s", a.String(), b.String())
	}
	if got.ContentHash() != want.ContentHash() {
		t.Errorf("content hash %s, the reference's %s", got.ContentHash(), want.ContentHash())
	}
	if !maps.Equal(got.partly, want.partly) {
		t.Errorf("fixed in part %v, the reference's %v", got.partly, want.partly)
	}
}
