#!/usr/bin/env bash
# Installs the tools that `npm test` needs and no npm package provides (Go-built binaries,
# Python packages, a browser), each into the git-ignored .tools/ folder (Chromium from
# Debian's packages). Every script under scripts/tools/ is idempotent: it returns at once
# when its tool is already there. .ci/run calls this before `npm test`; so does `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools/bin
for script in scripts/tools/*.sh; do
  [ -e "$script" ] || continue
  bash "$script"
done
