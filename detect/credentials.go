package detect

import (
	"regexp"
	"strings"
	"unicode/utf8"
	"unsafe"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Plaintext-credential detection for container `environment` entries, by value and by name. It decides
// which variables the plaintext-credentials exposure trait reports and which ones the planner moves to
// Secrets Manager. It returns the KIND of credential only: a value never leaves these functions.
//
// The rules, in order:
//
//  1. Empty values, booleans (true/false/yes/no/on/off) and references are not credentials. A reference is
//     a value starting with arn:<partition>:secretsmanager:, arn:<partition>:ssm:, ssm:, secretsmanager:
//     or {{resolve: (a CloudFormation dynamic reference).
//  2. By value, whatever the name: a PEM private key (-----BEGIN … PRIVATE KEY-----), an AWS access key id
//     (AKIA/ASIA/ABIA/ACCA + 16 upper-case letters or digits), a GitHub token (ghp_/gho_/ghu_/ghs_/ghr_,
//     github_pat_), a Slack token (xoxa-/xoxb-/xoxp-/xoxr-), a Stripe live key (sk_live_/rk_live_), a Google
//     API key (AIza + 35), a JSON Web Token (eyJ….eyJ….…), a URL with user:password@.
//  3. An AWS secret access key (40 characters of base64: A-Z a-z 0-9 / +) when the name is AWS-ish (it
//     contains AWS or SECRET_ACCESS_KEY) — or, in ClassifyEnvironment, when the same container also holds
//     an AWS access key id.
//  4. By name: the three ECS.8 names (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ECS_ENGINE_AUTH_DATA);
//     otherwise the name is upper-cased, '-' and '.' read as '_', and split on '_' into words. It is
//     secret-like when a word ends with PASSWORD, PASSWD, PASSPHRASE, SECRET, SECRETS, TOKEN, APIKEY,
//     PRIVATEKEY, CREDENTIAL, CREDENTIALS or CREDS, or is PWD (the name PWD/OLDPWD itself is the shell's
//     working directory), or two adjacent words are API KEY, PRIVATE KEY, ACCESS KEY, SECRET KEY,
//     SIGNING KEY, ENCRYPTION KEY, MASTER KEY or AUTH KEY — unless the LAST word describes the secret
//     rather than holding it (URL, URI, FILE, PATH, ARN, ID, NAME, ENDPOINT, HOST, PORT, DIR, TTL, EXPIRY,
//     TIMEOUT, LENGTH, SIZE, TYPE, ENABLED, REGION, HEADER, FORMAT, VERSION, ALGORITHM, POLICY, …):
//     DB_PASSWORD, API_KEY, GITHUB_TOKEN, dbPassword are secret-like; TOKEN_URL, PASSWORD_MIN_LENGTH,
//     SECRET_ARN, DB_PASSWORD_FILE, TOKENIZER_MODEL are not.

// Credential kinds (Offender.Detail of the plaintext-credentials trait).
const (
	KindAWSAccessKeyID = "AWS access key id"
	KindAWSSecretKey   = "AWS secret access key"
	KindECSEngineAuth  = "registry authentication data"
	KindPrivateKey     = "private key"
	KindGitHubToken    = "GitHub token"
	KindSlackToken     = "Slack token"
	KindStripeKey      = "Stripe live key"
	KindGoogleAPIKey   = "Google API key"
	KindJWT            = "JSON Web Token"
	KindURLPassword    = "password in a URL"
	KindPassword       = "password"
	KindSecret         = "secret"
	KindToken          = "token"
	KindAPIKey         = "API key"
	KindCredential     = "credential"
	KindAccessKey      = "access key"
)

// valueDetectors are the by-value rules (rule 2 above). may is a necessary condition for re to match (a
// literal every match contains, a minimum length), cheap enough to rule most values out before the regex
// runs: it never changes a result, only skips regexes that cannot match.
var valueDetectors = []struct {
	kind string
	may  func(v string) bool
	re   *regexp.Regexp
}{
	{KindPrivateKey, func(v string) bool { return strings.Contains(v, "-----BEGIN") },
		regexp.MustCompile(`-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----`)},
	{KindAWSAccessKeyID, func(v string) bool {
		return len(v) >= 20 && (strings.Contains(v, "AKIA") || strings.Contains(v, "ASIA") || strings.Contains(v, "ABIA") || strings.Contains(v, "ACCA"))
	}, regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b`)},
	{KindGitHubToken, func(v string) bool {
		return len(v) >= 31 && (strings.Contains(v, "gh") || strings.Contains(v, "github_pat_"))
	}, regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})`)},
	{KindSlackToken, func(v string) bool { return strings.Contains(v, "xox") },
		regexp.MustCompile(`\bxox[abpr]-[A-Za-z0-9-]{10,}`)},
	{KindStripeKey, func(v string) bool { return strings.Contains(v, "k_live_") },
		regexp.MustCompile(`\b[sr]k_live_[A-Za-z0-9]{16,}`)},
	{KindGoogleAPIKey, func(v string) bool { return len(v) >= 39 && strings.Contains(v, "AIza") },
		regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{35}`)},
	{KindJWT, func(v string) bool { return strings.Contains(v, "eyJ") },
		regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)},
	{KindURLPassword, func(v string) bool { return strings.Contains(v, "://") && strings.IndexByte(v, '@') >= 0 },
		regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`)},
}

