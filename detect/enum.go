// This file holds how controls treat a value outside its field's enum (a template placeholder such as
// ${NETWORK_MODE} left in an exported task definition, a misspelling, a value newer than the SDK): the
// control cannot tell what AWS would do with it, so it is NOT_EVALUATED with a reason naming the field
// and the value, never PASSED or FAILED.

package detect

import (
	"fmt"
	"slices"
	"strings"
)

// Enum is a string type of the AWS SDK with its list of known values.
type Enum[T any] interface {
	~string
	Values() []T
}

// OutsideEnum reports whether value is set and is not one of the values the SDK knows for its type
// (compared exactly: AWS prints enum values in one spelling).
func OutsideEnum[T Enum[T]](value T) bool {
	return value != "" && !slices.Contains(value.Values(), value)
}

// unknownValue is the NOT_EVALUATED verdict for a field holding a value outside known.
func unknownValue(field, value string, known []string) Verdict {
	return Unknown(fmt.Sprintf("%s is %q, which is not a value AWS defines (%s); the control cannot decide on it",
		field, value, strings.Join(known, ", ")))
}

// checkEnum gives the NOT_EVALUATED verdict when value is outside its enum, nil otherwise.
func checkEnum[T Enum[T]](field string, value T) *Verdict {
	if !OutsideEnum(value) {
		return nil
	}
	var known []string
	for _, v := range value.Values() {
		known = append(known, string(v))
	}
	v := unknownValue(field, string(value), known)
	if p, ok := FindPlaceholder(string(value)); ok {
		v = Unknown(fmt.Sprintf("%s is %s, not a value AWS defines (%s); %s", field, placeholderText(string(value), p), strings.Join(known, ", "), renderedLater))
	}
	return &v
}

// firstUnknown returns the first non-nil verdict: the first field read that is outside its enum.
func firstUnknown(checks ...*Verdict) *Verdict {
	for _, v := range checks {
		if v != nil {
			return v
		}
	}
	return nil
}

// checkOSFamily checks a task definition's runtimePlatform.operatingSystemFamily.
func checkOSFamily(td *TaskDefinition) *Verdict {
	if td.RuntimePlatform == nil {
		return nil
	}
	return checkEnum("runtimePlatform.operatingSystemFamily", td.RuntimePlatform.OperatingSystemFamily)
}
