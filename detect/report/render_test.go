package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ecsfix/ecsfix/detect"
)

// comparedReports are the reports rendered both ways: the sample, an empty one, generated ones with
// text JSON and terminals treat specially, and the scans of large generated snapshots.
func comparedReports(t *testing.T) map[string]*Report {
	t.Helper()
	reports := map[string]*Report{"sample": sample(), "empty": {ToolVersion: "test", Source: Source{Kind: "live"}}}
	odd := []string{"<b>&amp;</b>", "tab\there", "bidi \u202e override", "line\u2028sep", "bad \xff utf-8", "nul \x00 \x1b[2J", "quote \" back \\", "é ☃ 𝄞", "\x7f\u0085", ""}
	statuses := []detect.Status{detect.Passed, detect.Failed, detect.NotApplicable, detect.NotEvaluated}
	expires := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	rng := rand.New(rand.NewSource(13))
	for g := range 6 {
		r := &Report{ToolVersion: odd[rng.Intn(len(odd))], Source: Source{Kind: "snapshot", Path: odd[rng.Intn(len(odd))], Regions: []string{"eu-west-1"}}, Resources: 7}
		for range 1 + rng.Intn(600) {
			res := detect.Result{ControlInfo: &detect.ControlInfo{Control: []string{"ECS.5", "ECS.10", "EXPOSURE.admin-task-role", odd[rng.Intn(len(odd))]}[rng.Intn(4)],
				Title: odd[rng.Intn(len(odd))], Severity: detect.Severity([]string{"HIGH", "LOW", "CRITICAL", odd[rng.Intn(len(odd))]}[rng.Intn(4)]),
				ResourceType: []string{detect.TypeTaskDefinition, detect.TypeService, detect.TypeCluster, "Other"}[rng.Intn(4)]},
				ResourceArn: fmt.Sprintf("arn:aws:ecs:eu-west-1:123456789012:x/%d%s", rng.Intn(40), odd[rng.Intn(len(odd))]),
				Region:      "eu-west-1", Status: statuses[rng.Intn(len(statuses))], Reason: odd[rng.Intn(len(odd))] + " reason"}
			if rng.Intn(5) == 0 {
				res.Aliases = []string{"a", odd[rng.Intn(len(odd))]}
			}
			if rng.Intn(4) == 0 {
				res.Offenders = []detect.Offender{{}}
			}
			if res.Status == detect.Failed && rng.Intn(3) == 0 {
				res.Suppressed = &detect.Suppressed{By: odd[rng.Intn(len(odd))], Reason: odd[rng.Intn(len(odd))]}
				if rng.Intn(2) == 0 {
					res.Suppressed.Expires = &expires
				}
			}
			r.Results = append(r.Results, res)
			switch rng.Intn(4) { // located in a snapshot file, or in a task-definition file with a fix
			case 0:
				if r.Origins == nil {
					r.Origins = map[string]Origin{}
				}
				r.Origins[res.ResourceArn] = Origin{File: "ecs/" + odd[rng.Intn(len(odd))] + ".json", Line: rng.Intn(3)}
			case 1:
				if r.FileFindings == nil {
					r.FileFindings = map[string]FileFinding{}
				}
				ff := FileFinding{File: "td/" + odd[rng.Intn(len(odd))] + ".json", Line: rng.Intn(30)}
				if rng.Intn(2) == 0 {
					ff.Fix = &FileFix{Description: odd[rng.Intn(len(odd))], Replacements: []Replacement{{StartLine: 3, EndLine: 4, Inserted: odd[rng.Intn(len(odd))] + "\n"}}}
				}
				r.FileFindings[FileFindingKey(res.Control, res.ResourceArn)] = ff
			}
		}
		if g%2 == 0 {
			r.Errors = append(r.Errors, detect.ReadError{Region: "eu-west-1", ResourceType: detect.TypeRole, Resource: odd[rng.Intn(len(odd))], Operation: "GetRole", Message: odd[rng.Intn(len(odd))]})
		}
		reports[fmt.Sprintf("generated %d", g)] = r
	}
	reports["large 50"] = largeReport(t, 50)
	if !testing.Short() {
		reports["large 2500"] = largeReport(t, 2500)
	}
	return reports
}