var awsSecretKeyValue = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)

var referencePrefix = regexp.MustCompile(`^(?:arn:[a-z-]+:(?:secretsmanager|ssm):|ssm:|secretsmanager:|\{\{resolve:)`)

var nameWordSuffixes = []struct{ suffix, kind string }{
	{"PASSWORD", KindPassword}, {"PASSWD", KindPassword}, {"PASSPHRASE", KindPassword},
	{"SECRETS", KindSecret}, {"SECRET", KindSecret},
	{"TOKEN", KindToken},
	{"APIKEY", KindAPIKey}, {"PRIVATEKEY", KindPrivateKey},
	{"CREDENTIALS", KindCredential}, {"CREDENTIAL", KindCredential}, {"CREDS", KindCredential},
}

var namePairs = map[string]string{
	"API": KindAPIKey, "PRIVATE": KindPrivateKey, "ACCESS": KindAccessKey, "SECRET": KindSecret,
	"SIGNING": KindSecret, "ENCRYPTION": KindSecret, "MASTER": KindSecret, "AUTH": KindSecret,
}

var descriptorWords = map[string]bool{
	"URL": true, "URLS": true, "URI": true, "FILE": true, "FILES": true, "PATH": true, "ARN": true, "ID": true,
	"NAME": true, "ENDPOINT": true, "HOST": true, "PORT": true, "DIR": true, "TTL": true, "EXPIRY": true,
	"EXPIRES": true, "EXPIRATION": true, "TIMEOUT": true, "LENGTH": true, "LEN": true, "SIZE": true,
	"TYPE": true, "ENABLED": true, "DISABLED": true, "REGION": true, "HEADER": true, "FORMAT": true,
	"VERSION": true, "ALGORITHM": true, "POLICY": true, "MODE": true, "COUNT": true, "PREFIX": true,
	"LOCATION": true, "ISSUER": true, "AUDIENCE": true, "SCOPE": true, "SCOPES": true,
}

// ClassifyEnv says whether an environment variable holds a plaintext credential, and of which kind,
// judging by its value and its name (see the rules above). It never returns or records the value.
func ClassifyEnv(name, value string) (kind string, ok bool) {
	kind, _, ok = classifyEnv(name, value)
	return kind, ok
}

// EnvCredential is one environment variable found to hold a credential: its name and the kind, never the
// value. ByValue says whether the value itself gave it away (as opposed to the name alone).
type EnvCredential struct {
	Name    string
	Kind    string
	ByValue bool
}

// ClassifyEnvironment applies ClassifyEnv to one container's environment, and additionally flags a
// 40-character AWS secret access key whose name is not AWS-ish when the same container holds an AWS access
// key id. Results are in the environment's order.
func ClassifyEnvironment(env []ecstypes.KeyValuePair) []EnvCredential {
	found := make([]*EnvCredential, len(env))
	hasKeyID := false
	for i, kv := range env {
		if kind, byValue, ok := classifyEnv(deref(kv.Name), deref(kv.Value)); ok {
			found[i] = &EnvCredential{Name: deref(kv.Name), Kind: kind, ByValue: byValue}
			hasKeyID = hasKeyID || (kind == KindAWSAccessKeyID && byValue)
		}
	}
	out := make([]EnvCredential, 0, len(env))
	for i, kv := range env {
		switch {
		case found[i] != nil:
			out = append(out, *found[i])
		case hasKeyID && awsSecretKeyValue.MatchString(strings.TrimSpace(deref(kv.Value))):
			out = append(out, EnvCredential{Name: deref(kv.Name), Kind: KindAWSSecretKey, ByValue: true})
		}
	}
	return out
}

