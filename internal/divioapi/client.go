// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package divioapi is the client for Divio's control-plane API. Every request
// the provider makes passes through Client.Do (or ListAll, which uses it), so
// that requests are counted, retried and logged in one place.
package divioapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the API of Divio's public cloud.
const DefaultBaseURL = "https://api.divio.com"

const (
	defaultUserAgent = "terraform-provider-divio"
	// defaultRetryMax is a backstop: the retry budget is what bounds a call.
	defaultRetryMax     = 64
	defaultRetryBudget  = 5 * time.Minute
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second

	// defaultAttemptTimeout bounds one attempt when no HTTPClient is given, so
	// that a server that never answers cannot hang terraform forever.
	defaultAttemptTimeout = 60 * time.Second

	// idleConnsPerHost is how many kept-alive connections to the API wait
	// for the next request: enough for the CLI's -parallelism of up to 64
	// requests at once, where go-cleanhttp keeps GOMAXPROCS+1 and every
	// request beyond that would open (and, over TLS, handshake) a new one.
	idleConnsPerHost = 64

	// maxBodyBytes bounds how much of an answer is read into memory.
	maxBodyBytes = 10 << 20
)

// Config configures a Client. The zero value talks to DefaultBaseURL without
// a token.
type Config struct {
	// BaseURL is the API's root; "" means DefaultBaseURL. It must be an http
	// or https URL with a host and no query, fragment or user info. A path
	// prefix is kept.
	BaseURL string
	// Token is sent as "Authorization: Token <token>" and masked in logs.
	Token string
	// UserAgent is sent with every request.
	UserAgent string
	// HTTPClient is an optional base client: its Transport and Timeout are
	// used. nil means a go-cleanhttp pooled client with a 60 s timeout per
	// attempt. Redirects are never followed, whatever the base client says.
	HTTPClient *http.Client
	// RetryMax is how many times a failed idempotent request is retried at
	// most: 0 means 64, a negative value means never.
	RetryMax int
	// RetryBudget is how long one call keeps retrying (waits included),
	// unless its context's deadline (an operation's timeout) comes first:
	// 0 means 5 minutes. A busy API is waited for, not given up on after a
	// few tries.
	RetryBudget time.Duration
	// RetryWaitMin and RetryWaitMax bound the wait between attempts
	// (defaults 500 ms and 30 s). RetryWaitMax also caps Retry-After.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// DisableExtensions makes the client use Divio's public API only: it
	// never asks the server for its extensions (Extensions answers none).
	DisableExtensions bool
}

// Client talks to the Divio API. It is safe for concurrent use.
type Client struct {
	base       *url.URL // without trailing slash
	token      string
	userAgent  string
	httpClient *http.Client

	retryMax     int
	retryBudget  time.Duration
	retryWaitMin time.Duration
	retryWaitMax time.Duration

	requests atomic.Int64
	ext      extensionState
}

