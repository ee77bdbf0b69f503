// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"time"
)

// Organisation is a group of users that owns applications and repositories.
type Organisation struct {
	UUID      string
	Name      string
	CreatedAt time.Time
}

func organisationQuery(userUUID string) selectQuery {
	q := selectQuery{columns: "o.uuid, o.name, o.created_at", from: "organisations o", order: "o.id"}
	q.where("o.uuid IN (SELECT organisation_uuid FROM memberships WHERE user_uuid = ?)", userUUID)
	return q
}

func scanOrganisation(row rowScanner) (Organisation, error) {
	var o Organisation
	var createdAt string
	if err := row.Scan(&o.UUID, &o.Name, &createdAt); err != nil {
		return o, err
	}
	var err error
	o.CreatedAt, err = parseTimestamp(createdAt)
	return o, err
}

// GetOrganisation returns an organisation the user is a member of.
func (s *Store) GetOrganisation(ctx context.Context, userUUID, uuid string) (Organisation, error) {
	q := organisationQuery(userUUID)
	q.where("o.uuid = ?", uuid)
	return queryOne(ctx, s.db, q, scanOrganisation)
}

// ListOrganisations returns one page of the user's organisations and their total count.
func (s *Store) ListOrganisations(ctx context.Context, userUUID string, page Page) ([]Organisation, int, error) {
	return queryPage(ctx, s.db, organisationQuery(userUUID), page, scanOrganisation)
}
