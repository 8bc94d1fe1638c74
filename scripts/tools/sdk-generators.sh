#!/usr/bin/env bash
# The SDK generators and test runners that no npm package provides (see sdk/README.md):
#   - openapi-python-client, pinned, with the ruff it formats with, pytest and the generated
#     package's runtime dependencies, into the shared venv .tools/venv;
#   - oapi-codegen, pinned, built with `go install` into .tools/bin;
#   - the Go SDK's module dependencies, into Go's module cache.
# Idempotent: each step is skipped when what it installs is already there at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/../.."

OAPI_CODEGEN_VERSION=v2.8.2
PYTHON_PINS=(
  openapi-python-client==0.29.1
  ruff==0.17.6
  pytest==9.2.0
  httpx==0.28.1
  attrs==26.1.0
  python-dateutil==2.9.0.post0
)

mkdir -p .tools/bin
[ -x .tools/venv/bin/python ] || python3 -m venv .tools/venv

missing=$(.tools/venv/bin/python - "${PYTHON_PINS[@]}" <<'PY'
import sys
from importlib import metadata
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    try:
        if metadata.version(name) == version:
            continue
    except metadata.PackageNotFoundError:
        pass
    print(pin)
PY
)
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086
  .tools/venv/bin/pip install --quiet --disable-pip-version-check $missing
fi

if ! .tools/bin/oapi-codegen --version 2>/dev/null | grep -qx "$OAPI_CODEGEN_VERSION"; then
  GOBIN="$PWD/.tools/bin" go install "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$OAPI_CODEGEN_VERSION"
fi

if [ -f sdk/go/go.mod ]; then
  (cd sdk/go && go mod download)
fi
