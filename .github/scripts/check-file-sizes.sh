#!/usr/bin/env bash
# check-file-sizes.sh fails when a tracked file is over 1 MB (1,048,576
# bytes, or LIMIT bytes), listing them: build outputs (the provider, the
# demo) belong in bin/ or dist/, which .gitignore keeps out. Files staged for
# deletion or deleted in the work tree are not counted.
set -euo pipefail
cd "$(dirname "$0")/../.."
limit=${LIMIT:-1048576}

big=$(git ls-files -z | xargs -0 -r stat -c '%s %n' -- 2>/dev/null | awk -v limit="$limit" '$1 > limit' || true)
if [ -n "$big" ]; then
	echo "tracked files over $limit bytes (build outputs go to bin/ or dist/; git rm --cached them):"
	printf '%s\n' "$big" | sort -rn | sed 's/^/  /'
	exit 1
fi
echo "no tracked file is over $limit bytes"
