#!/usr/bin/env bash
# check-headers.sh checks that every tracked Go file carries the licence
# header (the SPDX line within its first 3 lines):
#
#   // Copyright (c) The terraform-provider-divio authors
#   // SPDX-License-Identifier: MPL-2.0
#
# It lists the files without it and exits 1. With --fix it writes the header,
# followed by a blank line, at the top of those files instead. The blank line
# keeps a package doc comment attached to its package clause; a //go:build
# line below the header stays valid, since Go allows line comments and blank
# lines before a build constraint.
set -euo pipefail
cd "$(dirname "$0")/.."

spdx='// SPDX-License-Identifier: MPL-2.0'
header=$'// Copyright (c) The terraform-provider-divio authors\n// SPDX-License-Identifier: MPL-2.0\n\n'

fix=0
case "${1:-}" in
	"") ;;
	--fix) fix=1 ;;
	*) echo "usage: $0 [--fix]" >&2; exit 2 ;;
esac

missing=()
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue # tracked but deleted in the work tree
	if ! head -n 3 -- "$f" | tr -d '\r' | grep -qxF -- "$spdx"; then
		missing+=("$f")
	fi
done < <(git ls-files -z -- '*.go')

if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
if [ "$fix" -eq 1 ]; then
	for f in "${missing[@]}"; do
		tmp=$(mktemp "$f.XXXXXX")
		{ printf '%s' "$header"; cat -- "$f"; } >"$tmp"
		chmod --reference="$f" "$tmp"
		mv -- "$tmp" "$f"
		echo "added the licence header: $f"
	done
	exit 0
fi
echo "Go files without '$spdx' in their first 3 lines (tools/check-headers.sh --fix adds it):"
printf '  %s\n' "${missing[@]}"
exit 1
