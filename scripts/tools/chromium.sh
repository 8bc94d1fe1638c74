#!/usr/bin/env bash
# Headless Chromium for the Swagger UI browser test (test/browser/), from Debian's packages.
# playwright-core drives it through executablePath; Playwright's own browser downloads are
# never used. Returns at once when /usr/bin/chromium is there.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium.sh: /usr/bin/chromium is missing; install Debian's chromium package as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
/usr/bin/chromium --version
