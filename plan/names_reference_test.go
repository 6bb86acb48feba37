package plan

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// The name checks and ARN helpers as they were written first (with strings.Split and fmt.Sprintf),
// kept as the references their allocation-free versions are held to (TestNameChecksAreTheReference).

func checkNameReference(name, kind string, allowed func(rune) bool, what string) error {
	if name == "" {
		return fmt.Errorf("%s name is empty", kind)
	}
	if len(name) > MaxAWSNameLength {
		return fmt.Errorf("%s name %.40q… is %d characters long; AWS allows %d", kind, name, len(name), MaxAWSNameLength)
	}
	for _, r := range name {
		if !allowed(r) {
			return fmt.Errorf("%s name %q has the character %q; AWS allows only %s", kind, name, r, what)
		}
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%s name %q has a %q path segment", kind, name, seg)
		}
	}
	return nil
}

func checkRegionNameReference(region string) error {
	parts := strings.Split(region, "-")
	ok := len(parts) >= 3 && len(region) <= 32
	for i, p := range parts {
		if !ok {
			break
		}
		last := i == len(parts)-1
		for _, r := range p {
			if last && (r < '0' || r > '9') || !last && (r < 'a' || r > 'z') {
				ok = false
			}
		}
		ok = ok && p != ""
	}
	if !ok {
		return fmt.Errorf("%q is not an AWS region name", region)
	}
	return nil
}

func partitionOfReference(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) < 3 || parts[0] != "arn" || parts[1] == "" {
		return "aws"
	}
	return parts[1]
}

func secretArnReference(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", partition, region, account, name)
}

func logGroupArnReference(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, account, name)
}

// TestNameChecksAreTheReference: checkName, CheckRegionName, partitionOf, logGroupArn and secretArn give what their
// first versions gave, on strings made of the characters and pieces they look at.
func TestNameChecksAreTheReference(t *testing.T) {
	rnd := rand.New(rand.NewSource(11))
	pieces := []string{"/", ".", "..", "-", ":", "a", "z", "Z", "0", "9", "arn", "aws", "us", "east", "1", "é", "*", "_", "", "eu-west-1", "arn:aws-cn:"}
	gen := func() string {
		var b strings.Builder
		for j := rnd.Intn(9); j >= 0; j-- {
			b.WriteString(pieces[rnd.Intn(len(pieces))])
		}
		return b.String()
	}
	inputs := []string{"", "/", ".", "..", "a/./b", "a/../b", "/a/", "us-east-1", "us-gov-west-1", "us--1", "-us-1", "us-east-", "eu-west-1a",
		"us-east-1" + strings.Repeat("x", 40), "arn:aws:ecs:x", "arn::x:y", "arn:aws", "arn:aws:", "xarn:aws:y", strings.Repeat("a", MaxAWSNameLength+1)}
	for i := 0; i < 30000; i++ {
		inputs = append(inputs, gen())
	}
	allowed := func(r rune) bool { return isAlnum(r) || strings.ContainsRune("/._-", r) }
	for _, s := range inputs {
		if got, want := fmt.Sprint(checkName(s, "log group", allowed, "letters"), nil), fmt.Sprint(checkNameReference(s, "log group", allowed, "letters"), nil); got != want {
			t.Errorf("checkName(%q): %s, the reference %s", s, got, want)
		}
		if got, want := fmt.Sprint(CheckRegionName(s)), fmt.Sprint(checkRegionNameReference(s)); got != want {
			t.Errorf("CheckRegionName(%q): %s, the reference %s", s, got, want)
		}
		if got, want := partitionOf(s), partitionOfReference(s); got != want {
			t.Errorf("partitionOf(%q) = %q, the reference %q", s, got, want)
		}
		if got, want := logGroupArn(s, "r", s, "/ecs/"+s), logGroupArnReference(s, "r", s, "/ecs/"+s); got != want {
			t.Errorf("logGroupArn: %q, the reference %q", got, want)
		}
		if got, want := secretArn(s, "r", s, "p/"+s), secretArnReference(s, "r", s, "p/"+s); got != want {
			t.Errorf("secretArn: %q, the reference %q", got, want)
		}
	}
}
