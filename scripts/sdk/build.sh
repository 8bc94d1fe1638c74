#!/usr/bin/env bash
# `npm run sdk` (after `npm run openapi`): regenerates the three SDKs from openapi.yaml, then
# builds each one, so that a contract change that breaks a client fails here:
#   TypeScript: tsc (SDK and its tests) into sdk/typescript/dist/
#   Python:     byte-compiles the package and imports every module
#   Go:         go vet (compiles the package and its tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/sdk/generate.sh sdk
echo "sdk: typescript" && node_modules/.bin/tsc -p sdk/typescript/tsconfig.json
echo "sdk: python" && .tools/venv/bin/python -m compileall -q sdk/python/vault_client \
  && (cd sdk/python && ../../.tools/venv/bin/python -c "import pkgutil, importlib, vault_client; [importlib.import_module(m.name) for m in pkgutil.walk_packages(vault_client.__path__, 'vault_client.')]")
echo "sdk: go" && (cd sdk/go && go vet ./...)
echo "sdk: generated and built sdk/typescript, sdk/python, sdk/go"
