#!/bin/sh
# musl ships no kernel headers: give musl-gcc the host's linux/, asm/, asm-generic/
# through a directory of links ($1).
set -eu
mkdir -p "$1"
ln -sfn /usr/include/linux "$1/linux"
ln -sfn /usr/include/asm-generic "$1/asm-generic"
ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$1/asm"
