// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// treeEntries builds top-level tree entries: "name" is a regular file,
// "name/" a directory, "name*" an executable, "name@" a symbolic link and
// "name#" a submodule.
func treeEntries(names ...string) []object.TreeEntry {
	entries := make([]object.TreeEntry, 0, len(names))
	for _, n := range names {
		mode := filemode.Regular
		switch {
		case strings.HasSuffix(n, "/"):
			mode = filemode.Dir
		case strings.HasSuffix(n, "*"):
			mode = filemode.Executable
		case strings.HasSuffix(n, "@"):
			mode = filemode.Symlink
		case strings.HasSuffix(n, "#"):
			mode = filemode.Submodule
		}
		if mode != filemode.Regular {
			n = n[:len(n)-1]
		}
		entries = append(entries, object.TreeEntry{Name: n, Mode: mode})
	}
	return entries
}

func TestNewApplicationRule(t *testing.T) {
	t.Parallel()
	accepted := map[string][]string{
		"nothing":                      nil,
		"README":                       {"README"},
		"README.md (GitHub auto_init)": {"README.md"},
		"README.rst":                   {"README.rst"},
		"README.txt":                   {"README.txt"},
		"README.markdown":              {"README.markdown"},
		"readme.md":                    {"readme.md"},
		"Readme.MD":                    {"Readme.MD"},
		"ReadMe.RST":                   {"ReadMe.RST"},
		"LICENSE alone":                {"LICENSE"},
		"Divio's documented pair":      {"LICENSE", "README"},
		"GitHub with templates":        {".gitignore", "LICENSE", "README.md"},
		"GitLab with SAST":             {".gitlab-ci.yml", "README.md"},
		"Gitea with everything":        {".gitignore", "LICENSE", "README.md"},
		"LICENSE.md":                   {"LICENSE.md", "README.md"},
		"LICENSE.txt":                  {"LICENSE.txt", "README.md"},
		"license.TXT":                  {"license.TXT"},
		"British LICENCE":              {"LICENCE", "README.md"},
		"Licence.md":                   {"Licence.md"},
		"COPYING":                      {"COPYING", "README"},
		"copying.txt":                  {"copying.txt"},
		"dot files only":               {".gitignore", ".gitattributes", ".editorconfig"},
		"dot files with readme":        {".gitattributes", ".gitignore", "README.md"},
		"executable readme":            {"README.md*"},
		"symbolic link as dot file":    {".gitignore@"},
		".git skipped":                 {".git", "README"},
	}
	for name, files := range accepted {
		t.Run("accepts "+name, func(t *testing.T) {
			t.Parallel()
			if p := checkNewApplicationTree(treeEntries(files...)); !p.empty() {
				t.Errorf("%q refused: %+v", files, p)
			}
		})
	}

	refused := []struct {
		name  string
		files []string
		want  newApplicationProblems
	}{
		{"application code", []string{"README.md", "manage.py", "requirements.txt"},
			newApplicationProblems{others: []string{"manage.py", "requirements.txt"}}},
		{"two readmes", []string{"README", "README.md"},
			newApplicationProblems{readmes: []string{"README", "README.md"}}},
		{"two readmes differing in case", []string{"readme.md", "README.md"},
			newApplicationProblems{readmes: []string{"README.md", "readme.md"}}},
		{"three readmes", []string{"README.rst", "README.txt", "readme"},
			newApplicationProblems{readmes: []string{"README.rst", "README.txt", "readme"}}},
		{"two licences", []string{"COPYING", "LICENSE", "README.md"},
			newApplicationProblems{licences: []string{"COPYING", "LICENSE"}}},
		{"LICENSE and LICENCE", []string{"LICENCE", "LICENSE"},
			newApplicationProblems{licences: []string{"LICENCE", "LICENSE"}}},
		{"two readmes and code", []string{"README", "README.md", "app.py", "LICENSE"},
			newApplicationProblems{readmes: []string{"README", "README.md"}, others: []string{"app.py"}}},
		{"nested directory", []string{"README.md", "app/", "docs/"},
			newApplicationProblems{others: []string{"app/", "docs/"}}},
		{"dot directory", []string{".github/", ".gitignore", "README.md"},
			newApplicationProblems{others: []string{".github/"}}},
		{"readme that is a directory", []string{"README/", "LICENSE.md/"},
			newApplicationProblems{others: []string{"LICENSE.md/", "README/"}}},
		{"submodule", []string{"README.md", "vendor#", ".hidden#"},
			newApplicationProblems{others: []string{".hidden", "vendor"}}},
		{"other readme forms", []string{"README.html", "README.en.md", "READ_ME", "README.md.bak"},
			newApplicationProblems{others: []string{"README.en.md", "README.html", "README.md.bak", "READ_ME"}}},
		{"other licence forms", []string{"LICENSE-MIT", "UNLICENSE", "LICENSE.pdf"},
			newApplicationProblems{others: []string{"LICENSE-MIT", "LICENSE.pdf", "UNLICENSE"}}},
		{"look-alike letters", []string{"LICENſE", "README.md "},
			newApplicationProblems{others: []string{"LICENſE", "README.md "}}},
		{"Divio project files", []string{"Dockerfile", "README.md", "docker-compose.yml"},
			newApplicationProblems{others: []string{"Dockerfile", "docker-compose.yml"}}},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			t.Parallel()
			got := checkNewApplicationTree(treeEntries(tc.files...))
			if got.empty() {
				t.Fatalf("%q accepted", tc.files)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems of %q = %+v, want %+v", tc.files, got, tc.want)
			}
		})
	}
}

