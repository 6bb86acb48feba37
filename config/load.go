// This file holds the reading of the configuration through viper: the file, ECSFIX_* environment
// variables and flags, in rising precedence; an unknown key in the file or an ECSFIX_ variable that names no
// key is refused.

package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// New returns a viper instance with ecsfix's defaults and environment binding.
func New() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix("ECSFIX")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	// Every scalar key needs a default so that AutomaticEnv can supply it at Unmarshal time.
	for _, d := range defaults {
		v.SetDefault(d.key, d.value)
	}
	return v
}

// Load reads the configuration as LoadWithWarnings does, without the warnings.
func Load(v *viper.Viper, file string) (*Config, error) {
	c, _, err := LoadWithWarnings(v, file)
	return c, err
}

// LoadWithWarnings reads the configuration file (file, or $ECSFIX_CONFIG, or the first of ./ecsfix.yaml
// and $XDG_CONFIG_HOME/ecsfix/config.yaml that exists; none is fine), then decodes and validates
// everything v knows, flags included.
//
// The approval policy (policyKeys) is the trusted sources' only: an explicit file (file or
// $ECSFIX_CONFIG), the user's configuration file, the environment. A ./ecsfix.yaml found in the working
// directory may tighten it and never loosen it: a loosening value there is ignored, with a warning naming
// the file and the key (the policy returned is the trusted one for that key).
func LoadWithWarnings(v *viper.Viper, file string) (*Config, []string, error) {
	if file == "" {
		file = os.Getenv("ECSFIX_CONFIG")
	}
	explicit := file != ""
	var local, user string
	if !explicit {
		local, user = findDefaultFiles()
		file = local
		if file == "" {
			file = user
		}
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				file, local = "", ""
			} else {
				return nil, nil, fmt.Errorf("config file %s: %w", file, err)
			}
		}
	}
	if err := checkEnvironment(os.Environ()); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if local != "" {
		w, err := trustPolicy(v, local, user)
		if err != nil {
			return nil, nil, err
		}
		warnings = w
	}
	var c Config
	err := v.UnmarshalExact(&c, viper.DecodeHook(decodeHook()))
	if err != nil {
		return nil, warnings, fmt.Errorf("%s: %w", describe(file), err)
	}
	if err := c.Validate(); err != nil {
		return nil, warnings, fmt.Errorf("%s: %w", describe(file), err)
	}
	if local != "" {
		if c.trusted, err = trustedConfig(user); err != nil {
			return nil, warnings, err
		}
	}
	return &c, warnings, nil
}

// trustedConfig is the configuration of the trusted sources alone: the defaults, the user's configuration
// file (user, "" for none) and the environment, without the working directory's ./ecsfix.yaml.
func trustedConfig(user string) (*Config, error) {
	b := New()
	if user != "" {
		b.SetConfigFile(user)
		if err := b.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s: %w", user, err)
		}
	}
	var c Config
	if err := b.UnmarshalExact(&c, viper.DecodeHook(decodeHook())); err != nil {
		return nil, fmt.Errorf("%s: %w", describe(user), err)
	}
	return &c, nil
}

func decodeHook() mapstructure.DecodeHookFunc {
	return mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToSliceHookFunc(","),
		mapstructure.StringToTimeDurationHookFunc(),
		timeToStringHook,
	)
}

// timeToStringHook keeps dates as text: YAML reads an unquoted 2026-12-31 as a time.
func timeToStringHook(from, to reflect.Type, data any) (any, error) {
	t, ok := data.(time.Time)
	if !ok || to.Kind() != reflect.String {
		return data, nil
	}
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly), nil
	}
	return t.Format(time.RFC3339), nil
}

// envNotKeys are ECSFIX_ variables that are not configuration keys.
var envNotKeys = map[string]bool{
	"ECSFIX_CONFIG":       true, // the configuration file
	"ECSFIX_REQUIRE_MOTO": true, // tests: fail instead of skipping without the emulator
}

// checkEnvironment refuses an ECSFIX_ variable that names no configuration key: a typo such as
// ECSFIX_FIX_UNATENDED_RISK would otherwise be ignored and leave the default in force.
func checkEnvironment(environ []string) error {
	known := map[string]bool{}
	for _, k := range Keys() {
		known["ECSFIX_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_"))] = true
	}
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "ECSFIX_") || known[name] || envNotKeys[name] {
			continue
		}
		errs = append(errs, fmt.Errorf("environment variable %s is not a configuration key (see the README's Configuration section)", name))
	}
	return errors.Join(errs...)
}

func describe(file string) string {
	if file == "" {
		return "configuration"
	}
	return "config file " + file
}

// localConfigFile is the configuration file looked for in the working directory.
const localConfigFile = "ecsfix.yaml"

// findDefaultFiles returns ./ecsfix.yaml and the user's configuration file
// ($XDG_CONFIG_HOME/ecsfix/config.yaml, ~/.config/ecsfix/config.yaml, or the platform's equivalent),
// each "" when it does not exist.
func findDefaultFiles() (local, user string) {
	if _, err := os.Stat(localConfigFile); err == nil {
		local = localConfigFile
	}
	if dir, err := os.UserConfigDir(); err == nil {
		f := filepath.Join(dir, "ecsfix", "config.yaml")
		if _, err := os.Stat(f); err == nil {
			user = f
		}
	}
	return local, user
}
