#!/bin/sh
# cache image: an echo service on TCP 11211 (busybox nc -ll -e /bin/cat) standing in for
# a cache, plus a `sleep`-based long runner for supervision demos.
# cmd: /bin/nc -ll -p 11211 -e /bin/cat   or   /bin/long-runner
# usage: rootfs/images/cache.sh DIR
set -eu
. "$(dirname "$0")/base.sh"
D=${1:?usage: cache.sh DIR}
image_base "$D"
cat > "$D/bin/long-runner" <<'LR'
#!/bin/sh
# runs until told to stop; a TERM ends it cleanly (it is pid 1: without a handler the
# kernel would ignore the signal)
trap 'echo "long-runner: stopping"; exit 0' TERM INT
echo "long-runner: up as pid $$ on $(hostname)"
while :; do sleep 1 & wait $!; done
LR
chmod 755 "$D/bin/long-runner"
echo "image cache: $D"