// TestCheckNewApplicationGitHubAutoInit: what GitHub creates for a new
// repository (github_repository with auto_init = true) passes the real
// check: one commit holding README.md ("# <name>\n"), and, with
// gitignore_template and license_template, .gitignore and LICENSE in that
// same commit.
func TestCheckNewApplicationGitHubAutoInit(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	cases := map[string]func(repoName string) map[string]string{
		"auto_init": func(name string) map[string]string {
			return map[string]string{"README.md": "# " + name + "\n"}
		},
		"auto_init with templates": func(name string) map[string]string {
			return map[string]string{
				"README.md":  "# " + name + "\n",
				".gitignore": "# Byte-compiled / optimized / DLL files\n__pycache__/\n*.py[cod]\n",
				"LICENSE":    "MIT License\n\nCopyright (c) 2025 acme\n",
			}
		},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			repo, _ := newRepo(t, h, nil)
			want := files(repo.Name)
			sha, err := repo.Commit(testContext(t), "main", want, "Initial commit")
			if err != nil {
				t.Fatal(err)
			}
			req := sshRequest(repo, key)
			req.NewApplication, req.WriteAccess = true, true
			res := loopbackChecker().Check(testContext(t), req)
			wantCode(t, res, CodeSuccess)
			if res.Commit != sha {
				t.Errorf("Commit = %q, want %q", res.Commit, sha)
			}
			names := make([]string, 0, len(want))
			for n := range want {
				names = append(names, n)
			}
			sort.Strings(names)
			if !reflect.DeepEqual(res.Files, names) {
				t.Errorf("Files = %q, want the files GitHub creates, %q", res.Files, names)
			}
		})
	}
}

// Two readme files break "a single readme file", through the real check.
func TestCheckNewApplicationTwoReadmes(t *testing.T) {
	t.Parallel()
	h := sharedHost(t)
	key := newDeployKey(t, h, &readWrite)
	repo, sha := newRepo(t, h, map[string]string{"README": "x\n", "README.md": "# x\n", "LICENSE": "MIT\n"})
	req := sshRequest(repo, key)
	req.NewApplication = true
	res := loopbackChecker().Check(testContext(t), req)
	wantCode(t, res, CodeBranchNotEmpty)
	wantContains(t, res.Message, `holds 2 readme files ("README", "README.md")`, "keeping at most one readme file")
	wantNotContains(t, res.Message, `"LICENSE"`, "also holds")
	if res.Commit != sha {
		t.Errorf("Commit = %q, want %q", res.Commit, sha)
	}

	req.NewApplication = false
	wantCode(t, loopbackChecker().Check(testContext(t), req), CodeSuccess)
}

func TestMsgBranchNotEmpty(t *testing.T) {
	t.Parallel()
	const accepted = `A readme file is README and a licence file is LICENSE, LICENCE or COPYING, each bare or ending in .md, .markdown, .rst or .txt, in any letter case; ` +
		`dot files are files (not directories) whose names start with a dot, such as .gitignore. ` +
		`Remove the other entries from the branch, keeping at most one readme file and one licence file, or start from a new repository holding only the README that the Git host creates with it. ` +
		`If the repository already holds your application's code, migrate the existing application to it instead.`
	const rule = `The branch "main" of a new Divio application may hold only a single readme file, a single licence file and dot files, but it `
	cases := []struct {
		name string
		p    newApplicationProblems
		want string
	}{
		{"other entries", newApplicationProblems{others: []string{"app.py", "requirements.txt"}},
			rule + `also holds "app.py", "requirements.txt". ` + accepted},
		{"two readmes", newApplicationProblems{readmes: []string{"README", "README.md"}},
			rule + `holds 2 readme files ("README", "README.md"). ` + accepted},
		{"two licences and a directory", newApplicationProblems{licences: []string{"COPYING", "LICENSE"}, others: []string{".github/"}},
			rule + `holds 2 licence files ("COPYING", "LICENSE") and also ".github/". ` + accepted},
		{"everything", newApplicationProblems{readmes: []string{"README", "readme.md"}, licences: []string{"LICENCE", "LICENSE"}, others: []string{"app/"}},
			rule + `holds 2 readme files ("README", "readme.md") and 2 licence files ("LICENCE", "LICENSE") and also "app/". ` + accepted},
	}
	for _, tc := range cases {
		if got := msgBranchNotEmpty("main", tc.p); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}

	// Long lists are cut as before: 20 names, then how many more.
	var many []string
	for i := range 25 {
		many = append(many, string(rune('a'+i))+".py")
	}
	msg := msgBranchNotEmpty("main", newApplicationProblems{others: many})
	wantContains(t, msg, `"a.py"`, `"t.py"`, "and 5 more")
	wantNotContains(t, msg, `"u.py"`)
	if strings.Contains(msg, "\n") {
		t.Errorf("the message is not one paragraph:\n%s", msg)
	}
}
