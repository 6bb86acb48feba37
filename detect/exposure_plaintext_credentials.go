package detect

import (
	"fmt"
	"strings"
)

// ExposurePlaintextCredentials — the service runs a revision whose containers pass credentials in plaintext
// `environment` entries, found by name and by value (ClassifyEnvironment). Reasons and offenders name the
// variable and the kind of credential, never the value.
func ExposurePlaintextCredentials() Control {
	return Control{
		ID:           ExposurePlaintextCredentialsID,
		Title:        "The Amazon ECS service uses a task definition that has cleartext credentials in the environment variables",
		Aliases:      []string{"The Amazon ECS service uses a task definition that passes credentials in plaintext environment variables"},
		Severity:     SeverityHigh,
		ResourceType: TypeService,
		Exposure:     true,
		Service:      exposureOnRevision(plaintextCredentials),
	}
}

func plaintextCredentials(td *TaskDefinition) Verdict {
	var offs []Offender
	var parts []string
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		for _, cred := range ClassifyEnvironment(c.Environment) {
			basis := "by name"
			if cred.ByValue {
				basis = "by value"
			}
			offs = append(offs, Offender{Container: containerName(c, i), Field: "environment." + cred.Name, Detail: cred.Kind})
			parts = append(parts, fmt.Sprintf("container %q: environment.%s is a plaintext %s (%s)", containerName(c, i), cred.Name, cred.Kind, basis))
		}
	}
	if len(offs) > 0 {
		return Fail(strings.Join(parts, "; "), offs...)
	}
	return Pass("no credential found in environment variables")
}
