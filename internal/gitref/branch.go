// Package gitref holds Git's rules for branch names, used by the provider's
// plan-time validators and by the control plane, so the rules exist once.
package gitref

import (
	"fmt"
	"strings"
)

// MaxBranchLength bounds branch names; Git has no limit, but hosts do and a
// name this long is always a mistake.
const MaxBranchLength = 255

// CheckBranchName reports why name is not a valid branch name, following
// `git check-ref-format --branch`. The message names the rule and the fix.
func CheckBranchName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%q is not a valid Git branch name: %s. Use a name such as main or release/2026-11", name, why)
	}
	switch {
	case name == "":
		return bad("it is empty")
	case len(name) > MaxBranchLength:
		return bad(fmt.Sprintf("it is longer than %d bytes", MaxBranchLength))
	case name == "@":
		return bad(`"@" alone is not allowed`)
	case name == "HEAD":
		return bad(`"HEAD" names the current commit, not a branch`)
	case strings.HasPrefix(name, "-"):
		return bad(`it starts with "-"`)
	case strings.HasPrefix(name, "refs/"):
		return bad(`write the branch name without "refs/heads/"`)
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/"):
		return bad(`it starts or ends with "/"`)
	case strings.Contains(name, "//"):
		return bad(`it contains "//"`)
	case strings.HasSuffix(name, "."):
		return bad(`it ends with "."`)
	case strings.Contains(name, ".."):
		return bad(`it contains ".."`)
	case strings.Contains(name, "@{"):
		return bad(`it contains "@{"`)
	}
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f:
			return bad("it contains a control character")
		case strings.ContainsRune(" ~^:?*[\\", r):
			return bad(fmt.Sprintf("it contains %q", r))
		}
	}
	for _, component := range strings.Split(name, "/") {
		if strings.HasPrefix(component, ".") {
			return bad(`a part between slashes starts with "."`)
		}
		if strings.HasSuffix(component, ".lock") {
			return bad(`a part between slashes ends with ".lock"`)
		}
	}
	return nil
}