// New returns a Client for cfg. Its errors are plain sentences, fit for a
// diagnostic.
func New(cfg Config) (*Client, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	if err := ValidateBaseURL(raw); err != nil {
		return nil, err
	}
	base, _ := url.Parse(raw) // cannot fail: ValidateBaseURL parsed it
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""

	if strings.IndexFunc(cfg.Token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		// Never echo the token: this message ends up in terraform's output.
		return nil, errors.New("the API token contains whitespace or control characters; check that it was copied without a trailing newline")
	}

	c := &Client{
		base:         base,
		token:        cfg.Token,
		userAgent:    cfg.UserAgent,
		httpClient:   newHTTPClient(cfg.HTTPClient),
		retryMax:     cfg.RetryMax,
		retryBudget:  cmp.Or(cfg.RetryBudget, defaultRetryBudget),
		retryWaitMin: cfg.RetryWaitMin,
		retryWaitMax: cfg.RetryWaitMax,
		ext:          extensionState{disabled: cfg.DisableExtensions},
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	switch {
	case c.retryMax == 0:
		c.retryMax = defaultRetryMax
	case c.retryMax < 0:
		c.retryMax = 0
	}
	if c.retryWaitMin <= 0 {
		c.retryWaitMin = defaultRetryWaitMin
	}
	if c.retryWaitMax <= 0 {
		c.retryWaitMax = defaultRetryWaitMax
	}
	if c.retryWaitMax < c.retryWaitMin {
		c.retryWaitMax = c.retryWaitMin
	}
	return c, nil
}

// newHTTPClient copies what we want from base into a client of our own, so
// that the redirect policy below cannot be overridden.
func newHTTPClient(base *http.Client) *http.Client {
	if base == nil {
		transport := cleanhttp.DefaultPooledTransport()
		transport.MaxIdleConnsPerHost = idleConnsPerHost
		base = &http.Client{Transport: transport, Timeout: defaultAttemptTimeout}
	}
	return &http.Client{
		Transport: base.Transport,
		Timeout:   base.Timeout,
		// A redirect would replay the request (and its token) somewhere the
		// user did not configure, and silently turn a POST into a GET; the 3xx
		// answer becomes an *Error instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ValidateBaseURL reports whether raw is usable as Config.BaseURL. Its errors
// are plain sentences, fit for a diagnostic.
func ValidateBaseURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("the API base URL must not be empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's message repeats the input, which may hold a password.
		return errors.New("the API base URL is not a valid URL")
	}
	switch {
	case u.User != nil:
		return errors.New("the API base URL must not contain a user name or password; set the token instead")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("the API base URL %q must start with https:// (or http://)", raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("the API base URL %q must include a host name", raw)
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("the API base URL %q must not contain a query (the part after \"?\")", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("the API base URL %q must not contain a fragment (the part after \"#\")", raw)
	}
	return nil
}

// RequestCount returns how many HTTP attempts the client has sent, retries
// included.
func (c *Client) RequestCount() int64 {
	return c.requests.Load()
}

// ObjectPath returns the path of the object id in collection (a path with a
// trailing slash, such as "/apps/v3/deploy-keys/"), followed by any fixed
// sub-resources, e.g. ObjectPath("/apps/v3/repositories/", id, "check")
// is "/apps/v3/repositories/<id>/check/". Segments are path-escaped, and ids
// that are empty or dot segments are refused, so an id cannot change which
// resource is addressed.
func ObjectPath(collection, id string, sub ...string) (string, error) {
	p := strings.TrimRight(collection, "/")
	for _, seg := range append([]string{id}, sub...) {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%q is not a valid identifier", seg)
		}
		p += "/" + url.PathEscape(seg)
	}
	return p + "/", nil
}

// getObject GETs the object id of collection, the shape of every retrieve
// endpoint.
func getObject[T any](ctx context.Context, c *Client, collection, id string) (*T, error) {
	p, err := ObjectPath(collection, id)
	if err != nil {
		return nil, err
	}
	var obj T
	if err := c.Do(ctx, http.MethodGet, p, nil, nil, &obj); err != nil {
		return nil, err
	}
	return &obj, nil
}

// create POSTs body to collection and decodes the object the answer
// carries; setWords keeps any words the answer has beside it.
func create[T any](ctx context.Context, c *Client, collection string, body any, setWords func(*T, string)) (*T, error) {
	var raw json.RawMessage
	if err := c.Do(ctx, http.MethodPost, collection, nil, body, &raw); err != nil {
		return nil, err
	}
	var obj T
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("POST %s: the answer did not have the expected shape: %w", collection, err)
	}
	_, words := wordsOf(raw)
	setWords(&obj, words)
	return &obj, nil
}

// Do sends one API request to path (relative to the base URL, starting with
// "/") with query, the JSON encoding of body (when not nil), and decodes a 2xx
// answer into out (when not nil). A non-2xx answer is returned as *Error.
// POST requests get a fresh Idempotency-Key, kept across retries, where the
// server honours it (see Extensions); only then are they retried, or when
// the request provably never reached the server.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u, err := c.resolve(path, query)
	if err != nil {
		return err
	}
	return c.send(ctx, method, u, body, out)
}

// resolve joins path and query to the base URL.
func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("divioapi: invalid request path %q: it must start with \"/\" and carry no query", path)
	}
	u, err := url.Parse(c.base.String() + path)
	if err != nil {
		return nil, fmt.Errorf("divioapi: invalid request path %q: %w", path, err)
	}
	u.RawQuery = query.Encode()
	return u, nil
}

