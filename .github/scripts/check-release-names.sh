#!/usr/bin/env bash
# check-release-names.sh checks a GoReleaser dist/ directory against the names
# the Terraform and OpenTofu registries read from a GitHub release:
#   terraform-provider-divio_<version>_<os>_<arch>.zip, each holding the binary
#   terraform-provider-divio_v<version> (.exe on Windows);
#   terraform-provider-divio_<version>_SHA256SUMS, listing every zip and
#   terraform-provider-divio_<version>_manifest.json.
#
#   .github/scripts/check-release-names.sh [dist]
set -euo pipefail
cd "${1:-dist}"

sums=(terraform-provider-divio_*_SHA256SUMS)
[ "${#sums[@]}" -eq 1 ] && [ -f "${sums[0]}" ] || { echo "release names: want one *_SHA256SUMS, found: ${sums[*]}" >&2; exit 1; }
version=${sums[0]#terraform-provider-divio_}
version=${version%_SHA256SUMS}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "release names: $version is not a version" >&2; exit 1; }

fail=0
grep -q "  terraform-provider-divio_${version}_manifest.json\$" "${sums[0]}" || { echo "release names: ${sums[0]} does not list the manifest" >&2; fail=1; }
zips=0
for zip in *.zip; do
	zips=$((zips + 1))
	if ! [[ $zip =~ ^terraform-provider-divio_${version//./\\.}_[a-z0-9]+_[a-z0-9]+\.zip$ ]]; then
		echo "release names: $zip is not terraform-provider-divio_${version}_<os>_<arch>.zip" >&2; fail=1; continue
	fi
	grep -q "  ${zip}\$" "${sums[0]}" || { echo "release names: ${sums[0]} does not list $zip" >&2; fail=1; }
	binary=$(unzip -Z1 "$zip" | grep -v '/$' | grep -vE '^(LICENSE|README\.md|CHANGELOG\.md)$' || true)
	case "$binary" in
	"terraform-provider-divio_v${version}" | "terraform-provider-divio_v${version}.exe") ;;
	*) echo "release names: $zip holds '$binary', want terraform-provider-divio_v${version}" >&2; fail=1 ;;
	esac
done
[ "$zips" -gt 0 ] || { echo "release names: no zip" >&2; fail=1; }
[ "$fail" -eq 0 ] && echo "dist/: $zips archives, SHA256SUMS and manifest named as the registries expect (version $version)"
exit "$fail"
