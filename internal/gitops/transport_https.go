// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The HTTPS transport is go-git's smart-HTTP client, created for each check
// around an http.Client built for that check and used directly
// (NewUploadPackSession / NewReceivePackSession). It is never installed
// with client.InstallProtocol, which would change the transport of every
// go-git user in the process: the guard settings (AllowLoopback, the
// resolver) belong to one Checker, so no single global client is right
// for every caller.
//
// The http.Client:
//   - connects through the address guard (every new connection resolves
//     and checks the host, then dials a checked address), with no proxy:
//     a proxy would make the connection on our behalf, past the guard;
//   - verifies TLS certificates (Checker.RootCAs or the system's roots);
//   - follows a redirect only to the same scheme, host and port;
//   - reads at most the run's byte budget (Checker.MaxFetchBytes, or
//     MaxSyncBytes for a Sync) over all response bodies.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/divio-community/terraform-provider-divio/internal/giturl"
)

// maxRedirects bounds a same-host redirect chain.
const maxRedirects = 5

// redirectError: the host redirected somewhere the check does not follow.
type redirectError struct{ to string }

func (e *redirectError) Error() string { return "redirected to " + e.to }

func (r *target) openHTTPS(context.Context) (remote, error) {
	base := &http.Transport{
		Proxy:       nil,
		DialContext: r.guard.dialContext,
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    r.rootCAs,
		},
		TLSHandshakeTimeout:    r.connectTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
	thinPack := &atomic.Bool{}
	hc := &http.Client{
		Transport:     &limitedTransport{base: base, budget: r.budget, thinPack: thinPack},
		CheckRedirect: sameOrigin(r.url, r.port),
	}
	var auth transport.AuthMethod // nil: anonymous
	if a := r.auth; a.HTTPSUsername != "" || a.HTTPSToken != "" {
		auth = &githttp.BasicAuth{Username: a.HTTPSUsername, Password: a.HTTPSToken}
	}
	return &httpsRemote{
		transport: githttp.NewClientWithOptions(hc, &githttp.ClientOptions{RedirectPolicy: githttp.FollowInitialRedirects}),
		base:      base,
		url:       r.url.String(),
		auth:      auth,
		thinPack:  thinPack,
	}, nil
}

type httpsRemote struct {
	transport transport.Transport
	base      *http.Transport
	url       string
	auth      transport.AuthMethod
	thinPack  *atomic.Bool // the last upload-pack advertisement offered thin-pack
}

// httpsUploadPack is go-git's session, telling whether the server offered
// thin-pack: go-git filters it out of the advertisement it returns, so
// limitedTransport looks at the advertisement as it passes.
type httpsUploadPack struct {
	transport.UploadPackSession
	thinPack *atomic.Bool
}

// advertisedThinPack: see thinPackAdvertiser.
func (s httpsUploadPack) advertisedThinPack() bool { return s.thinPack.Load() }

// endpoint is new for every session: go-git rewrites a session's endpoint
// when it follows a redirect.
func (h *httpsRemote) endpoint() (*transport.Endpoint, error) { return transport.NewEndpoint(h.url) }

func (h *httpsRemote) uploadPack(context.Context) (transport.UploadPackSession, error) {
	ep, err := h.endpoint()
	if err != nil {
		return nil, err
	}
	sess, err := h.transport.NewUploadPackSession(ep, h.auth)
	if err != nil {
		return nil, err
	}
	return httpsUploadPack{sess, h.thinPack}, nil
}

func (h *httpsRemote) receivePack(context.Context) (transport.ReceivePackSession, error) {
	ep, err := h.endpoint()
	if err != nil {
		return nil, err
	}
	return h.transport.NewReceivePackSession(ep, h.auth)
}

func (h *httpsRemote) close() { h.base.CloseIdleConnections() }

// sameOrigin allows redirects that stay on https://host:port.
func sameOrigin(u *giturl.URL, port int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		to := req.URL
		toPort := to.Port()
		if toPort == "" {
			toPort = "443"
		}
		if !strings.EqualFold(to.Scheme, "https") || !strings.EqualFold(strings.TrimSuffix(to.Hostname(), "."), u.Host) ||
			toPort != strconv.Itoa(port) {
			return &redirectError{to: (&url.URL{Scheme: to.Scheme, Host: to.Host, Path: to.Path}).String()}
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}

// limitedTransport counts every response body against the check's budget,
// and notes whether an upload-pack advertisement offers thin-pack.
type limitedTransport struct {
	base     http.RoundTripper
	budget   *byteBudget
	thinPack *atomic.Bool
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	r := t.budget.reader(resp.Body)
	if t.thinPack != nil && strings.HasSuffix(req.URL.Path, "/info/refs") && req.URL.Query().Get("service") == transport.UploadPackServiceName {
		r = &capSniffer{r: r, found: t.thinPack}
	}
	resp.Body = &limitedBody{body: resp.Body, r: r}
	return resp, nil
}

// capSniffer passes an advertisement through and sets found to whether the
// capabilities (after the NUL of the first ref line) include thin-pack.
type capSniffer struct {
	r     io.Reader
	found *atomic.Bool
	buf   []byte
	done  bool
}

func (s *capSniffer) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if !s.done {
		s.buf = append(s.buf, p[:n]...)
		if nul := bytes.IndexByte(s.buf, 0); nul >= 0 {
			if end := bytes.IndexByte(s.buf[nul:], '\n'); end >= 0 {
				caps := strings.Fields(string(s.buf[nul+1 : nul+end]))
				s.found.Store(slices.Contains(caps, string(capability.ThinPack)))
				s.done, s.buf = true, nil
			}
		}
		if len(s.buf) > 64<<10 || err != nil {
			s.done, s.buf = true, nil
		}
	}
	return n, err
}

type limitedBody struct {
	body io.Closer
	r    io.Reader
}

func (b *limitedBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *limitedBody) Close() error               { return b.body.Close() }

// tlsProblem reports whether err is a failure to set up TLS: a certificate
// that does not verify, or a server that does not speak TLS.
func tlsProblem(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) || errors.As(err, &alert)
}

// tlsDetail is the part of a TLS failure worth showing.
func tlsDetail(err error) string {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return verify.Err.Error()
	}
	var record tls.RecordHeaderError
	if errors.As(err, &record) {
		return "the server did not answer with TLS"
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return unknown.Error()
	}
	var hostname x509.HostnameError
	if errors.As(err, &hostname) {
		return hostname.Error()
	}
	return err.Error()
}
