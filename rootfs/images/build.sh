#!/bin/sh
# Build every demo image: rootfs/images/build.sh [OUTDIR] (default build/images/<name>)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$(cd "$HERE/../.." && pwd)/build/images}
mkdir -p "$OUT"
for img in web db cache; do
	sh "$HERE/$img.sh" "$OUT/$img"
done
