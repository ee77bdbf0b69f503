// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

package gitops

// The new-application rule: what the branch of a new Divio application (a
// check with NewApplication, the control plane's migrate=false) may hold.
//
// Divio's product text says the branch "must exist and only include a
// single readme file"; its how-to lists .git, LICENSE, README, README.md
// and README.rst. The Control Panel adds the application's code to the
// branch, so the branch must hold nothing that code could conflict with,
// but it must accept what Git hosts create with a new repository:
//
//   - GitHub (auto_init, "Add a README"): README.md holding "# <name>\n";
//     with a .gitignore or licence template also .gitignore and LICENSE,
//     all in one commit.
//   - GitLab: README.md; .gitlab-ci.yml when SAST is turned on at creation.
//   - Bitbucket and Azure Repos: README.md, optionally .gitignore.
//   - Gitea, Forgejo: README.md, optionally .gitignore and LICENSE.
//
// So the rule accepts, at the top level of the branch's tree:
//
//   - at most one readme file: README, bare or ending in .md, .markdown,
//     .rst or .txt, in any ASCII letter case (readme.md, Readme.MD). Two
//     of them (README and README.md) break "a single readme file".
//   - at most one licence file: LICENSE, the British LICENCE, or COPYING
//     (the GNU name), with the same endings and in any letter case.
//   - files whose names start with a dot (.gitignore, .gitattributes,
//     .gitlab-ci.yml, .editorconfig): they are what hosts add besides the
//     readme and licence, settings for Git and tools rather than code.
//
// Everything else is refused: other files, every directory (dot
// directories such as .github/ included: no host creates one with a new
// repository; they come from template repositories or later commits and
// hold workflows and other content), and submodules. Readme, licence and
// dot entries must be files (blobs: regular, executable or symbolic
// links); a directory named README is refused like any directory.
// .git is skipped: Git never stores it in a tree.

import (
	"sort"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// textFileEndings are the endings a readme or licence file may have ("" is
// the bare name), compared in lower case. msgBranchNotEmpty names them.
var textFileEndings = []string{"", ".md", ".markdown", ".rst", ".txt"}

// readmeNames and licenceNames are the base names, in lower case.
var (
	readmeNames  = []string{"readme"}
	licenceNames = []string{"license", "licence", "copying"}
)

// newApplicationProblems is what breaks the new-application rule in a
// branch; each list is sorted. It is empty when the branch is accepted.
type newApplicationProblems struct {
	readmes  []string // every readme file, when there is more than one
	licences []string // every licence file, when there is more than one
	others   []string // entries of no accepted kind; directories end with "/"
}

func (p newApplicationProblems) empty() bool {
	return len(p.readmes) == 0 && len(p.licences) == 0 && len(p.others) == 0
}

// checkNewApplicationTree applies the new-application rule to the
// top-level entries of a branch's tree.
func checkNewApplicationTree(entries []object.TreeEntry) newApplicationProblems {
	var p newApplicationProblems
	for _, e := range entries {
		name := e.Name
		switch {
		case name == ".git":
			continue
		case e.Mode == filemode.Dir:
			p.others = append(p.others, name+"/")
		case !isFileMode(e.Mode):
			p.others = append(p.others, name) // a submodule
		case isTextFile(name, readmeNames):
			p.readmes = append(p.readmes, name)
		case isTextFile(name, licenceNames):
			p.licences = append(p.licences, name)
		case name[0] == '.': // tree entry names are never empty
			continue
		default:
			p.others = append(p.others, name)
		}
	}
	if len(p.readmes) < 2 {
		p.readmes = nil
	}
	if len(p.licences) < 2 {
		p.licences = nil
	}
	sort.Strings(p.readmes)
	sort.Strings(p.licences)
	sort.Strings(p.others)
	return p
}

// isFileMode reports whether an entry of mode m is a file (a blob).
func isFileMode(m filemode.FileMode) bool {
	switch m {
	case filemode.Regular, filemode.Deprecated, filemode.Executable, filemode.Symlink:
		return true
	}
	return false
}

// isTextFile reports whether name is one of bases with one of
// textFileEndings, ignoring ASCII letter case.
func isTextFile(name string, bases []string) bool {
	lower := asciiLower(name)
	for _, base := range bases {
		for _, ending := range textFileEndings {
			if lower == base+ending {
				return true
			}
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only: Unicode case folding would
// let look-alikes such as "LICENſE" (long s) pass for a licence.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
