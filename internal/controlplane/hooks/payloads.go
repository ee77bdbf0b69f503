// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package hooks

// What each host sends, and what a delivery says: its event, its id, its
// signature, the refs a push updated. The hosts document it:
//
//   - GitHub: https://docs.github.com/webhooks/webhook-events-and-payloads
//     (X-GitHub-Event, X-GitHub-Delivery, X-Hub-Signature-256: "sha256=" and the
//     hex HMAC-SHA256 of the body keyed with the secret; the ping event) and
//     https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries.
//   - GitLab: https://docs.gitlab.com/user/project/integrations/webhooks/ and
//     webhook_events/#push-events (X-Gitlab-Event: "Push Hook", X-Gitlab-Token:
//     the secret as it is, X-Gitlab-Event-UUID, Idempotency-Key; object_kind,
//     ref, before, after, checkout_sha).
//   - Bitbucket Cloud: https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/
//     (X-Event-Key: "repo:push", X-Request-UUID, X-Hook-UUID; push.changes[]
//     with new and old {type, name, target.hash}; new is null when a branch
//     is deleted).

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// maxDeliveryIDLength bounds a delivery id as stored; longer ids are hashed.
const maxDeliveryIDLength = 128

// deliveryKind is what a delivery's event header says it is.
type deliveryKind int

const (
	deliveryOther deliveryKind = iota
	deliveryPush
	deliveryPing
)

// deliveryEvent reads a delivery's event header: its kind and the event's
// name as the host calls it.
func deliveryEvent(typ store.WebhookType, header http.Header) (deliveryKind, string) {
	var name string
	kind := deliveryOther
	switch typ {
	case store.WebhookGitHub:
		name = header.Get("X-GitHub-Event")
		switch name {
		case "push":
			kind = deliveryPush
		case "ping":
			kind = deliveryPing
		}
	case store.WebhookGitLab:
		// GitLab has no ping: its "Test" button sends a push event.
		name = header.Get("X-Gitlab-Event")
		if name == "Push Hook" {
			kind = deliveryPush
		}
	case store.WebhookBitbucket:
		name = header.Get("X-Event-Key")
		switch name {
		case "repo:push":
			kind = deliveryPush
		case "diagnostics:ping":
			kind = deliveryPing
		}
	}
	return kind, name
}

// deliveryID is the host's id of a delivery, by which replays are told.
// Without one, the body's hash stands in for it: a replay sends the same body.
func deliveryID(typ store.WebhookType, header http.Header, body []byte) string {
	sum := sha256.Sum256(body)
	bodyHash := "sha256:" + hex.EncodeToString(sum[:])
	var id string
	switch typ {
	case store.WebhookGitHub:
		id = header.Get("X-GitHub-Delivery")
	case store.WebhookGitLab:
		id = cmp.Or(header.Get("X-Gitlab-Event-UUID"), header.Get("Idempotency-Key"))
	case store.WebhookBitbucket:
		id = header.Get("X-Request-UUID")
		if hook := header.Get("X-Hook-UUID"); id == "" && hook != "" {
			id = hook + ":" + bodyHash
		}
	}
	switch {
	case id == "":
		return bodyHash
	case len(id) > maxDeliveryIDLength:
		sum := sha256.Sum256([]byte(id))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	return id
}

// verifyDelivery checks that the delivery comes from the webhook's host,
// comparing in constant time; it returns what is wrong, or "".
func verifyDelivery(hook store.Webhook, header http.Header, body []byte) string {
	switch hook.Type {
	case store.WebhookGitHub:
		signature := header.Get("X-Hub-Signature-256")
		if signature == "" {
			return "The delivery has no X-Hub-Signature-256 header: set the webhook's Secret at GitHub to this webhook's secret."
		}
		mac := hmac.New(sha256.New, []byte(hook.Secret))
		mac.Write(body)
		hexDigest, prefixed := strings.CutPrefix(signature, "sha256=")
		given, err := hex.DecodeString(hexDigest)
		if !prefixed || err != nil || !hmac.Equal(given, mac.Sum(nil)) {
			return "The delivery's X-Hub-Signature-256 does not match its body: the Secret set at GitHub is not this webhook's secret " +
				"(or the body was changed on the way)."
		}
	case store.WebhookGitLab:
		token, present := header["X-Gitlab-Token"]
		if !present || len(token) == 0 {
			return "The delivery has no X-Gitlab-Token header: set the webhook's Secret token at GitLab to this webhook's secret."
		}
		// Comparing hashes keeps the comparison constant-time whatever the lengths.
		given, expected := sha256.Sum256([]byte(token[0])), sha256.Sum256([]byte(hook.Secret))
		if subtle.ConstantTimeCompare(given[:], expected[:]) != 1 {
			return "The delivery's X-Gitlab-Token is not this webhook's secret: set the webhook's Secret token at GitLab to it."
		}
	case store.WebhookBitbucket:
		// The URL's token, which found the webhook, is the credential.
	}
	return ""
}

// pushedBranch is what a push delivery says about the refs it updated.
type pushedBranch struct {
	tracked bool     // it updated (or deleted) the tracked branch
	head    string   // the tracked branch's new head; "" if deleted
	others  []string // the other refs it updated, for the message
}

// errNotPayload is a body that is not the JSON the host sends for a push.
type errNotPayload struct{ detail string }

func (e *errNotPayload) Error() string { return e.detail }

func notPayload(typ store.WebhookType, format string, args ...any) error {
	return &errNotPayload{fmt.Sprintf("This is not the payload %s sends for a push: ", hostName(typ)) + fmt.Sprintf(format, args...) + "."}
}

func hostName(typ store.WebhookType) string {
	switch typ {
	case store.WebhookGitHub:
		return "GitHub"
	case store.WebhookGitLab:
		return "GitLab"
	}
	return "Bitbucket"
}

// validHash reports whether s is a full Git object name (SHA-1 or SHA-256), in lower case.
func validHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return (r < '0' || r > '9') && (r < 'a' || r > 'f') })
}

