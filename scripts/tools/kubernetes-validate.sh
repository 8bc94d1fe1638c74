#!/usr/bin/env bash
# kubernetes-validate (PyPI) in the shared Python venv .tools/venv (git-ignored): it checks
# every object that the Helm chart renders against the Kubernetes OpenAPI schemas, which
# the package ships (no network at validation time). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
KUBERNETES_VALIDATE_VERSION=1.37.0
VENV="$PWD/.tools/venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
installed=$("$VENV/bin/python" -m pip show kubernetes-validate 2>/dev/null | sed -n 's/^Version: //p' || true)
if [ "$installed" = "$KUBERNETES_VALIDATE_VERSION" ]; then
  exit 0
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
"$VENV/bin/kubernetes-validate" --version
