// This file holds how task definitions are read from a file, in each shape a file keeps one:
// describe-task-definition output, a task definition of its own (register-task-definition's input, or
// describe-task-definition --query taskDefinition's output), or a containerDefinitions array. Each gets
// its Source (file, line, JSON pointer); a field this build does not know is a warning, not an error.

package snapshot

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/detect/awsjson"
	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// Warning is something a snapshot file holds that ecsfix read past: a field of a task definition that
// this build does not know (the task definition is still evaluated, without it).
type Warning struct {
	File         string // as messages name it (the folder joined with the file's name)
	Line, Column int    // where the field's name starts
	Field        string // its JSON path in the file
	Message      string
}

func (w Warning) String() string {
	if w.Field == "" {
		return fmt.Sprintf("%s: %s", w.File, w.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", w.File, w.Line, w.Column, w.Field, w.Message)
}

// unknownFieldMessage is the warning of a field this build does not know.
const unknownFieldMessage = "unknown field: this build of ecsfix does not know it; the task definition is evaluated without it"

// unknowns collects the unknown fields of a task-definition file: inner maps a field's path in the
// file to its path within the task definition ("" when it is outside it, as a member beside
// describe-task-definition's taskDefinition).
type unknowns struct {
	c      *collector
	inner  func(awsjson.UnknownField) string
	fields []string // within the task definition, at most maxUnknownFields
	more   int      // unknown fields past maxUnknownFields
}

func (u *unknowns) add(f awsjson.UnknownField) error {
	if err := u.c.notGuessed(f); err != nil {
		return err
	}
	if len(u.c.warnings) >= maxUnknownFields {
		u.more++
		return nil
	}
	u.c.warnings = append(u.c.warnings, Warning{
		File: u.c.file, Line: f.Line, Column: f.Column, Field: textsafe.Clip(f.Path, maxFieldPath), Message: unknownFieldMessage,
	})
	if in := u.inner(f); in != "" {
		u.fields = append(u.fields, textsafe.Clip(in, maxFieldPath))
	}
	return nil
}

func (u *unknowns) finish() {
	if u.more > 0 {
		u.c.warnings = append(u.c.warnings, Warning{File: u.c.file,
			Message: fmt.Sprintf("and %d more unknown fields, not listed (the first %d are)", u.more, maxUnknownFields)})
	}
}

var taskDefinitionType = reflect.TypeFor[ecstypes.TaskDefinition]()

// pointerToken escapes a member name as an RFC 6901 JSON pointer's reference token.
func pointerToken(key string) string {
	return pointerEscaper.Replace(key)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// describedTaskDefinition reads describe-task-definition output ({"taskDefinition": {…}, "tags": […]});
// key is the taskDefinition member as spelled, line the line its value opens on. The task definition's
// own tags (a console export keeps them inside it) are read too.
func (c *collector) describedTaskDefinition(src io.Reader, size int64, key string, line int) (*part, error) {
	var doc taskDefinitionDoc
	var inside []ecstypes.Tag
	u := &unknowns{c: c, inner: func(f awsjson.UnknownField) string {
		if strings.HasPrefix(f.Path, key+".") || strings.HasPrefix(f.Path, key+"[") {
			return f.Inner
		}
		return ""
	}}
	var defs []ecstypes.ContainerDefinition
	opt := c.decodeOptions(size)
	opt.Extra = []awsjson.ExtraField{{Type: taskDefinitionType, Key: "tags", Target: &inside}}
	opt.Each = []awsjson.EachField{c.eachContainer(taskDefinitionType, "ContainerDefinitions", key+".containerDefinitions", &defs)}
	opt.Unknown = u.add
	if err := awsjson.Decode(c.file, src, &doc, opt); err != nil {
		return nil, err
	}
	if doc.TaskDefinition != nil && c.revisions.superseded(doc.TaskDefinition) {
		c.dropContainers(&defs) // keep will trim it: its containers are not copied out of the buffer
	}
	c.keepContainers(&defs)
	u.finish()
	if doc.TaskDefinition == nil {
		return nil, c.missing("taskDefinition", "value (it is null)")
	}
	doc.TaskDefinition.ContainerDefinitions = defs
	tags := doc.Tags
	switch {
	case len(inside) > 0 && len(tags) > 0 && !slices.Equal(tagPairs(inside), tagPairs(tags)):
		return nil, fmt.Errorf("%s: taskDefinition.tags and tags differ; a task definition has one set of tags", c.file)
	case len(inside) > 0:
		tags = inside
	}
	return c.part, c.keep(key, &detect.TaskDefinition{TaskDefinition: *doc.TaskDefinition, Tags: tags, UnknownFields: u.fields},
		detect.FileSource{File: c.rel, Line: line, Pointer: "/" + pointerToken(key)})
}

func tagPairs(tags []ecstypes.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = str(t.Key) + "\x00" + str(t.Value)
	}
	return out
}

// bareTaskDefinition reads a file that is a task definition of its own, its tags inside it; line is the
// line its object opens on.
func (c *collector) bareTaskDefinition(src io.ReadSeeker, size int64, line int) (*part, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", c.file, err)
	}
	var td ecstypes.TaskDefinition
	var tags []ecstypes.Tag
	u := &unknowns{c: c, inner: func(f awsjson.UnknownField) string { return f.Path }}
	opt := c.decodeOptions(size)
	opt.Extra = []awsjson.ExtraField{{Type: taskDefinitionType, Key: "tags", Target: &tags}}
	opt.Each = []awsjson.EachField{c.eachContainer(taskDefinitionType, "ContainerDefinitions", "containerDefinitions", &td.ContainerDefinitions)}
	opt.Unknown = u.add
	if err := awsjson.Decode(c.file, src, &td, opt); err != nil {
		return nil, err
	}
	c.keepContainers(&td.ContainerDefinitions)
	u.finish()
	return c.part, c.keep("", &detect.TaskDefinition{TaskDefinition: td, Tags: tags, UnknownFields: u.fields},
		detect.FileSource{File: c.rel, Line: line})
}

// containers reads a file that is a containerDefinitions array: a task definition of which only the
// containers are known (ContainersOnly), without a family; line is the line the array opens on.
func (c *collector) containers(src io.ReadSeeker, size int64, line int) (*part, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", c.file, err)
	}
	var defs []ecstypes.ContainerDefinition
	u := &unknowns{c: c, inner: func(f awsjson.UnknownField) string { return "containerDefinitions" + f.Path }}
	opt := c.decodeOptions(size)
	opt.Each = []awsjson.EachField{c.eachContainer(reflect.TypeFor[[]ecstypes.ContainerDefinition](), "", "the array", &defs)}
	opt.Unknown = u.add
	if err := awsjson.Decode(c.file, src, &defs, opt); err != nil {
		return nil, err
	}
	c.keepContainers(&defs)
	u.finish()
	src2 := detect.FileSource{File: c.rel, Line: line, ContainersOnly: true}
	td := detect.TaskDefinition{TaskDefinition: ecstypes.TaskDefinition{ContainerDefinitions: defs}, UnknownFields: u.fields, Source: &src2}
	c.taskDefinitions = append(c.taskDefinitions, item[detect.TaskDefinition]{id: td.ARN(), where: "(document)", v: td})
	return c.part, nil
}

