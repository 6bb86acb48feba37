// Package awsjson reads and writes AWS SDK for Go v2 values in the JSON form the AWS CLI prints
// (`--output json`): lowerCamel keys for ECS, PascalCase for EC2 and IAM (both accepted when reading),
// enums as strings, timestamps as ISO 8601, unions as an object with one member.
//
// Reading is strict: every member must match an exported field of the target type, every value must have
// the field's type, duplicate keys are refused, and an error names the input and the JSON path. It never
// guesses. Writing (Marshal) is deterministic so that plans and diffs built from it are stable.
//
// It exists so that snapshots (read) and plans (written, then read back by the applier) share one
// definition of the AWS CLI's JSON form. It must never be lenient: an unknown field is an error, not
// something to skip, because skipping would silently lose a field of a task definition.
package awsjson
