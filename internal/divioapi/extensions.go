// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package divioapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// extensionsPath is the discovery document the reference control plane
// serves; api.divio.com answers 404 there, which means "no extensions".
const extensionsPath = "/extensions/v1/"

// discoveryBudget bounds discovery, retries included: api.divio.com has no
// discovery document, so a slow or failing answer there must not hold the
// first create (which asks before it is sent) for the whole retry budget.
// A variable so that a test need not wait for it.
var discoveryBudget = 15 * time.Second

// Extension names: what a server offers beyond Divio's public API.
const (
	ExtIdempotencyKeys      = "idempotency_keys"
	ExtRepositoryDetails    = "repository_details"
	ExtRepositoryList       = "repository_list"
	ExtRepositoryDeletion   = "repository_deletion"
	ExtApplicationDeletion  = "application_deletion"
	ExtApplicationMigration = "application_migration"
	ExtTrackingBranches     = "tracking_branches"
	ExtWebhooks             = "webhooks"
	ExtSyncStatus           = "sync_status"
	ExtRepositoryUpdate     = "repository_update"
	ExtResetToOrigin        = "reset_to_origin"
)

// Extensions is the set of extensions a server offers.
type Extensions map[string]bool

// Has reports whether the server offers the extension.
func (e Extensions) Has(name string) bool { return e[name] }

// extensionState is what a client learned by discovery, once.
type extensionState struct {
	mu       sync.Mutex
	known    Extensions // nil until discovered
	err      error      // why discovery failed, kept like a result
	disabled bool       // Config.DisableExtensions
}

// Extensions returns the extensions the server offers, asking it once per
// client (one request per provider run); later calls answer from memory,
// a failure too (with none offered), so that a broken discovery does not
// cost every create its retry budget again. With Config.DisableExtensions
// it asks nothing and answers none.
func (c *Client) Extensions(ctx context.Context) (Extensions, error) {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	if c.ext.known != nil {
		return c.ext.known, c.ext.err
	}
	found := Extensions{}
	if !c.ext.disabled {
		var doc struct {
			Extensions []string `json:"extensions"`
		}
		// Retries stop at the budget, so a failing answer is reported as
		// such; the timeout a little later stops an attempt that hangs.
		askCtx, cancel := context.WithTimeout(withRetryBudget(ctx, discoveryBudget), discoveryBudget+5*time.Second)
		err := c.Do(askCtx, http.MethodGet, extensionsPath, nil, nil, &doc)
		cancel()
		if err != nil && !IsNotFound(err) {
			err = fmt.Errorf("asking the server which extensions it offers (GET %s, given up after %s; "+
				"api.divio.com answers 404 there, which means none): %w", extensionsPath, discoveryBudget, err)
			c.ext.known, c.ext.err = Extensions{}, err
			return c.ext.known, err
		}
		for _, name := range doc.Extensions {
			found[name] = true
		}
	}
	c.ext.known = found
	return found, nil
}

// honoursIdempotencyKeys reports whether a POST may be repeated: only when
// discovery said the server recognises a repeat by its Idempotency-Key.
// Before discovery (and without it) the answer is no.
func (c *Client) honoursIdempotencyKeys() bool {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	return c.ext.known.Has(ExtIdempotencyKeys)
}

// ErrOutcomeUnknown wraps the error of a request that may have reached the
// server but whose answer was lost, and that could not be repeated safely:
// a create may or may not have happened.
var ErrOutcomeUnknown = errors.New("the request may have been carried out: its answer was lost")

// neverSent reports a connection error that proves the request never
// reached the server (it could not even connect), so that repeating it
// cannot act twice.
func neverSent(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}
