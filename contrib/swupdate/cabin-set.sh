#!/bin/sh
# SWUpdate "shellscript" for a cabin config set. In sw-description:
#   files: ( { filename = "set.tar"; type = "archive"; path = "/var/lib/cabin/incoming";
#              preserve-attributes = false; create-destination = true; sha256 = "..."; } );
#   scripts: ( { filename = "cabin-set.sh"; type = "shellscript"; sha256 = "..."; } );
#   bootloader_transaction_marker = false; bootloader_state_marker = false;
# SWUpdate calls it with preinst (before the files), postinst (after) and postfailure
# (failure before 2024). postinst puts the set on trial and waits for the verdict: a set
# that fails its trial fails the .swu (so suricatta reports a failure to hawkBit) after
# cabin rolled it back; SWUpdate runs no failure script then, so this one cleans up
# itself. Environment: CABIN (default cabin), CABIN_SET_DIR (default
# /var/lib/cabin/incoming), CABIN_COMMIT_WAIT (seconds, 600).
set -u
CABIN=${CABIN:-cabin}
DIR=${CABIN_SET_DIR:-/var/lib/cabin/incoming}
WAIT=${CABIN_COMMIT_WAIT:-600}
kv() { $CABIN status -o kv | tr ' ' '\n' | sed -n "s/^$1=//p"; }
case ${1:-} in
preinst)
	rm -rf "$DIR" # a half-extracted earlier attempt
	$CABIN status > /dev/null || { echo "cabin-set: the daemon does not answer" >&2; exit 1; }
	;;
postinst)
	$CABIN deploy --try "$DIR" || { rm -rf "$DIR"; exit 1; }
	i=0
	while [ -z "$(kv trial_set)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	id=$(kv trial_set)
	end=$(($(date +%s) + WAIT))
	while ! $CABIN commit "$id" > /dev/null 2>&1; do
		if [ "$(kv trial)" = none ] || [ "$(date +%s)" -ge "$end" ]; then
			echo "cabin-set: set $id failed: $(kv trial_failed)" >&2
			$CABIN rollback "$id" > /dev/null 2>&1
			rm -rf "$DIR"
			exit 1
		fi
		sleep 1
	done
	rm -rf "$DIR"
	;;
postfailure | failure)
	id=$(kv trial_set)
	[ -n "$id" ] && $CABIN rollback "$id"
	rm -rf "$DIR"
	;;
esac
exit 0
