// Package config loads ecsfix's configuration from a file, ECSFIX_* environment variables and command-line
// flags (in rising precedence), through a viper instance of its own, and validates it. Invalid
// configuration is an error naming the key; it is never silently ignored or defaulted.
//
// It exists so that every command reads one validated Config and hands the detector and the planner their
// settings (Settings, PlanOptions) instead of reading keys itself. It must never touch AWS, never write
// files or the environment, never use viper's global instance, and never accept an unknown key, an
// unknown ECSFIX_ variable or an unknown control id.
//
// The approval policy (fix.unattended_risk, fix.risk, approvals.*) comes only from an explicit file, the
// user's configuration file and the environment: a ./ecsfix.yaml found in the working directory may
// tighten it, never loosen it (a loosening value there is ignored with a warning).
//
// Files: schema.go (types, keys, defaults), load.go (reading), policy.go (the approval policy's sources),
// validate.go (validation), options.go (what the configuration gives the detector and the planner).
package config
