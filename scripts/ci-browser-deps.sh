#!/usr/bin/env bash
# Install Debian's Chromium for the dashboard's end-to-end browser test (tests/e2e), unless it is already there.
# Playwright drives this browser through executable_path; `playwright install` (a browser download) is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
/usr/bin/chromium --version
