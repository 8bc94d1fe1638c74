#!/usr/bin/env bash
# The linearizability checker of the simulation and the fault suite (test/checker: our own
# Go program around Porcupine, github.com/anishathalye/porcupine, pinned in its go.mod),
# built into .tools/bin. Rebuilt only when its sources changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="$PWD/.tools/bin/vault-checker"
STAMP="$PWD/.tools/bin/.vault-checker-build"
SOURCES=$(cat test/checker/go.mod test/checker/go.sum test/checker/*.go | sha256sum | cut -d' ' -f1)
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$SOURCES" ]; then
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "scripts/tools/checker.sh: the Go toolchain is needed to build the history checker" >&2
  exit 1
fi
mkdir -p .tools/bin
(cd test/checker && CGO_ENABLED=0 go build -trimpath -o "$BIN" .)
echo "$SOURCES" > "$STAMP"
