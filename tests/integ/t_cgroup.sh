#!/bin/sh
# cgroup.c for real, the way cabin meets it in tests and on devices: inside a fresh pid
# namespace (cgroup.procs lists and takes namespace pids) and started in a delegated
# subtree (cg_enter), so the base is that subtree, not our original group. Runs the root
# part of the unit test binary there; also checks that cgroup.o calls no allocator.
. "$(dirname "$0")/lib.sh"

if [ -f "$TOP/build/obj/cgroup.o" ] && command -v nm > /dev/null; then
	t_rc "cgroup.o calls no malloc/stdio/opendir" 1 sh -c \
		"nm -u '$TOP/build/obj/cgroup.o' | grep -Ew 'malloc|calloc|realloc|free|strdup|strndup|asprintf|fopen|fdopen|opendir|fdopendir|printf|fprintf'"
else
	skip "cgroup.o calls no allocator (no build/obj/cgroup.o or nm)"
fi

U=$TOP/build/unit/test_cgroup
if [ -x "$U" ]; then
	cg_enter
	"$U" > "$T/unit.out" 2>&1
	# test_real_v2_limits needs v2's controllers: the hybrid's unified mount has none
	# (it runs in the qemu boot test); every other real test must run here
	t "real cgroup tests in a pid namespace, in a delegated subtree" sh -c \
		"cat '$T/unit.out'; grep -q 'PASSED  \] 4 test' '$T/unit.out' &&
		 ! grep -Eq 'FAILED|ERROR' '$T/unit.out' &&
		 ! grep 'SKIPPED  *\] test_' '$T/unit.out' | grep -vq test_real_v2_limits"
	# each base the tests used lies in one of our delegated groups
	inside() {
		grep '^base: ' "$T/unit.out" | sort -u > "$T/bases"
		[ -s "$T/bases" ] || return 1
		while read -r b_ dir_; do
			in_=no
			for g_ in $CG_DIRS; do
				case $dir_ in "$g_"/cabin-unit*) in_=yes ;; esac
			done
			[ $in_ = yes ] || { echo "outside: $dir_"; return 1; }
		done < "$T/bases"
	}
	t "the bases are below our delegated groups" inside
	t "no cabin-unit-* group left in our subtree" sh -c \
		"! find $CG_DIRS -name 'cabin-unit*' 2>/dev/null | grep -q ."
else
	skip "real cgroup tests (build/unit/test_cgroup not built)"
fi
