package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Statement is one statement of an IAM policy document, as the controls and the planner read it.
type Statement struct {
	Sid         string
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	// Condition is true when the statement has a Condition block (its content is not interpreted).
	Condition bool
}

// ParsePolicy reads a policy document's statements: Statement may be an object or a list, Action and
// Resource (and their Not forms) a string or a list. A malformed document is an error, never an empty
// policy.
func ParsePolicy(doc string) ([]Statement, error) {
	var policy struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		return nil, fmt.Errorf("malformed policy document: %v", err)
	}
	raw := bytes.TrimSpace(policy.Statement)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []map[string]json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("malformed Statement: %v", err)
		}
	} else {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, fmt.Errorf("malformed Statement: %v", err)
		}
		items = append(items, one)
	}
	out := make([]Statement, 0, len(items))
	for i, it := range items {
		var s Statement
		if err := unmarshalOptional(it["Effect"], &s.Effect); err != nil {
			return nil, fmt.Errorf("statement #%d: malformed Effect: %v", i, err)
		}
		if err := unmarshalOptional(it["Sid"], &s.Sid); err != nil {
			return nil, fmt.Errorf("statement #%d: malformed Sid: %v", i, err)
		}
		for _, f := range []struct {
			key string
			dst *[]string
		}{{"Action", &s.Action}, {"NotAction", &s.NotAction}, {"Resource", &s.Resource}, {"NotResource", &s.NotResource}} {
			list, err := stringOrList(it[f.key])
			if err != nil {
				return nil, fmt.Errorf("statement #%d: malformed %s: %v", i, f.key, err)
			}
			*f.dst = list
		}
		_, s.Condition = it["Condition"]
		out = append(out, s)
	}
	return out, nil
}

func unmarshalOptional(raw json.RawMessage, dst *string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, dst)
}

func stringOrList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, err
	}
	return many, nil
}
