// This file holds the reading of a DescribeTaskDefinition response's raw JSON alongside the SDK's decoding
// of it, in the same call: the member names the SDK's model does not know (a field AWS added after this
// build), which the decoding drops and a new revision built from it would lose. Only the paths of those
// members are kept, never a value: the body may carry environment values.

package awsread

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecsschemas "github.com/aws/aws-sdk-go-v2/service/ecs/schemas"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// describeResponse is the model of a DescribeTaskDefinition response as this build's SDK decodes it: the
// SDK's JSON protocol reads each member of a structure by its model name, exactly (and skips any other),
// so the names it knows are the members of these schemas.
var describeResponse = ecsschemas.DescribeTaskDefinitionResponse

// rawFields is what the capture middleware found in one call's response.
type rawFields struct {
	read    bool     // a successful response was read
	unknown []string // the JSON paths of the members the model does not know
	err     error    // the response's JSON could not be walked
}

// captureUnknownFields returns an option for one DescribeTaskDefinition call that reads the response's
// raw JSON before the SDK decodes it and records in c the members the model does not know. The body is
// read once and handed to the SDK's decoding as it came; nothing of it is kept. A retried call records
// the last attempt's response.
func captureUnknownFields(c *rawFields) func(*ecs.Options) {
	mw := middleware.DeserializeMiddlewareFunc("ecsfixUnknownFields",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			resp, ok := out.RawResponse.(*smithyhttp.Response)
			if !ok || resp.Body == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
				return out, md, err
			}
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr != nil {
				return out, md, fmt.Errorf("read the response: %w", rerr)
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			*c = rawFields{read: true}
			c.unknown, c.err = unknownFields(body, describeResponse)
			return out, md, nil
		})
	return func(o *ecs.Options) {
		// Clipped: the client's own slice is shared by concurrent calls and must not be appended to.
		o.APIOptions = append(slices.Clip(o.APIOptions), func(s *middleware.Stack) error {
			// Last of the deserialize step: the innermost, it sees the raw response first.
			return s.Deserialize.Add(mw, middleware.After)
		})
	}
}

// errUnwalkable is the cause when a response the SDK decoded cannot be walked for its member names. It
// names no part of the body.
var errUnwalkable = errors.New("the response's JSON could not be read for the names of its fields, so a new revision might lose one: nothing is decided on it")

// unknownFields returns the JSON paths of the members of body that the model (root) does not know, in
// the order they come: for a structure, each member whose name is not one of the model's (a member
// whose value is null is left out: the SDK skips it and nothing is lost); within a known member, its
// value walked by the member's model — list elements, map values (the map's keys are data, not names:
// they are written [*]), nested structures. A document's content is free-form and kept by the SDK. The
// walk never descends into an unknown member: its path is reported once.
func unknownFields(body []byte, root *smithy.Schema) ([]string, error) {
	w := walker{dec: json.NewDecoder(bytes.NewReader(body))}
	w.dec.UseNumber()
	if err := w.value(root, ""); err != nil {
		return nil, errUnwalkable
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return nil, errUnwalkable
	}
	return w.found, nil
}

type walker struct {
	dec   *json.Decoder
	found []string
	depth int
}

// maxDepth bounds the nesting walked (the task-definition model nests about 6 deep).
const maxDepth = 64

func (w *walker) value(s *smithy.Schema, path string) error {
	if w.depth++; w.depth > maxDepth {
		return errUnwalkable
	}
	defer func() { w.depth-- }()
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: nothing is named in it
	}
	switch {
	case d == '{' && (s.Type() == smithy.ShapeTypeStructure || s.Type() == smithy.ShapeTypeUnion):
		for w.dec.More() {
			key, err := w.key()
			if err != nil {
				return err
			}
			if m := s.Member(key); m != nil {
				if err := w.value(m, member(path, key)); err != nil {
					return err
				}
				continue
			}
			var v json.RawMessage
			if err := w.dec.Decode(&v); err != nil {
				return err
			}
			if !bytes.Equal(v, []byte("null")) {
				w.found = append(w.found, member(path, key))
			}
		}
	case d == '{' && s.Type() == smithy.ShapeTypeMap && s.MapValue() != nil:
		for w.dec.More() {
			if _, err := w.key(); err != nil {
				return err
			}
			if err := w.value(s.MapValue(), path+"[*]"); err != nil {
				return err
			}
		}
	case d == '[' && (s.Type() == smithy.ShapeTypeList || s.Type() == smithy.ShapeTypeSet) && s.ListMember() != nil:
		for i := 0; w.dec.More(); i++ {
			if err := w.value(s.ListMember(), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	default:
		// A document, or a value of another kind than the model's (the SDK's decoding rules on it):
		// nothing in it is a name the model gives.
		if err := w.skipRest(); err != nil {
			return err
		}
		return nil
	}
	_, err = w.dec.Token() // the closing delimiter
	return err
}

func (w *walker) key() (string, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", errUnwalkable
	}
	return k, nil
}

// skipRest reads to the end of the object or array whose opening delimiter was just read.
func (w *walker) skipRest() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// maxNameLen bounds a member name in a path (the model's longest is about 40 characters).
const maxNameLen = 64

// member is the path of member key of the value at path: ".key" (no dot at the root) for a name of
// letters, digits, '_' and '-', else ["key"] quoted (control characters escaped). A name longer than
// maxNameLen is cut, marked with "…".
func member(path, key string) string {
	if len(key) > maxNameLen {
		cut := maxNameLen
		for cut > 0 && !utf8Start(key[cut]) {
			cut--
		}
		key = key[:cut] + "…"
	}
	if plainName(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.QuoteToASCII(key) + "]"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func plainName(k string) bool {
	if k == "" || strings.HasSuffix(k, "…") {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
