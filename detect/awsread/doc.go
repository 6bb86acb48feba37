// Package awsread holds the ECS reads that both the scanner (detect/live) and the applier (fix) make, so
// that they mean the same thing by "the latest ACTIVE revision of a family" and by "this service" or
// "this cluster": DescribeTaskDefinition with tags (and, from its raw response read in the same call, the
// fields this build's SDK does not know), the latest-ACTIVE lookup (with its emulator
// workaround), the listing of a family's ACTIVE revisions, and describes of named services and clusters.
//
// The functions take consumer-side interfaces shaped like the SDK's client, so that a caller may pass
// the SDK client, a fake, or a wrapper that bounds the calls in flight. They make exactly the calls they
// document, no more: the callers' tests and benchmarks count them.
package awsread
