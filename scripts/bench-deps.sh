#!/usr/bin/env bash
# Installs what `npm run bench` needs beyond npm packages and the test dependencies: wrk, the
# HTTP load generator (Debian package), which costs a fraction of autocannon's CPU on a
# machine whose cores the server under test shares. Without it (no apt, no root) the bench
# falls back to autocannon and says so in its output. Idempotent.
set -uo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian package wrk for the benchmarks" >&2
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null; }; then
  echo "could not install wrk: the benchmarks will use autocannon" >&2
fi
exit 0
