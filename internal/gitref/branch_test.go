package gitref

import (
	"os/exec"
	"strings"
	"testing"
)

var branchCases = []struct {
	name string
	want string // "" = valid; else a substring of the error
}{
	{"main", ""},
	{"develop", ""},
	{"release/2026-11", ""},
	{"feature/x.y", ""},
	{"a-b_c", ""},
	{"v1.0", ""},
	{"ü-branch", ""},
	{"", "empty"},
	{"@", `"@" alone`},
	{"HEAD", "HEAD"},
	{"-x", `starts with "-"`},
	{"refs/heads/main", "refs/heads"},
	{"/main", `starts or ends with "/"`},
	{"main/", `starts or ends with "/"`},
	{"a//b", `"//"`},
	{"main.", `ends with "."`},
	{"a..b", `".."`},
	{"a@{b", `"@{"`},
	{"a b", `' '`},
	{"a~b", `'~'`},
	{"a^b", `'^'`},
	{"a:b", `':'`},
	{"a?b", `'?'`},
	{"a*b", `'*'`},
	{"a[b", `'['`},
	{`a\b`, `'\\'`},
	{"a\tb", "control character"},
	{"a\x7fb", "control character"},
	{".hidden", `starts with "."`},
	{"a/.b", `starts with "."`},
	{"main.lock", `".lock"`},
	{"a.lock/b", `".lock"`},
	{strings.Repeat("a", 256), "longer than"},
}

func TestCheckBranchName(t *testing.T) {
	for _, c := range branchCases {
		err := CheckBranchName(c.name)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: unexpected error %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%q: accepted, want error containing %q", c.name, c.want)
		case c.want != "" && !strings.Contains(err.Error(), c.want):
			t.Errorf("%q: error %q does not contain %q", c.name, err, c.want)
		}
	}
}

// TestCheckBranchNameAgreesWithGit holds the rules to Git's own.
func TestCheckBranchNameAgreesWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is required: ", err)
	}
	for _, c := range branchCases {
		if c.name == "" || len(c.name) > MaxBranchLength || c.name == "HEAD" || c.name == "@" || strings.HasPrefix(c.name, "refs/") {
			continue // stricter by design: git expands "@" and accepts "refs/..." as a branch called so
		}
		gitAccepts := exec.Command(git, "check-ref-format", "--branch", c.name).Run() == nil
		if oursAccepts := CheckBranchName(c.name) == nil; oursAccepts != gitAccepts {
			t.Errorf("%q: we accept=%v, git accepts=%v", c.name, oursAccepts, gitAccepts)
		}
	}
}
