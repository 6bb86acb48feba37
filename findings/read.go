// Reading findings from a file or stdin: the size and nesting limits, and the choice between the output
// of get-findings, get-findings-v2 and an EventBridge event.
package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ecsfix/ecsfix/internal/textsafe"
)

// ReadFrom reads at most MaxInputBytes from r and parses them as Parse does.
func ReadFrom(name string, r io.Reader) ([]Finding, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("findings %s: %w", textsafe.Line(name), err)
	}
	return Parse(name, data)
}

// Parse reads the findings in data, named name in errors: the JSON output of `aws securityhub
// get-findings` ({"Findings": [ASFF...]}), of `aws securityhub get-findings-v2` ({"Findings":
// [OCSF...]}), or an EventBridge "Security Hub Findings - Imported" event (detail.findings: [ASFF...]) or
// "Findings Imported V2" event (detail.findings: [OCSF...]). It refuses the whole input, naming the finding's index, when any finding is malformed: wrong types,
// missing or malformed ids, control characters, too many resources. Findings are returned in input
// order; which of them to act on is the caller's (Finding.Open).
func Parse(name string, data []byte) ([]Finding, error) {
	fail := func(err error) error { return fmt.Errorf("findings %s: %w", textsafe.Line(name), err) }
	if len(data) > MaxInputBytes {
		return nil, fail(fmt.Errorf("larger than %d MiB", MaxInputBytes>>20))
	}
	if err := checkDepth(data); err != nil {
		return nil, fail(err)
	}
	var top map[string]json.RawMessage
	if err := strictUnmarshal(data, &top); err != nil {
		return nil, fail(fmt.Errorf("not a JSON object: %w", err))
	}
	var raws []json.RawMessage
	var format Format // set by an event's type; "" lets each finding's shape decide
	switch {
	case top["Findings"] != nil:
		if err := json.Unmarshal(top["Findings"], &raws); err != nil {
			return nil, fail(fmt.Errorf("Findings is not a list: %w", jsonErr(err)))
		}
	case top["detail"] != nil:
		var err error
		if raws, format, err = eventFindings(top); err != nil {
			return nil, fail(err)
		}
	default:
		return nil, fail(errors.New("neither the output of get-findings or get-findings-v2 (no Findings) nor a Security Hub event (no detail)"))
	}
	if len(raws) > MaxFindings {
		return nil, fail(fmt.Errorf("%d findings (at most %d)", len(raws), MaxFindings))
	}
	out := make([]Finding, 0, len(raws))
	for i, raw := range raws {
		f, err := parseOne(raw, format)
		if err != nil {
			return nil, fail(fmt.Errorf("finding %d: %w", i, err))
		}
		out = append(out, f)
	}
	return out, nil
}

// parseOne parses one finding in format, or, when format is "", as OCSF when it has finding_info and
// as ASFF otherwise.
func parseOne(raw json.RawMessage, format Format) (Finding, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return Finding{}, fmt.Errorf("not a JSON object: %w", jsonErr(err))
	}
	var f Finding
	var err error
	if _, ocsf := keys["finding_info"]; format == OCSF || format == "" && ocsf {
		f, err = parseOCSF(raw)
	} else {
		f, err = parseASFF(raw)
	}
	if err != nil {
		return Finding{}, err
	}
	if err := f.check(); err != nil {
		if f.ID != "" && checkText("id", f.ID, MaxIDLen, true) == nil {
			return Finding{}, fmt.Errorf("%s: %w", textsafe.Line(f.ID), err)
		}
		return Finding{}, err
	}
	return f, nil
}

// The EventBridge events Security Hub sends for imported (and updated) findings: ASFF findings from
// Security Hub CSPM, OCSF findings from Security Hub (V2).
const (
	eventSource       = "aws.securityhub"
	eventDetailType   = "Security Hub Findings - Imported"
	eventDetailTypeV2 = "Findings Imported V2"
)

func eventFindings(top map[string]json.RawMessage) ([]json.RawMessage, Format, error) {
	var source, detailType string
	if err := json.Unmarshal(orNull(top["source"]), &source); err != nil {
		return nil, "", fmt.Errorf("event source is not a string: %w", jsonErr(err))
	}
	if err := json.Unmarshal(orNull(top["detail-type"]), &detailType); err != nil {
		return nil, "", fmt.Errorf("event detail-type is not a string: %w", jsonErr(err))
	}
	format := map[string]Format{eventDetailType: ASFF, eventDetailTypeV2: OCSF}[detailType]
	if source != eventSource || format == "" {
		return nil, "", fmt.Errorf("event from \"%s\" of type \"%s\" is not a %q or %q event from %s",
			textsafe.Line(textsafe.Clip(source, 80)), textsafe.Line(textsafe.Clip(detailType, 80)), eventDetailType, eventDetailTypeV2, eventSource)
	}
	var detail struct {
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(top["detail"], &detail); err != nil {
		return nil, "", fmt.Errorf("event detail: %w", jsonErr(err))
	}
	if detail.Findings == nil {
		return nil, "", errors.New("event detail holds no findings list")
	}
	return detail.Findings, format, nil
}

func orNull(r json.RawMessage) json.RawMessage {
	if r == nil {
		return json.RawMessage("null")
	}
	return r
}

// strictUnmarshal decodes one JSON value and refuses anything after it.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return jsonErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// jsonErr makes a decoding error say where, without quoting the input.
func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Errorf("%s: a JSON %s where a %s belongs", textsafe.Line(field), te.Value, te.Type)
	}
	return err
}

// checkDepth refuses JSON nested deeper than MaxNestingDepth, before any decoding.
func checkDepth(data []byte) error {
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxNestingDepth {
				return fmt.Errorf("JSON nested deeper than %d levels", MaxNestingDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
