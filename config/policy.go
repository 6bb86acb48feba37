// This file holds the rule that keeps the approval policy out of reach of a stray file: the settings that
// decide what needs an approval come from the trusted sources (an explicit file, the user's configuration
// file, the environment), and a ./ecsfix.yaml found in the working directory may tighten them, never
// loosen them.

package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/ecsfix/ecsfix/detect"
	"github.com/ecsfix/ecsfix/plan"
)

// Policy keys: fix.unattended_risk, fix.risk, and every key under approvals.
const (
	keyUnattendedRisk = "fix.unattended_risk"
	keyRisk           = "fix.risk"
	approvalsPrefix   = "approvals."
)

// trustPolicy makes v's approval policy the trusted one where the working directory's file (local, read
// into v) would loosen it: the trusted policy is the defaults, the user's configuration file (user, ""
// for none) and the environment. A key local does not set takes the trusted value; a key it sets keeps
// local's value when it is at least as tight, else the trusted value, with a warning. A value local sets
// that is not valid is left for validation to refuse, naming the file.
func trustPolicy(v *viper.Viper, local, user string) ([]string, error) {
	b := New()
	if user != "" {
		b.SetConfigFile(user)
		if err := b.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s: %w", user, err)
		}
	}
	var warnings []string
	warn := func(key, what string) {
		warnings = append(warnings, fmt.Sprintf("config file %s: %s: %s; ignored: "+
			"fix.unattended_risk, fix.risk and approvals.* come from --config, $ECSFIX_CONFIG, ECSFIX_* variables or the user's configuration file, "+
			"and a file found in the working directory may only tighten them", local, key, what))
	}

	// fix.unattended_risk: a lower risk is tighter.
	if lv, bv := v.GetString(keyUnattendedRisk), b.GetString(keyUnattendedRisk); lv != bv {
		lr, br := plan.RiskRank(plan.Risk(lv)), plan.RiskRank(plan.Risk(bv))
		switch {
		case br < 0:
			return nil, fmt.Errorf("%s: %s: %q is not one of none, low, medium, high", describe(user), keyUnattendedRisk, bv)
		case !v.InConfig(keyUnattendedRisk):
			v.Set(keyUnattendedRisk, bv)
		case lr < 0 || lr <= br:
			// invalid (validation refuses it) or at least as tight
		default:
			warn(keyUnattendedRisk, fmt.Sprintf("%s is looser than the trusted %s (more would apply without approval)", lv, bv))
			v.Set(keyUnattendedRisk, bv)
		}
	}

	if err := trustRisk(v, b, user, warn); err != nil {
		return nil, err
	}

	// approvals.*: equal, or tighter by the key's meaning (tighterApproval), or the trusted value.
	keys := map[string]bool{}
	for _, k := range append(v.AllKeys(), b.AllKeys()...) {
		if strings.HasPrefix(k, approvalsPrefix) {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		lv, bv := v.Get(k), b.Get(k)
		if sameValue(lv, bv) {
			continue
		}
		if bv == nil {
			bv = zeroLike(lv)
		}
		switch {
		case !v.InConfig(k):
			v.Set(k, bv)
		case tighterApproval(k, lv, bv):
		case isZeroValue(bv):
			warn(k, fmt.Sprintf("%v is not taken from this file (the trusted configuration sets none, so there is nothing to tighten)", lv))
			v.Set(k, bv)
		default:
			warn(k, fmt.Sprintf("%v is not a tightening of the trusted %v", lv, bv))
			v.Set(k, bv)
		}
	}
	return warnings, nil
}

