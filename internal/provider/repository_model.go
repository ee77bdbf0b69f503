// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/ssh"

	"github.com/divio-community/terraform-provider-divio/internal/divioapi"
)

// RepositoryModel is the state of divio_repository.
type RepositoryModel struct {
	ID                types.String          `tfsdk:"id"`
	Organisation      types.String          `tfsdk:"organisation"`
	URL               RepositoryURL         `tfsdk:"url"`
	KeyType           types.String          `tfsdk:"key_type"`
	HTTPS             *RepositoryHTTPSModel `tfsdk:"https"`
	PublicKey         types.String          `tfsdk:"public_key"`
	FingerprintSHA256 types.String          `tfsdk:"fingerprint_sha256"`
	DSN               types.String          `tfsdk:"dsn"`
}

// RepositoryHTTPSModel is the https block: a username and a personal access
// token that Terraform never stores (write-only).
type RepositoryHTTPSModel struct {
	Username          types.String `tfsdk:"username"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
}

// RepositoryIdentity identifies a repository by its UUID.
type RepositoryIdentity struct {
	ID types.String `tfsdk:"id"`
}

// isHTTPS reports whether the model's URL is an HTTPS URL (false when unknown).
func (m *RepositoryModel) isHTTPS() bool { return m.URL.isHTTPS() }

// createRequest is the public POST body for the model; password is the
// write-only token from the configuration.
func (m *RepositoryModel) createRequest(password string) divioapi.CreateRepositoryRequest {
	req := divioapi.CreateRepositoryRequest{Organisation: m.Organisation.ValueString(), URL: m.URL.ValueString()}
	if m.HTTPS != nil {
		req.Username, req.Password = m.HTTPS.Username.ValueString(), password
		return req
	}
	req.KeyType = m.KeyType.ValueString()
	return req
}

// fromAPI copies what the API answered into the model, keeping from prior
// (the plan or state it replaces) what the answer lacks: Divio's CLI reads
// only uuid and auth_info from a create's answer, and state and dsn from a
// GET. A URL Divio spells differently but that names the same remote keeps
// the user's spelling: RepositoryURL's semantic equality.
func (m *RepositoryModel) fromAPI(repo *divioapi.Repository, prior *RepositoryModel) {
	*m = *prior
	if prior.HTTPS != nil {
		https := *prior.HTTPS // a copy: prior stays as it was
		m.HTTPS = &https
	}
	if repo.UUID != "" {
		m.ID = types.StringValue(repo.UUID)
	}
	if repo.Organisation != "" {
		m.Organisation = types.StringValue(repo.Organisation)
	}
	if repo.URL != "" {
		m.URL = NewRepositoryURL(repo.URL)
	}
	if repo.DSN != "" {
		m.DSN = types.StringValue(repo.DSN)
	}
	if repo.AuthInfo != nil {
		m.PublicKey = types.StringValue(strings.TrimSpace(*repo.AuthInfo))
	}
	// What neither the answer nor the plan gave is null: never unknown after apply.
	for _, v := range []*types.String{&m.PublicKey, &m.DSN} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
	m.FingerprintSHA256 = fingerprint(m.PublicKey)
	m.fillAuth(repo)
}

// fillAuth sets key_type and the https block from the answer, or from the
// public key's algorithm when the answer does not say (after an import).
func (m *RepositoryModel) fillAuth(repo *divioapi.Repository) {
	switch {
	case repo.KeyType != nil:
		m.KeyType = types.StringValue(*repo.KeyType)
	case m.KeyType.IsUnknown() || m.KeyType.IsNull():
		m.KeyType = keyTypeOf(m.PublicKey)
	}
	if repo.AuthType != nil && *repo.AuthType == "https" || (m.PublicKey.IsNull() && m.isHTTPS()) {
		m.KeyType = types.StringNull()
		if m.HTTPS == nil {
			m.HTTPS = &RepositoryHTTPSModel{Username: types.StringPointerValue(repo.Username), PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Null()}
		}
	}
	if m.HTTPS != nil {
		m.HTTPS.PasswordWO = types.StringNull()
		if repo.Username != nil {
			m.HTTPS.Username = types.StringValue(*repo.Username)
		}
	}
}

// keyTypeOf names a public key's algorithm as the API does.
func keyTypeOf(publicKey types.String) types.String {
	fields := strings.Fields(publicKey.ValueString())
	if len(fields) == 0 {
		return types.StringNull()
	}
	switch {
	case fields[0] == ssh.KeyAlgoED25519:
		return types.StringValue("ED25519")
	case strings.HasPrefix(fields[0], "ecdsa-"):
		return types.StringValue("ECDSA")
	case fields[0] == ssh.KeyAlgoRSA:
		return types.StringValue("RSA")
	}
	return types.StringNull()
}

// fingerprint is the key's SHA-256 fingerprint as ssh-keygen -lf prints it.
func fingerprint(publicKey types.String) types.String {
	if !known(publicKey) {
		return types.StringNull()
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(publicKey.ValueString()))
	if err != nil {
		return types.StringNull()
	}
	return types.StringValue(ssh.FingerprintSHA256(key))
}

// identity is the resource's identity.
func (m *RepositoryModel) identity() RepositoryIdentity {
	return RepositoryIdentity{ID: m.ID}
}

// fromCreate records a create's answer over the plan: the CLI reads only
// uuid and auth_info from it (wizards.py 729-732), so what the plan knew
// stays as planned.
func (m *RepositoryModel) fromCreate(repo *divioapi.Repository, plan *RepositoryModel) {
	m.fromAPI(repo, plan)
	keepKnown(&m.Organisation, plan.Organisation)
	keepKnown(&m.URL, plan.URL)
	keepKnown(&m.KeyType, plan.KeyType)
	if m.HTTPS != nil && plan.HTTPS != nil {
		keepKnown(&m.HTTPS.Username, plan.HTTPS.Username)
	}
}
