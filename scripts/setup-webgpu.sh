#!/usr/bin/env bash
# Gives this Debian bookworm machine a WebGPU adapter for the `webgpu` npm package (Dawn):
# Mesa 25's lavapipe (software Vulkan) from the bookworm-backports suite. Bookworm's own
# Mesa 22 exposes no adapter Dawn accepts. Idempotent; needs root (CI runs as root).
#
# It enables backports by adding the suite to the existing Debian entry of apt's deb822
# sources (the entry whose Suites line lists "bookworm"), so no repository address is
# written here. Used by .ci/run; contributors run it once: `sudo bash scripts/setup-webgpu.sh`.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "setup-webgpu: needs root (apt-get); run it with sudo" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-webgpu: not a Debian machine (no apt-get); the webgpu tests will skip" >&2
  exit 0
fi

sources=$(grep -l '^Suites:.*\bbookworm\b' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)
if [ -z "$sources" ]; then
  echo "setup-webgpu: no deb822 entry for bookworm in /etc/apt/sources.list.d; the webgpu tests will skip" >&2
  exit 0
fi
if ! grep -q '^Suites:.*bookworm-backports' "$sources"; then
  # First Suites line that lists bookworm itself (the main Debian entry, not -security).
  sed -i '0,/^Suites:\(.*\)\bbookworm\b\(.*\)$/s//Suites:\1bookworm\2 bookworm-backports/' "$sources"
  echo "setup-webgpu: added bookworm-backports to $sources"
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
echo "setup-webgpu: $(dpkg-query -W -f='${Package} ${Version}\n' mesa-vulkan-drivers)"
