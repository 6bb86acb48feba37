package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Normalisation makes a diff of two task definitions show only real change (ecspresso's diff.go does the
// same): lists whose order carries no meaning are sorted by their key fields, a few defaults that AWS
// documents are filled in so that an explicit default does not show as a change, and read-only fields
// that DescribeTaskDefinition returns but RegisterTaskDefinition does not take are dropped. It works on
// decoded generic JSON, so it does not depend on SDK types.

// readOnlyTaskDefinitionFields are set by ECS, not by the caller of RegisterTaskDefinition.
var readOnlyTaskDefinitionFields = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt",
}

// containerDefaults are the container-definition defaults the ECS API reference documents
// (ContainerDefinition): a container is essential unless it says otherwise, not privileged, and has a
// writable root filesystem.
var containerDefaults = map[string]any{
	"essential":              true,
	"privileged":             false,
	"readonlyRootFilesystem": false,
}

// unorderedLists name the lists whose order carries no meaning and the fields that identify an element.
// Elements that tie on their key fields are ordered by their whole JSON, so any permutation normalises
// to the same list. Not here on purpose: environmentFiles, dnsServers, dnsSearchDomains, entryPoint,
// command (order matters).
var (
	taskDefinitionLists = map[string][]string{
		"containerDefinitions":    {"name"},
		"volumes":                 {"name"},
		"tags":                    {"key"},
		"placementConstraints":    {"type", "expression"},
		"inferenceAccelerators":   {"deviceName"},
		"requiresCompatibilities": nil, // strings
	}
	containerLists = map[string][]string{
		"environment":          {"name"},
		"secrets":              {"name"},
		"mountPoints":          {"containerPath", "sourceVolume"},
		"portMappings":         {"containerPort", "protocol", "hostPort", "name"},
		"volumesFrom":          {"sourceContainer"},
		"ulimits":              {"name"},
		"extraHosts":           {"hostname", "ipAddress"},
		"systemControls":       {"namespace"},
		"dependsOn":            {"containerName"},
		"resourceRequirements": {"type"},
		"links":                nil,
	}
)

// NormalizeTaskDefinition returns the normalised form of a task definition (RegisterTaskDefinition input
// or DescribeTaskDefinition output, in the AWS CLI's JSON form) as indented JSON with sorted keys and a
// trailing newline.
func NormalizeTaskDefinition(raw []byte) ([]byte, error) {
	doc, err := decodeGenericJSON(raw)
	if err != nil {
		return nil, err
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("task definition is not a JSON object")
	}
	normalizeTaskDefinitionDoc(m)
	return encodeGenericJSON(m)
}

// decodeGenericJSON decodes one JSON value, keeping numbers exact.
func decodeGenericJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// encodeGenericJSON writes v indented by two spaces, keys sorted, without HTML escaping.
func encodeGenericJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// normalizeTaskDefinitionDoc normalises a decoded task definition in place.
func normalizeTaskDefinitionDoc(td map[string]any) {
	for _, f := range readOnlyTaskDefinitionFields {
		delete(td, f)
	}
	dropEmpty(td)
	// No task-level default is filled: networkMode's default is bridge on Linux but NAT ("default") on
	// Windows, so an absent network mode is shown as absent.
	if cds, ok := td["containerDefinitions"].([]any); ok {
		for _, c := range cds {
			if cd, ok := c.(map[string]any); ok {
				normalizeContainer(cd)
			}
		}
	}
	if vols, ok := td["volumes"].([]any); ok {
		for _, v := range vols {
			vol, ok := v.(map[string]any)
			if !ok {
				continue
			}
			// EFSVolumeConfiguration: "If this parameter is omitted, the default value of DISABLED is used."
			if efs, ok := vol["efsVolumeConfiguration"].(map[string]any); ok {
				fillDefaults(efs, map[string]any{"transitEncryption": "DISABLED"})
			}
		}
	}
	sortLists(td, taskDefinitionLists)
}

func normalizeContainer(cd map[string]any) {
	fillDefaults(cd, containerDefaults)
	if pms, ok := cd["portMappings"].([]any); ok {
		for _, p := range pms {
			if pm, ok := p.(map[string]any); ok {
				// PortMapping.protocol: "The default is tcp."
				fillDefaults(pm, map[string]any{"protocol": "tcp"})
			}
		}
	}
	if mps, ok := cd["mountPoints"].([]any); ok {
		for _, p := range mps {
			if mp, ok := p.(map[string]any); ok {
				// MountPoint.readOnly: "The default value is false."
				fillDefaults(mp, map[string]any{"readOnly": false})
			}
		}
	}
	if lp, ok := cd["linuxParameters"].(map[string]any); ok {
		if caps, ok := lp["capabilities"].(map[string]any); ok {
			sortLists(caps, map[string][]string{"add": nil, "drop": nil})
		}
		sortLists(lp, map[string][]string{"devices": {"hostPath", "containerPath"}})
	}
	sortLists(cd, containerLists)
}

// dropEmpty removes null, empty-list and empty-object members recursively: in a RegisterTaskDefinition
// input each means the same as an absent field (and the API returns [] for a list never set).
func dropEmpty(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			dropEmpty(e)
			if isEmptyJSON(e) {
				delete(t, k)
			}
		}
	case []any:
		for _, e := range t {
			dropEmpty(e)
		}
	}
}

func isEmptyJSON(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

func fillDefaults(m map[string]any, defaults map[string]any) {
	for k, v := range defaults {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
}

// sortLists sorts the named lists of m by their key fields (nil: the elements themselves).
func sortLists(m map[string]any, lists map[string][]string) {
	for name, keys := range lists {
		list, ok := m[name].([]any)
		if !ok {
			continue
		}
		sort.SliceStable(list, func(i, j int) bool { return lessByKeys(list[i], list[j], keys) < 0 })
	}
}

// lessByKeys compares two elements by their key fields, then by their whole JSON.
func lessByKeys(a, b any, keys []string) int {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for _, k := range keys {
			if c := compareScalars(am[k], bm[k]); c != 0 {
				return c
			}
		}
	}
	return compareScalars(a, b)
}

// compareScalars orders numbers numerically, strings lexically, anything else by its JSON.
func compareScalars(a, b any) int {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	if aNum && bNum {
		af, aerr := an.Float64()
		bf, berr := bn.Float64()
		if aerr == nil && berr == nil && af != bf {
			if af < bf {
				return -1
			}
			return 1
		}
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return strings.Compare(as, bs)
	}
	return strings.Compare(jsonString(a), jsonString(b))
}

func jsonString(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
