#!/usr/bin/env bash
# Fetches the renderers Argo CD runs, as Debian packages, into a cache folder the tests read:
#   kustomize 5.8.1 (sid; what Argo CD 3.3.6+ and 3.4 bundle), kubectl 1.36 (sid; kustomize 5.8.1),
#   kustomize 5.6.0 (trixie).
# The machine's apt configuration is never touched: apt-get runs with a private sources list,
# package lists, cache and an empty dpkg status, all inside the cache folder, and the packages are
# unpacked with dpkg-deb -x (not installed).
#
# Usage: scripts/fetch-renderers.sh [--refresh]
#   --refresh  fetch again even when every renderer is already in the cache (sid moves on)
# Environment: ARGUSAI_RENDERERS_DIR  the cache folder (default: .cache/renderers in the project)
# Output: one line per renderer, "<package> <version> <suite> <binary>", and the manifest
#   $ARGUSAI_RENDERERS_DIR/renderers.json (what test/render/matrix.system.test.ts reads).
# Exit: 0 fetched or already there; 3 apt-get/dpkg-deb missing or a download failed.
set -euo pipefail

project="$(cd "$(dirname "$0")/.." && pwd)"
dir="${ARGUSAI_RENDERERS_DIR:-$project/.cache/renderers}"
manifest="$dir/renderers.json"
# "package/suite": apt-get download's own syntax, so the wanted suite is explicit.
wanted=(kustomize/sid kubectl/sid kustomize/trixie)
# Other Debian tools the tests run are fetched the same way by sibling scripts (fetch-promtool.sh):
# ARGUSAI_FETCH_PACKAGES (package/suite words) and ARGUSAI_FETCH_MANIFEST (a path) replace the two above.
if [ -n "${ARGUSAI_FETCH_PACKAGES:-}" ]; then read -r -a wanted <<<"$ARGUSAI_FETCH_PACKAGES"; fi
manifest="${ARGUSAI_FETCH_MANIFEST:-$manifest}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

refresh=false
for arg in "$@"; do
  case "$arg" in
    --refresh) refresh=true ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch-renderers: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# Idempotent: when the manifest lists every wanted package/suite and each binary is still there,
# nothing is downloaded (no network needed on a second run).
cached() {
  [ -f "$manifest" ] || return 1
  node -e '
    const fs = require("node:fs");
    const entries = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const ok = process.argv.slice(2).every((want) =>
      entries.some((e) => `${e.package}/${e.suite}` === want && fs.existsSync(e.binary)));
    process.exit(ok ? 0 : 1);
  ' "$manifest" "${wanted[@]}"
}

print() {
  node -e '
    for (const e of JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")))
      console.log(`${e.package} ${e.version} ${e.suite} ${e.binary}`);
  ' "$manifest"
}

if [ "$refresh" = false ] && cached; then
  print
  exit 0
fi

for tool in apt-get dpkg-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-renderers: $tool is missing: this script needs a Debian-based machine" >&2
    exit 3
  fi
done
if [ ! -r "$keyring" ]; then
  echo "fetch-renderers: $keyring is missing: apt-get install debian-archive-keyring" >&2
  exit 3
fi

apt_dir="$dir/apt"
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/preferences.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dir/debs"
cat >"$apt_dir/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid trixie
Components: main
Signed-By: $keyring
EOF
# An empty dpkg status: apt must not resolve against (or care about) what this machine has installed.
: >"$apt_dir/status"
arch="$(dpkg --print-architecture)"
apt_options=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
  -o "Dir::Etc::Preferences=/dev/null"
  -o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Architecture=$arch"
  -o "APT::Architectures::=$arch"
  # apt drops to the _apt user to download, which cannot write into a root-owned private dir.
  -o "APT::Sandbox::User=$(id -un)"
  -o "Acquire::Languages=none"
  -q
)

echo "fetch-renderers: apt-get update (private lists in $apt_dir)" >&2
apt-get "${apt_options[@]}" update >&2
rm -f "$dir"/debs/*.deb
(cd "$dir/debs" && apt-get "${apt_options[@]}" download "${wanted[@]}" >&2)

entries=()
for index in "${!wanted[@]}"; do
  want="${wanted[$index]}"
  package="${want%/*}"
  suite="${want#*/}"
  # apt-get download names files <package>_<version>_<arch>.deb, with ':' of an epoch as %3a; the
  # suite is not in the name, so ask apt which version the suite holds.
  version="$(apt-cache "${apt_options[@]}" show "$want" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)"
  deb="$(ls "$dir/debs/${package}_${version//:/%3a}_"*.deb)"
  # The version from the package itself, not from the binary: Debian's kustomize build prints
  # "(devel)" for `kustomize version`.
  version="$(dpkg-deb -f "$deb" Version)"
  target="$dir/$package-$version"
  if [ ! -x "$target/usr/bin/$package" ]; then
    rm -rf "$target.partial"
    dpkg-deb -x "$deb" "$target.partial"
    # Only complete unpacks get the final name, so a killed run is never mistaken for a cached one.
    rm -rf "$target"
    mv "$target.partial" "$target"
  fi
  entries+=("$package" "$version" "$suite" "$target/usr/bin/$package")
done
rm -rf "$dir/debs"

node -e '
  const [file, ...flat] = process.argv.slice(1);
  const entries = [];
  for (let i = 0; i < flat.length; i += 4) {
    const [pkg, version, suite, binary] = flat.slice(i, i + 4);
    entries.push({ package: pkg, version, suite, binary });
  }
  const fs = require("node:fs");
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(entries, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
' "$manifest" "${entries[@]}"
print
