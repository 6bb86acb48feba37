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

// Load reads the configuration file (file, or $ECSFIX_CONFIG, or the first of ./ecsfix.yaml and
// $XDG_CONFIG_HOME/ecsfix/config.yaml that exists; none is fine), then decodes and validates
// everything v knows, flags included.
func Load(v *viper.Viper, file string) (*Config, error) {
	if file == "" {
		file = os.Getenv("ECSFIX_CONFIG")
	}
	explicit := file != ""
	if !explicit {
		file = findDefaultFile()
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				file = ""
			} else {
				return nil, fmt.Errorf("config file %s: %w", file, err)
			}
		}
	}
	if err := checkEnvironment(os.Environ()); err != nil {
		return nil, err
	}
	var c Config
	err := v.UnmarshalExact(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToSliceHookFunc(","),
		mapstructure.StringToTimeDurationHookFunc(),
		timeToStringHook,
	)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describe(file), err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", describe(file), err)
	}
	return &c, nil
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

func findDefaultFile() string {
	candidates := []string{"ecsfix.yaml"}
	if dir, err := os.UserConfigDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "ecsfix", "config.yaml"))
	}
	for _, f := range candidates {
		if _, err := os.Stat(f); err == nil {
			return f
		}
	}
	return ""
}
