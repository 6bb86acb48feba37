// Package awsjson reads and writes AWS SDK for Go v2 values in the JSON form the AWS CLI prints
// (`--output json`): lowerCamel keys for ECS, PascalCase for EC2 and IAM (both accepted when reading),
// enums as strings, timestamps as ISO 8601, unions as an object with one member.
//
// Reading is strict: every member must match an exported field of the target type, every value must have
// the field's type, duplicate keys are refused, and an error names the input and the JSON path. It never
// guesses. Writing (Marshal) is deterministic so that plans and diffs built from it are stable.
//
// Reading never builds a document's tree: Decode reads from a stream and fills the target one value at a
// time, and can hand the elements of a list to a function one by one instead of keeping them
// (Options.Each), so that reading a large document holds what the caller keeps, not the document. Scan
// checks a document's syntax and lists its top-level keys without keeping anything.
//
// It exists so that snapshots (read) and plans (written, then read back by the applier) share one
// definition of the AWS CLI's JSON form. It must never be lenient: an unknown field is an error, not
// something to skip, because skipping would silently lose a field of a task definition. The one way past
// it is explicit: Options.Unknown hands each unknown field (its path and place) to the caller, which
// records it (a task definition kept as a file keeps the fields this build does not know in its
// UnknownFields, so that nothing rewritten from the SDK's decoding loses them unnoticed). Options.Extra
// reads a member that is not a field of its type into a value of its own (the tags inside a task
// definition kept as a file), and ScanShape gives a document's outline (top-level members and the lines
// their values open on, the keys of a top-level array's elements) to recognise it before decoding.
package awsjson
