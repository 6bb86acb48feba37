// This file holds the first call every live command makes: one cheap request that tells, within seconds,
// whether the AWS API can be reached and accepts the credentials, before reads and writes that retry for
// minutes.

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ReachTimeout bounds Reach, its attempts included: an endpoint that accepts connections and never
// answers costs this much at most.
const ReachTimeout = 20 * time.Second

// reachAttempts and reachBackoff bound Reach's retries: a refused connection costs about two seconds.
const (
	reachAttempts = 3
	reachBackoff  = time.Second
)

// ErrUnreachable matches every error of Reach.
var ErrUnreachable = errors.New("the AWS API cannot be used")

// Reach makes one sts GetCallerIdentity call (which needs no permission) in region (cfg's own when
// empty), with at most three attempts a second apart and ReachTimeout in all, and returns the caller's
// account. Its error says what failed, the connection, the time or the credentials, names the endpoint
// and says what to check; it matches ErrUnreachable.
func Reach(ctx context.Context, cfg aws.Config, region string) (string, error) {
	c := cfg.Copy()
	if region != "" {
		c.Region = region
	}
	c.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = reachAttempts
			o.MaxBackoff = reachBackoff
			o.RateLimiter = ratelimit.None
		})
	}
	c.RetryMaxAttempts, c.RetryMode = 0, ""
	ctx, cancel := context.WithTimeout(ctx, ReachTimeout)
	defer cancel()
	out, err := sts.NewFromConfig(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", reachError(err, c, ctx.Err() != nil)
	}
	return aws.ToString(out.Account), nil
}

// credentialCodes are the error codes with which AWS refuses a caller's credentials or signature.
var credentialCodes = map[string]bool{
	"InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "IncompleteSignature": true, "ExpiredToken": true,
	"ExpiredTokenException": true, "RequestExpired": true, "AccessDenied": true, "AccessDeniedException": true,
	"UnrecognizedClientException": true, "InvalidAccessKeyId": true, "AuthFailure": true, "MissingAuthenticationToken": true,
	"InvalidSignatureException": true,
}

// reachError explains a failed first call.
func reachError(err error, cfg aws.Config, timedOut bool) error {
	where := "the AWS API"
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		where = "the AWS API at " + *cfg.BaseEndpoint + " (AWS_ENDPOINT_URL)"
	}
	region := cfg.Region
	if region == "" {
		region = "none set"
	}
	var api smithy.APIError
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	switch {
	case errors.As(err, &api) && credentialCodes[api.ErrorCode()]:
		return fmt.Errorf("%w: %s refused the credentials (sts GetCallerIdentity, region %s): %s: %s; check AWS_PROFILE, "+
			"the credentials and their expiry", ErrUnreachable, where, region, api.ErrorCode(), api.ErrorMessage())
	case errors.As(err, &api):
		return fmt.Errorf("%w: %s answered the first call with an error (sts GetCallerIdentity, region %s): %s: %s; check that "+
			"AWS_ENDPOINT_URL and the proxy settings lead to the AWS API, and the region", ErrUnreachable, where, region, api.ErrorCode(), api.ErrorMessage())
	case strings.Contains(err.Error(), "credentials"):
		return fmt.Errorf("%w: no usable AWS credentials (sts GetCallerIdentity): %v; set AWS_PROFILE or the AWS_* "+
			"credential variables, or run where a role is available", ErrUnreachable, err)
	case timedOut:
		return fmt.Errorf("%w: no answer from %s within %s (sts GetCallerIdentity, region %s): %v; check the network, "+
			"the proxy settings and AWS_ENDPOINT_URL", ErrUnreachable, where, ReachTimeout, region, err)
	case errors.As(err, &send), errors.As(err, &netErr):
		cause := error(err)
		if netErr != nil || errors.As(err, &netErr) {
			cause = netErr // the URL and the connection's error, without the SDK's wrapping
		}
		return fmt.Errorf("%w: cannot connect to %s (sts GetCallerIdentity, region %s, %d attempts): %v; check the network, "+
			"the proxy settings, AWS_ENDPOINT_URL and the region", ErrUnreachable, where, region, reachAttempts, cause)
	}
	return fmt.Errorf("%w: the first call to %s failed (sts GetCallerIdentity, region %s): %v", ErrUnreachable, where, region, err)
}