func classifyEnv(name, value string) (kind string, byValue, ok bool) {
	v := strings.TrimSpace(value)
	if v == "" || isBooleanWord(v) || maybeReference(v) && referencePrefix.MatchString(v) {
		return "", false, false
	}
	for _, d := range valueDetectors {
		if d.may(v) && d.re.MatchString(v) {
			return d.kind, true, true
		}
	}
	if len(v) == 40 && awsSecretKeyValue.MatchString(v) {
		if upper := strings.ToUpper(name); strings.Contains(upper, "AWS") || strings.Contains(upper, "SECRET_ACCESS_KEY") {
			return KindAWSSecretKey, true, true
		}
	}
	if k, ok := classifyName(name); ok {
		return k, false, true
	}
	return "", false, false
}

// classifyName is the by-name rule (rule 4 above).
func classifyName(name string) (string, bool) {
	switch name {
	case "AWS_ACCESS_KEY_ID":
		return KindAWSAccessKeyID, true
	case "AWS_SECRET_ACCESS_KEY":
		return KindAWSSecretKey, true
	case "ECS_ENGINE_AUTH_DATA":
		return KindECSEngineAuth, true
	case "PWD", "OLDPWD":
		return "", false
	}
	// the name's words, upper-cased, split at '_' (and '-', '.'): in a buffer on the stack when the
	// name is short ASCII (the usual case: no allocation), else as splitWords makes them
	var buf [128]byte
	var words [32]string
	if len(name) > len(buf) {
		return classifyWords(splitWords(name))
	}
	n, start := 0, 0
	for i := 0; i <= len(name); i++ {
		var c byte = '_'
		if i < len(name) {
			c = name[i]
		}
		switch {
		case c >= utf8.RuneSelf:
			return classifyWords(splitWords(name))
		case c == '_' || c == '-' || c == '.':
			if i > start {
				if n == len(words) {
					return classifyWords(splitWords(name))
				}
				words[n] = unsafe.String(&buf[start], i-start) // valid while buf is: classifyWords keeps none
				n++
			}
			start = i + 1
		case 'a' <= c && c <= 'z':
			buf[i] = c - ('a' - 'A')
		default:
			buf[i] = c
		}
	}
	return classifyWords(words[:n])
}

// splitWords is the words of a name: upper-cased, split at '_', '-' and '.', empty ones dropped.
func splitWords(name string) []string {
	var words []string
	for _, w := range strings.Split(nameSeparators.Replace(strings.ToUpper(name)), "_") {
		if w != "" {
			words = append(words, w)
		}
	}
	return words
}

// classifyWords is the by-name rule on a name's words.
func classifyWords(words []string) (string, bool) {
	if len(words) == 0 || descriptorWords[words[len(words)-1]] {
		return "", false
	}
	for i, w := range words {
		if w == "PWD" {
			return KindPassword, true
		}
		for _, s := range nameWordSuffixes {
			if strings.HasSuffix(w, s.suffix) {
				return s.kind, true
			}
		}
		if i+1 < len(words) && words[i+1] == "KEY" {
			if k, ok := namePairs[w]; ok {
				return k, true
			}
		}
	}
	return "", false
}

// nameSeparators are read as '_' in a name (rule 4).
var nameSeparators = strings.NewReplacer("-", "_", ".", "_")

// maybeReference is a necessary condition for referencePrefix to match: the first byte of one of its
// prefixes.
func maybeReference(v string) bool {
	return v != "" && (v[0] == 'a' || v[0] == 's' || v[0] == '{')
}

func isBooleanWord(v string) bool {
	if len(v) < 2 || len(v) > 5 {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off":
		return true
	}
	return false
}