func zeroHash(s string) bool { return strings.Trim(s, "0") == "" }

// refPush is the part of a GitHub or GitLab push payload the receiver reads.
type refPush struct {
	ObjectKind  *string `json:"object_kind"` // GitLab
	Ref         *string `json:"ref"`
	Before      *string `json:"before"`
	After       *string `json:"after"`
	CheckoutSHA *string `json:"checkout_sha"` // GitLab; null when the branch was deleted
}

// bitbucketPush is the part of a Bitbucket repo:push payload the receiver reads.
type bitbucketPush struct {
	Push *struct {
		Changes []struct {
			New *bitbucketRef `json:"new"`
			Old *bitbucketRef `json:"old"`
		} `json:"changes"`
	} `json:"push"`
}

type bitbucketRef struct {
	Type   string `json:"type"` // "branch", "tag", ...
	Name   string `json:"name"`
	Target struct {
		Hash string `json:"hash"`
	} `json:"target"`
}

// parsePush reads which refs a push delivery updated.
func parsePush(typ store.WebhookType, body []byte, branch string) (pushedBranch, error) {
	if typ == store.WebhookBitbucket {
		return parseBitbucketPush(body, branch)
	}
	var p refPush
	if err := json.Unmarshal(body, &p); err != nil {
		return pushedBranch{}, notPayload(typ, "the body is not a JSON object of the expected shape (%s)", strings.TrimPrefix(err.Error(), "json: "))
	}
	if typ == store.WebhookGitLab && (p.ObjectKind == nil || *p.ObjectKind != "push") {
		return pushedBranch{}, notPayload(typ, `its object_kind is not "push"`)
	}
	if p.Ref == nil || !strings.HasPrefix(*p.Ref, "refs/") {
		return pushedBranch{}, notPayload(typ, `it has no "ref" of the form refs/heads/<branch>`)
	}
	if p.After == nil || !validHash(*p.After) {
		return pushedBranch{}, notPayload(typ, `it has no "after" commit`)
	}
	name, isBranch := strings.CutPrefix(*p.Ref, "refs/heads/")
	if !isBranch || name != branch {
		return pushedBranch{others: []string{describeRef(*p.Ref)}}, nil
	}
	head := *p.After
	if p.CheckoutSHA != nil && validHash(*p.CheckoutSHA) {
		head = *p.CheckoutSHA
	}
	if zeroHash(head) {
		head = "" // the branch was deleted
	}
	return pushedBranch{tracked: true, head: head}, nil
}

func parseBitbucketPush(body []byte, branch string) (pushedBranch, error) {
	var p bitbucketPush
	if err := json.Unmarshal(body, &p); err != nil {
		return pushedBranch{}, notPayload(store.WebhookBitbucket, "the body is not a JSON object of the expected shape (%s)", strings.TrimPrefix(err.Error(), "json: "))
	}
	if p.Push == nil || p.Push.Changes == nil {
		return pushedBranch{}, notPayload(store.WebhookBitbucket, `it has no "push" with "changes"`)
	}
	var pushed pushedBranch
	for _, change := range p.Push.Changes {
		ref := change.New
		if ref == nil {
			ref = change.Old // a deleted branch or tag
		}
		if ref == nil {
			continue
		}
		if ref.Type != "branch" || ref.Name != branch {
			if ref.Type == "branch" {
				pushed.others = append(pushed.others, ref.Name)
			} else {
				pushed.others = append(pushed.others, ref.Type+" "+ref.Name)
			}
			continue
		}
		pushed.tracked = true
		if change.New != nil {
			if !validHash(change.New.Target.Hash) {
				return pushedBranch{}, notPayload(store.WebhookBitbucket, "the change of branch %q has no target hash", branch)
			}
			pushed.head = change.New.Target.Hash
		}
	}
	return pushed, nil
}

// describeRef names a ref for a message: a branch by its name, a tag as "tag <name>".
func describeRef(ref string) string {
	if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return name
	}
	if name, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return "tag " + name
	}
	return ref
}

// judgeDelivery decides what a verified delivery makes the control plane
// do: a push to the tracked branch is accepted (with the branch's new head,
// in delivery); anything else is ignored, and detail says why. notPayload
// is a push whose body is not what the host sends for one.
func judgeDelivery(delivery *store.Delivery, kind deliveryKind, event string, typ store.WebhookType, body []byte, branch string) (detail string, notPayload *errNotPayload) {
	if kind != deliveryPush {
		return fmt.Sprintf("event %q is not a push; only pushes make the control plane sync", event), nil
	}
	pushed, err := parsePush(typ, body, branch)
	if payloadErr, ok := errors.AsType[*errNotPayload](err); ok {
		return "", payloadErr
	}
	switch {
	case pushed.tracked:
		delivery.Result, delivery.PushedHead = store.DeliveryAccepted, pushed.head
		return "", nil
	case len(pushed.others) == 0:
		return fmt.Sprintf("push of no branch; the application tracks %s", branch), nil
	}
	return fmt.Sprintf("push to %s; the application tracks %s", strings.Join(pushed.others, ", "), branch), nil
}
