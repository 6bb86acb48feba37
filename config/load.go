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

// Load reads the configuration as LoadFrom does, without flags and without saying where it came from.
func Load(v *viper.Viper, file string) (*Config, error) {
	c, _, err := LoadFrom(v, file, nil)
	return c, err
}

// LoadWithWarnings reads the configuration as LoadFrom does, without flags; it returns the warnings.
func LoadWithWarnings(v *viper.Viper, file string) (*Config, []string, error) {
	c, l, err := LoadFrom(v, file, nil)
	if l == nil {
		return c, nil, err
	}
	return c, l.Warnings, err
}

// Loaded says where the configuration came from, for the line every command logs.
type Loaded struct {
	// File is the configuration file read ("" for none); From says how it was found: "--config",
	// "$ECSFIX_CONFIG", "working directory" (./ecsfix.yaml) or "user configuration".
	File, From string
	// PolicyFile is, when File is the working directory's ./ecsfix.yaml, the user's configuration file the
	// approval policy comes from ("" when there is none: the defaults and ECSFIX_* variables).
	PolicyFile string
	// Ignored are configuration files that exist and were not read (an explicit file names another).
	Ignored []string
	// Warnings are the working directory file's loosening values that were ignored.
	Warnings []string
}

// LoadFrom reads the configuration file (file, or $ECSFIX_CONFIG, or the first of ./ecsfix.yaml
// and $XDG_CONFIG_HOME/ecsfix/config.yaml that exists; none is fine), then decodes and validates
// everything v knows, flags included. flags maps each key to the flag that set it on the command line
// (only the flags given), so that an error names the flag.
//
// A file that cannot be read and every bad key or value is an *Error: each problem names the key and
// where its value came from (the flag, the ECSFIX_ variable, the file). An ECSFIX_ variable that names
// no key is an error naming the variable.
//
// The approval policy (policyKeys) is the trusted sources' only: an explicit file (file or
// $ECSFIX_CONFIG), the user's configuration file, the environment. A ./ecsfix.yaml found in the working
// directory may tighten it and never loosen it: a loosening value there is ignored, with a warning naming
// the file and the key (the policy returned is the trusted one for that key).
func LoadFrom(v *viper.Viper, file string, flags map[string]string) (*Config, *Loaded, error) {
	l := &Loaded{File: file, From: "--config"}
	if file == "" {
		file = os.Getenv("ECSFIX_CONFIG")
		l.File, l.From = file, "$ECSFIX_CONFIG"
	}
	explicit := file != ""
	local, user := findDefaultFiles()
	if explicit {
		for _, f := range []string{local, user} {
			if f != "" && !sameFile(f, file) {
				l.Ignored = append(l.Ignored, f)
			}
		}
		local, user = "", ""
	} else {
		file = local
		l.From = "working directory"
		if file == "" {
			file, l.From = user, "user configuration"
		}
		l.File = file
		if local != "" {
			l.PolicyFile = user
		}
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			if !explicit && errors.Is(err, fs.ErrNotExist) {
				file, local, l.File, l.From = "", "", "", ""
			} else {
				return nil, l, &Error{Problems: []Problem{{Source: "config file " + file + " (" + l.From + ")", Msg: fileError(file, err)}}}
			}
		}
	}
	if l.File == "" {
		l.From = ""
	}
	if err := checkEnvironment(os.Environ()); err != nil {
		return nil, l, err
	}
	if local != "" {
		w, err := trustPolicy(v, local, user)
		if err != nil {
			return nil, l, err
		}
		l.Warnings = w
	}
	ld := &loader{v: v, file: file, flags: flags}
	var c Config
	if err := v.UnmarshalExact(&c, viper.DecodeHook(decodeHook())); err != nil {
		return nil, l, ld.problems(err)
	}
	if err := c.Validate(); err != nil {
		return nil, l, ld.problems(err)
	}
	if local != "" {
		var err error
		if c.trusted, err = trustedConfig(user); err != nil {
			return nil, l, err
		}
	}
	return &c, l, nil
}

// fileError is why a configuration file could not be read, without repeating its path.
func fileError(file string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return strings.ReplaceAll(err.Error(), file, "the file")
}

