// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logSubsystem names the client's tflog subsystem. Its level can be set
// apart from the provider's with TF_LOG_PROVIDER_DIVIO_API.
const logSubsystem = "divio_api"

// logContext adds the divio_api subsystem to ctx, masking the token in every
// message and field. Without a provider logger in ctx (e.g. a bare
// context.Background()) tflog does nothing, and neither does logging.
func (c *Client) logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_DIVIO_API"))
	if c.token != "" { // masking "" would mangle every line
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, c.token)
		ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, c.token)
	}
	return ctx
}

// beforeAttempt is the retryablehttp.RequestLogHook: it runs right before
// each attempt is sent, so it is where attempts are counted.
func (cl *call) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, _ int) {
	cl.client.requests.Add(1)
	cl.attempts++
	cl.started = time.Now()
}

// afterAttempt is the retryablehttp.ResponseLogHook: one Debug line per
// attempt that got an answer. The body is left alone for the caller.
func (cl *call) afterAttempt(_ retryablehttp.Logger, resp *http.Response) {
	fields := cl.attemptFields()
	fields["status"] = resp.StatusCode
	if id := resp.Header.Get("X-Request-Id"); id != "" {
		fields["request_id"] = id
	}
	if resp.Header.Get("Idempotent-Replayed") == "true" {
		fields["idempotent_replayed"] = true
	}
	tflog.SubsystemDebug(cl.ctx, logSubsystem, "Divio API request", fields)
}

// logTransportError is the Debug line of an attempt that got no answer.
// retryablehttp calls no response hook then, so checkRetry calls this.
func (cl *call) logTransportError(err error) {
	fields := cl.attemptFields()
	fields["error"] = err.Error()
	tflog.SubsystemDebug(cl.ctx, logSubsystem, "Divio API request failed", fields)
}

// logRetry says that, and when, the call will be tried again.
func (cl *call) logRetry(resp *http.Response, wait time.Duration) {
	fields := map[string]any{
		"method":       cl.method,
		"url":          cl.url,
		"attempt":      cl.attempts,
		"max_attempts": cl.client.retryMax + 1,
		"wait_ms":      wait.Milliseconds(),
	}
	if resp != nil {
		fields["status"] = resp.StatusCode
	}
	tflog.SubsystemWarn(cl.ctx, logSubsystem, "Retrying Divio API request after "+wait.Round(time.Millisecond).String(), fields)
}

// attemptFields are the fields common to every attempt's line. The
// Authorization header is deliberately not among them.
func (cl *call) attemptFields() map[string]any {
	fields := map[string]any{
		"method":      cl.method,
		"url":         cl.url,
		"attempt":     cl.attempts,
		"duration_ms": time.Since(cl.started).Milliseconds(),
	}
	if cl.idempotencyKey != "" {
		fields["idempotency_key"] = cl.idempotencyKey
	}
	return fields
}
