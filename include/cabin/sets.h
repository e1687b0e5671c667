/* SPDX-License-Identifier: MIT */
/* Config sets (the fleet issue): a deployed set is a directory of .conf files, copied
 * under sets_dir as ID/ (the hash of its files) with a MANIFEST of their hashes, and
 * switched with symlinks current / previous / try renamed into place. A trial
 * (`deploy --try DIR`) runs the firmware's files plus the set; it passes when every
 * container it changed has run healthy for try_settle without a restart, and rolls back
 * at once on its own otherwise; `commit` makes it current (and, once good, the
 * known-good config of bootloop.c), `rollback` goes back. A reboot during a trial boots
 * current and marks the trial failed; a failed set is not tried again. Every write is
 * done by a child process (persist.c), never in the loop and never to a path taken from
 * a request. */
#ifndef CABIN_SETS_H
#define CABIN_SETS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cabin/conf.h"
#include "cabin/ctl.h"

/* At start-up, with the firmware's config parsed: where sets live; a trial a reboot
 * interrupted is marked failed. Returns the directory of the current set, or NULL. */
const char *sets_start(const struct conf *c, const char *state_dir);
/* The set to load with the firmware's files now (the trial's while one is on). */
const char *sets_dir_now(void);
/* `deploy --try DIR`: refuses a running trial or a failed set; else copies DIR into
 * sets_dir by a child and starts the trial when that is done. 0 or -errno with msg. */
int sets_try(const char *dir, char *msg, size_t n);
/* id "" = whatever is on trial; idempotent (see sets.c) */
int sets_commit(const char *id, char *msg, size_t n);
int sets_rollback(const char *id, char *msg, size_t n);
void sets_list(struct ctl_reply *rp);
void sets_status_kv(struct ctl_reply *rp);
/* each loop iteration: judge the trial */
void sets_tick(uint64_t now);
uint64_t sets_next_deadline(void);
bool sets_reaped(pid_t pid, int status);

#endif
