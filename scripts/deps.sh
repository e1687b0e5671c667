#!/bin/sh
# Install what a fresh Debian 12 needs to build and test cabin. Idempotent and quiet:
# only packages that are missing are installed. Never touches the host's apt sources.
set -eu
PKGS="make gcc clang clang-format musl-tools libcmocka-dev libcap-dev busybox-static crun
      dpkg-dev xz-utils iproute2 jq util-linux procps psmisc file
      libclang-rt-14-dev qemu-system-x86 cpio skopeo umoci mender-client mender-artifact
      python3 python3-prometheus-client"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
# kconfig-conf/mconf: the -nox build (no Qt); either flavour will do
command -v kconfig-conf > /dev/null 2>&1 || missing="$missing kconfig-frontends-nox"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing (run make deps as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
