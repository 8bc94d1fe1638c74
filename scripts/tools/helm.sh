#!/usr/bin/env bash
# Helm, built from its Go module into .tools/bin (git-ignored). The chart tests
# (test/chart/) run `helm lint --strict` and `helm template` with it. Idempotent: returns
# at once when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM_VERSION=v3.22.0
# The Kubernetes minor of the k8s.io modules that this Helm version builds with (its
# go.mod): Helm's own release builds stamp it, and it is the Kubernetes version that
# `helm lint` and `helm template` assume. Unstamped, they would assume Kubernetes 1.20.
K8S_MINOR=37
BIN="$PWD/.tools/bin/helm"
STAMP="$PWD/.tools/bin/.helm-build"
BUILD="helm $HELM_VERSION, Kubernetes 1.$K8S_MINOR"
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BUILD" ]; then
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "scripts/tools/helm.sh: the Go toolchain is needed to build helm $HELM_VERSION (go install)" >&2
  exit 1
fi
mkdir -p .tools/bin
echo "building helm $HELM_VERSION into .tools/bin (go install, a few minutes the first time)"
# The same -ldflags stamps as Helm's Makefile: its version, and the Kubernetes version above.
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in pkg/lint/rules pkg/chartutil; do
  LDFLAGS="$LDFLAGS -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$K8S_MINOR"
done
GOBIN="$PWD/.tools/bin" CGO_ENABLED=0 go install -trimpath -ldflags "$LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
echo "$BUILD" > "$STAMP"
"$BIN" version --short
