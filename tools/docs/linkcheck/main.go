// Copyright (c) The terraform-provider-divio authors
// SPDX-License-Identifier: MPL-2.0

// Command linkcheck checks the links of the generated docs/ as the Terraform
// and OpenTofu registries will serve them (tools/check-doc-links.sh runs it).
//
// The registries serve each page without its .md suffix and do not rewrite
// links, so the browser resolves a relative link against the page's URL:
//
//	page                 Terraform registry                 OpenTofu registry
//	docs/index.md        …/<version>/docs                   …/<version>
//	docs/<kind>/<x>.md   …/<version>/docs/<kind>/<x>        …/<version>/docs/<kind>/<x>
//
// The form the templates use, checked here:
//   - from a page under docs/<kind>/: relative, without .md: "ci-pipeline"
//     (same kind), "../resources/repository" (another kind), "#anchor" or
//     "ci-pipeline#anchor";
//   - from docs/index.md no relative link resolves on both registries (the
//     overview is …/docs on one and …/<version> on the other), so links
//     there are absolute: https://registry.terraform.io/providers/divio-community/divio/latest/docs/<kind>/<x>.
//
// A link fails when it is relative and ends in .md (or .md#…), or when it
// does not resolve, on either registry, to a page that exists in docs/, or
// when its anchor is not on the target page (a heading, with the ids GitHub
// and the registries give headings, or an explicit <a id>). Absolute links to
// this provider's pages on either registry are checked the same way; other
// absolute links are not checked.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

const (
	terraformPrefix = "https://registry.terraform.io/providers/divio-community/divio/"
	opentofuPrefix  = "https://search.opentofu.org/provider/divio-community/divio/"
	// version stands for the version segment of the registries' URLs.
	version = "latest"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: linkcheck [-label name] [docs-dir]\n\nChecks the links of the generated docs (default: docs).\n")
		flag.PrintDefaults()
	}
	label := flag.String("label", "", "print the files under this name instead of docs-dir")
	flag.Parse()
	dir := "docs"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	if *label == "" {
		*label = dir
	}
	problems, err := check(os.DirFS(dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "linkcheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Println(filepath.ToSlash(filepath.Clean(*label)) + "/" + p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "%d link(s) in %s will not resolve on the registries: see the comment of tools/docs/linkcheck/main.go for the form to use\n", len(problems), *label)
		os.Exit(1)
	}
}

// page is one Markdown file of docs/: its links and its anchors.
type page struct {
	links   []link
	anchors map[string]bool
}

type link struct {
	line   int
	target string
}

// check returns the problems found in the docs tree, each as
// "<path relative to the tree>:<line>: <what>", sorted.
func check(docs fs.FS) ([]string, error) {
	pages := map[string]*page{}
	err := fs.WalkDir(docs, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		f, err := docs.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		pg, err := parse(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		pages[p] = pg
		return nil
	})
	if err != nil {
		return nil, err
	}
	var problems []string
	for p, pg := range pages {
		for _, l := range pg.links {
			if msg := checkLink(pages, p, l.target); msg != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s", p, l.line, msg))
			}
		}
	}
	sort.Slice(problems, func(i, j int) bool { return lessProblem(problems[i], problems[j]) })
	return problems, nil
}

// lessProblem orders by file, then by line number.
func lessProblem(a, b string) bool {
	fa, la := splitProblem(a)
	fb, lb := splitProblem(b)
	if fa != fb {
		return fa < fb
	}
	return la < lb
}

func splitProblem(s string) (string, int) {
	file, rest, _ := strings.Cut(s, ":")
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return file, n
}

var schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

// checkLink returns what is wrong with target, a link on the page at p
// (relative to docs/), or "".
func checkLink(pages map[string]*page, p, target string) string {
	switch {
	case strings.HasPrefix(target, terraformPrefix), strings.HasPrefix(target, opentofuPrefix):
		return checkAbsolute(pages, target)
	case schemeRE.MatchString(target) || strings.HasPrefix(target, "//"):
		return "" // another site: not checked
	}
	if target == "" {
		return "empty link"
	}
	pathPart, _, _ := strings.Cut(target, "#")
	pathPart, _, _ = strings.Cut(pathPart, "?")
	if strings.HasSuffix(pathPart, ".md") {
		suggestion := strings.TrimSuffix(pathPart, ".md") + fragmentOf(target)
		if p == "index.md" {
			suggestion = terraformPrefix + version + "/docs/" + suggestion
		}
		return fmt.Sprintf("%q ends in .md: the registries serve pages without it (write %q)", target, suggestion)
	}
	if strings.HasPrefix(target, "/") {
		return fmt.Sprintf("%q is absolute on the registry's host: the registries' paths differ, use a relative link", target)
	}
	for _, base := range []struct{ registry, prefix string }{
		{"the Terraform registry", terraformPrefix},
		{"the OpenTofu registry", opentofuPrefix},
	} {
		from, err := url.Parse(pageURL(base.prefix, p))
		if err != nil {
			return err.Error()
		}
		ref, err := url.Parse(target)
		if err != nil {
			return fmt.Sprintf("%q: %v", target, err)
		}
		resolved := from.ResolveReference(ref)
		if msg := checkAbsolute(pages, resolved.String()); msg != "" {
			return fmt.Sprintf("%q on %s: %s", target, base.registry, msg)
		}
	}
	return ""
}

