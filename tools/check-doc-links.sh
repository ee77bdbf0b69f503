#!/usr/bin/env bash
# Checks the links of the generated docs/ as the Terraform and OpenTofu
# registries serve them: pages without .md, relative links resolved by the
# browser against the page's URL (no rewriting). Lists file:line of every
# link that would 404 there, or to an anchor the target page lacks, and exits
# 1; exits 0 when every link resolves.
#
# The form to use: from a page under docs/<kind>/, relative without .md
# ("ci-pipeline", "../resources/repository", "troubleshooting#anchor");
# from docs/index.md, absolute
# (https://registry.terraform.io/providers/divio-community/divio/latest/docs/guides/ci-pipeline),
# since its URL is …/docs on the Terraform registry but …/<version> on
# OpenTofu's, so no relative link works on both. Why, and the exact rules:
# tools/docs/linkcheck/main.go.
#
# Usage, from anywhere: tools/check-doc-links.sh [docs-dir]   (default: the repository's docs/)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -gt 0 ]; then docs="$(cd "$1" && pwd)"; label="$1"; else docs="$root/docs"; label=docs; fi
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
(cd "$root/tools/docs" && go build -o "$bin/linkcheck" ./linkcheck)
"$bin/linkcheck" -label "$label" "$docs"
