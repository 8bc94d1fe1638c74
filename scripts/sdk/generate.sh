#!/usr/bin/env bash
# Generates the three SDKs' code from openapi.yaml with the pinned generators (installed by
# scripts/tools/sdk-generators.sh). Writes only generated files, under ROOT (default sdk/):
#   ROOT/typescript/src/schema.ts   openapi-typescript (types; calls go through openapi-fetch)
#   ROOT/python/vault_client/       openapi-python-client (typed package, sync and async)
#   ROOT/go/vault.gen.go            oapi-codegen (typed client and models)
# The drift check (test/contract/) runs it into a scratch ROOT and compares with sdk/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="${1:-sdk}"
SPEC="$PWD/openapi.yaml"

need() {
  if [ ! -x "$1" ]; then
    echo "scripts/sdk/generate.sh: $1 is missing; run: bash scripts/install-tools.sh" >&2
    exit 1
  fi
}
need node_modules/.bin/openapi-typescript
need .tools/venv/bin/openapi-python-client
need .tools/bin/oapi-codegen

mkdir -p "$ROOT/typescript/src" "$ROOT/python" "$ROOT/go"

node_modules/.bin/openapi-typescript "$SPEC" --output "$ROOT/typescript/src/schema.ts" >/dev/null

# The generator formats its output with ruff from PATH (the venv's pinned one); no cache files.
# Its one expected warning: it cannot send text/plain bodies, so POST /v1/env's text form goes
# through the client's httpx client instead (sdk/python/README.md). Any other warning is shown.
rm -rf "$ROOT/python/vault_client"
log=$(mktemp)
PATH="$PWD/.tools/venv/bin:$PATH" RUFF_NO_CACHE=true .tools/venv/bin/openapi-python-client generate \
  --path "$SPEC" --config sdk/python/openapi-python-client.yaml --meta none \
  --output-path "$ROOT/python/vault_client" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
if [ "$(grep -c 'WARNING' "$log")" != 1 ] || ! grep -q 'Unsupported content type text/plain' "$log"; then
  sed 's/^/openapi-python-client: /' "$log" >&2
fi
rm -f "$log"

.tools/bin/oapi-codegen -config sdk/go/oapi-codegen.yaml -o "$ROOT/go/vault.gen.go" "$SPEC"
