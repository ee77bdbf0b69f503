// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Package gitref holds Git's rules for branch names, used by the provider's
// plan-time validators and by the control plane, so the rules exist once.
package gitref

import (
	"fmt"
	"strings"
)

// MaxBranchLength bounds a branch name. Git itself sets no limit, but
// Git hosts do (GitHub: 255 bytes) and so does what the API stores.
const MaxBranchLength = 255

// BranchNameProblem says why name is not a branch name that
// `git check-ref-format --branch` accepts, or returns "" if it is one.
// Those rules are Git's refname rules (refs.c, check_refname_format) for
// "refs/heads/<name>", plus --branch's own: no leading "-", not "HEAD", and
// no "@{" (Git would read "@{-1}" as the previous branch).
func BranchNameProblem(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case len(name) > MaxBranchLength:
		return fmt.Sprintf("it is longer than %d bytes", MaxBranchLength)
	case strings.HasPrefix(name, "-"):
		return "it must not start with “-”"
	case name == "HEAD":
		return "HEAD is not a branch"
	}
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f:
			return "it must not contain control characters"
		case r == ' ':
			return "it must not contain spaces"
		case strings.ContainsRune(`~^:?*[\`, r):
			return fmt.Sprintf("it must not contain “%c”", r)
		}
	}
	switch {
	case strings.Contains(name, ".."):
		return "it must not contain “..”"
	case strings.Contains(name, "@{"):
		return "it must not contain “@{”"
	case strings.HasSuffix(name, "."):
		return "it must not end with “.”"
	}
	for component := range strings.SplitSeq(name, "/") {
		switch {
		case component == "":
			return "it must not start or end with “/” or contain “//”"
		case strings.HasPrefix(component, "."):
			return "no part of it (between slashes) may start with “.”"
		case strings.HasSuffix(component, ".lock"):
			return "no part of it (between slashes) may end with “.lock”"
		}
	}
	return ""
}

// CheckBranchName is BranchNameProblem as an error fit for a diagnostic.
func CheckBranchName(name string) error {
	if problem := BranchNameProblem(name); problem != "" {
		return fmt.Errorf("%q is not a valid Git branch name: %s. Use a name such as main or release/2026-11", name, problem)
	}
	return nil
}
