// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The transport's failures in the operations' terms: what went wrong while
// reaching the host (address guard, name resolution, connection, SSH
// handshake, HTTPS redirect or TLS). explain.go asks here first, so that it
// knows nothing of SSH or HTTPS. A refusal (refused, hostSaid) is told
// apart here too: SSH hosts say why on stderr, HTTPS hosts answer a status.

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// forbiddenFailure reports a connection the address guard refused.
func forbiddenFailure(err error) (code, msg string, ok bool) {
	if fe, found := findError[*forbiddenError](err); found {
		return CodeForbiddenAddress, fe.msg, true
	}
	return "", "", false
}

// connectFailure explains a failure to reach or greet the host; ok is false
// when err is not one.
func (t *target) connectFailure(err error) (code, msg string, ok bool) {
	host := t.url.Host
	if re, found := findError[*resolveError](err); found {
		return CodeUnreachable, msgNotResolved(host, resolveDetail(re.err, t.quote)), true
	}
	if de, found := findError[*dialError](err); found {
		return CodeUnreachable, msgConnect(host, t.port, connectDetail(de.err, t.quote)), true
	}
	if he, found := findError[*handshakeError](err); found {
		if isTimeout(he.err) {
			return CodeUnreachable, msgConnect(host, t.port, "the SSH handshake timed out"), true
		}
		return CodeUnreachable, msgSSHHandshake(host, t.port, t.quote(he.err.Error())), true
	}
	if re, found := findError[*redirectError](err); found {
		return CodeUnreachable, msgRedirect(host, t.quote(re.to)), true
	}
	if tlsProblem(err) {
		return CodeUnreachable, msgTLS(host, t.quote(tlsDetail(err))), true
	}
	return "", "", false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// refused reports whether the host turned the request down: it could not
// find the repository for these credentials, or said why not.
func refused(err error) bool {
	e := unwrapGoGit(err)
	if _, ok := findError[*hostRefusal](err); ok {
		return true
	}
	return errors.Is(e, transport.ErrRepositoryNotFound) ||
		errors.Is(e, transport.ErrAuthenticationRequired) ||
		errors.Is(e, transport.ErrAuthorizationFailed)
}

// hostSaid is the host's own explanation of a refusal, if it gave one.
func hostSaid(err error) string {
	if hr, ok := findError[*hostRefusal](err); ok {
		return hr.text
	}
	// go-git's HTTP errors end with the response body: "authorization
	// failed: <body>".
	e := unwrapGoGit(err)
	for _, sentinel := range []error{transport.ErrRepositoryNotFound, transport.ErrAuthenticationRequired, transport.ErrAuthorizationFailed} {
		if errors.Is(e, sentinel) {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(e.Error(), sentinel.Error()), ":"))
		}
	}
	return ""
}
