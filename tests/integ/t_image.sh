#!/bin/sh
# scripts/cabin-image: an OCI image built here with umoci (a base layer, a layer that
# deletes a file (whiteout) and adds a hard link to a file of the lower layer, a layer
# whose opaque marker comes after a sibling it must keep) converts to exactly the
# expected tree and a cabin section from its config, which then runs under cabin run;
# --tar keeps numeric owners; a command longer than cabin's limit is an error.
. "$(dirname "$0")/lib.sh"
IMG=$TOP/scripts/cabin-image
for x in skopeo umoci jq; do
	command -v $x > /dev/null || { skip "cabin-image: $x missing (make deps)"; exit 0; }
done
cg_enter
export CABIN_RUNDIR=$T/run
L=$T/layout
umoci init --layout "$L"
umoci new --image "$L:t"
umoci unpack --image "$L:t" "$T/b" > /dev/null
RB=$T/b/rootfs
mkrootfs "$RB"
mkdir -p "$RB/data" "$RB/opq" "$RB/hl"
echo a > "$RB/data/a"
echo keep > "$RB/data/keep"
echo x > "$RB/opq/x"
echo y > "$RB/opq/y"
echo hard > "$RB/hl/orig"
umoci repack --image "$L:t" "$T/b" > /dev/null
# layer 2, made by hand: a whiteout for data/a, and hl/link as a hard link to the lower
# layer's hl/orig (archive both, then drop orig: the link entry stays)
mkdir -p "$T/l2/data" "$T/l2/hl"
: > "$T/l2/data/.wh.a"
echo hard > "$T/l2/hl/orig"
ln "$T/l2/hl/orig" "$T/l2/hl/link"
tar --numeric-owner -C "$T/l2" -cf "$T/l2.tar" data/.wh.a hl/orig hl/link
tar --delete -f "$T/l2.tar" hl/orig
# layer 3: opq/z first, then the opaque marker: z must stay, x and y must go
mkdir -p "$T/l3/opq"
echo z > "$T/l3/opq/z"
: > "$T/l3/opq/.wh..wh..opq"
tar --numeric-owner -C "$T/l3" -cf "$T/l3.tar" opq/z opq/.wh..wh..opq
t "layer 2 (whiteout, hard link into the lower layer) added" umoci raw add-layer --image "$L:t" "$T/l2.tar"
t "layer 3 (opaque marker after its sibling) added" umoci raw add-layer --image "$L:t" "$T/l3.tar"
t "image config" umoci config --image "$L:t" --config.entrypoint /bin/sh --config.cmd -c \
	--config.cmd "echo image-ok \$APP; cat /hl/link; pwd" --config.env APP=seven \
	--config.workingdir /data --config.stopsignal SIGINT --config.exposedports 8080/tcp \
	--config.volume /var/lib/app

t "cabin-image converts it" "$IMG" --name app "oci:$L:t" "$T/out"
O=$T/out/rootfs
t "  the whiteout removed data/a" [ ! -e "$O/data/a" ]
t "  data/keep stays" [ "$(cat "$O/data/keep")" = keep ]
t "  the opaque directory hides the lower layer's x and y" [ ! -e "$O/opq/x" ] && [ ! -e "$O/opq/y" ]
t "  but keeps its own z, listed before the marker" [ "$(cat "$O/opq/z")" = z ]
t "  no whiteout files left" [ -z "$(find "$O" -name '.wh.*')" ]
t "  hl/link is a hard link of hl/orig" [ "$(stat -c %i "$O/hl/link")" = "$(stat -c %i "$O/hl/orig")" ]
t_out "  the digest kept" "^sha256:[0-9a-f]{64}$" cat "$T/out/digest"
C=$T/out/app.conf
t_out "  cmd = Entrypoint + Cmd, quoted" '^cmd=/bin/sh -c "echo image-ok \$APP; cat /hl/link; pwd"$' cat "$C"
t_out "  env from the image" "^env=APP=seven$" cat "$C"
t_out "  workdir" "^workdir=/data$" cat "$C"
t_out "  stop_signal" "^stop_signal=INT$" cat "$C"
t_out "  the exposed port as a comment" "^# the image exposes 8080/tcp" cat "$C"
t_out "  the volume as a comment" "^# the image declares a volume at /var/lib/app" cat "$C"
t "  cabin check accepts the section" "$CABIN" check -c "$C"
t_out "  and it runs under cabin run" "image-ok seven.*hard.*/data" sh -c "\"$CABIN\" run -c \"$C\" app 2>&1 | tr '\n' ' '"

t "--tar" "$IMG" --name app --tar "oci:$L:t" "$T/out2"
t_out "  rootfs.tar with numeric owners" "0/0 .*hl/(link|orig) link to" tar -tvf "$T/out2/rootfs.tar" --numeric-owner
t_out "  and the unpack note in the section" "^# unpack rootfs.tar" cat "$T/out2/app.conf"

args=""
i=0; while [ $i -lt 40 ]; do args="$args --config.cmd w$i"; i=$((i + 1)); done
umoci config --image "$L:t" --config.entrypoint /bin/echo $args > /dev/null
t_out "a command past cabin's 32 words: an error, not truncated" "cabin takes 32" "$IMG" --name big "oci:$L:t" "$T/out3"
t_rc "  exit 1" 1 "$IMG" --name big "oci:$L:t" "$T/out3"
