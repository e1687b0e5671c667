/* SPDX-License-Identifier: MIT */
/* Files that survive a power cut: fsync + rename. Blocking: start-up or a child only. */
#ifndef CABIN_PERSIST_H
#define CABIN_PERSIST_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a over each file's base name and bytes, in order (never 0) */
uint64_t persist_hash(const char *const *files, int n);
/* dir/name = data, through dir/.name.tmp, fsync'd, renamed, dir fsync'd. 0 or -errno */
int persist_write(const char *dir, const char *name, const char *data, size_t len);
/* from -> to (0600, fsync'd). 0 or -errno */
int persist_copy(const char *from, const char *to);
/* path and everything under it (no symlink followed) */
void persist_rm_tree(const char *path);

#endif