// MaxContainers is the most container definitions a task definition may hold: ECS refuses more (its
// "Containers per task definition" quota, not adjustable).
const MaxContainers = 10

// eachContainer reads the container definitions of a task definition (the field of typ, or the document
// itself when field is "") one at a time into defs, and refuses the file at the (MaxContainers+1)th, so
// that a file of many containers is refused before it is decoded whole; where names the array.
// The containers are gathered in a reused buffer of MaxContainers; keepContainers, once the document is
// decoded, copies them into a slice of their number.
func (c *collector) eachContainer(typ reflect.Type, field, where string, defs *[]ecstypes.ContainerDefinition) awsjson.EachField {
	return awsjson.EachField{Type: typ, Field: field, Elem: func(i int, v any) error {
		if i >= MaxContainers {
			return fmt.Errorf("%s: %s: more than %d container definitions; ECS allows at most %d in a task definition", c.file, where, MaxContainers, MaxContainers)
		}
		if c.containerBuf == nil {
			c.containerBuf = containerBufs.Get().(*[]ecstypes.ContainerDefinition)
			*defs = (*c.containerBuf)[:0]
		}
		*defs = append(*defs, *v.(*ecstypes.ContainerDefinition))
		return nil
	}}
}

// containerBufs are eachContainer's buffers.
var containerBufs = sync.Pool{New: func() any {
	b := make([]ecstypes.ContainerDefinition, 0, MaxContainers)
	return &b
}}

