package detect

import "strings"

// The short forms of ARNs that every package prints or sends: ShortARN for people (what follows the
// resource type), ARNName for APIs that take a resource's name (what follows the last '/').

// ShortARN is the part of an ARN after its resource type ("task-definition/web:3" → "web:3",
// "service/prod/web" → "prod/web", "role/app/web-task" → "app/web-task"); anything that is not an ARN is
// returned as it is.
func ShortARN(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return arn
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	res := parts[5]
	if name := AutoScalingGroupName(arn); parts[2] == "autoscaling" && name != "" {
		return "autoScalingGroup/" + name
	}
	if i := strings.IndexByte(res, '/'); i >= 0 {
		return res[i+1:]
	}
	return res
}

// ARNName is what follows the last '/' of an ARN (a service's, cluster's or role's name), the whole
// string when it has none.
func ARNName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// ClusterOfServiceARN returns the cluster of a service ARN in the long format
// (arn:…:service/CLUSTER/NAME), "" for the short format.
func ClusterOfServiceARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	p := strings.Split(parts[5], "/")
	if len(p) == 3 && p[0] == "service" {
		return p[1]
	}
	return ""
}
