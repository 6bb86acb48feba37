package detect

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Planted test credentials. They are fake, built from pieces so that no scanner mistakes this file for a
// leak; test names never contain them.
var (
	fakeAccessKeyID = "AKIA" + "IOSFODNN7EXAMPLE"
	fakeSessionKey  = "ASIA" + "Y34FZKBOKMUTVV7A"
	fakeSecretKey   = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
	fakePEM         = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"
	fakeGitHub      = "ghp_" + "0123456789abcdefghijABCDEFGHIJ012345"
	fakeGitHubPAT   = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop"
	fakeSlack       = "xoxb-" + "123456789012-abcdefABCDEF"
	fakeStripe      = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	fakeGoogle      = "AIza" + "SyA1234567890abcdefghijklmnopqrstuv"
	fakeJWT         = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	fakeURL         = "postgres://app:" + "s3cretPassw0rd@db.internal:5432/app"
	fakePassword    = "correct-horse-" + "battery-staple"
)

func TestClassifyEnv(t *testing.T) {
	tests := []struct {
		name     string
		envName  string
		value    string
		wantKind string // "" = not a credential
	}{
		// by value, whatever the name
		{"access key id by value", "SOME_SETTING", fakeAccessKeyID, KindAWSAccessKeyID},
		{"session key id by value", "X", fakeSessionKey, KindAWSAccessKeyID},
		{"pem private key", "TLS_MATERIAL", fakePEM, KindPrivateKey},
		{"github token", "CONFIG_A", fakeGitHub, KindGitHubToken},
		{"github fine-grained pat", "CONFIG_B", fakeGitHubPAT, KindGitHubToken},
		{"slack token", "CONFIG_C", fakeSlack, KindSlackToken},
		{"stripe live key", "CONFIG_D", fakeStripe, KindStripeKey},
		{"google api key", "MAPS", fakeGoogle, KindGoogleAPIKey},
		{"jwt", "BEARER", fakeJWT, KindJWT},
		{"url with password", "DATABASE_URL", fakeURL, KindURLPassword},
		{"aws secret key with aws-ish name", "MY_AWS_KEY", fakeSecretKey, KindAWSSecretKey},
		{"40 chars without aws-ish name is not flagged by value", "CHECKSUM", fakeSecretKey, ""},
		// by name
		{"ECS.8 name", "AWS_ACCESS_KEY_ID", "not-a-key-shape", KindAWSAccessKeyID},
		{"ECS.8 secret name", "AWS_SECRET_ACCESS_KEY", "short", KindAWSSecretKey},
		{"ECS.8 auth data", "ECS_ENGINE_AUTH_DATA", `{"x":1}`, KindECSEngineAuth},
		{"DB_PASSWORD", "DB_PASSWORD", fakePassword, KindPassword},
		{"camelCase password", "dbPassword", fakePassword, KindPassword},
		{"API_KEY", "API_KEY", "abc123", KindAPIKey},
		{"GITHUB_TOKEN", "GITHUB_TOKEN", "abc123", KindToken},
		{"PRIVATE_KEY", "JWT_PRIVATE_KEY", "abc123", KindPrivateKey},
		{"CLIENT_SECRET", "OAUTH_CLIENT_SECRET", "abc123", KindSecret},
		{"CREDENTIALS", "GOOGLE_CREDENTIALS", "abc123", KindCredential},
		{"DB_PWD", "DB_PWD", "abc123", KindPassword},
		{"dashes and dots", "smtp.password", "abc123", KindPassword},
		// not credentials
		{"TOKEN_URL", "TOKEN_URL", "https://auth.example.com/oauth/token", ""},
		{"PASSWORD_MIN_LENGTH", "PASSWORD_MIN_LENGTH", "12", ""},
		{"_FILE", "DB_PASSWORD_FILE", "/run/secrets/db", ""},
		{"_PATH", "API_KEY_PATH", "/etc/key", ""},
		{"_ARN", "DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", ""},
		{"TOKENIZER", "TOKENIZER_MODEL", "bert", ""},
		{"PWD is the working directory", "PWD", "/app", ""},
		{"empty value", "DB_PASSWORD", "", ""},
		{"blank value", "DB_PASSWORD", "  ", ""},
		{"boolean value", "REQUIRE_TOKEN", "true", ""},
		{"secrets manager reference", "DB_PASSWORD", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", ""},
		{"ssm reference", "API_KEY", "ssm:/prod/api-key", ""},
		{"ssm arn reference", "API_KEY", "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key", ""},
		{"cloudformation dynamic reference", "API_KEY", "{{resolve:secretsmanager:prod/key}}", ""},
		{"plain setting", "LOG_LEVEL", "debug", ""},
		{"url without password", "API_URL", "https://api.example.com/v1", ""},
		{"url with user only", "API_URL", "https://user@api.example.com/v1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind, ok := ClassifyEnv(tc.envName, tc.value)
			if ok != (tc.wantKind != "") || kind != tc.wantKind {
				t.Errorf("ClassifyEnv(%s) = %q, %v; want %q", tc.envName, kind, ok, tc.wantKind)
			}
			if strings.Contains(kind, tc.value) && tc.value != "" {
				t.Errorf("kind contains the value")
			}
		})
	}
}

