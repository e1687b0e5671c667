#!/bin/sh
# RAUC post-install handler for cabin config sets (system.conf: [handlers]
# post-install=/usr/lib/cabin/cabin-post-install.sh). RAUC >= 1.13 delivers the set as a
# `trees` artifact at /run/rauc/artifacts/cabin/<name>; older RAUC (Debian has 1.8) as a
# directory in the bundle, named by CABIN_RAUC_SET (relative to RAUC_BUNDLE_MOUNT_POINT).
# RAUC only reports a post-install failure, the update still counts as installed: the
# verdict of the trial lives in cabin (`cabin sets`, events, the Mender-style inventory),
# and a failed set is rolled back by cabin itself. Pair with `rauc status mark-good` in a
# kind=host service once the set is committed, for A/B slots. Environment: CABIN,
# CABIN_COMMIT_WAIT (seconds, 600).
set -u
CABIN=${CABIN:-cabin}
WAIT=${CABIN_COMMIT_WAIT:-600}
kv() { $CABIN status -o kv | tr ' ' '\n' | sed -n "s/^$1=//p"; }
dir=""
for d in /run/rauc/artifacts/cabin/*; do [ -d "$d" ] && dir=$d; done
[ -n "${CABIN_RAUC_SET:-}" ] && dir=${RAUC_BUNDLE_MOUNT_POINT:-}/$CABIN_RAUC_SET
[ -n "$dir" ] && [ -d "$dir" ] || { echo "cabin: no config set in this bundle" >&2; exit 0; }
$CABIN deploy --try "$dir" || exit 1
i=0
while [ -z "$(kv trial_set)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
id=$(kv trial_set)
end=$(($(date +%s) + WAIT))
while ! $CABIN commit "$id" > /dev/null 2>&1; do
	if [ "$(kv trial)" = none ] || [ "$(date +%s)" -ge "$end" ]; then
		echo "cabin: set $id failed its trial ($(kv trial_failed)); cabin rolled it back" >&2
		$CABIN rollback "$id" > /dev/null 2>&1
		exit 1
	fi
	sleep 1
done
exit 0