// trustRisk merges fix.risk: the trusted overrides, then each of the local file's overrides that raises
// no control's risk below what the trusted ones give (an override of ECS.4 also covers
// EXPOSURE.privileged: every control is compared).
func trustRisk(v, b *viper.Viper, user string, warn func(key, what string)) error {
	var lo, bo []RiskOverride
	if err := b.UnmarshalKey(keyRisk, &bo, viper.DecodeHook(decodeHook())); err != nil {
		return fmt.Errorf("%s: %s: %w", describe(user), keyRisk, err)
	}
	if err := v.UnmarshalKey(keyRisk, &lo, viper.DecodeHook(decodeHook())); err != nil {
		return nil // validation refuses it, naming the file
	}
	merged := map[string]plan.Risk{}
	for i, r := range bo {
		ctl, ok := detect.Lookup(r.Control)
		if !ok || plan.RiskRank(plan.Risk(r.Risk)) < 1 {
			return fmt.Errorf("%s: %s[%d]: %s: %s is not a control id and a risk", describe(user), keyRisk, i, r.Control, r.Risk)
		}
		merged[ctl.ID] = plan.Risk(r.Risk)
	}
	if v.InConfig(keyRisk) {
		for i, r := range lo {
			ctl, ok := detect.Lookup(r.Control)
			if !ok || plan.RiskRank(plan.Risk(r.Risk)) < 1 {
				return nil // validation refuses it, naming the file
			}
			candidate := map[string]plan.Risk{ctl.ID: plan.Risk(r.Risk)}
			for id, risk := range merged {
				if id != ctl.ID {
					candidate[id] = risk
				}
			}
			if lowered := lowers(merged, candidate); lowered != "" {
				warn(fmt.Sprintf("%s[%d]", keyRisk, i), fmt.Sprintf("%s risk %s would lower the risk of fixing %s below the trusted %s",
					r.Control, r.Risk, lowered, plan.ControlRisk(lowered, merged)))
				continue
			}
			merged = candidate
		}
	}
	var raw []any
	for _, id := range slices.Sorted(maps.Keys(merged)) {
		raw = append(raw, map[string]any{"control": id, "risk": string(merged[id])})
	}
	if raw == nil {
		raw = []any{}
	}
	v.Set(keyRisk, raw)
	return nil
}

// lowers names the first control whose risk of fixing is lower with the overrides after than before ("" when none).
func lowers(before, after map[string]plan.Risk) string {
	for _, id := range detect.IDs() {
		if plan.RiskRank(plan.ControlRisk(id, after)) < plan.RiskRank(plan.ControlRisk(id, before)) {
			return id
		}
	}
	return ""
}

// How each approvals key tightens: a quorum when larger, a maximum age when shorter (zero means no
// limit). The allowed signers are not in the table: only their trusted value ever counts, as for any
// approvals key not listed here.
var approvalTightening = map[string]func(local, trusted any) bool{
	"approvals.quorum.low":       largerCount,
	"approvals.quorum.medium":    largerCount,
	"approvals.quorum.high":      largerCount,
	"approvals.max_plan_age":     shorterAge,
	"approvals.max_approval_age": shorterAge,
}

// tighterApproval reports whether local is a tightening of trusted for an approvals key
// (approvalTightening); for any other key, the allowed signers above all, it never is.
func tighterApproval(key string, local, trusted any) bool {
	tighter, ok := approvalTightening[key]
	return ok && tighter(local, trusted)
}

// largerCount: a count is tighter when at least as large.
func largerCount(local, trusted any) bool {
	l, okL := toInt(local)
	t, okT := toInt(trusted)
	return okL && okT && l >= t
}

// shorterAge: a maximum age is tighter when it is a limit at most as long (zero or empty is no limit).
func shorterAge(local, trusted any) bool {
	l, okL := toDuration(local)
	t, okT := toDuration(trusted)
	return okL && okT && l > 0 && (t <= 0 || l <= t)
}

func toInt(x any) (int64, bool) {
	switch n := x.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}

func toDuration(x any) (time.Duration, bool) {
	switch d := x.(type) {
	case time.Duration:
		return d, true
	case nil:
		return 0, true
	case string:
		if strings.TrimSpace(d) == "" || d == "0" {
			return 0, true
		}
		p, err := time.ParseDuration(d)
		return p, err == nil
	}
	if n, ok := toInt(x); ok {
		return time.Duration(n), true
	}
	return 0, false
}

// sameValue compares two values as viper holds them (a YAML list, an environment string, a default).
func sameValue(a, b any) bool {
	return reflect.DeepEqual(a, b) || fmt.Sprint(a) == fmt.Sprint(b)
}

// zeroLike is the empty value of x's kind, for a key the trusted sources do not set at all.
func zeroLike(x any) any {
	switch x.(type) {
	case []any:
		return []any{}
	case map[string]any:
		return map[string]any{}
	case string:
		return ""
	case bool:
		return false
	}
	return 0
}

// isZeroValue reports whether a trusted value is unset: nil, an empty string or list, or a zero number.
func isZeroValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case int:
		return x == 0
	}
	return false
}
