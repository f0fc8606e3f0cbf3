#!/usr/bin/env bash
# Builds rampart's release into dist/: the rampart command for each
# platform, the Lambda extension's build (-tags lambdaext) and its layer
# zip for each Lambda architecture, and SHA256SUMS over them, every binary
# with the version stamped (rampart version prints it).
#
#   scripts/release.sh v0.2.0        # or VERSION=v0.2.0; default: git describe
#
# PLATFORMS (default "linux/amd64 linux/arm64 darwin/arm64"),
# LAMBDA_ARCHES (default "amd64 arm64"; empty for none) and DIST (default
# dist) override what is built and where.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-${VERSION:-}}"
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || true)
fi
if [ -z "$version" ]; then
  echo "release.sh: no version: give one (scripts/release.sh v0.2.0)" >&2; exit 2
fi
case "$version" in
  *[!A-Za-z0-9._+-]*) echo "release.sh: version $version: only letters, digits and . _ + -" >&2; exit 2 ;;
esac
platforms="${PLATFORMS-linux/amd64 linux/arm64 darwin/arm64}"
lambda_arches="${LAMBDA_ARCHES-amd64 arm64}"
dist="${DIST:-dist}"
ldflags="-s -w -X main.version=$version"

rm -rf "$dist"
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)

for p in $platforms; do
  os=${p%/*} arch=${p#*/}
  out="rampart_${version}_${os}_${arch}"
  echo "== $out"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "$ldflags" -o "$dist/$out" ./cmd/rampart
done

for arch in $lambda_arches; do
  out="rampart-lambda-extension_${version}_linux_${arch}"
  echo "== $out (and its layer zip)"
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -tags lambdaext -trimpath -ldflags "$ldflags" -o "$dist/$out" ./cmd/rampart
  # The layer, mounted at /opt: extensions/rampart starts rampart/rampart.
  layer=$(mktemp -d)
  mkdir -p "$layer/extensions" "$layer/rampart"
  cp examples/lambda/layer/extensions/rampart "$layer/extensions/rampart"
  cp examples/lambda/layer/rampart/wrapper "$layer/rampart/wrapper"
  cp "$dist/$out" "$layer/rampart/rampart"
  chmod 755 "$layer/extensions/rampart" "$layer/rampart/wrapper" "$layer/rampart/rampart"
  (cd "$layer" && zip -q -X -r "$dist/rampart-lambda-layer_${version}_linux_${arch}.zip" extensions rampart)
  rm -rf "$layer"
done

(cd "$dist" && sha256sum -- rampart* > SHA256SUMS)
echo "== $dist"
cat "$dist/SHA256SUMS"
