package awsjson_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/detect/snapshot"
	"github.com/ecsfix/ecsfix/detect/snapshot/snapshottest"
)

// TestMarshalToIsMarshalOnGeneratedSnapshots: on every task definition of a generated snapshot (the
// benchmark's kind: many containers, environments, labels, log options), MarshalTo writes what the
// first encoder wrote, of the revision and of its registration input, and MarshalMasked writes what
// MarshalTo writes once the masked values are set.
func TestMarshalToIsMarshalOnGeneratedSnapshots(t *testing.T) {
	dir := t.TempDir()
	snapshottest.WriteLarge(t, dir, 60, 3)
	inv, err := snapshot.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.TaskDefinitions) < 100 {
		t.Fatalf("%d task definitions", len(inv.TaskDefinitions))
	}
	var buf bytes.Buffer
	var strs, entries int
	for i := range inv.TaskDefinitions {
		td := &inv.TaskDefinitions[i].TaskDefinition
		c := td.ContainerDefinitions
		in := &ecs.RegisterTaskDefinitionInput{ContainerDefinitions: c, Family: td.Family, Cpu: td.Cpu, Memory: td.Memory,
			NetworkMode: td.NetworkMode, Volumes: td.Volumes, ExecutionRoleArn: td.ExecutionRoleArn, TaskRoleArn: td.TaskRoleArn,
			RequiresCompatibilities: td.RequiresCompatibilities, PidMode: td.PidMode, RuntimePlatform: td.RuntimePlatform}
		for _, v := range []any{td, in} {
			want, werr := awsjson.ReferenceMarshal(v)
			buf.Reset()
			gerr := awsjson.MarshalTo(&buf, v)
			if werr != nil || gerr != nil || !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("%s: MarshalTo (%v)\n%s\nreference (%v)\n%s", *td.TaskDefinitionArn, gerr, buf.Bytes(), werr, want)
			}
		}
		// mask every environment value and every log option, through the encoder, then by setting them
		masks := &awsjson.Masks{Strings: map[*string]string{}, Entries: map[awsjson.MapEntry]string{}}
		for j := range c {
			for k := range c[j].Environment {
				if c[j].Environment[k].Value != nil {
					masks.Strings[c[j].Environment[k].Value] = "(masked)"
				}
			}
			if lc := c[j].LogConfiguration; lc != nil {
				for k := range lc.Options {
					masks.Entries[awsjson.MapEntry{Map: reflect.ValueOf(lc.Options).UnsafePointer(), Key: k}] = "(masked \"option\")"
				}
			}
			if c[j].Image != nil {
				masks.Strings[c[j].Image] = "img\n"
			}
		}
		strs, entries = strs+len(masks.Strings), entries+len(masks.Entries)
		buf.Reset()
		if err := awsjson.MarshalMasked(&buf, in, masks); err != nil {
			t.Fatal(err)
		}
		got := bytes.Clone(buf.Bytes())
		set := setMasks(in, masks)
		want, _ := awsjson.ReferenceMarshal(set)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: MarshalMasked\n%s\nmasked then marshalled\n%s", *td.TaskDefinitionArn, got, want)
		}
	}
	if strs == 0 || entries == 0 {
		t.Errorf("masked %d strings and %d map entries: the snapshot lacks environments or log options", strs, entries)
	}
}

// setMasks is a copy of in's containers with the masked values set.
func setMasks(in *ecs.RegisterTaskDefinitionInput, masks *awsjson.Masks) *ecs.RegisterTaskDefinitionInput {
	out := *in
	out.ContainerDefinitions = append(out.ContainerDefinitions[:0:0], in.ContainerDefinitions...)
	for j := range out.ContainerDefinitions {
		c := &out.ContainerDefinitions[j]
		if m, ok := masks.Strings[in.ContainerDefinitions[j].Image]; ok {
			c.Image = &m
		}
		c.Environment = append(c.Environment[:0:0], c.Environment...)
		for k := range c.Environment {
			if m, ok := masks.Strings[in.ContainerDefinitions[j].Environment[k].Value]; ok {
				c.Environment[k].Value = &m
			}
		}
		if lc := c.LogConfiguration; lc != nil {
			l := *lc
			l.Options = map[string]string{}
			for k, v := range lc.Options {
				if m, ok := masks.Entries[awsjson.MapEntry{Map: reflect.ValueOf(lc.Options).UnsafePointer(), Key: k}]; ok {
					v = m
				}
				l.Options[k] = v
			}
			c.LogConfiguration = &l
		}
	}
	return &out
}
