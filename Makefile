# cabin — see README.md. `make` builds build/cabin (static, musl, libcap).
# Every target that needs tools runs `deps` first; nothing here touches the host's
# /etc or /run.

B        := build
CONFIG   := .config
GENH     := $(B)/include/generated/config.h
DEPSTAMP := $(B)/.deps-ok
LIBCAP   := $(B)/libcap/lib/libcap.a
KH       := $(B)/kh
BOARD    ?= host

VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

SRCS     := $(sort $(wildcard src/*.c))
OBJS     := $(SRCS:src/%.c=$(B)/obj/%.o)
LIBSRCS  := $(filter-out src/main.c,$(SRCS))
# src/fmt.c replaces musl's vsnprintf/vfprintf in the static binary; the host builds
# (glibc, sanitizers) keep glibc's, and tests/unit/test_fmt.c checks ours against it
HOSTSRCS := $(filter-out src/fmt.c,$(LIBSRCS))

CC       := musl-gcc
WARN     := -Wall -Wextra -Werror -Wundef -Wshadow -Wno-unused-parameter -Wstrict-prototypes
# -Oz (gcc >= 12, clang): -Os that also trades speed for bytes (~3 KB here); -flto: one
# program-wide optimisation at link time (~1.6 KB more). Both probed, so an older cross
# compiler (or one without the LTO plugin) still builds with -Os.
OPT      := $(shell $(CC) -Oz -x c -c -o /dev/null /dev/null 2>/dev/null && echo -Oz || echo -Os)
LTO      := $(shell echo 'int main(void){return 0;}' | $(CC) -flto -x c -o /dev/null - 2>/dev/null && echo -flto)
CFLAGS   := -std=gnu11 $(OPT) $(LTO) $(WARN) -ffunction-sections -fdata-sections \
	    -fno-asynchronous-unwind-tables -fno-stack-protector -fno-pie \
	    -Iinclude -I$(B)/include -I$(B)/libcap/include -isystem $(KH) \
	    -DCABIN_VERSION='"$(VERSION)"' -MMD -MP
# -no-pie/-fno-pie: plain static EXEC, absolute addressing, pointer tables in .rodata;
# -z noseparate-code: no page-aligned padding between the R and RX segments (~4 KB);
# -z norelro: musl's static start code never mprotects PT_GNU_RELRO (checked in
# /proc/self/maps), so it only padded the data segment to a page boundary (0-4 KB);
# -z common-page-size=64: the data segment starts right after the text in the file
# instead of at the next page boundary (the same 0-4 KB lottery, on every change).
LDFLAGS  := $(OPT) $(LTO) $(if $(LTO),-flto-partition=one) -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro \
	    -Wl,-z,common-page-size=64 -s

# host build of the modules for unit tests and fuzzing (glibc, sanitizers)
HCC      := gcc
HCFLAGS  := -std=gnu11 -g -O1 $(WARN) -fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all -Iinclude -I$(B)/include -DCABIN_VERSION='"test"' -DCABIN_TEST=1
HOBJS    := $(HOSTSRCS:src/%.c=$(B)/hobj/%.o)
UNITSRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITBINS := $(UNITSRCS:tests/unit/%.c=$(B)/unit/%)

FCC      := clang
FCFLAGS  := -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	    -Iinclude -I$(B)/include -DCABIN_VERSION='"fuzz"' -DCABIN_TEST=1
FOBJS    := $(HOSTSRCS:src/%.c=$(B)/fobj/%.o)
FUZZSRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZBINS := $(FUZZSRCS:tests/fuzz/%.c=$(B)/fuzz/%)

PROBE    := $(B)/probe

.SECONDARY:

.PHONY: all deps defconfig %_defconfig menuconfig savedefconfig size check unit integ \
	fuzz fuzz-check demo clean install format format-check bench soak probe qemu

all: $(B)/cabin

deps: $(DEPSTAMP)
ifeq ($(origin DEPSTAMP),file) # buildroot passes DEPSTAMP=/dev/null: no apt in there
$(DEPSTAMP): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(B) && touch $@
endif

# kernel headers and libcap: ours unless a build system hands its own (buildroot passes
# KH= and LIBCAP= from its staging directory: nothing is fetched or built then)
ifeq ($(origin KH),file)
$(KH)/linux: | $(DEPSTAMP)
	@sh scripts/kheaders.sh $(KH)
endif

ifeq ($(origin LIBCAP),file)
$(LIBCAP): scripts/libcap.sh | $(DEPSTAMP) $(KH)/linux
	@sh scripts/libcap.sh $(B)
endif

# --- configuration -------------------------------------------------------------------
# without kconfig-frontends (inside buildroot): Kconfig's defaults + the board's defconfig
$(CONFIG): | $(DEPSTAMP)
	@if command -v kconfig-conf > /dev/null; then \
		KCONFIG_CONFIG=$(CONFIG) kconfig-conf -s --defconfig=board/$(BOARD)/defconfig Kconfig; \
	else sh scripts/kconfig-defaults.sh Kconfig board/$(BOARD)/defconfig > $(CONFIG); fi

defconfig: | $(DEPSTAMP)
	@KCONFIG_CONFIG=$(CONFIG) kconfig-conf -s --defconfig=board/host/defconfig Kconfig
%_defconfig: board/%/defconfig | $(DEPSTAMP)
	@KCONFIG_CONFIG=$(CONFIG) kconfig-conf -s --defconfig=$< Kconfig
menuconfig: | $(DEPSTAMP)
	KCONFIG_CONFIG=$(CONFIG) kconfig-mconf Kconfig
savedefconfig: $(CONFIG)
	KCONFIG_CONFIG=$(CONFIG) kconfig-conf -s --savedefconfig=defconfig Kconfig
	@echo "wrote ./defconfig"

$(GENH): $(CONFIG) Kconfig scripts/genconfig.sh
	@mkdir -p $(dir $@)
	@if command -v kconfig-conf > /dev/null; then \
		KCONFIG_CONFIG=$(CONFIG) kconfig-conf -s --olddefconfig Kconfig; fi
	@sh scripts/genconfig.sh $(CONFIG) $@ Kconfig

# --- the binary ----------------------------------------------------------------------
$(B)/obj/%.o: src/%.c $(GENH) $(LIBCAP) | $(KH)/linux
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/cabin: $(OBJS) $(LIBCAP)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBCAP)
	@size=$$(stat -c %s $@); echo "cabin: $$size bytes"

size: $(B)/cabin
	@stat -c '%s bytes  %n' $<
	@size $<

# --- probe: the static test payload for containers -----------------------------------
probe: $(PROBE)
$(PROBE): tests/probe/probe.c | $(DEPSTAMP) $(KH)/linux
	$(CC) -std=gnu11 -Os -Wall -Wextra -Werror -static -isystem $(KH) -s -o $@ $<

# --- tests ---------------------------------------------------------------------------
$(B)/hobj/%.o: src/%.c $(GENH) | $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(HCC) $(HCFLAGS) -MMD -MP -c $< -o $@

$(B)/unit/%: tests/unit/%.c $(HOBJS)
	@mkdir -p $(dir $@)
	$(HCC) $(HCFLAGS) -Itests/unit -o $@ $< $(HOBJS) -lcmocka -lcap

unit: $(UNITBINS)
	@sh tests/unit/run.sh $(UNITBINS)

$(B)/fobj/%.o: src/%.c $(GENH) | $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(FCC) $(FCFLAGS) -MMD -MP -c $< -o $@

$(B)/fuzz/%: tests/fuzz/%.c $(FOBJS)
	@mkdir -p $(dir $@)
	$(FCC) $(FCFLAGS) -fsanitize=fuzzer -o $@ $< $(FOBJS) -lcap

# replay the corpus and fuzz briefly (make check); `make fuzz` runs long
fuzz-check: $(FUZZBINS)
	@sh tests/fuzz/run.sh check $(FUZZBINS)
fuzz: $(FUZZBINS)
	@sh tests/fuzz/run.sh long $(if $(FUZZ_ONLY),$(FUZZ_ONLY:%=$(B)/fuzz/%),$(FUZZBINS))

integ: $(B)/cabin $(PROBE)
	@sh tests/integ/run.sh

check: $(B)/cabin $(PROBE) $(UNITBINS) $(FUZZBINS)
	@rm -rf $(B)/results && mkdir -p $(B)/results
	@sh tests/format.sh || true
	@sh tests/unit/run.sh $(UNITBINS) || true
	@sh tests/fuzz/run.sh check $(FUZZBINS) || true
	@sh tests/integ/run.sh || true
	@sh tests/qemu/run.sh || true
	@if sh board/buildroot/check.sh; then echo "pass 1 fail 0 skip 0" > $(B)/results/buildroot.count; \
	else echo "pass 0 fail 1 skip 0" > $(B)/results/buildroot.count; \
		echo "buildroot: the package's make invocation" >> $(B)/results/failed; fi
	@sh tests/summary.sh $(B)/results

soak: $(B)/cabin $(B)/cabin-alloc $(PROBE)
	@ROUNDS=50 ONLY=t_daemon_crashloop INTEG_TIMEOUT=900 sh tests/integ/run.sh
	@CTL_LOAD=500 ONLY=t_ctl sh tests/integ/run.sh
	@CHURN=10000 ONLY=t_daemon_churn INTEG_TIMEOUT=1800 sh tests/integ/run.sh
	@sh tests/integ/soak.sh

# the boot test alone: Debian's kernel under qemu, cabin as /init (also part of check)
qemu: $(B)/cabin $(PROBE)
	@sh tests/qemu/run.sh

bench: $(B)/cabin
	@sh bench/start.sh

demo: $(B)/cabin
	@sh rootfs/demo.sh

install: $(B)/cabin
	install -D -m 0755 $(B)/cabin $(DESTDIR)/sbin/cabin
	install -D -m 0644 rootfs/etc/cabin.conf $(DESTDIR)/etc/cabin.conf.example
	install -d -m 0755 $(DESTDIR)/etc/cabin.d $(DESTDIR)/var/lib/cabin

format:
	clang-format -i src/*.c src/*.h include/cabin/*.h
format-check:
	@sh tests/format.sh

clean:
	rm -rf $(B)/obj $(B)/hobj $(B)/fobj $(B)/unit $(B)/fuzz $(B)/cabin $(B)/probe $(B)/results

-include $(wildcard $(B)/obj/*.d $(B)/hobj/*.d $(B)/fobj/*.d)

# --- allocation-count build (daemon branch) ------------------------------------------
# build/cabin-alloc: the same objects as build/cabin plus tests/alloc/count.c, with every
# allocator entry point (public and musl-internal) wrapped so that any allocation after
# daemon_startup_done() is counted and reported; tests/integ/t_daemon_alloc.sh drives a
# scripted session against it and asserts zero. Not stripped: callers are printed.
ALLOC_WRAP := malloc calloc realloc aligned_alloc posix_memalign \
	      __libc_malloc __libc_calloc __libc_realloc
$(B)/obj-alloc/count.o: tests/alloc/count.c $(GENH) | $(KH)/linux
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(B)/cabin-alloc: $(OBJS) $(B)/obj-alloc/count.o $(LIBCAP)
	$(CC) -static $(foreach f,$(ALLOC_WRAP),-Wl,--wrap=$(f)) -o $@ $(OBJS) \
		$(B)/obj-alloc/count.o $(LIBCAP)
alloc: $(B)/cabin-alloc
bench-daemon: $(B)/cabin
	sh bench/daemon.sh
.PHONY: alloc bench-daemon
check integ: $(B)/cabin-alloc
