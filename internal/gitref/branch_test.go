// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitref

import (
	"os/exec"
	"strings"
	"testing"
)

// branchNames are names `git check-ref-format --branch` accepts (true) or
// refuses (false), with the reason BranchNameProblem gives for the latter.
var branchNames = []struct {
	name   string
	valid  bool
	reason string
}{
	{"main", true, ""},
	{"feature/login-form", true, ""},
	{"release/2026.11", true, ""},
	{"a-", true, ""},
	{"a/-b", true, ""},
	{"head", true, ""},
	{"x/HEAD", true, ""},
	{"HEAD/x", true, ""},
	{"refs/heads/x", true, ""},
	{"@", true, ""},
	{"@@", true, ""},
	{"a@b", true, ""},
	{"a/@/b", true, ""},
	{"a{b}", true, ""},
	{"lock", true, ""},
	{"a.lock.b", true, ""},
	{"a./b", true, ""},
	{"ünïcödé", true, ""},
	{strings.Repeat("x", 255), true, ""},

	{"", false, "it is empty"},
	{strings.Repeat("x", 256), false, "it is longer than 255 bytes"},
	{"-a", false, "it must not start with “-”"},
	{"HEAD", false, "HEAD is not a branch"},
	{"a b", false, "it must not contain spaces"},
	{"a\tb", false, "it must not contain control characters"},
	{"a\x7fb", false, "it must not contain control characters"},
	{"a~b", false, "it must not contain “~”"},
	{"a^b", false, "it must not contain “^”"},
	{"a:b", false, "it must not contain “:”"},
	{"a?b", false, "it must not contain “?”"},
	{"a*b", false, "it must not contain “*”"},
	{"a[b", false, "it must not contain “[”"},
	{`a\b`, false, "it must not contain “\\”"},
	{"a..b", false, "it must not contain “..”"},
	{"a..", false, "it must not contain “..”"},
	{"..", false, "it must not contain “..”"},
	{"a@{b", false, "it must not contain “@{”"},
	{"@{-1}", false, "it must not contain “@{”"},
	{"a.", false, "it must not end with “.”"},
	{"a/b.", false, "it must not end with “.”"},
	{".", false, "it must not end with “.”"},
	{"/a", false, "it must not start or end with “/” or contain “//”"},
	{"a/", false, "it must not start or end with “/” or contain “//”"},
	{"a//b", false, "it must not start or end with “/” or contain “//”"},
	{".a", false, "no part of it (between slashes) may start with “.”"},
	{"a/.b", false, "no part of it (between slashes) may start with “.”"},
	{"a/./b", false, "no part of it (between slashes) may start with “.”"},
	{"a.lock", false, "no part of it (between slashes) may end with “.lock”"},
	{".lock", false, "no part of it (between slashes) may start with “.”"},
	{"a.lock/b", false, "no part of it (between slashes) may end with “.lock”"},
	{"a/b.lock/c", false, "no part of it (between slashes) may end with “.lock”"},
}

func TestBranchNameProblem(t *testing.T) {
	for _, tc := range branchNames {
		if got := BranchNameProblem(tc.name); got != tc.reason {
			t.Errorf("BranchNameProblem(%q) = %q, want %q", tc.name, got, tc.reason)
		}
	}
}

// TestBranchNamesAgreeWithGit runs the table through Git itself, when it
// is installed, so that the table cannot drift from what Git accepts.
func TestBranchNamesAgreeWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is required to hold the rules to Git's own: ", err)
	}
	dir := t.TempDir() // not a repository: "@" and "@{-1}" stay as they are
	for _, tc := range branchNames {
		if len(tc.name) > 255 {
			continue // the length limit is ours, not Git's
		}
		cmd := exec.Command(git, "check-ref-format", "--branch", tc.name)
		cmd.Dir = dir
		cmd.Env = append(cmd.Environ(), "GIT_CEILING_DIRECTORIES="+dir)
		if accepted := cmd.Run() == nil; accepted != tc.valid {
			t.Errorf("git check-ref-format --branch %q: accepted %v, table says %v", tc.name, accepted, tc.valid)
		}
	}
}
