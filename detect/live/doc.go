// Package live builds a detect.Inventory from the AWS API: ECS clusters, services, task sets, task
// definitions, capacity providers, and what controls and fixes need around them (security groups,
// subnets, route tables, load balancers, IAM task and execution roles).
//
// It only reads. It makes as few calls as it can (batched describes, one DescribeTaskDefinition per
// family, everything deduplicated, IAM read once across regions), bounds how many run at once, starts
// each read as soon as what it needs is read (the bulk of a region's reads, the families' latest
// revisions, never holds back the short chains of dependent reads: see lane), and retries throttling
// with exponential backoff and jitter.
//
// Scan reads one account (the credentials'); ScanAccounts reads several, each with its own credentials
// (the caller's, or a role assumed in it) and its own bound on calls in flight, a bounded number of
// accounts at once, into one inventory: an account that cannot be reached is one read error naming it.
//
// It fails closed: every call that fails is recorded in Inventory.Errors, and nothing that could not be
// read is ever filled in with a guess (a role whose policies could not all be read has
// PoliciesKnown=false; a family whose describe failed is absent and has an error). It never logs or
// returns request bodies, so no secret value (a task definition's environment) leaves it except inside
// the inventory itself.
package live
