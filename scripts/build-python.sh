#!/usr/bin/env bash
# Builds the Python package with rampart's engine inside it, and a Lambda
# layer, into DIR (default ./dist), for x86_64 and for arm64 (Graviton):
#
#   DIR/rampart-VERSION-py3-none-manylinux_2_34_ARCH.whl   pip install it, or ship it in a deployment package
#   DIR/rampart-python-layer-ARCH.zip                      python/ (the package) and extensions/ (the rampart extension)
#
# ARCH is x86_64 and aarch64; GOARCH=amd64 or GOARCH=arm64 builds only that
# one (with CC as its C compiler when set; else CC_amd64, CC_arm64). The
# engine is a cgo shared library: arm64 needs the aarch64 C cross-compiler
# (Debian: apt-get install gcc-aarch64-linux-gnu). Without it the script
# builds x86_64, then says so and exits with status 3.
# The extension is pure Go (CGO_ENABLED=0), statically linked.
#
# The shared library links against glibc 2.34 or later: the Lambda runtimes
# on Amazon Linux 2023 (python3.12 and later). The script checks the glibc
# symbol versions each library needs and fails when one is newer than 2.34.
set -euo pipefail
python3 -c "import wheel" 2>/dev/null || python3 -m pip install -q wheel
cd "$(dirname "$0")/.."
out="$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)"
archs="${GOARCH:-amd64 arm64}"
one_cc="${GOARCH:+${CC:-}}" # CC applies when GOARCH names one architecture
version=$(sed -n 's/^version = "\(.*\)"/\1/p' python/pyproject.toml)
max_glibc=2.34
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# glibc_needed LIB: the newest GLIBC_x.y version LIB requires.
glibc_needed() {
  readelf -V --wide "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1
}

build() {
  local arch=$1 plat cc
  case "$arch" in
    amd64) plat=x86_64; cc="${CC_amd64:-${one_cc:-gcc}}" ;;
    arm64) plat=aarch64; cc="${CC_arm64:-${one_cc:-aarch64-linux-gnu-gcc}}" ;;
    *) echo "build-python: GOARCH=$arch: want amd64 or arm64" >&2; return 2 ;;
  esac
  if [ "$arch" != "$(go env GOHOSTARCH)" ] && ! command -v "$cc" >/dev/null; then
    echo "build-python: $plat: no C cross-compiler $cc for cgo (apt-get install gcc-aarch64-linux-gnu, or set CC_$arch)" >&2
    return 3
  fi
  local w="$work/$arch"
  mkdir -p "$w"

  echo "== $plat: the engine, librampart.so"
  cp -r python "$w/python"
  rm -rf "$w/python/tests" "$w/python/bench" "$w/python/build" "$w/python/"*.egg-info
  find "$w/python" -name __pycache__ -prune -exec rm -rf {} +
  GOOS=linux GOARCH="$arch" CGO_ENABLED=1 CC="$cc" \
    go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o "$w/python/rampart/librampart.so" ./bindings/librampart
  rm -f "$w/python/rampart/librampart.h"
  local need
  need=$(glibc_needed "$w/python/rampart/librampart.so")
  echo "   needs glibc $need at most (symbol versions)"
  if [ "$(printf '%s\n%s\n' "$need" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
    echo "build-python: $plat: librampart.so needs GLIBC_$need, newer than the wheel's manylinux_${max_glibc/./_}" >&2
    return 1
  fi

  echo "== $plat: the wheel"
  (cd "$w/python" && python3 -m pip wheel --no-deps --no-build-isolation -q -w "$w/wheel" .)
  # A pure-Python wheel carrying one native library: retag it for the
  # platform the library was built for (the wheel's RECORD is unchanged).
  local whl="rampart-$version-py3-none-manylinux_2_34_$plat.whl"
  python3 - "$w/wheel"/rampart-"$version"-*.whl "$out/$whl" <<'PY'
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

  echo "== $plat: the layer"
  local layer="$w/layer" zip="$out/rampart-python-layer-$plat.zip"
  mkdir -p "$layer/python" "$layer/extensions" "$layer/rampart"
  cp -r "$w/python/rampart" "$layer/python/"
  GOOS=linux GOARCH="$arch" CGO_ENABLED=0 go build -tags lambdaext -trimpath -ldflags='-s -w' -o "$layer/rampart/rampart" ./cmd/rampart
  printf '#!/bin/sh\nexec /opt/rampart/rampart extension\n' > "$layer/extensions/rampart"
  chmod +x "$layer/extensions/rampart" "$layer/rampart/rampart"
  rm -f "$zip"
  (cd "$layer" && python3 -m zipfile -c "$zip" python extensions rampart)
  # zipfile drops the executable bit: set it again in the archive.
  python3 - "$zip" <<'PY'
import sys, zipfile, os
p = sys.argv[1]
tmp = p + ".tmp"
with zipfile.ZipFile(p) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename in ("extensions/rampart", "rampart/rampart"):
            item.external_attr = (0o755 | 0o100000) << 16
        zout.writestr(item, zin.read(item.filename))
os.replace(tmp, p)
PY
  ls -la "$out/$whl" "$zip"
}

status=0
for arch in $archs; do
  # Each architecture in a subshell that stops at its first error; the
  # others are still built.
  set +e
  (set -e; build "$arch")
  s=$?
  set -e
  [ "$s" -eq 0 ] || [ "$status" -ne 0 ] || status=$s
done
exit "$status"
