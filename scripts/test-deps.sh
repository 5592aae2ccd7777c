#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages: the Go toolchain and the Go
# reference implementations of C2SP (golang.org/x/mod sumdb/note and sumdb/tlog) from
# Debian, used as the independent verifier in the interop tests; and Debian's Chromium for
# the browser tests of the web pages (test/web.test.ts; never a downloaded browser); SoftHSM2
# and OpenSC's pkcs11-tool, the PKCS#11 token that the HSM signer tests create their log keys
# in (packages/pkcs11, test/pkcs11-*.test.ts); Debian's Python 3 with cbor2 and
# cryptography, the runtime of the independent RFC 9942 receipt verifier
# (test/interop/python, test/scitt-python-interop.test.ts; always /usr/bin/python3, never a
# PATH python that lacks Debian's modules); wrk, whose latency correction the benchmark's
# bench/wrk-raw.mjs reproduces (test/bench-wrk-stats.test.ts runs it). Idempotent.
set -euo pipefail
need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb ] || need+=(golang-golang-x-mod-dev)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
/usr/bin/python3 -c 'import cbor2' >/dev/null 2>&1 || need+=(python3-cbor2)
/usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 || need+=(python3-cryptography)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages for the tests: ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