func TestClassifyEnvironmentPairsSecretKeyWithAccessKey(t *testing.T) {
	kv := func(n, v string) ecstypes.KeyValuePair {
		return ecstypes.KeyValuePair{Name: aws.String(n), Value: aws.String(v)}
	}
	got := ClassifyEnvironment([]ecstypes.KeyValuePair{
		kv("KEY", fakeAccessKeyID), kv("LOG_LEVEL", "info"), kv("SIGNATURE", fakeSecretKey),
	})
	want := []EnvCredential{{Name: "KEY", Kind: KindAWSAccessKeyID, ByValue: true}, {Name: "SIGNATURE", Kind: KindAWSSecretKey, ByValue: true}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Without an access key id in the container, the same 40 characters under a neutral name are not flagged.
	if got := ClassifyEnvironment([]ecstypes.KeyValuePair{kv("SIGNATURE", fakeSecretKey)}); len(got) != 0 {
		t.Errorf("unpaired 40-char value flagged: %+v", got)
	}
}

// TestClassifyEnvEdges pins the boundaries of the rules: booleans and references whatever their case, the
// AWS-ish names that make 40 characters a secret key, and the word splitting of names.
func TestClassifyEnvEdges(t *testing.T) {
	for _, tc := range []struct {
		name, envName, value, wantKind string
	}{
		{"boolean in upper case", "DB_PASSWORD", "YES", ""},
		{"boolean off", "API_TOKEN", "Off", ""},
		{"boolean padded", "API_TOKEN", " true ", ""},
		{"secretsmanager prefix", "DB_PASSWORD", "secretsmanager:prod/db", ""},
		{"ssm arn in another partition", "DB_PASSWORD", "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/db", ""},
		{"40 characters under a SECRET_ACCESS_KEY name", "MY_SECRET_ACCESS_KEY", fakeSecretKey, KindAWSSecretKey},
		{"40 characters under an aws name in lower case", "aws_signing_material", fakeSecretKey, KindAWSSecretKey},
		{"41 characters under an aws name is judged by name", "AWS_THING", fakeSecretKey + "x", ""},
		{"empty name", "", "abc123", ""},
		{"only separators", "_-.", "abc123", ""},
		{"OLDPWD is a directory", "OLDPWD", "/app", ""},
		{"PWD as a word", "DB_PWD", "abc123", KindPassword},
		{"PWD as a word not last", "PWD_DB", "abc123", KindPassword},
		{"doubled separators", "DB__PASSWORD", "abc123", KindPassword},
		{"suffix word first", "PASSWORD_DB", "abc123", KindPassword},
		{"SECRETS suffix", "APP_SECRETS", "abc123", KindSecret},
		{"CREDS suffix", "SERVICE_CREDS", "abc123", KindCredential},
		{"PASSPHRASE suffix", "KEY_PASSPHRASE", "abc123", KindPassword},
		{"APIKEY suffix", "MAPS_APIKEY", "abc123", KindAPIKey},
		{"ACCESS KEY pair", "STORAGE_ACCESS_KEY", "abc123", KindAccessKey},
		{"SIGNING KEY pair", "SIGNING_KEY", "abc123", KindSecret},
		{"MASTER KEY pair", "master-key", "abc123", KindSecret},
		{"KEY before the pair word", "KEY_API", "abc123", ""},
		{"pair followed by a descriptor", "API_KEY_ID", "abc123", ""},
		{"KEY alone", "KEY", "abc123", ""},
		{"pair word then another word", "API_HOST_KEY", "abc123", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, ok := ClassifyEnv(tc.envName, tc.value)
			if ok != (tc.wantKind != "") || kind != tc.wantKind {
				t.Errorf("ClassifyEnv(%q) = %q, %v; want %q", tc.envName, kind, ok, tc.wantKind)
			}
		})
	}
}

// TestClassifyEnvironmentPairing pins when a neutral 40-character value counts as a secret key: only when
// the container holds an access key id recognised by its value, before or after it.
func TestClassifyEnvironmentPairing(t *testing.T) {
	kv := func(n, v string) ecstypes.KeyValuePair {
		return ecstypes.KeyValuePair{Name: aws.String(n), Value: aws.String(v)}
	}
	for _, tc := range []struct {
		name string
		env  []ecstypes.KeyValuePair
		want []EnvCredential
	}{
		{"key id after the secret", []ecstypes.KeyValuePair{kv("SIGNATURE", fakeSecretKey), kv("LOG", "x"), kv("KEY", fakeAccessKeyID)},
			[]EnvCredential{{Name: "SIGNATURE", Kind: KindAWSSecretKey, ByValue: true}, {Name: "KEY", Kind: KindAWSAccessKeyID, ByValue: true}}},
		{"key id known only by its name", []ecstypes.KeyValuePair{kv("AWS_ACCESS_KEY_ID", "not-a-key"), kv("SIGNATURE", fakeSecretKey)},
			[]EnvCredential{{Name: "AWS_ACCESS_KEY_ID", Kind: KindAWSAccessKeyID}}},
		{"another credential by value", []ecstypes.KeyValuePair{kv("GH", fakeGitHub), kv("SIGNATURE", fakeSecretKey)},
			[]EnvCredential{{Name: "GH", Kind: KindGitHubToken, ByValue: true}}},
		{"padded secret beside a key id", []ecstypes.KeyValuePair{kv("KEY", fakeAccessKeyID), kv("SIGNATURE", " "+fakeSecretKey+" "), kv("CHECK", "short")},
			[]EnvCredential{{Name: "KEY", Kind: KindAWSAccessKeyID, ByValue: true}, {Name: "SIGNATURE", Kind: KindAWSSecretKey, ByValue: true}}},
		{"by-name credentials keep their order", []ecstypes.KeyValuePair{kv("B_TOKEN", "x"), kv("A_PASSWORD", "y")},
			[]EnvCredential{{Name: "B_TOKEN", Kind: KindToken}, {Name: "A_PASSWORD", Kind: KindPassword}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClassifyEnvironment(tc.env)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Errorf("[%d] = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