// sameFile reports whether a and b name the same file.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// EnvName is the ECSFIX_ environment variable of a key (scan.concurrency → ECSFIX_SCAN_CONCURRENCY).
func EnvName(key string) string {
	return "ECSFIX_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Error is a configuration that cannot be used: every problem, each naming its key and its source.
type Error struct {
	Problems []Problem
}

// Problem is one bad key or value, or a file that cannot be read.
type Problem struct {
	// Key is the key (with the list index where there is one: exemptions[0].expires); "" for a file.
	Key string
	// Source is where the value came from: a flag ("--log-level"), "environment variable ECSFIX_…",
	// "config file PATH" (or "--config PATH", "$ECSFIX_CONFIG PATH" for a file that cannot be read), or
	// "default".
	Source string
	// Flag is set when the value came from a command-line flag: a usage error.
	Flag bool
	Msg  string
}

func (p Problem) Error() string {
	switch {
	case p.Key == "":
		return p.Source + ": " + p.Msg
	case p.Flag:
		return p.Source + ": " + p.Msg + " (" + p.Key + ")"
	case p.Source == "default":
		return "configuration: " + p.Key + ": " + p.Msg
	}
	return p.Source + ": " + p.Key + ": " + p.Msg
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "\n")
}

// FromFlags reports whether a problem is a value given by a flag.
func (e *Error) FromFlags() bool {
	for _, p := range e.Problems {
		if p.Flag {
			return true
		}
	}
	return false
}

// loader names the source of a key's value.
type loader struct {
	v     *viper.Viper
	file  string
	flags map[string]string
}

// problems turns decoding and validation errors into an *Error, each naming its key and source. A
// validation error reads "key: what is wrong" (validate.go); a decoding error carries its key.
func (l *loader) problems(err error) *Error {
	var out Error
	for _, e := range leaves(err) {
		var de *mapstructure.DecodeError
		if errors.As(e, &de) {
			name := de.Name()
			inner := errors.Unwrap(de)
			if keys, ok := strings.CutPrefix(inner.Error(), "has invalid keys: "); ok {
				for _, k := range strings.Split(keys, ", ") {
					if name != "" {
						k = name + "." + k
					}
					out.Problems = append(out.Problems, Problem{Key: k, Source: l.fileSource(), Msg: "unknown key (the README's Configuration section lists every key)"})
				}
				continue
			}
			out.Problems = append(out.Problems, l.problem(name, decodeMessage(inner)))
			continue
		}
		key, msg, ok := strings.Cut(e.Error(), ": ")
		if !ok || strings.ContainsAny(key, " \"") {
			key, msg = "", e.Error()
		}
		out.Problems = append(out.Problems, l.problem(key, msg))
	}
	return &out
}

func (l *loader) problem(key, msg string) Problem {
	if key == "" {
		return Problem{Source: l.fileSource(), Msg: msg}
	}
	base, _, _ := strings.Cut(key, "[")
	if f, ok := l.flags[base]; ok {
		return Problem{Key: key, Source: f, Flag: true, Msg: msg}
	}
	if env := EnvName(base); os.Getenv(env) != "" {
		return Problem{Key: key, Source: "environment variable " + env, Msg: msg}
	}
	if l.file != "" && l.v.InConfig(base) {
		return Problem{Key: key, Source: "config file " + l.file, Msg: msg}
	}
	return Problem{Key: key, Source: "default", Msg: msg}
}

func (l *loader) fileSource() string {
	if l.file == "" {
		return "configuration"
	}
	return "config file " + l.file
}

// decodeMessage is a decoding error in the user's terms: the value and the type it should have.
func decodeMessage(err error) string {
	var pe *mapstructure.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%q is not a %s", fmt.Sprint(pe.Value), typeWord(pe.Expected.Type().String()))
	}
	var ue *mapstructure.UnconvertibleTypeError
	if errors.As(err, &ue) {
		return fmt.Sprintf("%v is not a %s", ue.Value, typeWord(ue.Expected.Type().String()))
	}
	return err.Error()
}

func typeWord(t string) string {
	switch t {
	case "int", "int32", "int64":
		return "whole number"
	case "bool":
		return "boolean (true or false)"
	case "time.Duration":
		return "duration (such as 90s, 10m, 72h)"
	case "string":
		return "string"
	}
	if strings.HasPrefix(t, "[]") {
		return "list"
	}
	return t
}

// leaves are the errors errors.Join and mapstructure joined, one per problem.
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	if de, ok := err.(*mapstructure.DecodeError); ok {
		inner := de.Unwrap()
		if _, joined := inner.(interface{ Unwrap() []error }); joined {
			return leaves(inner)
		}
		if _, nested := inner.(*mapstructure.DecodeError); nested {
			return leaves(inner)
		}
		return []error{err}
	}
	if w := errors.Unwrap(err); w != nil {
		if _, joined := w.(interface{ Unwrap() []error }); joined {
			return leaves(w)
		}
		if _, ok := w.(*mapstructure.DecodeError); ok {
			return leaves(w)
		}
	}
	return []error{err}
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
		known[EnvName(k)] = true
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
