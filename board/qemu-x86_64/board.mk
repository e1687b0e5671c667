# qemu-x86_64: the boot-test board. Same toolchain as host (musl-gcc, x86_64).
BOARD_ARCH := x86_64
