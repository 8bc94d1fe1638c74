#!/usr/bin/env bash
# promtool, Prometheus's rule checker, built from its Go module into .tools/bin
# (git-ignored). The chart tests (test/chart/alerts.chart-spec.ts) run `promtool check
# rules` and `promtool test rules` on the alerts the chart ships. Idempotent: returns at
# once when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Prometheus's Go module version (v0.3XX.Y is Prometheus 3.XX.Y).
PROMETHEUS_MODULE_VERSION=v0.316.0
BIN="$PWD/.tools/bin/promtool"
STAMP="$PWD/.tools/bin/.promtool-build"
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$PROMETHEUS_MODULE_VERSION" ]; then
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "scripts/tools/promtool.sh: the Go toolchain is needed to build promtool $PROMETHEUS_MODULE_VERSION (go install)" >&2
  exit 1
fi
mkdir -p .tools/bin
echo "building promtool $PROMETHEUS_MODULE_VERSION into .tools/bin (go install, a few minutes the first time)"
GOBIN="$PWD/.tools/bin" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_MODULE_VERSION" \
  "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION"
echo "$PROMETHEUS_MODULE_VERSION" > "$STAMP"
"$BIN" --version | head -1
