// Tests of how an exemption's expiry is shown: the date the configuration wrote, not the instant after it.

package detect

import (
	"testing"
	"time"
)

func TestExpiryText(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		// expires: 2027-12-31 is read as the end of that day in UTC (config.parseExpiry).
		{time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), "through 2027-12-31 (UTC)"},
		{time.Date(2028, 1, 1, 5, 0, 0, 0, time.FixedZone("x", 5*3600)), "through 2027-12-31 (UTC)"},
		{time.Date(2027, 6, 30, 23, 0, 0, 0, time.FixedZone("x", 5*3600)), "until 2027-06-30 18:00 UTC"},
	} {
		if got := ExpiryText(tc.at); got != tc.want {
			t.Errorf("ExpiryText(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
}