// send performs one logical request, with its retries, against an absolute URL.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body, out any) error {
	ctx = c.logContext(ctx)
	call := &call{client: c, ctx: ctx, method: method, url: u.String(), path: u.RequestURI(), deadline: time.Now().Add(retryBudget(ctx, c.retryBudget))}
	if d, ok := ctx.Deadline(); ok && d.Before(call.deadline) {
		call.deadline = d
	}

	// The body is encoded once so that every attempt sends the same bytes.
	var payload any
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encoding the request body: %w", method, call.path, err)
		}
		payload = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, call.url, payload)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, call.path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Token "+c.token)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost {
		// Whether a failed POST may be repeated depends on the server:
		// ask it once (the answer is kept), and treat "cannot tell" as no.
		_, _ = c.Extensions(ctx)
		// The key goes only to a server that recognises a repeat by it:
		// net/http itself replays a request carrying it when a reused
		// connection fails before the answer, and divio-cli sends none.
		if c.honoursIdempotencyKeys() {
			req.Header.Set("Idempotency-Key", uuid.NewString())
		}
	}
	call.idempotencyKey = req.Header.Get("Idempotency-Key")

	resp, err := c.retryClient(call).Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return call.transportError(err)
	}
	defer resp.Body.Close()

	data, err := readBody(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %d: reading the answer: %w", method, call.path, resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(call, resp, data)
	}
	return call.decode(resp, data, out)
}

// retryBudgetKey carries a shorter retry budget for the calls made with a
// context (see withRetryBudget).
type retryBudgetKey struct{}

// withRetryBudget makes calls with ctx retry for at most d instead of the
// client's budget.
func withRetryBudget(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, retryBudgetKey{}, d)
}

// retryBudget is ctx's retry budget, else fallback.
func retryBudget(ctx context.Context, fallback time.Duration) time.Duration {
	if d, ok := ctx.Value(retryBudgetKey{}).(time.Duration); ok {
		return d
	}
	return fallback
}

// readBody reads at most maxBodyBytes, and says so when there was more.
func readBody(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBodyBytes {
		return nil, fmt.Errorf("the answer is larger than %d MiB", maxBodyBytes>>20)
	}
	return data, nil
}

// call is one logical request: what the retry policy, the backoff and the log
// hooks need to know about it. Its attempts run one after the other on one
// goroutine, so it needs no locking.
type call struct {
	client         *Client
	ctx            context.Context // carries the divio_api log subsystem
	method         string
	url            string // absolute, for logs
	path           string // path and query, for errors
	idempotencyKey string

	attempts int       // attempts sent so far
	started  time.Time // when the current attempt was sent
	deadline time.Time // no retry starts after it: the budget or ctx's deadline
}

// transportError describes a request that got no usable answer (connection
// error, cancelled context, TLS failure), keeping the cause for errors.Is.
func (cl *call) transportError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its message repeats the URL
	}
	if cl.attempts > 1 {
		return fmt.Errorf("%s %s: %w (after %d attempts)", cl.method, cl.path, err, cl.attempts)
	}
	if cl.method == http.MethodPost && !neverSent(err) && !cl.idempotent() {
		return fmt.Errorf("%s %s: %w: %w", cl.method, cl.path, ErrOutcomeUnknown, err)
	}
	return fmt.Errorf("%s %s: %w", cl.method, cl.path, err)
}

// decode checks that a 2xx answer is JSON and decodes it into out. Garbage
// (e.g. a proxy's HTML page) is an error even when out is nil.
func (cl *call) decode(resp *http.Response, data []byte, out any) error {
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		if out == nil {
			return nil
		}
		return fmt.Errorf("%s %s: %s: the answer was empty, expected JSON", cl.method, cl.path, resp.Status)
	}
	if !json.Valid(trimmed) {
		return fmt.Errorf("%s %s: %s: the answer was not JSON (Content-Type %q): %s",
			cl.method, cl.path, resp.Status, resp.Header.Get("Content-Type"), snippet(data))
	}
	if out == nil {
		return nil
	}
	if bytes.Equal(trimmed, []byte("null")) {
		return fmt.Errorf("%s %s: %s: the answer was null, expected an object", cl.method, cl.path, resp.Status)
	}
	if err := json.Unmarshal(trimmed, out); err != nil {
		return fmt.Errorf("%s %s: %s: the answer did not have the expected shape: %w", cl.method, cl.path, resp.Status, err)
	}
	return nil
}
