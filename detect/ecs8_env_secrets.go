package detect

// ecs8SecretNames are the only names ecs-no-environment-secrets checks (its secretKeys parameter, fixed by
// Security Hub). Values are not inspected by this control; the plaintext-credentials exposure trait does.
var ecs8SecretNames = map[string]bool{
	"AWS_ACCESS_KEY_ID":     true,
	"AWS_SECRET_ACCESS_KEY": true,
	"ECS_ENGINE_AUTH_DATA":  true,
}

// ECS8 — ecs-no-environment-secrets: an `environment` entry named exactly AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY or ECS_ENGINE_AUTH_DATA fails. Names in `secrets`, `environmentFiles` and other
// spellings pass.
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
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		for _, kv := range c.Environment {
			name := deref(kv.Name)
			if ecs8SecretNames[name] {
				offs = append(offs, Offender{
					Container: containerName(c, i), Field: "environment." + name,
					Detail: "environment variable " + name + " is passed in plaintext",
				})
			}
		}
	}
	if len(offs) > 0 {
		return failAll(offs)
	}
	return Pass("no environment variable named AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or ECS_ENGINE_AUTH_DATA")
}
