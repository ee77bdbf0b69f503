// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Page selects Limit rows after skipping Offset.
type Page struct {
	Limit  int
	Offset int
}

// rowScanner is what *sql.Row and *sql.Rows have in common, so that one
// scan function serves both single lookups and lists.
type rowScanner interface {
	Scan(dest ...any) error
}

// selectQuery is a SELECT assembled from parts so that a list and its
// count, or a lookup and a list, share their filters.
type selectQuery struct {
	columns string // the select list
	from    string // tables and joins
	order   string // ORDER BY expression: creation order keeps pages stable
	clauses []string
	args    []any
}

// where adds a condition with its arguments.
func (q *selectQuery) where(clause string, args ...any) {
	q.clauses = append(q.clauses, clause)
	q.args = append(q.args, args...)
}

// whereSet adds a condition only when its value is not empty: an empty
// filter parameter filters nothing.
func (q *selectQuery) whereSet(clause, value string) {
	if value != "" {
		q.where(clause, value)
	}
}

func (q *selectQuery) fromWhere() string {
	s := " FROM " + q.from
	if len(q.clauses) > 0 {
		s += " WHERE " + strings.Join(q.clauses, " AND ")
	}
	return s
}

// querier and execer are what *sql.DB and *sql.Tx have in common, so that
// a query can run inside or outside a transaction.
type (
	querier interface {
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	execer interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
)

// queryOne returns the single row q selects, or ErrNotFound.
func queryOne[T any](ctx context.Context, db querier, q selectQuery, scan func(rowScanner) (T, error)) (T, error) {
	row := db.QueryRowContext(ctx, "SELECT "+q.columns+q.fromWhere(), q.args...)
	value, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return value, ErrNotFound
	}
	return value, err
}

// queryPage returns one page of the rows q selects and how many rows it selects in all.
func queryPage[T any](ctx context.Context, db *sql.DB, q selectQuery, page Page, scan func(rowScanner) (T, error)) ([]T, int, error) {
	var count int
	if err := db.QueryRowContext(ctx, "SELECT count(*)"+q.fromWhere(), q.args...).Scan(&count); err != nil {
		return nil, 0, fmt.Errorf("store: count: %w", err)
	}
	rows, err := db.QueryContext(ctx,
		"SELECT "+q.columns+q.fromWhere()+" ORDER BY "+q.order+" LIMIT ? OFFSET ?",
		append(q.args, page.Limit, page.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, item)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list: %w", err)
	}
	return items, count, nil
}

// applicationVisibleTo limits applications (aliased a) to the organisations
// of the user given as its argument.
const applicationVisibleTo = "a.organisation_uuid IN (SELECT organisation_uuid FROM memberships WHERE user_uuid = ?)"
