// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryClient returns a retryablehttp client for one call. It is built per
// call (it is a small struct around the shared http.Client) because the
// backoff and the retry policy must know the call — to log and to decide
// idempotency — also when a connection error leaves them no response.
func (c *Client) retryClient(cl *call) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:      c.httpClient,
		Logger:          nil, // we log through tflog in the hooks below
		RetryWaitMin:    c.retryWaitMin,
		RetryWaitMax:    c.retryWaitMax,
		RetryMax:        c.retryMax,
		RequestLogHook:  cl.beforeAttempt,
		ResponseLogHook: cl.afterAttempt,
		CheckRetry:      cl.checkRetry,
		Backoff:         cl.backoff,
		// Hand back the last answer instead of a generic "giving up" error,
		// so that the caller sees the API's own message.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// idempotentMethods may be repeated without changing the outcome (RFC 9110).
var idempotentMethods = map[string]bool{
	http.MethodGet:     true,
	http.MethodHead:    true,
	http.MethodPut:     true,
	http.MethodDelete:  true,
	http.MethodOptions: true,
}

// retryableStatus are answers that say "try again later", not "you are wrong".
var retryableStatus = map[int]bool{
	http.StatusTooManyRequests:     true,
	http.StatusInternalServerError: true,
	http.StatusBadGateway:          true,
	http.StatusServiceUnavailable:  true,
	http.StatusGatewayTimeout:      true,
}

// idempotent reports whether the call may be sent again: a create is only
// safe to repeat when the server recognises the repeat by its key, which
// Divio's public API is not known to do.
func (cl *call) idempotent() bool {
	return idempotentMethods[cl.method] || (cl.idempotencyKey != "" && cl.client.honoursIdempotencyKeys())
}

// checkRetry is the retryablehttp.CheckRetry policy.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil {
		cl.logTransportError(err)
		// retryablehttp's own policy knows which connection errors are
		// permanent (bad certificate, bad scheme, …) and stops on a
		// cancelled context; it returns (true, nil) for the rest.
		retry, permanent := retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		return retry && (cl.idempotent() || neverSent(err)) && cl.budgetLeft(), permanent
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	retry := retryableStatus[resp.StatusCode] && (cl.idempotent() || refusedBeforeTheView(resp))
	return retry && cl.budgetLeft(), nil
}

// refusedBeforeTheView reports an answer that says the request was not
// carried out: 429 or 503 with Retry-After. DRF throttles (429) before the
// view runs, and a 503 with Retry-After is a server or proxy turning work
// away; repeating either cannot create twice, so POSTs are repeated too.
// Divio's CLI does not retry at all; this is the provider's own policy.
func refusedBeforeTheView(resp *http.Response) bool {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return false
	}
	_, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return ok
}

// budgetLeft reports whether another attempt may start: the call's retry
// budget (or its context's deadline) is not spent.
func (cl *call) budgetLeft() bool { return time.Now().Before(cl.deadline) }

// backoff is the retryablehttp.Backoff: the server's Retry-After when it gives
// one on 429 or 503, else exponential backoff with jitter; both capped by max.
// retryablehttp calls it only once it has decided to retry.
func (cl *call) backoff(waitMin, waitMax time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := exponentialBackoff(waitMin, waitMax, attempt)
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if after, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			wait = after
		}
	}
	wait = clamp(wait, 0, waitMax)
	// Never wait past the deadline: the last attempt goes at it.
	wait = clamp(wait, 0, max(time.Until(cl.deadline), 0))
	cl.logRetry(resp, wait)
	return wait
}

// exponentialBackoff returns a random wait in [ceiling/2, ceiling], where the
// ceiling doubles from waitMin with each attempt (0-based) up to waitMax, and
// the wait is never below waitMin. The jitter keeps clients from retrying in
// step.
func exponentialBackoff(waitMin, waitMax time.Duration, attempt int) time.Duration {
	ceiling := waitMin
	for i := 0; i < attempt && ceiling < waitMax; i++ {
		ceiling *= 2
	}
	ceiling = clamp(ceiling, waitMin, waitMax)
	wait := ceiling/2 + rand.N(ceiling/2+1)
	return clamp(wait, waitMin, waitMax)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) { // avoid overflow; capped later anyway
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}
