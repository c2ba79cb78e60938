#!/usr/bin/env bash
# Runs the real-client end-to-end suites: the official aws-amplify client against a real
# `ampbase sandbox`. Builds nothing: the caller builds the binary first
# (`cargo build -p ampbase`) or points AMPBASE_BIN at one.
#
#   e2e/run.sh                          # every suite in e2e/tests/, one file at a time
#   e2e/run.sh tests/blog.test.mjs      # some of them
#
# Exits with the status of `node --test`.
set -euo pipefail
cd "$(dirname "$0")"

# (Re)install when node_modules is missing or was installed from another lockfile: the
# suites' packages here, the browser suite's app in browser/.
npm_ci_if_changed() (
  cd "$1"
  lock_hash=$(sha256sum package-lock.json package.json | sha256sum | cut -d' ' -f1)
  stamp=node_modules/.ampbase-e2e-lock
  if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
    echo "$lock_hash" > "$stamp"
  fi
)
npm_ci_if_changed .
npm_ci_if_changed browser

# The browser suite drives Debian's Chromium (never a downloaded browser build); install it
# when it is missing and this is a Debian machine we may install on (CI runs as root).
chromium_bin=${AMPBASE_E2E_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser suite" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi

if [ "$#" -eq 0 ]; then set -- tests/; fi
# One file at a time: without a port flag every sandbox listens on the default port 20002.
# A per-test timeout so that nothing can hang the run.
exec node --test --test-concurrency=1 --test-timeout="${AMPBASE_E2E_TEST_TIMEOUT_MS:-120000}" "$@"
