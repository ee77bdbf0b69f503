// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package httpx

import "strings"

// TokenFromHeader reads "Authorization: Token <token>", as DRF's
// TokenAuthentication does.
func TokenFromHeader(header string) (string, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	// Another scheme is not ours to judge: the request is just unauthenticated.
	if !strings.EqualFold(scheme, "Token") {
		return "", ErrNoCredentials
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", ErrInvalidToken
	}
	return token, nil
}