// dropContainers gives back the buffer of the containers eachContainer gathered in defs, and empties defs.
func (c *collector) dropContainers(defs *[]ecstypes.ContainerDefinition) {
	*defs = nil
	if c.containerBuf == nil {
		return
	}
	clear((*c.containerBuf)[:MaxContainers])
	containerBufs.Put(c.containerBuf)
	c.containerBuf = nil
}

// keepContainers moves the containers eachContainer gathered in defs out of its buffer, into a slice of
// their number, and gives the buffer back.
func (c *collector) keepContainers(defs *[]ecstypes.ContainerDefinition) {
	if c.containerBuf == nil {
		return
	}
	*defs = slices.Clone(*defs)
	clear((*c.containerBuf)[:MaxContainers])
	containerBufs.Put(c.containerBuf)
	c.containerBuf = nil
}

// keep checks a task definition read from a file and keeps it: one with an ARN (describe-task-definition
// output) must agree with it; one without is identified by its file, line and family, which it must have.
// where is the task definition's member ("" when it is the whole document).
func (c *collector) keep(where string, td *detect.TaskDefinition, src detect.FileSource) error {
	name := func(field string) string {
		if where == "" {
			return field
		}
		return where + "." + field
	}
	td.Source = &src
	if td.TaskDefinitionArn == nil {
		if str(td.Family) == "" {
			return fmt.Errorf("%s: %s: missing family (a task definition kept as a file without a taskDefinitionArn is named by its family)",
				c.file, name("family"))
		}
	} else {
		arn := *td.TaskDefinitionArn
		a, err := detect.ParseTaskDefinitionARN(arn)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", c.file, name("taskDefinitionArn"), err)
		}
		if td.Revision != 0 && int(td.Revision) != a.Revision {
			return fmt.Errorf("%s: %s: %d does not match the ARN's revision %d", c.file, name("revision"), td.Revision, a.Revision)
		}
		if td.Family != nil && *td.Family != a.Family {
			return fmt.Errorf("%s: %s: %q does not match the ARN's family %q", c.file, name("family"), *td.Family, a.Family)
		}
		// the ARN names the revision and family a document may leave out
		if td.Revision == 0 {
			if int(int32(a.Revision)) != a.Revision {
				return fmt.Errorf("%s: %s: the revision %d is out of range", c.file, name("taskDefinitionArn"), a.Revision)
			}
			td.Revision = int32(a.Revision)
		}
		if td.Family == nil {
			family := a.Family
			td.Family = &family
		}
	}
	w := where
	if w == "" {
		w = "(document)"
	}
	if c.revisions != nil && c.revisions.unread(td, c.part, len(c.taskDefinitions)) {
		td.Trim() // not scored: read again if it is read after all (restoreRead)
	}
	c.taskDefinitions = append(c.taskDefinitions, item[detect.TaskDefinition]{id: td.ARN(), where: w, v: *td})
	return nil
}
