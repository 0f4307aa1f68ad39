#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (examples/browser-demo/browser.test.ts),
# which drive it headless through playwright-core (that package downloads no browser).
# Idempotent; needs root (CI runs as root). Used by .ci/run; contributors run it once:
# `sudo bash scripts/setup-browser.sh`. Elsewhere, point NCOMP_CHROMIUM at a Chromium or
# Chrome binary instead.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "setup-browser: $(chromium --version 2>/dev/null | tail -1)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-browser: needs root (apt-get); run it with sudo" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-browser: not a Debian machine (no apt-get); the browser tests will skip" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "setup-browser: $(chromium --version 2>/dev/null | tail -1)"
