#!/usr/bin/env bash
# gotest.sh runs `go test -v` with the given arguments and prints a summary:
# each package's result and every skipped test with its reason (a skipped
# test must never pass silently); on failure, the whole output.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -v "$@" >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
	cat "$log"
else
	grep -E '^(ok|FAIL|\?) ' "$log"
fi
echo "skipped tests (with their reasons):"
grep -A1 -E '^ *--- SKIP' "$log" | grep -vE '^--$' | sed 's/^ */  /' || echo "  none"
exit "$status"
