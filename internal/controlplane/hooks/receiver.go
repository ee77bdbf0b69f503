// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package hooks receives webhook deliveries: POST /hooks/v1/{token}/,
// which Git hosts call. The URL's token finds the webhook, the host's
// signature (GitHub, GitLab) proves the sender, and only then is a
// delivery counted against the webhook's budget, so that no flood of
// unsigned or badly signed requests can make it refuse one its host
// signed; those are limited by source address instead. A push to the
// tracked branch is recorded and a sync queued.
package hooks

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"golang.org/x/time/rate"

	"github.com/divio-community/terraform-provider-divio/internal/controlplane/httpx"
	"github.com/divio-community/terraform-provider-divio/internal/controlplane/store"
)

// PathPrefix is where deliveries are received: PathPrefix + token + "/".
const PathPrefix = httpx.SecretPathPrefix

// Pattern is the receiver's route.
const Pattern = "POST " + PathPrefix + "{token}/{$}"

// Answer is the body of every answer to a delivery but 404.
type Answer struct {
	Result   string `json:"result"`
	Delivery string `json:"delivery,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Budgets: a webhook takes DeliveriesPerSecond signed deliveries a second
// (bursts of twice as many), so that a replayed stream costs little; a
// source address gets refusedPerSecond refused ones a second (bursts of
// twice as many) answered and logged, then 429s, unlogged.
const (
	DeliveriesPerSecond = 10
	refusedPerSecond    = 10
)

// Syncs is what the receiver asks of the job runner.
type Syncs interface {
	QueueDeliverySync(repositoryUUID string)
}

// Receiver receives deliveries (see NewReceiver).
type Receiver struct {
	store  *store.Store
	syncs  Syncs
	logger *slog.Logger
	now    func() time.Time

	webhooks httpx.KeyedLimiter // signed deliveries, per webhook
	refused  httpx.KeyedLimiter // refused requests, per source address
}

// NewReceiver returns a receiver that records deliveries in st and asks
// syncs for their syncs.
func NewReceiver(st *store.Store, syncs Syncs, logger *slog.Logger, now func() time.Time) *Receiver {
	return &Receiver{store: st, syncs: syncs, logger: logger, now: now,
		webhooks: httpx.KeyedLimiter{Rate: DeliveriesPerSecond, Burst: 2 * DeliveriesPerSecond},
		refused:  httpx.KeyedLimiter{Rate: rate.Limit(refusedPerSecond), Burst: 2 * refusedPerSecond},
	}
}

// delivery is a request the receiver authenticated: its webhook's host
// sent it.
type delivery struct {
	hook       store.Webhook
	body       []byte
	kind       deliveryKind
	event      string
	receivedAt time.Time
}

func (d *delivery) logAttrs() []slog.Attr {
	return []slog.Attr{slog.String("webhook", d.hook.UUID), slog.String("type", string(d.hook.Type)), slog.String("event", d.event)}
}

// refusal is a delivery the receiver refuses: anyone who knows the URL
// can send one, so it changes no recorded state. delivery is set when the
// token found a webhook (for the log line); signed is true when the host's
// signature was good (the webhook's budget was spent): only unsigned
// requests spend the source's budget.
type refusal struct {
	status     int
	detail     string
	delivery   *delivery
	signed     bool
	retryAfter bool
}

func (r *refusal) Error() string { return fmt.Sprintf("%d %s", r.status, r.detail) }

// Route is the receiver as the pipeline serves it.
func (rc *Receiver) Route() httpx.Route[*delivery] {
	return httpx.Route[*delivery]{Authenticate: rc.authenticate, Limit: rc.limit, Refuse: rc.refuse, Serve: rc.serve}
}

// authenticate finds the webhook by the URL's token and verifies the
// host's signature of the body, in constant time.
func (rc *Receiver) authenticate(r *http.Request, body []byte) (*delivery, error) {
	hook, err := rc.store.WebhookByToken(r.Context(), r.PathValue("token"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, &refusal{status: http.StatusNotFound, detail: httpx.ErrNotFound.Detail}
	}
	if err != nil {
		return nil, err
	}
	kind, event := deliveryEvent(hook.Type, r.Header)
	d := &delivery{hook: hook, body: body, kind: kind, event: event, receivedAt: rc.now()}
	if problem := verifyDelivery(hook, r.Header, body); problem != "" {
		return nil, &refusal{status: http.StatusUnauthorized, detail: problem, delivery: d}
	}
	return d, nil
}

// limit spends the webhook's budget: only deliveries its host signed get here.
func (rc *Receiver) limit(_ *http.Request, d *delivery) error {
	if rc.webhooks.Allow(d.hook.UUID) {
		return nil
	}
	return &refusal{status: http.StatusTooManyRequests, delivery: d, signed: true, retryAfter: true,
		detail: fmt.Sprintf("More than %d deliveries a second to this webhook; try again later.", DeliveriesPerSecond)}
}

const msgRefusedTooOften = "Too many refused deliveries from this address; try again later."

// refuse answers a refused delivery: a refusal of the receiver's, or one
// of the pipeline's (a body too large, malformed or late, not JSON). A
// source past its budget of unsigned refusals is answered 429, unlogged.
func (rc *Receiver) refuse(w http.ResponseWriter, r *http.Request, err error) {
	refused, ok := errors.AsType[*refusal](err)
	if !ok {
		stageErr, ok := errors.AsType[*httpx.Error](err)
		if !ok {
			httpx.WriteError(rc.logger, w, r, err) // the store failed: 500
			return
		}
		refused = &refusal{status: stageErr.Status, detail: stageErr.Detail}
		if stageErr.Status == http.StatusUnsupportedMediaType {
			refused.detail = fmt.Sprintf("The delivery's Content-Type is %q: set the webhook's content type at the Git host to application/json.",
				httpx.TruncateInput(r.Header.Get("Content-Type")))
		}
	}
	if !refused.signed && !rc.refused.Allow(sourceOf(r)) {
		w.Header().Set("Retry-After", "1")
		httpx.WriteJSON(w, http.StatusTooManyRequests, Answer{Result: store.DeliveryRejected, Detail: msgRefusedTooOften})
		return
	}
	if refused.status == http.StatusNotFound {
		httpx.WriteJSON(w, http.StatusNotFound, map[string]string{"detail": refused.detail})
		return
	}
	if refused.retryAfter {
		w.Header().Set("Retry-After", "1")
	}
	var attrs []slog.Attr
	if refused.delivery != nil {
		attrs = refused.delivery.logAttrs()
	}
	rc.answer(w, r, attrs, refused.status, Answer{Result: store.DeliveryRejected, Detail: refused.detail})
}

// sourceOf is the address a request came from, as the budget of refusals
// counts it: an IPv6 address by its /64 (one host's share of a network).
// Behind a proxy it is the proxy's.
func sourceOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Unmap().Is4() {
		return host
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return host
	}
	return prefix.String()
}

// answer logs the answer to a delivery and writes it.
func (rc *Receiver) answer(w http.ResponseWriter, r *http.Request, attrs []slog.Attr, status int, a Answer) {
	level := slog.LevelInfo
	if a.Result == store.DeliveryRejected {
		level = slog.LevelWarn
	}
	rc.logger.LogAttrs(r.Context(), level, "webhook delivery", append(attrs, slog.Int("status", status),
		slog.String("result", a.Result), slog.String("delivery", a.Delivery), slog.String("detail", a.Detail))...)
	httpx.WriteJSON(w, status, a)
}

// serve handles a delivery its host signed: a ping is answered, a push to
// the tracked branch recorded and its sync queued, anything else ignored.
func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request, d *delivery) {
	if d.kind == deliveryPing {
		rc.answer(w, r, d.logAttrs(), http.StatusOK, Answer{Result: "pong"})
		return
	}
	ctx := r.Context()
	repo, err := rc.store.LoadRepository(ctx, d.hook.RepositoryUUID)
	if err != nil {
		httpx.WriteError(rc.logger, w, r, err)
		return
	}
	record := store.Delivery{
		WebhookUUID: d.hook.UUID, RepositoryUUID: d.hook.RepositoryUUID, ReceivedAt: d.receivedAt,
		ID: deliveryID(d.hook.Type, r.Header, d.body), Result: store.DeliveryIgnored,
	}
	detail, notPayload := judgeDelivery(&record, d.kind, d.event, d.hook.Type, d.body, repo.ApplicationBranch)
	if notPayload != nil {
		// Its host sent something it cannot use: noted on the webhook.
		if err := rc.store.NoteDelivery(ctx, d.hook.UUID, store.DeliveryRejected, d.receivedAt); err != nil {
			rc.logger.LogAttrs(ctx, slog.LevelError, "recording a rejected delivery failed",
				slog.String("webhook", d.hook.UUID), slog.String("error", err.Error()))
		}
		rc.answer(w, r, d.logAttrs(), http.StatusBadRequest, Answer{Result: store.DeliveryRejected, Detail: notPayload.detail})
		return
	}
	attrs := append(d.logAttrs(), slog.String("pushed_head", record.PushedHead))
	duplicate, err := rc.store.RecordDelivery(ctx, record)
	switch {
	case err != nil:
		httpx.WriteError(rc.logger, w, r, err)
	case duplicate:
		rc.answer(w, r, attrs, http.StatusOK, Answer{Result: store.DeliveryDuplicate, Delivery: record.ID,
			Detail: "This delivery, or a push of this commit, was already received; nothing is synced again."})
	case record.Result == store.DeliveryAccepted:
		rc.syncs.QueueDeliverySync(d.hook.RepositoryUUID)
		rc.answer(w, r, attrs, http.StatusAccepted, Answer{Result: store.DeliveryAccepted, Delivery: record.ID})
	default:
		rc.answer(w, r, attrs, http.StatusAccepted, Answer{Result: store.DeliveryIgnored, Delivery: record.ID, Detail: detail})
	}
}
