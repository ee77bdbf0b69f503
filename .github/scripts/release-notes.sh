#!/usr/bin/env bash
# release-notes.sh prints the body of one version's section of CHANGELOG.md
# (Keep a Changelog: "## [X.Y.Z] - YYYY-MM-DD"), without its heading, for
# `goreleaser release --release-notes`. It fails when the section is missing
# or empty, so a tag whose CHANGELOG was not moved out of [Unreleased] does
# not release with empty notes.
#
#   .github/scripts/release-notes.sh v0.1.0 [CHANGELOG.md] > notes.md
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 <vX.Y.Z|X.Y.Z> [CHANGELOG.md]" >&2
	exit 2
fi
version=${1#v}
changelog=${2:-CHANGELOG.md}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "release-notes: $1 is not a version (vX.Y.Z)" >&2
	exit 2
fi

# The section runs from its heading to the next "## " heading or to the
# link definitions ("[0.1.0]: https://...") at the end of the file; leading
# and trailing blank lines are dropped.
notes=$(awk -v v="$version" '
	BEGIN { heading = "## [" v "]" }
	found && (/^## / || /^\[[^]]+\]: /) { exit }
	found { print; next }
	index($0, heading) == 1 && (length($0) == length(heading) || substr($0, length(heading) + 1, 1) == " ") { found = 1 }
	END { if (!found) exit 3 }
' "$changelog") || {
	status=$?
	if [ "$status" -eq 3 ]; then
		echo "release-notes: no \"## [$version]\" section in $changelog (move [Unreleased] under it before tagging)" >&2
	fi
	exit 1
}
# $(...) dropped the trailing blank lines; drop the leading ones.
notes=$(printf '%s\n' "$notes" | sed '/[^[:space:]]/,$!d')
if [ -z "$notes" ]; then
	echo "release-notes: the \"## [$version]\" section of $changelog is empty" >&2
	exit 1
fi
printf '%s\n' "$notes"
