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
# go test -v prints the reason (a "file.go:N: …" line) before a top-level
# test's "--- SKIP" line, and after a subtest's.
awk '{ line[NR] = $0 } END {
	for (i = 1; i <= NR; i++) if (line[i] ~ /^ *--- SKIP/) {
		reason = (line[i+1] ~ /\.go:[0-9]+: /) ? line[i+1] : (line[i-1] ~ /\.go:[0-9]+: /) ? line[i-1] : ""
		name = line[i]; sub(/^ */, "", name); sub(/^ */, "", reason)
		print "  " name (reason != "" ? "  <- " reason : ""); found = 1
	}
	if (!found) print "  none"
}' "$log"
exit "$status"
