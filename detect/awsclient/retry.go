// This file holds ecsfix's retryer: separate budgets for separate failures. Throttling is retried
// patiently (up to the attempts the caller sets); a server error, a timeout or a broken connection at most
// as often as the SDK's standard retryer would (three attempts in all); a client error never.

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TransientAttempts bounds the attempts of one call that fail with a server error (5xx), a timeout or a
// connection error: the SDK's standard three. A persistent server error costs the standard backoff of two
// retries (seconds), not the throttling budget's.
const TransientAttempts = 3

// ErrTransientBudget matches the error of a call given up because its server errors, timeouts or
// connection errors used up TransientAttempts.
var ErrTransientBudget = errors.New("server errors, timeouts and connection errors are tried 3 times at most")

// budgetRetryer is the SDK's standard retryer with a per-call budget for failures other than throttling,
// read from the call's context (budgetMiddleware puts it there).
type budgetRetryer struct {
	*retry.Standard
	attempts int
}

// MaxAttempts is the throttling budget: the attempts of a call throttled again and again, and the bound
// of all its attempts.
func (r *budgetRetryer) MaxAttempts() int { return r.attempts }

// IsErrorRetryable: throttling always; a client error (HTTP 4xx other than throttling, a request timeout
// or a clock skew the SDK corrects) never; else what the standard retryer says (5xx, timeouts, connection
// errors).
func (r *budgetRetryer) IsErrorRetryable(err error) bool {
	if IsThrottle(err) {
		return true
	}
	if isClientError(err) {
		return false
	}
	return r.Standard.IsErrorRetryable(err)
}

// GetRetryToken refuses a retry once the call's failures other than throttling reach TransientAttempts.
func (r *budgetRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	if !IsThrottle(opErr) {
		if b, ok := ctx.Value(budgetKey{}).(*callBudget); ok {
			b.transient++
			if b.transient >= TransientAttempts {
				return nil, ErrTransientBudget
			}
		}
	}
	return r.Standard.GetRetryToken(ctx, opErr)
}

// isClientError reports whether err is an HTTP 4xx answer that retrying cannot mend. Request timeouts
// (408) and the signature errors of a skewed clock, which the SDK corrects on the next attempt, are not.
func isClientError(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	status := re.HTTPStatusCode()
	if status < 400 || status > 499 || status == http.StatusRequestTimeout {
		return false
	}
	var skew interface{ RetryableError() bool }
	if errors.As(err, &skew) && skew.RetryableError() {
		return false
	}
	var code interface{ ErrorCode() string }
	if errors.As(err, &code) {
		if _, timeout := retry.DefaultRetryableErrorCodes[code.ErrorCode()]; timeout {
			return false
		}
	}
	return true
}

// callBudget counts one call's failures other than throttling, across its attempts.
type callBudget struct{ transient int }

type budgetKey struct{}

// addBudget puts a fresh callBudget in each call's context, before the retry loop. A call given up for
// its budget fails with the last attempt's error, on one line, and matches ErrTransientBudget.
func addBudget(stack *middleware.Stack) error {
	return insertFinalize(stack, middleware.FinalizeMiddlewareFunc("ecsfixRetryBudget",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(context.WithValue(ctx, budgetKey{}, &callBudget{}), in)
			if errors.Is(err, ErrTransientBudget) {
				// The retry loop joins the attempt's error and the retryer's refusal, on two lines.
				if joined, ok := err.(interface{ Unwrap() []error }); ok && len(joined.Unwrap()) == 2 {
					err = fmt.Errorf("%w (given up: %w)", joined.Unwrap()[0], ErrTransientBudget)
				}
			}
			return out, md, err
		}), "Retry", middleware.Before)
}

// newRetryer is ecsfix's retryer: attempts for throttling (and at most that many in all), TransientAttempts
// for the rest (fewer when attempts is lower), maxBackoff
// (the SDK's default when <= 0), no client-side retry quota (a throttling storm is ridden out, not turned
// into "retry quota exceeded").
func newRetryer(attempts int, maxBackoff time.Duration) aws.Retryer {
	return &budgetRetryer{attempts: attempts, Standard: retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.RateLimiter = ratelimit.None
		if maxBackoff > 0 {
			o.MaxBackoff = maxBackoff
		}
	})}
}