func TestTextJSONAndSARIFAgreeWithReference(t *testing.T) {
	reports := comparedReports(t)
	for _, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		for name, r := range reports {
			if name == "large 2500" && procs == 1 {
				continue // the 100,000 results once
			}
			for _, o := range []TextOptions{{}, {All: true}, {Color: true}, {All: true, Color: true}} {
				var want, got bytes.Buffer
				wantErr := refText(&want, r, o)
				gotErr := Text(&got, r, o)
				checkSame(t, fmt.Sprintf("text of %s (%+v, %d procs)", name, o, procs), want.Bytes(), got.Bytes(), wantErr, gotErr)
			}
			var want, got bytes.Buffer
			wantErr := refJSON(&want, r)
			gotErr := JSON(&got, r)
			checkSame(t, fmt.Sprintf("JSON of %s (%d procs)", name, procs), want.Bytes(), got.Bytes(), wantErr, gotErr)
			want.Reset()
			got.Reset()
			wantErr = refSARIF(&want, r)
			gotErr = SARIF(&got, r)
			checkSame(t, fmt.Sprintf("SARIF of %s (%d procs)", name, procs), want.Bytes(), got.Bytes(), wantErr, gotErr)
		}
		runtime.GOMAXPROCS(old)
	}
}

func checkSame(t *testing.T, what string, want, got []byte, wantErr, gotErr error) {
	t.Helper()
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Errorf("%s: error %v, the reference's %v", what, gotErr, wantErr)
	}
	if !bytes.Equal(want, got) {
		i := 0
		for i < min(len(want), len(got)) && want[i] == got[i] {
			i++
		}
		t.Errorf("%s: %d bytes differ from the reference's %d from byte %d:\n got %q\nwant %q", what, len(got), len(want), i,
			got[i:min(len(got), i+200)], want[i:min(len(want), i+200)])
	}
	if len(want) == 0 {
		t.Errorf("%s: nothing rendered: the comparison compares nothing", what)
	}
}

// JSON writes document's members itself, in order: a member added to document must be added there.
func TestJSONMembersAreDocuments(t *testing.T) {
	var names []string
	typ := reflect.TypeFor[document]()
	for i := range typ.NumField() {
		names = append(names, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	var b bytes.Buffer
	if err := JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var written []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, `  "`) {
			written = append(written, strings.Split(line, `"`)[1])
		}
	}
	if !reflect.DeepEqual(names, written) {
		t.Errorf("JSON writes members %v; document has %v", written, names)
	}
}

// A SARIF log of failures has one place for its results: the streamed log's results are where the whole
// log has them.
func TestSARIFResultsMarkerIsUnique(t *testing.T) {
	var b bytes.Buffer
	if err := refSARIF(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b.Bytes(), []byte("\n      \"results\": [")); n != 1 {
		t.Errorf("the log has %d results lists at the run's depth", n)
	}
}

// A writer's error is what the renderers return, as before.
func TestRenderersReturnTheWritersError(t *testing.T) {
	r := largeReport(t, 50)
	boom := errors.New("disk full")
	for name, render := range map[string][2]func(io.Writer) error{
		"text":  {func(w io.Writer) error { return Text(w, r, TextOptions{All: true}) }, func(w io.Writer) error { return refText(w, r, TextOptions{All: true}) }},
		"JSON":  {func(w io.Writer) error { return JSON(w, r) }, func(w io.Writer) error { return refJSON(w, r) }},
		"SARIF": {func(w io.Writer) error { return SARIF(w, r) }, func(w io.Writer) error { return refSARIF(w, r) }},
	} {
		for _, after := range []int{0, 1000, 100000} {
			got, want := render[0](&failingWriter{left: after, err: boom}), render[1](&failingWriter{left: after, err: boom})
			if !errors.Is(got, boom) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, failing after %d bytes: %v; the reference: %v", name, after, got, want)
			}
		}
	}
}

// failingWriter takes left bytes, then fails.
type failingWriter struct {
	left int
	err  error
}

func (f *failingWriter) Write(b []byte) (int, error) {
	if len(b) > f.left {
		n := f.left
		f.left = 0
		return n, f.err
	}
	f.left -= len(b)
	return len(b), nil
}
