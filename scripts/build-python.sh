#!/usr/bin/env bash
# Builds the Python package with rampart's engine inside it, and a Lambda
# layer, into DIR (default ./dist):
#
#   DIR/rampart-VERSION-py3-none-manylinux_2_34_ARCH.whl   pip install it, or ship it in a deployment package
#   DIR/rampart-python-layer-ARCH.zip                      python/ (the package) and extensions/ (the rampart extension)
#
# GOARCH=arm64 builds for Graviton (needs aarch64-linux-gnu-gcc for cgo).
# The shared library links against glibc 2.34 or later: the Lambda runtimes
# on Amazon Linux 2023 (python3.12 and later).
set -euo pipefail
python3 -c "import wheel" 2>/dev/null || python3 -m pip install -q wheel
cd "$(dirname "$0")/.."
out="$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)"
arch="${GOARCH:-$(go env GOARCH)}"
case "$arch" in
  amd64) plat=x86_64; cc="${CC:-gcc}" ;;
  arm64) plat=aarch64; cc="${CC:-aarch64-linux-gnu-gcc}" ;;
  *) echo "build-python: GOARCH=$arch: want amd64 or arm64" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== the engine: librampart.so ($arch)"
cp -r python "$work/python"
rm -rf "$work/python/tests" "$work/python/build" "$work/python/"*.egg-info
GOOS=linux GOARCH="$arch" CGO_ENABLED=1 CC="$cc" \
  go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o "$work/python/rampart/librampart.so" ./bindings/librampart
rm -f "$work/python/rampart/librampart.h"

echo "== the wheel"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' python/pyproject.toml)
(cd "$work/python" && python3 -m pip wheel --no-deps --no-build-isolation -q -w "$work/wheel" .)
# A pure-Python wheel carrying one native library: retag it for the
# platform the library was built for (the wheel's RECORD is unchanged).
whl="rampart-$version-py3-none-manylinux_2_34_$plat.whl"
python3 - "$work/wheel"/rampart-"$version"-*.whl "$out/$whl" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
tag = dst.rsplit("-", 3)[-3:]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename.endswith(".dist-info/WHEEL"):
            lines = [l for l in data.decode().splitlines() if not l.startswith(("Tag:", "Root-Is-Purelib:"))]
            lines += ["Root-Is-Purelib: false", "Tag: " + "-".join(t.removesuffix(".whl") for t in tag)]
            data = ("\n".join(lines) + "\n").encode()
        zout.writestr(item, data)
PY

echo "== the layer"
layer="$work/layer"
mkdir -p "$layer/python" "$layer/extensions" "$layer/rampart"
cp -r "$work/python/rampart" "$layer/python/"
GOOS=linux GOARCH="$arch" CGO_ENABLED=0 go build -tags lambdaext -trimpath -ldflags='-s -w' -o "$layer/rampart/rampart" ./cmd/rampart
printf '#!/bin/sh\nexec /opt/rampart/rampart extension\n' > "$layer/extensions/rampart"
chmod +x "$layer/extensions/rampart" "$layer/rampart/rampart"
rm -f "$out/rampart-python-layer-$plat.zip"
(cd "$layer" && python3 -m zipfile -c "$out/rampart-python-layer-$plat.zip" python extensions rampart)
# zipfile drops the executable bit: set it again in the archive.
python3 - "$out/rampart-python-layer-$plat.zip" <<'PY'
import sys, zipfile, shutil, os
p = sys.argv[1]
tmp = p + ".tmp"
with zipfile.ZipFile(p) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename in ("extensions/rampart", "rampart/rampart"):
            item.external_attr = (0o755 | 0o100000) << 16
        zout.writestr(item, zin.read(item.filename))
os.replace(tmp, p)
PY
ls -la "$out/$whl" "$out/rampart-python-layer-$plat.zip"
