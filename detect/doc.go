// Package detect reproduces Security Hub's verdicts for Amazon ECS: the ECS.n controls and the exposure
// traits of services.
//
// It holds the inventory model that both sources fill (detect/live from the AWS API, detect/snapshot from
// AWS CLI output), one file per control, and the ordered registry of controls (All). Controls are pure
// functions of the inventory and the settings: nothing in this package calls AWS, reads files or
// writes anything. A control that lacks the data it needs says NOT_EVALUATED; it never says PASSED.
// No secret value (an environment variable's value) may ever appear in a Verdict, a Result or an error.
package detect
