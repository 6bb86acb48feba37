package detect

import "fmt"

// ecs8SecretNames are the only names ecs-no-environment-secrets checks (its secretKeys parameter, fixed by
// Security Hub). Values are not inspected by this control; the plaintext-credentials exposure trait does.
var ecs8SecretNames = map[string]bool{
	"AWS_ACCESS_KEY_ID":     true,
	"AWS_SECRET_ACCESS_KEY": true,
	"ECS_ENGINE_AUTH_DATA":  true,
}

// ECS8 — ecs-no-environment-secrets: an `environment` entry named exactly AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY or ECS_ENGINE_AUTH_DATA fails. Names in `secrets`, `environmentFiles` and other
// spellings pass. A value that is a template placeholder still fails (the credential is filled in when
// the template is rendered); a name that is one is not judged.
func ECS8() Control {
	return Control{
		ID:             ECS8ID,
		Title:          "Secrets should not be passed as container environment variables",
		Severity:       SeverityHigh,
		ResourceType:   TypeTaskDefinition,
		TaskDefinition: evalECS8,
	}
}

func evalECS8(td *TaskDefinition, _ *Settings) Verdict {
	var offs []Offender
	var unjudged []string
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		for _, kv := range c.Environment {
			name := deref(kv.Name)
			if p, ok := FindPlaceholder(name); ok {
				// A templated name may render as one of the three.
				unjudged = append(unjudged, fmt.Sprintf("container %q has an environment variable named %s", containerName(c, i), placeholderText(name, p)))
				continue
			}
			if ecs8SecretNames[name] {
				detail := "environment variable " + name + " is passed in plaintext"
				// The value is not printed, only that it is templated: the credential is filled in
				// when the template is rendered, and still lands in plaintext.
				if p, ok := FindPlaceholder(deref(kv.Value)); ok {
					detail += " (its value holds " + p.DescribeSyntax() + ": the credential is filled in when the template is rendered)"
				}
				offs = append(offs, Offender{Container: containerName(c, i), Field: "environment." + name, Detail: detail})
			}
		}
	}
	return decideContainers(offs, unjudged, Pass("no environment variable named AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or ECS_ENGINE_AUTH_DATA"))
}
