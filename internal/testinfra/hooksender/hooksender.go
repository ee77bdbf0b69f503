// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package hooksender sends push webhook deliveries the way GitHub, GitLab
// and Bitbucket Cloud send them (headers, signature, payload shape), so the
// demo and the tests exercise the control plane's receiver as a Git host
// would. Payloads carry the fields the hosts document for push events,
// trimmed to what a receiver reads.
package hooksender

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Push describes a push to one branch.
type Push struct {
	Branch string // e.g. "main"
	Before string // previous head ("0000…" for a new branch)
	After  string // new head
	Repo   string // repository name, e.g. "acme/website"
}

// Delivery is one HTTP request a Git host would send. Tests may change any
// field (a wrong signature, another event, a reused delivery id) before Send.
type Delivery struct {
	URL    string
	Header http.Header
	Body   []byte
	Secret string // used by Sign
	Type   string
}

// Response is the receiver's answer.
type Response struct {
	Status int
	Body   string
}

// New builds the delivery of push for a webhook of type typ ("github",
// "gitlab" or "bitbucket"), signed or authenticated with secret as that
// host does. Each delivery gets a fresh delivery id.
func New(typ, url, secret string, push Push) (*Delivery, error) {
	d := &Delivery{URL: url, Header: http.Header{}, Secret: secret, Type: typ}
	d.Header.Set("Content-Type", "application/json")
	id := newID()
	var payload any
	switch typ {
	case "github":
		// https://docs.github.com/webhooks/webhook-events-and-payloads#push
		d.Header.Set("User-Agent", "GitHub-Hookshot/044aadd")
		d.Header.Set("X-GitHub-Event", "push")
		d.Header.Set("X-GitHub-Delivery", id)
		d.Header.Set("X-GitHub-Hook-ID", "292430182")
		payload = map[string]any{
			"ref": "refs/heads/" + push.Branch, "before": push.Before, "after": push.After,
			"created": false, "deleted": false, "forced": false,
			"repository":  map[string]any{"full_name": push.Repo, "default_branch": "main"},
			"head_commit": map[string]any{"id": push.After, "message": "Update"},
		}
	case "gitlab":
		// https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events
		d.Header.Set("User-Agent", "GitLab/17.0.0")
		d.Header.Set("X-Gitlab-Event", "Push Hook")
		d.Header.Set("X-Gitlab-Event-UUID", id)
		d.Header.Set("X-Gitlab-Token", secret)
		payload = map[string]any{
			"object_kind": "push", "event_name": "push",
			"ref": "refs/heads/" + push.Branch, "before": push.Before, "after": push.After, "checkout_sha": push.After,
			"project":             map[string]any{"path_with_namespace": push.Repo, "default_branch": "main"},
			"total_commits_count": 1,
		}
	case "bitbucket":
		// https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push
		d.Header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
		d.Header.Set("X-Event-Key", "repo:push")
		d.Header.Set("X-Request-UUID", id)
		d.Header.Set("X-Hook-UUID", "{"+newID()+"}")
		payload = map[string]any{
			"repository": map[string]any{"full_name": push.Repo, "type": "repository"},
			"push": map[string]any{"changes": []any{map[string]any{
				"new":    map[string]any{"type": "branch", "name": push.Branch, "target": map[string]any{"type": "commit", "hash": push.After}},
				"old":    map[string]any{"type": "branch", "name": push.Branch, "target": map[string]any{"type": "commit", "hash": push.Before}},
				"forced": false, "created": false, "closed": false,
			}}},
		}
	default:
		return nil, fmt.Errorf("unknown webhook type %q", typ)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	d.Body = body
	d.Sign()
	return d, nil
}

// Sign (re)computes GitHub's signature of the body; other hosts do not sign.
func (d *Delivery) Sign() {
	if d.Type != "github" {
		return
	}
	mac := hmac.New(sha256.New, []byte(d.Secret))
	mac.Write(d.Body)
	d.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
}

// Send posts the delivery.
func (d *Delivery) Send(ctx context.Context) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return nil, err
	}
	req.Header = d.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Body: string(body)}, nil
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