func fragmentOf(target string) string {
	if _, frag, ok := strings.Cut(target, "#"); ok {
		return "#" + frag
	}
	return ""
}

// pageURL is the URL a registry serves the page at p (relative to docs/) at.
func pageURL(prefix, p string) string {
	name := strings.TrimSuffix(p, ".md")
	if name == "index" {
		if prefix == terraformPrefix {
			return prefix + version + "/docs"
		}
		return prefix + version
	}
	return prefix + version + "/docs/" + name
}

// checkAbsolute checks a URL of one of the registries' pages of this
// provider: the page must exist in docs/ and carry the anchor.
func checkAbsolute(pages map[string]*page, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Sprintf("%q: %v", target, err)
	}
	full := u.Scheme + "://" + u.Host + u.Path
	var rest string
	switch {
	case strings.HasPrefix(full, terraformPrefix):
		rest = strings.TrimPrefix(full, terraformPrefix)
	case strings.HasPrefix(full, opentofuPrefix):
		rest = strings.TrimPrefix(full, opentofuPrefix)
	default:
		return fmt.Sprintf("resolves to %s, outside this provider's docs", full)
	}
	// rest is "<version>[/docs[/<kind>/<name>]]".
	_, rest, _ = strings.Cut(rest, "/")
	var file string
	switch {
	case rest == "" && strings.HasPrefix(full, opentofuPrefix), rest == "docs" && strings.HasPrefix(full, terraformPrefix):
		file = "index.md"
	case strings.HasPrefix(rest, "docs/") && strings.Count(rest, "/") == 2 && !strings.HasSuffix(rest, "/"):
		file = strings.TrimPrefix(rest, "docs/") + ".md"
	default:
		return fmt.Sprintf("resolves to %s, which is no page of the docs", full)
	}
	if strings.HasSuffix(path.Base(rest), ".md") {
		return fmt.Sprintf("resolves to %s: the registries serve pages without .md", full)
	}
	dest, ok := pages[file]
	if !ok {
		return fmt.Sprintf("resolves to %s, but there is no docs/%s", full, file)
	}
	if u.Fragment != "" && !dest.anchors[u.Fragment] {
		return fmt.Sprintf("resolves to docs/%s, which has no anchor #%s", file, u.Fragment)
	}
	return ""
}

var (
	fenceRE = regexp.MustCompile("^\\s*(```|~~~)")
	// inlineLinkRE finds the target of an inline link or image: "](target)"
	// or "](target "title")" or "](<target>)".
	inlineLinkRE = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]*)(\s+("[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`)
	// refDefRE is a reference definition: "[label]: target".
	refDefRE = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	hrefRE   = regexp.MustCompile(`(?i)<a\s[^>]*href\s*=\s*"([^"]*)"`)
	anchorRE = regexp.MustCompile(`(?i)<a\s[^>]*(?:id|name)\s*=\s*"([^"]+)"`)
	headRE   = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	codeRE   = regexp.MustCompile("`+[^`]*`+")
)

// parse reads a Markdown page: the links outside code, with their lines,
// and the anchors (heading ids as GitHub and the registries make them, and
// explicit <a id>).
func parse(r interface{ Read([]byte) (int, error) }) (*page, error) {
	pg := &page{anchors: map[string]bool{}}
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024*1024), 1024*1024)
	inFence, fence := false, ""
	inFrontMatter := false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && line == "---" {
			inFrontMatter = true
			continue
		}
		if inFrontMatter {
			if line == "---" {
				inFrontMatter = false
			}
			continue
		}
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			switch {
			case !inFence:
				inFence, fence = true, m[1]
			case m[1] == fence:
				inFence = false
			}
			continue
		}
		if inFence {
			continue
		}
		for _, m := range anchorRE.FindAllStringSubmatch(line, -1) {
			pg.anchors[m[1]] = true
		}
		if m := headRE.FindStringSubmatch(line); m != nil {
			id := slug(m[2])
			if k := seen[id]; k > 0 {
				pg.anchors[fmt.Sprintf("%s-%d", id, k)] = true
			} else {
				pg.anchors[id] = true
			}
			seen[id]++
		}
		text := codeRE.ReplaceAllString(line, "``")
		for _, m := range inlineLinkRE.FindAllStringSubmatch(text, -1) {
			pg.links = append(pg.links, link{n, strings.Trim(m[1], "<>")})
		}
		if m := refDefRE.FindStringSubmatch(text); m != nil {
			pg.links = append(pg.links, link{n, strings.Trim(m[1], "<>")})
		}
		for _, m := range hrefRE.FindAllStringSubmatch(text, -1) {
			pg.links = append(pg.links, link{n, m[1]})
		}
	}
	return pg, sc.Err()
}

var mdLinkRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// slug is the id GitHub (github-slugger, which OpenTofu's registry also
// uses through rehype-slug) gives a heading: its text in lower case,
// without punctuation, spaces turned into hyphens.
func slug(heading string) string {
	heading = mdLinkRE.ReplaceAllString(heading, "$1")
	heading = strings.NewReplacer("`", "", "*", "").Replace(heading)
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
