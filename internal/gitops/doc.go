// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package gitops runs the access check of Divio's external Git repository
// feature: when an application is bound to a repository, the control plane
// proves that it can reach the repository with the application's
// credentials by doing real Git work with go-git, over SSH (with the
// application's deploy key) or HTTPS (with a username and personal access
// token).
//
// The check reads only the tip of one branch: a shallow (depth 1) fetch of
// that branch into memory, so its cost does not grow with the repository's
// history. With WriteAccess it also opens a receive-pack session, the start
// of a push, and closes it without updating anything; with PushOnly it does
// only that (the second step of Divio's verification, once the branch has
// been read).
//
// The same transports also keep the platform's own copy of a binding's
// branch up to date (Sync: a bare mirror on disk, fetched incrementally)
// and look branches up at the remote (RemoteBranchExists).
//
// The package knows nothing of HTTP APIs or databases; the control plane
// maps CheckResult.Code to its API.
//
// Two layers, grouped by file name:
//
//   - the transport layer (transport_*.go) opens a session to a target
//     (transport_target.go: the parsed URL, credentials, pinned host key,
//     address guard and limits) over SSH (transport_ssh.go,
//     transport_sshsession.go, transport_hostkey.go) or HTTPS
//     (transport_https.go), through the address guard against server-side
//     request forgery (transport_guard.go) and within a byte budget
//     (transport_budget.go);
//   - the operations take a target and never look at its scheme: the
//     access check (check.go, with fetch.go for the shallow fetch and
//     newapp.go for what a new application's branch may hold), the
//     branch lookup (lsremote.go) and the mirror sync (sync.go, with
//     mirror.go for the copy on disk, mirrorfetch.go for its incremental
//     fetch and ancestry.go for the fast-forward question).
//
// client.go holds the one client type (Checker) and its defaults, set in
// one place (Checker.settings). transport_errors.go recognises the
// transport's own failures (guard, resolution, connection, handshake, TLS,
// a host's refusal); explain.go turns any failure into a result code and a
// message, whose wordings are all in messages.go.
package gitops
