#!/usr/bin/env bash
# Fetches promtool (Debian's package of Prometheus' rule checker) into a cache folder the tests read:
#   promtool 3.x (sid) and 2.53 (trixie), so the rules are checked and unit-tested on both majors.
# The same private apt set-up as scripts/fetch-renderers.sh (the machine's apt configuration is
# never touched; packages are unpacked with dpkg-deb -x, not installed).
#
# Usage: scripts/fetch-promtool.sh [--refresh]
# Environment: ARGUSAI_PROMTOOL_DIR  the cache folder (default: .cache/promtool in the project)
# Output: one line per promtool, "<package> <version> <suite> <binary>", and the manifest
#   $ARGUSAI_PROMTOOL_DIR/promtool.json (what test/monitoring/promtool.test.ts reads).
# Exit: 0 fetched or already there; 3 apt-get/dpkg-deb missing or a download failed.
set -euo pipefail

project="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-}" in -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
dir="${ARGUSAI_PROMTOOL_DIR:-$project/.cache/promtool}"
ARGUSAI_RENDERERS_DIR="$dir" ARGUSAI_FETCH_PACKAGES="promtool/sid promtool/trixie" ARGUSAI_FETCH_MANIFEST="$dir/promtool.json" \
  exec "$project/scripts/fetch-renderers.sh" "$@"
